"""``CompiledFunction`` and ``ag.compile``: the per-key cache of programs, tracing on a new key,
running a cached program, and the public ``compile`` entry point.
"""

from __future__ import annotations

import functools
import gc
import types
import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from arraygrad import backends
from arraygrad.core import tracing
from arraygrad.core.autograd import GRAD_MODE
from arraygrad.core.compiled.errors import _host_read_error
from arraygrad.core.compiled.program import (
    _ROOT_STORAGES,
    _collect,
    _connect,
    _donatable,
    _install,
    _leaves,
    _Program,
    _rebind,
    _replace_args,
    _replay_host_calls,
    _root_of,
    _scalar_value,
    _Undo,
    _unflatten,
)
from arraygrad.core.compiled.walk import Walk, _flatten_args, _function_roots, _get_slot, _set_slot
from arraygrad.core.tensor import Storage, Tensor

__all__ = ["CACHE_SIZE", "WARN_AFTER", "CompiledFunction", "compile"]

#: programs kept per compiled function (least recently used ones are dropped beyond this)
CACHE_SIZE = 64
#: compiles of one function after which a recompile warns (once) with its reason
WARN_AFTER = 8


_RETRY = object()


class CompiledFunction:
    """``fn`` compiled per key (see the module docstring); called like ``fn``.

    Attributes:
        compiles: how many times the function was traced and compiled.
    """

    def __init__(self, fn: Callable[..., Any], *, fullgraph: bool = False, disable: bool = False) -> None:
        self.fn = fn
        self.fullgraph = fullgraph
        self.disable = disable
        self.compiles = 0
        self._cache: OrderedDict[Any, _Program] = OrderedDict()
        self._last_key: Any = None
        self._warned = False
        #: storages found among a trace's constants: read by the function but not found by the walk
        self._extra: list[Storage] = []
        #: keys whose trace returned differentiable outputs: traced without donating buffers
        self._no_donate: set[Any] = set()
        functools.update_wrapper(self, fn)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"CompiledFunction({self.name})"

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        if obj is None:
            return self
        return functools.partial(self.__call__, obj)

    @property
    def name(self) -> str:
        """The compiled function's name, for messages."""
        return getattr(self.fn, "__qualname__", repr(self.fn))

    # -- the call
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.disable:
            return self.fn(*args, **kwargs)
        arg_tensors, arg_key, others = _flatten_args(args, kwargs)
        backend = arg_tensors[0]._backend if arg_tensors else backends.default()
        if not backend.can_compile or tracing.TRACE.ctx is not None:
            return self.fn(*args, **kwargs)  # eager: numpy, strict, cupy; or called inside another trace
        roots = self._roots(others)
        while True:
            walk = Walk().roots(roots)
            for st in self._extra:
                if id(st) not in walk.storage_index:
                    walk.storage_index[id(st)] = len(walk.storages)
                    walk.storages.append(st)
                    walk.key.append(("extra", tuple(st.array.shape), st.array.dtype))
            key = (
                tuple(arg_key), tuple(walk.key), GRAD_MODE.enabled, GRAD_MODE.inference, _autocast_key(),
                _default_dtype_key(),
            )
            program = self._cache.get(key)
            if program is not None:
                self._cache.move_to_end(key)
                return self._run(program, walk, arg_tensors, backend, args, kwargs)
            result = self._compile(key, walk, roots, args, kwargs, arg_tensors, backend)
            if result is not _RETRY:
                return result

    def _roots(self, others: list[Any]) -> list[tuple[str, Any]]:
        fn = self.fn
        named: list[tuple[str, Any]] = [(f"argument {i}", o) for i, o in enumerate(others)]
        if isinstance(fn, types.MethodType):
            named.append(("self", fn.__self__))
            fn = fn.__func__
        if isinstance(fn, functools.partial):
            named.append(("partial", fn))
        elif isinstance(fn, types.FunctionType):
            named.extend(_function_roots(fn))
        else:
            named.append(("function", fn))
        from arraygrad.core.random import default_generator

        named.append(("default_generator", default_generator))
        return named

    # -- tracing
    def _trace(self, walk: Walk, roots: list[tuple[str, Any]], args: tuple[Any, ...], kwargs: dict[str, Any],
               arg_tensors: list[Tensor], backend: Any, donate: bool) -> tuple[_Program, Any, list[Any], list[Any]]:
        """Trace the function once; returns (program description, compile function, constants,
        the state arrays to pass to the first run)."""
        state_in = [st.array if _donatable(st) or not donate else backend.xp.asarray(st.array, copy=True)
                    for st in walk.storages]
        arg_roots = [_root_of(t) for t in arg_tensors]
        arg_arrays = [st.array for st in arg_roots]
        arg_rg = [t._rg for t in arg_tensors]
        lifted = [(walk.objects[o], k, v) for o, k, v, lift in walk.scalars if lift]
        program = _Program()

        def traced(state: list[Any], scalars: list[Any], arg_values: list[Any]) -> Any:
            installed = _install(walk, state, arg_roots, arg_values, lifted, scalars, backend)
            ctx = tracing.TraceContext(backend, next(iter([*state, *scalars, *arg_values]), None))
            tracing.TRACE.ctx = ctx
            try:
                out = self.fn(*args, **kwargs)
            finally:
                tracing.TRACE.ctx = None
            return _collect(self, walk, roots, out, ctx, state, arg_roots, arg_values, arg_rg, lifted, installed,
                            backend, program)

        compile_fn, consts = backend.trace_program(
            traced, (state_in, [v for _, _, v in lifted], arg_arrays), donate=(0,) if donate else ())
        return program, compile_fn, consts, state_in

    def _compile(self, key: Any, walk: Walk, roots: list[tuple[str, Any]], args: tuple[Any, ...],
                 kwargs: dict[str, Any], arg_tensors: list[Tensor], backend: Any) -> Any:
        self._maybe_warn(key, roots)
        state_arrays = [st.array for st in walk.storages]
        arg_roots = [_root_of(t) for t in arg_tensors]
        arg_arrays = [st.array for st in arg_roots]
        undo = _Undo(walk, arg_roots)
        donate = key not in self._no_donate
        try:
            program, compile_fn, consts, state_in = self._trace(walk, roots, args, kwargs, arg_tensors, backend,
                                                                donate)
        except BaseException as exc:
            undo.restore(walk, state_arrays, arg_roots, arg_arrays, backend)
            if isinstance(exc, backend.host_read_errors):
                raise _host_read_error(exc, self.name) from exc
            raise
        # the concrete arrays and numbers go back until the program's outputs replace them
        undo.restore_arrays(walk, state_arrays, arg_roots, arg_arrays, backend)
        undo.restore_lifted()
        missed = self._find_missed(consts, walk)
        if missed or (donate and program.differentiable):
            # state read but not found (it becomes an input), or outputs that need the inputs kept
            # for backward (no donation): trace again
            undo.restore(walk, state_arrays, arg_roots, arg_arrays, backend)
            self._extra.extend(missed)
            if program.differentiable:
                self._no_donate.add(key)
            return _RETRY
        try:
            program.run = compile_fn()
        except BaseException:
            undo.restore(walk, state_arrays, arg_roots, arg_arrays, backend)
            raise
        program.backward = None
        self.compiles += 1
        if not program.creates_state:
            self._cache[key] = program
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        self._last_key = key
        del state_arrays
        return self._run(program, walk, arg_tensors, backend, args, kwargs, first=True, state_in=state_in,
                         undo=undo)

    def _find_missed(self, consts: list[Any], walk: Walk) -> list[Storage]:
        """Storages whose arrays the trace captured as constants: state the walk did not find."""
        if not consts:
            return []
        ids = {id(c) for c in consts}
        return [obj for obj in gc.get_objects()
                if type(obj) in _ROOT_STORAGES and id(obj.array) in ids and id(obj) not in walk.storage_index]

    def _maybe_warn(self, key: Any, roots: list[tuple[str, Any]]) -> None:
        if self.compiles < WARN_AFTER or self._warned or self._last_key is None:
            return
        self._warned = True
        reason = _describe_change(self._last_key, key, roots)
        warnings.warn(
            f"ag.compile: {self.name} is being compiled for the {self.compiles + 1}th time: {reason}. "
            "Each compile traces the function again; keep shapes, dtypes and the state it reaches unchanged between "
            "calls (a learning rate change does not recompile).",
            stacklevel=4,
        )

    # -- running
    def _run(self, program: _Program, walk: Walk, arg_tensors: list[Tensor], backend: Any, args: tuple[Any, ...],
             kwargs: dict[str, Any], first: bool = False, state_in: list[Any] | None = None,
             undo: _Undo | None = None) -> Any:
        donate = not program.differentiable
        if state_in is None:
            state_in = [st.array if not donate or _donatable(st) else backend.xp.asarray(st.array, copy=True)
                        for st in walk.storages]
        scalars = [v for _, _, v, lift in walk.scalars if lift]
        arg_arrays = [_root_of(t).array for t in arg_tensors]
        outs = program.run(state_in, scalars, arg_arrays)
        saved = (state_in, scalars, arg_arrays) if program.differentiable else None
        del state_in
        state_out, arg_out, new_out, escaped_out, scalar_out, check_flags, check_values, host_out, ret_out = outs
        to_fetch = list(scalar_out) if check_flags is None else [*scalar_out, check_flags]
        host = backend.fetch(to_fetch) if to_fetch else []
        scalar_host = host[: len(scalar_out)]
        failure = None
        if check_flags is not None:
            for raise_error, flag, values in zip(program.checks, host[-1], check_values):
                if bool(flag):
                    failure = (raise_error, [v.item() if hasattr(v, "item") else v for v in backend.fetch(values)])
                    break
        storages = walk.storages
        for st, a in zip(storages, state_out):
            _rebind(st, backend, a)
        if failure is not None:
            # the program kept every state array as it was: raise what eager execution raises
            if undo is not None:
                undo.restore_structure()
            failure[0](*failure[1])
            raise RuntimeError("ag.compile: a value check failed")  # not reached: raise_error raises
        for i in program.changed:
            storages[i]._version += 1
        arg_roots = [_root_of(t) for t in arg_tensors]
        for i, a in zip(program.arg_changed, arg_out):
            _rebind(arg_roots[i], backend, a)
            arg_roots[i]._version += 1
        placed: list[Tensor | None] = []
        for (address, key, rg, ref), a in zip(program.new_tensors, new_out):
            trace_tensor = ref() if ref is not None else None
            if (first or address is None) and trace_tensor is not None:
                _rebind(_root_of(trace_tensor), backend, a)
                placed.append(trace_tensor)
            elif address is not None:
                t = Tensor._wrap(a, backend)
                t._rg = rg
                _set_slot(walk.objects[address], key, t)
                placed.append(t)
            else:
                placed.append(None)
        for st, a in zip(program.escaped, escaped_out):
            _rebind(st, backend, a)
        for (address, key, kind, owner), v in zip(program.scalar_out, scalar_host):
            _set_slot(walk.objects[address] if address is not None else owner, key, _scalar_value(v, kind))
        for address, key, value, owner in program.scalar_consts:
            _set_slot(walk.objects[address] if address is not None else owner, key, value)
        for address, key in program.cleared:
            _set_slot(walk.objects[address], key, None)
        for address, key, k in program.increments:
            container = walk.objects[address]
            _set_slot(container, key, _get_slot(container, key) + k)
        if program.host_calls:
            _replay_host_calls(program.host_calls, host_out, backend)
        result = _unflatten(program.returns, ret_out, walk, backend, placed)
        if program.differentiable and GRAD_MODE.enabled:
            _connect(self, program, walk, arg_tensors, backend, args, kwargs, saved, result)
        return result

    def _backward_program(self, program: _Program, walk: Walk, arg_tensors: list[Tensor], backend: Any,
                          args: tuple[Any, ...], kwargs: dict[str, Any], saved: Any, cotangents: list[Any]) -> Any:
        """The compiled gradient of the outputs with respect to ``program.grad_inputs``: the
        function traced again with gradients, then ``autograd.grad`` (a recompute of the forward)."""
        if program.backward is not None:
            return program.backward
        from arraygrad.core import autograd

        state, scalars, arg_arrays = saved
        arg_roots = [_root_of(t) for t in arg_tensors]
        lifted = [(walk.objects[o], k, v) for o, k, v, lift in walk.scalars if lift]
        state_arrays = [st.array for st in walk.storages]
        current_args = [st.array for st in arg_roots]
        undo = _Undo(walk, arg_roots)

        def traced(state: list[Any], scalars: list[Any], arg_values: list[Any], cots: list[Any]) -> Any:
            _install(walk, state, arg_roots, arg_values, lifted, scalars, backend)
            fresh = {}
            for i, kind in program.grad_inputs:
                if kind == "arg":
                    t = Tensor._wrap(arg_values[i], backend)
                    t._rg = True
                    fresh[i] = t
            call_args, call_kwargs = _replace_args(args, kwargs, arg_tensors, fresh)
            ctx = tracing.TraceContext(backend)
            tracing.TRACE.ctx = ctx
            try:
                with autograd.enable_grad():
                    out = self.fn(*call_args, **call_kwargs)
                    outs = [t for t in _leaves(out) if t._rg]
                    inputs = [walk.objects[i] if kind == "state" else fresh[i] for i, kind in program.grad_inputs]
                    grads = autograd.grad(
                        outs, inputs, grad_outputs=[Tensor._wrap(c, backend) for c in cots], allow_unused=True)
            finally:
                tracing.TRACE.ctx = None
            return [backend.xp.zeros_like(t._storage.array) if g is None else g._storage.array
                    for g, t in zip(grads, inputs)]

        try:
            compile_fn, _ = backend.trace_program(traced, (state, scalars, arg_arrays, cotangents), donate=())
            program.backward = compile_fn()
        finally:
            undo.restore(walk, state_arrays, arg_roots, current_args, backend)
        return program.backward


def _autocast_key() -> Any:
    from arraygrad.core.autocast import AUTOCAST

    return tuple(sorted((k, v.name) for k, v in AUTOCAST.dtypes.items())) if AUTOCAST.active else ()


def _default_dtype_key() -> str:
    from arraygrad.core import dtypes

    return dtypes.get_default_dtype().name


def _describe_change(old: Any, new: Any, roots: list[tuple[str, Any]]) -> str:
    """Why ``new`` differs from the key of the previous compile, in words."""
    names = ("the arguments", "the state it reaches", "grad mode", "inference mode", "autocast", "the default dtype")
    for name, a, b in zip(names, old, new):
        if a == b:
            continue
        if name == "the arguments":
            for x, y in zip(a, b):
                if x != y:
                    return f"an argument changed from {_short(x)} to {_short(y)}"
            return f"the number of arguments changed ({len(a)} -> {len(b)})"
        if name == "the state it reaches":
            labels = Walk(labels=True).roots(roots).labels or []
            for i, (x, y) in enumerate(zip(a, b)):
                if x != y:
                    where = labels[i] if i < len(labels) else "?"
                    return f"{where} changed from {_short(x)} to {_short(y)}"
            return f"the state it reaches changed in size ({len(a)} -> {len(b)} entries)"
        return f"{name} changed from {a} to {b}"
    return "its key changed"


def _short(entry: Any) -> str:
    if isinstance(entry, tuple) and entry and entry[0] in ("T", "storage", "tensor"):
        return "shape " + str(entry[1] if entry[0] != "tensor" else entry[2]) + (
            f" {entry[2]}" if entry[0] in ("T", "storage") else "")
    return repr(entry)


# ---------------------------------------------------------------------------------- ag.compile


def compile(model: Any = None, *, fullgraph: bool = False, dynamic: bool | None = None, backend: Any = "inductor",  # noqa: A001
            mode: str | None = None, options: dict[str, Any] | None = None, disable: bool = False) -> Any:
    """Compile a function or a module, as ``torch.compile``.

    ``ag.compile(fn)`` and ``@ag.compile`` return a ``CompiledFunction``; ``ag.compile(module)``
    returns an ``OptimizedModule`` whose forward is compiled (its ``state_dict`` keys carry
    PyTorch's ``_orig_mod.`` prefix). On jax the function becomes one program per input shape;
    on numpy, array-api-strict and cupy it runs eagerly with identical results.

    Args:
        model: the function or module (omit it to use ``@ag.compile(...)`` with arguments).
        fullgraph: accepted for PyTorch compatibility: arraygrad always compiles the whole
            function and raises ``CompileError`` where PyTorch would break the graph (default False).
        dynamic: accepted for PyTorch compatibility; ignored (shapes are static: a new input shape
            compiles again) (default None).
        backend: PyTorch's compiler name; ``"eager"`` runs the function eagerly, any other
            value compiles where the tensors' backend can (default ``"inductor"``).
        mode: accepted for PyTorch compatibility; ignored (default None).
        options: accepted for PyTorch compatibility; ignored (default None).
        disable: run eagerly, as ``backend="eager"`` (default False).

    Returns:
        A ``CompiledFunction`` for a function, an ``OptimizedModule`` for a module, or, when
        ``model`` is None, a decorator that makes one of them.

    Raises:
        TypeError: ``model`` is neither callable nor a Module.
        CompileError: (when called) the function reads a tensor's value on the host, makes a
            value-dependent shape, or returns something other than tensors.
    """
    disable = disable or backend == "eager"

    def wrap(target: Any) -> Any:
        from arraygrad.nn.modules.module import Module

        if isinstance(target, Module):
            from arraygrad.nn.modules.compiled import OptimizedModule

            return OptimizedModule(target, fullgraph=fullgraph, disable=disable)
        if not callable(target):
            raise TypeError(f"compile(): expected a function or a Module, got {type(target).__name__}")
        return CompiledFunction(target, fullgraph=fullgraph, disable=disable)

    return wrap if model is None else wrap(model)
