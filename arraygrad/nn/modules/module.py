"""``nn.Module``: the base class of every layer and model.

A module registers the parameters, buffers and submodules assigned to its attributes (in
assignment order, in the ``_parameters``, ``_buffers`` and ``_modules`` dicts), so that
``parameters()``, ``state_dict()``, ``to()``, ``train()``... reach the whole tree. Calling a
module runs ``forward`` between its forward pre-hooks and forward hooks; full backward hooks
are attached with identity autograd Functions on the inputs and outputs (``hooks._BackwardHook``).

The names, argument names, defaults, state-dict keys, error messages and ``repr`` follow
PyTorch's ``torch.nn.Module``.
"""

from __future__ import annotations

import itertools
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from arraygrad.core import creation
from arraygrad.core.autograd import no_grad
from arraygrad.core.tensor import Tensor
from arraygrad.nn.modules._utils import _addindent, _IncompatibleKeys, _parse_to, _typename
from arraygrad.nn.modules.hooks import (
    RemovableHandle,
    _BackwardHook,
    _global_backward_hooks,
    _global_backward_pre_hooks,
    _global_forward_hooks,
    _global_forward_hooks_with_kwargs,
    _global_forward_pre_hooks,
    register_module_forward_hook,
    register_module_forward_pre_hook,
    register_module_full_backward_hook,
    register_module_full_backward_pre_hook,
)
from arraygrad.nn.parameter import Parameter

__all__ = [
    "Module",
    "RemovableHandle",
    "register_module_forward_pre_hook",
    "register_module_forward_hook",
    "register_module_full_backward_pre_hook",
    "register_module_full_backward_hook",
]

T = TypeVar("T", bound="Module")

_EXTRA_STATE_KEY_SUFFIX = "_extra_state"


def _forward_unimplemented(self: Module, *input: Any) -> Any:  # noqa: A002
    """Define the computation of the module; subclasses must override it.

    Call the module itself (``module(x)``) rather than ``forward`` so that the registered hooks run.

    Args:
        *input: the inputs of the computation, as the subclass defines them.

    Returns:
        The output of the computation, as the subclass defines it.

    Raises:
        NotImplementedError: the subclass did not define ``forward``.
    """
    raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')


# ---------------------------------------------------------------------- Module


class Module:
    """Base class for all neural network modules; subclass it and define ``forward``::

        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 2)

            def forward(self, x):
                return self.fc(x).relu()

    Attributes assigned a ``Parameter``, a ``Module`` or (via ``register_buffer``) a Tensor
    are registered and seen by ``parameters()``, ``modules()``, ``state_dict()``, ``to()``...
    """

    training: bool
    _version: int = 1
    call_super_init: bool = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got an unexpected keyword argument '{next(iter(kwargs))}'")
        if args:
            raise TypeError(f"{type(self).__name__}.__init__() takes 1 positional argument but {len(args) + 1} were given")
        setattr_ = object.__setattr__
        setattr_(self, "training", True)
        setattr_(self, "_parameters", {})
        setattr_(self, "_buffers", {})
        setattr_(self, "_non_persistent_buffers_set", set())
        setattr_(self, "_backward_pre_hooks", OrderedDict())
        setattr_(self, "_backward_hooks", OrderedDict())
        setattr_(self, "_forward_hooks", OrderedDict())
        setattr_(self, "_forward_hooks_with_kwargs", OrderedDict())
        setattr_(self, "_forward_pre_hooks", OrderedDict())
        setattr_(self, "_forward_pre_hooks_with_kwargs", OrderedDict())
        setattr_(self, "_state_dict_hooks", OrderedDict())
        setattr_(self, "_state_dict_pre_hooks", OrderedDict())
        setattr_(self, "_load_state_dict_pre_hooks", OrderedDict())
        setattr_(self, "_load_state_dict_post_hooks", OrderedDict())
        setattr_(self, "_modules", {})

    forward: Callable[..., Any] = _forward_unimplemented
    """The computation of the module, which every subclass defines. Call the module
    (``module(x)``), not ``forward``, so that its hooks run."""

    # ------------------------------------------------------------------ registration
    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register a tensor that is state but not a parameter (e.g. running statistics).

        Args:
            name: attribute name.
            tensor: the buffer, or None (then ``to()`` and ``state_dict()`` skip it).
            persistent: whether it is part of ``state_dict()``.

        Raises:
            AttributeError: called before ``Module.__init__``.
            KeyError: bad name, or an attribute of that name that is not a buffer exists.
            TypeError: ``tensor`` is neither a Tensor nor None.
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"buffer name should be a string. Got {_typename(name)}")
        if "." in name:
            raise KeyError('buffer name can\'t contain "."')
        if name == "":
            raise KeyError('buffer name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_typename(tensor)}' object to buffer '{name}' (arraygrad Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (a ``Parameter`` or None) as the parameter ``name`` of this module.

        A None parameter is kept under its name but skipped by ``parameters()`` and ``state_dict()``.

        Args:
            name: attribute name of the parameter; must not be empty nor contain ``"."``.
            param: the parameter, or None.

        Raises:
            AttributeError: called before ``Module.__init__``.
            KeyError: ``name`` is empty, contains ``"."``, or an attribute of that name that is not a parameter
                exists.
            TypeError: ``name`` is not a string, or ``param`` is neither a Parameter nor None.
            ValueError: ``param`` is not a leaf tensor (it has a ``grad_fn``).
        """
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"parameter name should be a string. Got {_typename(name)}")
        if "." in name:
            raise KeyError('parameter name can\'t contain "."')
        if name == "":
            raise KeyError('parameter name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is None:
            self._parameters[name] = None
        elif not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                "(arraygrad.nn.Parameter or None required)"
            )
        elif param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be created explicitly. "
                f"To express '{name}' as a function of another Tensor, compute the value in the forward() method."
            )
        else:
            self._parameters[name] = param

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` (or None) as the child module ``name`` of this module.

        Args:
            name: attribute name of the child; must not be empty nor contain ``"."``.
            module: the child module, or None (kept under its name, skipped by ``children()``).

        Raises:
            TypeError: ``module`` is neither a Module nor None, or ``name`` is not a string.
            KeyError: ``name`` is empty, contains ``"."``, or an attribute of that name that is not a submodule
                exists.
        """
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {_typename(name)}")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if "." in name:
            raise KeyError(f'module name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError('module name can\'t be empty string ""')
        self._modules[name] = module

    def register_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` (or None) as the child module ``name``; an alias of ``add_module``.

        Args:
            name: attribute name of the child; must not be empty nor contain ``"."``.
            module: the child module, or None.

        Raises:
            TypeError: ``module`` is neither a Module nor None, or ``name`` is not a string.
            KeyError: ``name`` is empty, contains ``"."``, or an attribute of that name that is not a submodule
                exists.
        """
        self.add_module(name, module)

    def get_submodule(self, target: str) -> Module:
        """Return the submodule at the dotted path ``target``.

        Args:
            target: dotted path of attribute names from this module, e.g. ``"encoder.layer.0"``; ``""``
                names this module.

        Returns:
            The submodule found.

        Raises:
            AttributeError: an element of the path does not exist or is not a Module.
        """
        if target == "":
            return self
        mod: Module = self
        for item in target.split("."):
            if not hasattr(mod, item):
                raise AttributeError(mod._get_name() + " has no attribute `" + item + "`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError("`" + item + "` is not an nn.Module")
        return mod

    def set_submodule(self, target: str, module: Module, strict: bool = False) -> None:
        """Set the submodule at the dotted path ``target`` to ``module``.

        The parent path must already exist. The last element replaces an existing submodule or, unless
        ``strict``, is added as a new one.

        Args:
            target: dotted path of the submodule, e.g. ``"encoder.layer.0"``.
            module: the module to put there.
            strict: raise instead of adding a submodule that does not exist yet (default False).

        Raises:
            ValueError: ``target`` is empty or ``module`` is not a Module.
            AttributeError: the parent path does not exist, the attribute is missing while ``strict``, or the
                existing attribute is not a Module.
        """
        if target == "":
            raise ValueError("Cannot set the submodule without a target name!")
        if not isinstance(module, Module):
            raise ValueError(f"`module` is not an nn.Module, found {type(module)}")
        parent_path, _, name = target.rpartition(".")
        parent = self.get_submodule(parent_path)
        if strict and not hasattr(parent, name):
            raise AttributeError(parent._get_name() + " has no attribute `" + name + "`")
        if hasattr(parent, name) and not isinstance(getattr(parent, name), Module):
            raise AttributeError("`" + name + "` is not an nn.Module")
        setattr(parent, name, module)

    def get_parameter(self, target: str) -> Parameter:
        """Return the parameter at the dotted path ``target``.

        Args:
            target: dotted path of the parameter, e.g. ``"layer.0.weight"``.

        Returns:
            The Parameter found.

        Raises:
            AttributeError: the path does not exist or does not name a Parameter.
        """
        module_path, _, param_name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, param_name):
            raise AttributeError(mod._get_name() + " has no attribute `" + param_name + "`")
        param = getattr(mod, param_name)
        if not isinstance(param, Parameter):
            raise AttributeError("`" + param_name + "` is not an nn.Parameter")
        return param

    def get_buffer(self, target: str) -> Tensor:
        """Return the buffer at the dotted path ``target``.

        Args:
            target: dotted path of the buffer, e.g. ``"bn.running_mean"``.

        Returns:
            The buffer Tensor found (None if the buffer was registered as None).

        Raises:
            AttributeError: the path does not exist or does not name a buffer.
        """
        module_path, _, buffer_name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, buffer_name):
            raise AttributeError(mod._get_name() + " has no attribute `" + buffer_name + "`")
        if buffer_name not in mod._buffers:
            raise AttributeError("`" + buffer_name + "` is not a buffer")
        return mod._buffers[buffer_name]  # type: ignore[return-value]

    def get_extra_state(self) -> Any:
        """Return extra, non-tensor state to store in the state dict; subclasses override it.

        When a subclass overrides it (together with ``set_extra_state``), ``state_dict()`` stores its
        result under the key ``prefix + "_extra_state"``.

        Returns:
            Any picklable object describing the extra state.

        Raises:
            RuntimeError: called on a subclass that does not override it.
        """
        raise RuntimeError("Module.get_extra_state() is only called when a subclass overrides it")

    def set_extra_state(self, state: Any) -> None:
        """Restore the extra state saved by ``get_extra_state``; subclasses override it.

        ``load_state_dict`` calls it with the value stored under ``prefix + "_extra_state"``.

        Args:
            state: the object that ``get_extra_state`` returned.

        Raises:
            RuntimeError: called on a subclass that does not override it.
        """
        raise RuntimeError("Module.set_extra_state() is only called when a subclass overrides it")

    # ------------------------------------------------------------------ attribute protocol
    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        if "_parameters" in d:
            params = d["_parameters"]
            if name in params:
                return params[name]
        if "_buffers" in d:
            buffers = d["_buffers"]
            if name in buffers:
                return buffers[name]
        if "_modules" in d:
            modules = d["_modules"]
            if name in modules:
                return modules[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name: str, value: Any) -> None:
        def remove_from(*dicts_or_sets: Any) -> None:
            for d in dicts_or_sets:
                if name in d:
                    if isinstance(d, dict):
                        del d[name]
                    else:
                        d.discard(name)

        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            remove_from(self.__dict__, self._buffers, self._modules, self._non_persistent_buffers_set)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as parameter '{name}' (arraygrad.nn.Parameter or None expected)"
                )
            self.register_parameter(name, value)
        else:
            modules = self.__dict__.get("_modules")
            if isinstance(value, Module):
                if modules is None:
                    raise AttributeError("cannot assign module before Module.__init__() call")
                remove_from(self.__dict__, self._parameters, self._buffers, self._non_persistent_buffers_set)
                modules[name] = value
            elif modules is not None and name in modules:
                if value is not None:
                    raise TypeError(
                        f"cannot assign '{_typename(value)}' as child module '{name}' (arraygrad.nn.Module or None expected)"
                    )
                modules[name] = value
            else:
                buffers = self.__dict__.get("_buffers")
                if buffers is not None and name in buffers:
                    if value is not None and not isinstance(value, Tensor):
                        raise TypeError(
                            f"cannot assign '{_typename(value)}' as buffer '{name}' (arraygrad Tensor or None expected)"
                        )
                    buffers[name] = value
                else:
                    object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._buffers:
            del self._buffers[name]
            self._non_persistent_buffers_set.discard(name)
        elif name in self._modules:
            del self._modules[name]
        else:
            object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        keys = (
            dir(self.__class__) + list(self.__dict__) + list(self._parameters) + list(self._modules) + list(self._buffers)
        )
        return sorted(k for k in keys if not k[0].isdigit())

    # ------------------------------------------------------------------ iteration
    def _named_members(
        self, get_members: Callable[[Module], Any], prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Any]]:
        memo: set[int] = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for k, v in get_members(module):
                if v is None or id(v) in memo:
                    continue
                if remove_duplicate:
                    memo.add(id(v))
                yield module_prefix + ("." if module_prefix else "") + k, v

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Yield the parameters of this module and, with ``recurse``, of all its submodules.

        A parameter shared by several modules is yielded once; None parameters are skipped.

        Args:
            recurse: include the parameters of all submodules, not only this module's own (default True).

        Yields:
            Each Parameter, in registration order, depth first.
        """
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """Yield ``(dotted name, parameter)`` pairs, e.g. ``("layer.0.weight", p)``.

        Args:
            prefix: string put (with a ``"."``) before every name (default ``""``).
            recurse: include the parameters of all submodules, not only this module's own (default True).
            remove_duplicate: yield a parameter (or submodule) shared by several modules only once, under its
                first name (default True).

        Yields:
            ``(name, Parameter)`` tuples, in registration order, depth first; None parameters are skipped.
        """
        yield from self._named_members(
            lambda m: m._parameters.items(), prefix=prefix, recurse=recurse, remove_duplicate=remove_duplicate
        )

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Yield the buffers of this module and, with ``recurse``, of all its submodules.

        Non-persistent buffers are included; None buffers are skipped; a shared buffer is yielded once.

        Args:
            recurse: include the buffers of all submodules, not only this module's own (default True).

        Yields:
            Each buffer Tensor, in registration order, depth first.
        """
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        """Yield ``(dotted name, buffer)`` pairs, e.g. ``("bn.running_mean", t)``.

        Args:
            prefix: string put (with a ``"."``) before every name (default ``""``).
            recurse: include the buffers of all submodules, not only this module's own (default True).
            remove_duplicate: yield a buffer (or submodule) shared by several modules only once (default True).

        Yields:
            ``(name, Tensor)`` tuples, in registration order, depth first; None buffers are skipped.
        """
        yield from self._named_members(
            lambda m: m._buffers.items(), prefix=prefix, recurse=recurse, remove_duplicate=remove_duplicate
        )

    def children(self) -> Iterator[Module]:
        """Yield the immediate child modules, each once.

        Yields:
            Each child Module, in registration order; None children are skipped.
        """
        for _, module in self.named_children():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Yield ``(name, module)`` pairs for the immediate child modules, each module once.

        Yields:
            ``(attribute name, Module)`` tuples, in registration order; None children are skipped.
        """
        memo: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in memo:
                memo.add(id(module))
                yield name, module

    def modules(self, remove_duplicate: bool = True) -> Iterator[Module]:
        """Yield this module and all its submodules, depth first (pre-order).

        Args:
            remove_duplicate: yield a module reachable along several paths only once (default True).

        Yields:
            This Module first, then every submodule.
        """
        for _, module in self.named_modules(remove_duplicate=remove_duplicate):
            yield module

    def named_modules(
        self, memo: set[Any] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """Yield ``(dotted name, module)`` pairs for this module and all its submodules, depth first.

        This module comes first, under the name ``prefix``.

        Args:
            memo: set of modules already yielded, which are skipped with their subtrees; None starts an
                empty one (default None).
            prefix: name of this module, put (with a ``"."``) before the submodules' names (default ``""``).
            remove_duplicate: yield a module reachable along several paths only once (default True).

        Yields:
            ``(name, Module)`` tuples.
        """
        if memo is None:
            memo = set()
        if self in memo:
            return
        if remove_duplicate:
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            yield from module.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    # ------------------------------------------------------------------ modes and gradients
    def train(self: T, mode: bool = True) -> T:
        """Set training mode (``mode=True``) or evaluation mode on this module and all its submodules.

        Only the ``training`` flag changes; layers such as Dropout and BatchNorm read it.

        Args:
            mode: True for training mode, False for evaluation mode (default True).

        Returns:
            This module.

        Raises:
            ValueError: ``mode`` is not a bool.
        """
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self: T) -> T:
        """Set evaluation mode on this module and all its submodules, as ``train(False)``.

        Returns:
            This module.
        """
        return self.train(False)

    def requires_grad_(self: T, requires_grad: bool = True) -> T:
        """Set ``requires_grad`` of every parameter of this module and its submodules, in place.

        Args:
            requires_grad: whether autograd records operations on the parameters (default True).

        Returns:
            This module.
        """
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters of this module and its submodules.

        Args:
            set_to_none: set each ``.grad`` to None; when False, detach each ``.grad`` from any graph and
                fill it with zeros in place (default True). Parameters without a gradient are left alone.
        """
        for p in self.parameters():
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

    # ------------------------------------------------------------------ conversion
    def _apply(self: T, fn: Callable[[Tensor], Tensor], recurse: bool = True) -> T:
        """Apply ``fn`` to every parameter (keeping the Parameter objects), gradient and buffer."""
        if recurse:
            for module in self.children():
                module._apply(fn)
        for param in self._parameters.values():
            if param is None:
                continue
            with no_grad():
                # `.data =` keeps the Parameter object (optimizers hold it) and may change its
                # backend; aliases of the old storage (an earlier state_dict()) keep the old values
                param.data = fn(param)
                if param.grad is not None:
                    param.grad = fn(param.grad)
        for key, buf in self._buffers.items():
            if buf is not None:
                with no_grad():
                    self._buffers[key] = fn(buf)
        return self

    def apply(self: T, fn: Callable[[Module], Any]) -> T:
        """Call ``fn`` on every submodule (children first, recursively) and then on this module.

        Typically used to initialise weights: ``model.apply(init_fn)``.

        Args:
            fn: function taking a Module; its result is ignored.

        Returns:
            This module.
        """
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def to(self: T, *args: Any, **kwargs: Any) -> T:
        """Move and/or cast the parameters and buffers in place.

        Accepted forms: ``to("jax")`` (a backend or device string), ``to(device="cuda:0")``,
        ``to(ag.float64)``, ``to("jax", ag.float64)``, ``to(tensor)`` (that tensor's backend and dtype), and
        the keywords ``dtype``, ``device`` and ``backend``; ``non_blocking``, ``copy`` and ``memory_format``
        are accepted and ignored. A dtype applies to floating-point and complex tensors only; integer
        buffers keep theirs. The Parameter objects stay the same (their data is replaced), so optimizers
        holding them keep working.

        Args:
            *args: device, backend, dtype or tensor, as above.
            **kwargs: ``dtype``, ``device``, ``backend`` and the ignored keywords above.

        Returns:
            This module.

        Raises:
            TypeError: the dtype is neither floating point nor complex, or an unknown keyword is given.
        """
        dt, device, backend = _parse_to(args, kwargs)
        if dt is not None and not (dt.is_floating_point or dt.is_complex):
            raise TypeError(f"nn.Module.to only accepts floating point or complex dtypes, but got desired dtype={dt}")

        def convert(t: Tensor) -> Tensor:
            cast = dt if dt is not None and (t.is_floating_point() or t.dtype.is_complex) else None
            return t.to(device=device, backend=backend, dtype=cast)

        return self._apply(convert)

    def share_memory(self: T) -> T:
        """Move parameters (with their gradients) and buffers to shared memory in place.

        Processes started with ``arraygrad.multiprocessing`` then train the same numbers (Hogwild).

        Returns:
            This module.

        Raises:
            RuntimeError: a tensor's backend cannot share host memory (only numpy can).
        """
        return self._apply(lambda t: t.share_memory_())

    def cpu(self: T) -> T:
        """Move parameters and buffers to host memory, as ``Tensor.cpu()`` (a tensor already there stays).

        Returns:
            This module.
        """
        return self._apply(lambda t: t.cpu())

    def cuda(self: T, device: int | None = None) -> T:
        """Move parameters and buffers to a CUDA device, as ``Tensor.cuda()``.

        The backend is the tensor's own when it reaches CUDA (jax on a GPU), else cupy, else jax.

        Args:
            device: index of the CUDA device; None for the current one (default None).

        Returns:
            This module.

        Raises:
            BackendUnavailableError: no backend reaches a CUDA device here.
        """
        return self._apply(lambda t: t.to("cuda" if device is None else f"cuda:{int(device)}"))

    def type(self: T, dst_type: Any) -> T:
        """Cast all parameters and buffers to ``dst_type``, as ``Tensor.type``.

        Unlike ``to``, integer tensors are cast too.

        Args:
            dst_type: the target dtype.

        Returns:
            This module.
        """
        return self._apply(lambda t: t.type(dst_type))

    def float(self: T) -> T:
        """Cast floating-point parameters and buffers to float32; other tensors keep their dtype.

        Returns:
            This module.
        """
        return self._apply(lambda t: t.float() if t.is_floating_point() else t)

    def double(self: T) -> T:
        """Cast floating-point parameters and buffers to float64; other tensors keep their dtype.

        Returns:
            This module.
        """
        return self._apply(lambda t: t.double() if t.is_floating_point() else t)

    def half(self: T) -> T:
        """Cast floating-point parameters and buffers to float16; other tensors keep their dtype.

        Returns:
            This module.
        """
        return self._apply(lambda t: t.half() if t.is_floating_point() else t)

    def bfloat16(self: T) -> T:
        """Cast floating-point parameters and buffers to bfloat16; other tensors keep their dtype.

        Returns:
            This module.
        """
        return self._apply(lambda t: t.bfloat16() if t.is_floating_point() else t)

    def to_empty(self: T, *, device: Any = None, recurse: bool = True) -> T:
        """Replace parameters and buffers by uninitialised tensors of the same shape and dtype on ``device``.

        Here the new tensors come from ``empty_like``; their values are not to be relied on.

        Args:
            device: the device of the new tensors; None keeps each tensor's own (default None).
            recurse: also replace the tensors of all submodules (default True).

        Returns:
            This module.
        """
        return self._apply(lambda t: creation.empty_like(t, device=device), recurse=recurse)

    # ------------------------------------------------------------------ state dict
    def _save_to_state_dict(self, destination: dict[str, Any], prefix: str, keep_vars: bool) -> None:
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if keep_vars else buf.detach()
        if type(self).get_extra_state is not Module.get_extra_state:
            destination[prefix + _EXTRA_STATE_KEY_SUFFIX] = self.get_extra_state()

    def state_dict(self, *, destination: Any = None, prefix: str = "", keep_vars: bool = False) -> Any:
        """Return the parameters and persistent buffers of this module and its submodules, keyed by dotted name.

        Keys look like ``"0.weight"`` or ``"encoder.layer.1.bias"``; None parameters, None buffers and
        non-persistent buffers are left out; a subclass that overrides ``get_extra_state`` adds
        ``prefix + "_extra_state"``. The result carries a ``_metadata`` attribute (the ``version`` of each
        module), and the registered state-dict pre-hooks and post-hooks run.

        Args:
            destination: mapping to fill and return; None creates a new ``OrderedDict`` (default None).
            prefix: string put before every key (default ``""``).
            keep_vars: store the Parameters and buffers themselves instead of detached tensors sharing their
                storage (default False).

        Returns:
            ``destination``, or the new ``OrderedDict`` of name to Tensor.

        Raises:
            RuntimeError: a state-dict post-hook returned something other than None.
        """
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()
        local_metadata = {"version": self._version}
        if hasattr(destination, "_metadata"):
            destination._metadata[prefix[:-1]] = local_metadata
        for hook in self._state_dict_pre_hooks.values():
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        for hook in self._state_dict_hooks.values():
            if hook(self, destination, prefix, local_metadata) is not None:
                raise RuntimeError("state_dict post-hook must return None")
        return destination

    def register_state_dict_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Register ``hook(module, prefix, keep_vars)`` to run before ``state_dict`` collects this module's state.

        Args:
            hook: the callable; its result is ignored.

        Returns:
            A ``RemovableHandle`` whose ``remove()`` unregisters the hook.
        """
        handle = RemovableHandle(self._state_dict_pre_hooks)
        self._state_dict_pre_hooks[handle.id] = hook
        return handle

    def register_state_dict_post_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Register ``hook(module, state_dict, prefix, local_metadata)`` to run after ``state_dict`` visits this module.

        The hook may edit ``state_dict`` in place.

        Args:
            hook: the callable; it must return None.

        Returns:
            A ``RemovableHandle`` whose ``remove()`` unregisters the hook.
        """
        handle = RemovableHandle(self._state_dict_hooks)
        self._state_dict_hooks[handle.id] = hook
        return handle

    def register_load_state_dict_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Register a hook to run before this module loads its own entries in ``load_state_dict``.

        It is called as ``hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)`` and may rewrite ``state_dict`` in place (e.g. rename old keys).

        Args:
            hook: the callable; its result is ignored.

        Returns:
            A ``RemovableHandle`` whose ``remove()`` unregisters the hook.
        """
        handle = RemovableHandle(self._load_state_dict_pre_hooks)
        self._load_state_dict_pre_hooks[handle.id] = hook
        return handle

    def register_load_state_dict_post_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Register ``hook(module, incompatible_keys)`` to run after this module and its children are loaded.

        ``incompatible_keys`` has the lists ``missing_keys`` and ``unexpected_keys`` found so far; the hook
        may edit them in place (e.g. clear them), which changes what ``strict`` loading raises.

        Args:
            hook: the callable; it must return None (``load_state_dict`` raises ``AssertionError`` otherwise).

        Returns:
            A ``RemovableHandle`` whose ``remove()`` unregisters the hook.
        """
        handle = RemovableHandle(self._load_state_dict_post_hooks)
        self._load_state_dict_post_hooks[handle.id] = hook
        return handle

    def _load_from_state_dict(
        self,
        state_dict: dict[str, Any],
        prefix: str,
        local_metadata: dict[str, Any],
        strict: bool,
        missing_keys: list[str],
        unexpected_keys: list[str],
        error_msgs: list[str],
    ) -> None:
        """Load this module's own entries of ``state_dict`` (not its children's); subclasses that
        changed their state layout between versions override this (``local_metadata["version"]``)."""
        for hook in self._load_state_dict_pre_hooks.values():
            hook(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs)
        persistent_buffers = {k: v for k, v in self._buffers.items() if k not in self._non_persistent_buffers_set}
        local_state = {k: v for k, v in itertools.chain(self._parameters.items(), persistent_buffers.items()) if v is not None}
        assign = local_metadata.get("assign_to_params_buffers", False)
        for name, param in local_state.items():
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            input_param = state_dict[key]
            if not isinstance(input_param, Tensor):
                if not (hasattr(input_param, "shape") and hasattr(input_param, "dtype")):
                    error_msgs.append(
                        f'While copying the parameter named "{key}", expected arraygrad.Tensor or an array from '
                        f"checkpoint but received {type(input_param)}"
                    )
                    continue
                input_param = creation.tensor(input_param, dtype=param.dtype, backend=param.backend)
            if tuple(input_param.shape) != tuple(param.shape):
                error_msgs.append(
                    f"size mismatch for {key}: copying a param with shape {input_param.shape} from checkpoint, "
                    f"the shape in current model is {param.shape}."
                )
                continue
            try:
                with no_grad():
                    if assign:
                        if isinstance(param, Parameter):
                            input_param = Parameter(input_param.detach(), requires_grad=param.requires_grad)
                        setattr(self, name, input_param)
                    else:
                        param.copy_(input_param)
            except Exception as ex:
                error_msgs.append(
                    f'While copying the parameter named "{key}", whose dimensions in the model are {param.shape} and '
                    f"whose dimensions in the checkpoint are {input_param.shape}, an exception occurred : {ex.args}."
                )
        extra_state_key = prefix + _EXTRA_STATE_KEY_SUFFIX
        if type(self).set_extra_state is not Module.set_extra_state:
            if extra_state_key in state_dict:
                self.set_extra_state(state_dict[extra_state_key])
            elif strict:
                missing_keys.append(extra_state_key)
        elif strict and extra_state_key in state_dict:
            unexpected_keys.append(extra_state_key)
        if strict:
            for key in state_dict:
                if key.startswith(prefix) and key != extra_state_key:
                    input_name = key[len(prefix) :].split(".", 1)
                    if len(input_name) > 1:
                        if input_name[0] not in self._modules:
                            unexpected_keys.append(key)
                    elif input_name[0] not in local_state:
                        unexpected_keys.append(key)

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True, assign: bool = False) -> _IncompatibleKeys:
        """Copy parameters and buffers from ``state_dict`` into this module and its submodules, in place.

        Values are converted to each parameter's backend and dtype; arrays (e.g. numpy) are accepted as
        well as Tensors. Missing and unexpected keys are always collected; ``strict`` only decides whether
        they raise.

        Args:
            state_dict: a mapping like the one ``state_dict()`` returns (from any backend).
            strict: raise when the keys do not match this module's ``state_dict()`` keys exactly (default True).
            assign: set the given tensors (wrapped as Parameters keeping ``requires_grad``) as the new
                parameters and buffers instead of copying into the existing ones (default False).

        Returns:
            A NamedTuple ``(missing_keys, unexpected_keys)`` of lists of keys; both are empty when ``strict``
            (otherwise it would have raised), and with ``strict=False`` they list the keys of this module
            absent from ``state_dict`` and the keys of ``state_dict`` this module does not have.

        Raises:
            TypeError: ``state_dict`` is not a mapping.
            RuntimeError: missing or unexpected keys (when ``strict``), a value that is not a tensor or array,
                or a shape mismatch (whatever ``strict``), naming the keys and both shapes.
            AssertionError: a load-state-dict post-hook returned something other than None.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing_keys: list[str] = []
        unexpected_keys: list[str] = []
        error_msgs: list[str] = []
        metadata = getattr(state_dict, "_metadata", None)
        state_dict = OrderedDict(state_dict)

        def load(module: Module, local_state_dict: dict[str, Any], prefix: str = "") -> None:
            local_metadata = {} if metadata is None else dict(metadata.get(prefix[:-1], {}))
            if assign:
                local_metadata["assign_to_params_buffers"] = assign
            module._load_from_state_dict(
                local_state_dict, prefix, local_metadata, True, missing_keys, unexpected_keys, error_msgs
            )
            for name, child in module._modules.items():
                if child is not None:
                    child_prefix = prefix + name + "."
                    load(child, {k: v for k, v in local_state_dict.items() if k.startswith(child_prefix)}, child_prefix)
            incompatible = _IncompatibleKeys(missing_keys, unexpected_keys)
            for hook in module._load_state_dict_post_hooks.values():
                if hook(module, incompatible) is not None:
                    raise AssertionError(
                        "Hooks registered with ``register_load_state_dict_post_hook`` are not expected to return new "
                        "values, if incompatible_keys need to be modified, it should be done inplace."
                    )

        load(self, state_dict)
        if strict:
            if unexpected_keys:
                error_msgs.insert(0, "Unexpected key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in unexpected_keys)))
            if missing_keys:
                error_msgs.insert(0, "Missing key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in missing_keys)))
        if error_msgs:
            raise RuntimeError(
                "Error(s) in loading state_dict for {}:\n\t{}".format(type(self).__name__, "\n\t".join(error_msgs))
            )
        return _IncompatibleKeys(missing_keys, unexpected_keys)

    # ------------------------------------------------------------------ hooks
    def register_forward_pre_hook(
        self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Register a hook to run before ``forward`` on every call of this module.

        The hook is called as ``hook(module, args)``, or ``hook(module, args, kwargs)`` with
        ``with_kwargs``. A non-None result replaces ``args`` (a non-tuple is wrapped in one), or with
        ``with_kwargs`` must be a ``(args, kwargs)`` pair.

        Args:
            hook: the callable.
            prepend: run this hook before the already registered ones instead of after (default False).
            with_kwargs: pass the keyword arguments to the hook too (default False).

        Returns:
            A ``RemovableHandle`` whose ``remove()`` unregisters the hook.
        """
        handle = RemovableHandle(self._forward_pre_hooks, extra_dict=self._forward_pre_hooks_with_kwargs)
        self._forward_pre_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        if prepend:
            self._forward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_hook(
        self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Register a hook to run after ``forward`` on every call of this module.

        The hook is called as ``hook(module, args, output)``, or ``hook(module, args, kwargs, output)``
        with ``with_kwargs``; a non-None result replaces the output.

        Args:
            hook: the callable.
            prepend: run this hook before the already registered ones instead of after (default False).
            with_kwargs: pass the keyword arguments to the hook too (default False).

        Returns:
            A ``RemovableHandle`` whose ``remove()`` unregisters the hook.
        """
        handle = RemovableHandle(self._forward_hooks, extra_dict=self._forward_hooks_with_kwargs)
        self._forward_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle.id] = True
        if prepend:
            self._forward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_pre_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        """Register ``hook(module, grad_output)``, called when the gradients of the module's outputs are known.

        ``grad_output`` is a tuple (None where there is no gradient); a non-None result (a tuple of the
        same length) replaces it.

        Args:
            hook: the callable.
            prepend: run this hook before the already registered ones instead of after (default False).

        Returns:
            A ``RemovableHandle`` whose ``remove()`` unregisters the hook.
        """
        handle = RemovableHandle(self._backward_pre_hooks)
        self._backward_pre_hooks[handle.id] = hook
        if prepend:
            self._backward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        """Register ``hook(module, grad_input, grad_output)``, called once the gradients of the inputs are computed.

        ``grad_input`` covers the module's tensor positional inputs and ``grad_output`` its tensor
        outputs, both tuples (None where there is no gradient). A non-None result (a tuple of the same
        length as ``grad_input``) replaces ``grad_input``. Keyword arguments and tensors nested in lists
        or dicts are not seen, and the module receives new tensor objects as inputs. When no input
        requires grad, the hook runs with ``grad_input`` all None as soon as ``grad_output`` is known.

        Args:
            hook: the callable.
            prepend: run this hook before the already registered ones instead of after (default False).

        Returns:
            A ``RemovableHandle`` whose ``remove()`` unregisters the hook.
        """
        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        if prepend:
            self._backward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_backward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Register ``hook(module, grad_input, grad_output)`` as a full backward hook (deprecated).

        Here it behaves as ``register_full_backward_hook`` and emits a ``FutureWarning``.

        Args:
            hook: the callable.

        Returns:
            A ``RemovableHandle`` whose ``remove()`` unregisters the hook.
        """
        warnings.warn("register_backward_hook is deprecated; use register_full_backward_hook", FutureWarning, stacklevel=2)
        return self.register_full_backward_hook(hook)

    # ------------------------------------------------------------------ call
    def _call_impl(self, *args: Any, **kwargs: Any) -> Any:
        if not (
            self._forward_hooks or self._forward_pre_hooks or self._backward_hooks or self._backward_pre_hooks
            or _global_forward_hooks or _global_forward_pre_hooks or _global_backward_hooks or _global_backward_pre_hooks
        ):
            return self.forward(*args, **kwargs)

        for hook_id, hook in (*_global_forward_pre_hooks.items(), *self._forward_pre_hooks.items()):
            if hook_id in self._forward_pre_hooks_with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(
                            f"forward pre-hook must return None or a tuple of (new_args, new_kwargs), but got {result}."
                        )
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)

        backward_hooks = [*_global_backward_hooks.values(), *self._backward_hooks.values()]
        backward_pre_hooks = [*_global_backward_pre_hooks.values(), *self._backward_pre_hooks.values()]
        bw_hook = None
        if backward_hooks or backward_pre_hooks:
            bw_hook = _BackwardHook(self, backward_hooks, backward_pre_hooks)
            args = bw_hook.setup_input_hook(args)

        output = self.forward(*args, **kwargs)

        for hook_id, hook in (*_global_forward_hooks.items(), *self._forward_hooks.items()):
            if hook_id in self._forward_hooks_with_kwargs or hook_id in _global_forward_hooks_with_kwargs:
                result = hook(self, args, kwargs, output)
            else:
                result = hook(self, args, output)
            if result is not None:
                output = result

        if bw_hook is not None:
            output = bw_hook.setup_output_hook(output)
        return output

    __call__: Callable[..., Any] = _call_impl

    # ------------------------------------------------------------------ repr
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """Return the module-specific part of ``repr``; subclasses override it.

        Returns:
            A string (one line, or several separated by newlines); empty here.
        """
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = ["(" + key + "): " + _addindent(repr(module), 2) for key, module in self._modules.items()]
        lines = extra_lines + child_lines
        main = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"
