"""Module hooks: the removable handle every registration returns, the hooks that run around
every module's forward and backward (``register_module_*``), and the identity autograd Function
that lets full backward hooks see the gradients of a module's inputs and outputs.

Names follow PyTorch's ``torch.utils.hooks`` and ``torch.nn.modules.module``.
"""

from __future__ import annotations

import itertools
import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from arraygrad.core.autograd import GRAD_MODE, Function, FunctionCtx
from arraygrad.core.tensor import Tensor

if TYPE_CHECKING:
    from arraygrad.nn.modules.module import Module

__all__ = [
    "RemovableHandle",
    "register_module_forward_pre_hook",
    "register_module_forward_hook",
    "register_module_full_backward_pre_hook",
    "register_module_full_backward_hook",
]

_hook_ids = itertools.count()


class RemovableHandle:
    """Returned by every hook registration: ``handle.remove()`` unregisters the hook (also usable
    as a context manager). ``extra_dict`` holds dicts that carry per-hook flags under the same id."""

    def __init__(self, hooks_dict: dict[int, Any], *, extra_dict: Any = None) -> None:
        self.id = next(_hook_ids)
        self.hooks_dict = hooks_dict
        if extra_dict is None:
            extra_dict = []
        self.extra_dicts: list[dict[int, Any]] = [extra_dict] if isinstance(extra_dict, dict) else list(extra_dict)

    def remove(self) -> None:
        self.hooks_dict.pop(self.id, None)
        for d in self.extra_dicts:
            d.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


# ---------------------------------------------------------------------- global hooks

_global_forward_pre_hooks: OrderedDict[int, Callable[..., Any]] = OrderedDict()
_global_forward_hooks: OrderedDict[int, Callable[..., Any]] = OrderedDict()
_global_forward_hooks_with_kwargs: OrderedDict[int, bool] = OrderedDict()
_global_backward_pre_hooks: OrderedDict[int, Callable[..., Any]] = OrderedDict()
_global_backward_hooks: OrderedDict[int, Callable[..., Any]] = OrderedDict()


def register_module_forward_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Register ``hook(module, args)`` to run before the forward of every module (before the
    module's own pre-hooks); a non-None result replaces ``args``. Returns a removable handle."""
    handle = RemovableHandle(_global_forward_pre_hooks)
    _global_forward_pre_hooks[handle.id] = hook
    return handle


def register_module_forward_hook(hook: Callable[..., Any], *, with_kwargs: bool = False) -> RemovableHandle:
    """Register ``hook(module, args, output)`` (or ``hook(module, args, kwargs, output)`` with
    ``with_kwargs``) to run after the forward of every module, before the module's own forward
    hooks; a non-None result replaces the output. Returns a removable handle."""
    handle = RemovableHandle(_global_forward_hooks, extra_dict=_global_forward_hooks_with_kwargs)
    _global_forward_hooks[handle.id] = hook
    if with_kwargs:
        _global_forward_hooks_with_kwargs[handle.id] = True
    return handle


def register_module_full_backward_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Register ``hook(module, grad_output)`` for every module (see ``Module.register_full_backward_pre_hook``)."""
    handle = RemovableHandle(_global_backward_pre_hooks)
    _global_backward_pre_hooks[handle.id] = hook
    return handle


def register_module_full_backward_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Register ``hook(module, grad_input, grad_output)`` for every module (see
    ``Module.register_full_backward_hook``)."""
    handle = RemovableHandle(_global_backward_hooks)
    _global_backward_hooks[handle.id] = hook
    return handle


# ---------------------------------------------------------------------- backward hooks


class BackwardHookFunction(Function):
    """Identity on its tensor arguments whose backward hands their gradients to a callback
    (which may replace them). Its node is named ``BackwardHookFunctionBackward``, as in PyTorch."""

    @staticmethod
    def forward(ctx: FunctionCtx, on_grads: Callable[[tuple[Any, ...]], tuple[Any, ...]], *tensors: Tensor) -> Any:
        ctx.on_grads = on_grads  # type: ignore[attr-defined]
        ctx.set_materialize_grads(False)
        ctx.mark_non_differentiable(*[t for t in tensors if not t.requires_grad])
        return tuple(tensors)

    @staticmethod
    def backward(ctx: FunctionCtx, *grads: Any) -> tuple[Any, ...]:
        return (None, *ctx.on_grads(grads))  # type: ignore[attr-defined]


class _BackwardHook:
    """The full backward hooks of one module call.

    The tensor positional arguments and the tensor outputs (a Tensor, or the Tensors of a
    returned tuple) are passed through ``BackwardHookFunction``. In backward, the outputs' node
    runs first: it runs the backward pre-hooks (which may replace ``grad_output``) and keeps
    ``grad_output``; the inputs' node runs once the gradients of all inputs are complete and
    calls ``hook(module, grad_input, grad_output)``, whose non-None result replaces ``grad_input``.

    Limits (as in PyTorch): keyword arguments and tensors nested inside lists or dicts are not
    seen; when no input requires grad the hooks run with ``grad_input`` all None as soon as
    ``grad_output`` is known; the module gets new tensor objects for its inputs.
    """

    def __init__(self, module: Module, hooks: list[Callable[..., Any]], pre_hooks: list[Callable[..., Any]]) -> None:
        self.module = module
        self.hooks = hooks
        self.pre_hooks = pre_hooks
        self.n_inputs = 0
        self.inputs_hooked = False
        self.grad_outputs: tuple[Any, ...] | None = None

    def setup_input_hook(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.n_inputs = len(positions)
        if not (GRAD_MODE.enabled and any(args[i].requires_grad for i in positions)):
            return args
        self.inputs_hooked = True
        wrapped = BackwardHookFunction.apply(self._on_grad_inputs, *[args[i] for i in positions])
        new_args = list(args)
        for i, t in zip(positions, wrapped):
            new_args[i] = t
        return tuple(new_args)

    def setup_output_hook(self, result: Any) -> Any:
        single = isinstance(result, Tensor)
        outputs = (result,) if single else result
        if not isinstance(outputs, tuple):
            warnings.warn(
                "For backward hooks to be called, module output should be a Tensor or a tuple of Tensors but "
                f"received {type(result)}",
                stacklevel=3,
            )
            return result
        positions = [i for i, o in enumerate(outputs) if isinstance(o, Tensor)]
        if not (GRAD_MODE.enabled and any(outputs[i].requires_grad for i in positions)):
            return result
        wrapped = BackwardHookFunction.apply(self._on_grad_outputs, *[outputs[i] for i in positions])
        new_outputs = list(outputs)
        for i, t in zip(positions, wrapped):
            new_outputs[i] = t
        return new_outputs[0] if single else tuple(new_outputs)

    def _on_grad_outputs(self, grads: tuple[Any, ...]) -> tuple[Any, ...]:
        for hook in self.pre_hooks:
            result = hook(self.module, grads)
            if result is not None:
                result = _as_tuple(result)
                if len(result) != len(grads):
                    raise RuntimeError(
                        f"Backward pre hook returned an invalid number of grad_output, got {len(result)}, "
                        f"but expected {len(grads)}"
                    )
                grads = result
        self.grad_outputs = grads
        if not self.inputs_hooked:
            self._run_hooks((None,) * self.n_inputs)
        return grads

    def _on_grad_inputs(self, grads: tuple[Any, ...]) -> tuple[Any, ...]:
        return self._run_hooks(grads)

    def _run_hooks(self, grad_inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        for hook in self.hooks:
            result = hook(self.module, grad_inputs, self.grad_outputs)
            if result is not None:
                result = _as_tuple(result)
                if len(result) != len(grad_inputs):
                    raise RuntimeError(
                        f"Backward hook returned an invalid number of grad_input, got {len(result)}, but "
                        f"expected {len(grad_inputs)}"
                    )
                grad_inputs = result
        return grad_inputs


def _as_tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)
