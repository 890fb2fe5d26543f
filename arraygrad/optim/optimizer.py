"""``Optimizer``: the base class of every optimizer — parameter groups, per-parameter state,
``zero_grad``, ``step`` hooks and ``state_dict`` in PyTorch's format.

Each optimizer is a small class over an update rule on backend arrays. SGD, Adam and AdamW call
one backend kernel per parameter group (``Backend.sgd_update``, ``adam_update``,
``adamw_update``, in the style of PyTorch's foreach implementation); where the backend's arrays
may be written (numpy) the kernel updates the parameters and their state in place, as PyTorch's
optimizers do, and elsewhere (jax, array-api-strict, and inside ``ag.compile``) it returns new
arrays that ``step`` stores (``Tensor._set_array``). Either way every alias and view of a
parameter sees the update and its version counter moves on by one. The other optimizers are
pure update functions on backend arrays (``rmsprop_update``...) whose results are stored the
same way.

State, as stored in ``optimizer.state[param]``:

- arrays (``exp_avg``, ``momentum_buffer``...) are arraygrad tensors on the parameter's backend,
  with the parameter's dtype;
- the step counter ``step`` is a Python ``int`` and NAdam's ``mu_product`` a Python ``float``:
  scalars stay on the host, so bias corrections cost no device work. (PyTorch keeps them as
  0-d tensors of the default dtype; arraygrad's are exact integers and double-precision floats.)

``state_dict()`` follows PyTorch's format: ``{"state": {index: {...}}, "param_groups": [{...,
"params": [indices]}]}``. There ``step`` is a 0-d float32 tensor on the parameter's backend (as
in PyTorch; exact up to 2**24 steps) and ``mu_product`` a Python float. The tensors of a state
dict are snapshots (copies): later steps do not change them.
"""

from __future__ import annotations

import copy
import functools
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from arraygrad.core.autograd import enable_grad
from arraygrad.core.methods import to_backend, to_dtype
from arraygrad.core.tensor import RemovableHandle, Tensor
from arraygrad.core.views import pin

#: what an optimizer accepts as ``params``: tensors, ``(name, tensor)`` pairs or parameter-group dicts
ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]] | Iterable[tuple[str, Tensor]]
StateDict = dict[str, Any]

_hook_ids = itertools.count()


def _hooked_step(step: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap an optimizer class's ``step`` so that step hooks run and schedulers can tell that the
    optimizer has stepped (PyTorch warns when the scheduler steps first)."""

    @functools.wraps(step)
    def wrapper(self: Optimizer, *args: Any, **kwargs: Any) -> Any:
        if self._step_pre_hooks:
            for hook in tuple(self._step_pre_hooks.values()):
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(
                            f"{hook} must return None or a tuple of (new_args, new_kwargs), but got {result}."
                        )
                    args, kwargs = result
        out = step(self, *args, **kwargs)
        self._opt_called = True
        if self._step_post_hooks:
            for hook in tuple(self._step_post_hooks.values()):
                hook(self, args, kwargs)
        return out

    wrapper.hooked = True  # type: ignore[attr-defined]
    if wrapper.__doc__ is None:
        wrapper.__doc__ = Optimizer.step.__doc__
    return wrapper


def run_closure(closure: Callable[[], Any] | None) -> Any:
    """Call ``closure`` with gradient recording enabled (``step`` may run under ``no_grad``).

    Args:
        closure: a function that re-evaluates the model and returns the loss, or None.

    Returns:
        The closure's result, or None without a closure.
    """
    if closure is None:
        return None
    with enable_grad():
        return closure()


class Optimizer:
    """Base class of all optimizers.

    Args:
        params: an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts (parameter
            groups: a ``"params"`` entry plus options that override ``defaults`` for that group).
        defaults: the default value of every option of this optimizer.

    Raises:
        TypeError: ``params`` is a single tensor, or contains something that is not a tensor.
        ValueError: ``params`` is empty, a parameter is not a leaf, or appears twice.
    """

    #: whether the update rule is right for complex parameters (it is for linear rules like SGD)
    _supports_complex = False
    #: state entries kept as Python numbers, with the type they are converted to on loading
    _scalar_state: dict[str, type] = {"step": int}
    #: ``ag.compile``: hyperparameters of a group that are inputs of the compiled program (a
    #: scheduler changing them does not recompile); the others are part of its key
    _compile_hyperparameters: frozenset[str] = frozenset({"lr"})
    #: ``ag.compile``: numbers in the state that are program inputs (used only in arithmetic);
    #: the others are part of the key, so a change compiles again
    _compile_state: frozenset[str] = frozenset({"step", "mu_product"})

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._step_pre_hooks: dict[int, Callable[..., Any]] = {}
        self._step_post_hooks: dict[int, Callable[..., Any]] = {}
        self._opt_called = False
        self._patch_step_function()
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, but got "
                f"{type(params).__module__}.{type(params).__name__}"
            )
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups: list[Any] = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def _patch_step_function(self) -> None:
        cls = self.__class__
        if not getattr(cls.step, "hooked", False):
            cls.step = _hooked_step(cls.step)  # type: ignore[method-assign]

    def __repr__(self) -> str:
        out = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            out += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    out += f"    {key}: {group[key]}\n"
        return out + ")"

    # ------------------------------------------------------------------ parameter groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a parameter group (a dict with ``"params"`` and optional per-group options) to
        ``param_groups``, e.g. to train layers that were frozen so far.

        Args:
            param_group: a dict with a ``"params"`` entry (a tensor, or an ordered iterable of
                tensors or of ``(name, tensor)`` pairs) and options overriding ``defaults``.

        Raises:
            TypeError: ``param_group`` is not a dict, its params are a set (unordered) or hold a
                non-tensor, or an option is a Tensor (learning rates etc. are Python numbers here).
            ValueError: a parameter is not a leaf, appears twice in the group or is already in
                another group; named and unnamed parameters are mixed.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the ordering of tensors "
                "in sets will change between runs. Please use a list instead."
            )
        else:
            params = list(params)
        tensors, names = [], []
        for param in params:
            if isinstance(param, tuple):
                names.append(param[0])
                tensors.append(param[1])
            else:
                tensors.append(param)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names
        for param in tensors:
            if not isinstance(param, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is "
                    f"{type(param).__module__}.{type(param).__name__}"
                )
            if not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
            if param.dtype.is_complex and not self._supports_complex:
                raise NotImplementedError(f"{type(self).__name__} does not support complex parameters yet")
        for name, default in self.defaults.items():
            param_group.setdefault(name, default)
        for name, value in param_group.items():
            if name != "params" and isinstance(value, Tensor):
                raise TypeError(f"optimizer option {name!r} must be a Python number, not a Tensor")
        ids = {id(p) for p in tensors}
        if len(ids) != len(tensors):
            raise ValueError("optimizer contains a parameter group with duplicate parameters")
        for group in self.param_groups:
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {which} to the optimizer"
                )
            if any(id(p) in ids for p in group["params"]):
                raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ------------------------------------------------------------------ gradients and steps
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors, to None or to zeros in place.

        Args:
            set_to_none: set each ``.grad`` to None (default; the next ``step`` then skips
                parameters that get no gradient) instead of filling it with zeros in place.
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if p.grad.grad_fn is not None:
                        p.grad.detach_()
                    else:
                        p.grad.requires_grad_(False)
                    p.grad.zero_()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update the parameters once from their ``.grad`` (parameters without one are skipped).

        Args:
            closure: optional; re-evaluates the model (with gradients enabled) and returns the loss.

        Returns:
            The closure's loss, or None.
        """
        raise NotImplementedError

    def register_step_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(optimizer, args, kwargs)`` before each ``step``; it may return new ``(args, kwargs)``.

        Args:
            hook: the function to call before each step.

        Returns:
            A handle whose ``remove()`` unregisters the hook.
        """
        key = next(_hook_ids)
        self._step_pre_hooks[key] = hook
        return RemovableHandle(self._step_pre_hooks, key)

    def register_step_post_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(optimizer, args, kwargs)`` after each ``step``.

        Args:
            hook: the function to call after each step.

        Returns:
            A handle whose ``remove()`` unregisters the hook.
        """
        key = next(_hook_ids)
        self._step_post_hooks[key] = hook
        return RemovableHandle(self._step_post_hooks, key)

    # ------------------------------------------------------------------ state dict
    def state_dict(self) -> StateDict:
        """Return the optimizer's state in PyTorch's format (see the module docstring).

        Returns:
            ``{"state": {param_index: {name: value}}, "param_groups": [{options..., "params":
            [indices]}]}``, parameters numbered in the order of ``param_groups``; its tensors
            are copies.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state: dict[Any, Any] = {}
        for param, entries in self.state.items():
            key = index[id(param)] if isinstance(param, Tensor) else param
            state[key] = {name: self._pack(name, value, param) for name, value in entries.items()}
        return {"state": state, "param_groups": groups}

    def _pack(self, name: str, value: Any, param: Any) -> Any:
        if isinstance(value, Tensor):
            return Tensor._wrap(value._backend.copy(value._storage.array), value._backend)  # a snapshot
        if name == "step" and isinstance(value, int) and isinstance(param, Tensor):
            be = param._backend
            return Tensor._wrap(be.xp.asarray(float(value), dtype=be.native_dtype("float32")), be)
        return copy.deepcopy(value)

    def load_state_dict(self, state_dict: StateDict) -> None:
        """Load a state made by ``state_dict()`` (of this or another arraygrad optimizer of the
        same class and parameter layout, on any backend).

        Tensors are moved to each parameter's backend/device and floating ones cast to its
        dtype; ``step`` may be a number or a 0-d tensor.

        Args:
            state_dict: the state, as ``state_dict()`` returns it.

        Raises:
            ValueError: the number of groups or of parameters in a group differs.
        """
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of optimizer's group"
            )
        id_map = {
            saved: param
            for s, g in zip(saved_groups, groups)
            for saved, param in zip(s["params"], g["params"])
        }
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for key, entries in state_dict["state"].items():
            if key in id_map:
                param = id_map[key]
                state[param] = {name: self._unpack(name, value, param) for name, value in entries.items()}
            else:
                state[key] = copy.deepcopy(entries)
        new_groups = []
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
            for name, default in self.defaults.items():
                saved.setdefault(name, default)
            new_groups.append(saved)
        self.state = state
        self.param_groups = new_groups
        self._after_load()

    def _after_load(self) -> None:
        """Hook for subclasses that force options after loading (AdamW's decoupled weight decay)."""

    def _unpack(self, name: str, value: Any, param: Tensor) -> Any:
        convert = self._scalar_state.get(name)
        if convert is not None:
            number = value.item() if isinstance(value, Tensor) else value
            return convert(round(number)) if convert is int else convert(number)
        if isinstance(value, Tensor):
            index = param.device.index if param.device.type != "cpu" else None
            moved = to_backend(value.detach(), param._backend, index)
            if param.is_floating_point() or param.dtype.is_complex:
                moved = to_dtype(moved, param.dtype)
            return Tensor._wrap(moved._backend.copy(moved._storage.array), moved._backend)  # memory of its own
        if isinstance(value, dict):
            return {k: self._unpack(k, v, param) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self._unpack("", v, param) for v in value)
        return value


def check_non_negative(**values: float) -> None:
    """PyTorch's hyperparameter checks: raise ValueError naming the first negative value."""
    labels = {"lr": "learning rate", "eps": "epsilon value"}
    for name, value in values.items():
        if not 0.0 <= value:
            raise ValueError(f"Invalid {labels.get(name, name + ' value')}: {value}")


def check_betas(betas: tuple[float, float]) -> None:
    """Raise ValueError unless both betas are in [0, 1)."""
    for i in (0, 1):
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")


def check_unsupported(fused: bool | None = None, differentiable: bool = False) -> None:
    """Options accepted for PyTorch signature compatibility but not implemented.

    ``foreach`` and ``capturable`` are accepted and ignored (every step works on whole arrays;
    scalars stay on the host); ``fused`` and ``differentiable`` must stay off.
    """
    if fused:
        raise NotImplementedError("fused optimizer kernels are not available in arraygrad; use fused=None")
    if differentiable:
        raise NotImplementedError("differentiable optimizer steps are not supported in arraygrad")


def state_zeros(param: Tensor, fill: float = 0.0) -> Tensor:
    """A new state tensor shaped like ``param`` (its backend and dtype), filled with ``fill``."""
    xp, arr = param._backend.xp, param._storage.array
    if isinstance(fill, (int, float)):
        array = xp.zeros_like(arr) if fill == 0 else xp.full_like(arr, fill)
    else:  # a traced number (a learning rate under ag.compile)
        array = xp.add(xp.zeros_like(arr), xp.astype(fill, arr.dtype))
    return Tensor._wrap(array, param._backend)



def by_backend(tensors: list[Tensor]) -> list[tuple[Any, list[int]]]:
    """The positions of ``tensors`` grouped by backend, in order of first appearance: each group
    of parameters is updated with one kernel call per backend."""
    groups: dict[int, tuple[Any, list[int]]] = {}
    for i, t in enumerate(tensors):
        entry = groups.get(id(t._backend))
        if entry is None:
            groups[id(t._backend)] = entry = (t._backend, [])
        entry[1].append(i)
    return list(groups.values())


def writable_in_place(tensors: list[Tensor | None]) -> bool:
    """Whether an update kernel may write into the arrays of ``tensors`` (None entries skipped):
    the backend's arrays are mutable and each tensor is a whole buffer (no view) outside inference
    mode. Their buffers are then pinned (``arraygrad.core.views.pin``: copied once where other
    tensors might share them), so that an in-place write is seen by this tensor's aliases and
    views only."""
    present = [t for t in tensors if t is not None]
    if not present or not present[0]._backend.writes_in_place:
        return False
    for t in present:
        st = t._storage
        if st.base is not None or st.inference:
            return False
    for t in present:
        pin(t._storage, t._backend)
    return True


def store(tensor: Tensor, old: Any, new: Any, in_place: bool) -> None:
    """Record a kernel's result for ``tensor`` whose array was ``old``: an array updated in place
    (``new is old``) only bumps the version counter, anything else is written as the tensor's new
    values (``Tensor._set_array``: aliases and views see them, the version bumps)."""
    if in_place and new is old:
        tensor._storage._version += 1
    else:
        tensor._set_array(new)

__all__ = ["Optimizer", "ParamsT", "StateDict", "run_closure"]
