"""``ag.compile``: a whole PyTorch-style step as one compiled program, where the backend can compile.

    @ag.compile
    def train_step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

On jax the first call *traces* the function: every tensor the function can reach without
receiving it — parameters, buffers, ``.grad``, optimizer state, the learning rate of each
parameter group, the random generator's counter — has its ``Storage`` cell's array swapped
for a placeholder, the Python code runs once, and the arrays found in those cells afterwards
are the outputs of one program (``Backend.compile_program``: ``jax.jit``, buffers donated).
Each later call runs that program and writes its outputs back into the same cells, so user
code and everything that holds the tensors (the optimizer, ``state_dict()``, views) see new
values as after an eager step. Backends that cannot compile (numpy, array-api-strict, cupy)
run the function eagerly.

What a program depends on is found by walking, on every call, what the function can reach:
its arguments, its closure, the globals it names, the objects of bound methods, and from
there modules (parameters, buffers, submodules, attributes), optimizers (groups, state),
schedulers, generators, and plain containers and objects. The walk gives the program's state
inputs and a *key* (shapes, dtypes, ``requires_grad``, whether a slot holds None, module
training flags and attributes, optimizer state structure and hyperparameters). A call whose
key matches a compiled program runs it; otherwise the function is traced again. Learning rates,
optimizer step counters and the random counter are program inputs, so schedulers do not cause
recompiles. Python code runs only while tracing, as in ``jax.jit``: a scheduler's ``step`` is
replayed on the host after each call (``tracing.defer``), value checks (index bounds) run on
the host after the program (``tracing.check_later``; a failed check leaves the state as before
the call), and reading a value on the host inside the function is an error naming the line.
"""

from __future__ import annotations

import functools
import gc
import linecache
import os
import sys
import sysconfig
import types
import warnings
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from arraygrad import backends
from arraygrad.core import tracing
from arraygrad.core.autograd import GRAD_MODE
from arraygrad.core.tensor import InferenceStorage, Storage, Tensor
from arraygrad.core.views import live_views, replay

__all__ = ["CompileError", "compile", "CompiledFunction"]

#: programs kept per compiled function (least recently used ones are dropped beyond this)
CACHE_SIZE = 64
#: compiles of one function after which a recompile warns (once) with its reason
WARN_AFTER = 8
#: plain lists, tuples and dicts longer than this are not searched for state (a dataset held
#: as a list of tensors); tensors the function reads from them become inputs once a trace
#: finds them among the program's constants
CONTAINER_LIMIT = 2048
#: how deep the walk follows attributes of plain objects (modules and optimizers are walked whole)
OBJECT_DEPTH = 3

_ROOT_STORAGES = (Storage, InferenceStorage)
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_LIBRARY_DIRS = tuple(
    {os.path.abspath(p) for k in ("stdlib", "platstdlib", "purelib", "platlib") if (p := sysconfig.get_paths().get(k))}
)


class CompileError(RuntimeError):
    """A compiled function did something a compiled program cannot: read a tensor's value on the
    host (``.item()``, ``.numpy()``, ``.tolist()``, a Python ``if`` on a tensor) or make a shape
    that depends on values (``nonzero``, boolean-mask indexing, ``unique``)."""


# ---------------------------------------------------------------------------------- the walk

_GRAD = "<grad>"  # the slot key of a tensor's .grad


def _attr(name: str) -> tuple[str, str]:
    return ("attr", name)


def _get_slot(container: Any, key: Any) -> Any:
    if key is _GRAD:
        return container._grad
    if type(key) is tuple and key[0] == "attr":
        return getattr(container, key[1])
    return container[key]


def _set_slot(container: Any, key: Any, value: Any) -> None:
    if key is _GRAD:
        container._grad = value
    elif type(key) is tuple and key[0] == "attr":
        d = getattr(container, "__dict__", None)
        if d is not None and key[1] in d:
            d[key[1]] = value
        else:
            object.__setattr__(container, key[1], value)
    else:
        container[key] = value


def _is_user_file(filename: str) -> bool:
    """Whether code in ``filename`` is the user's (not arraygrad's, the standard library's or an
    installed package's)."""
    path = os.path.abspath(filename)
    if path.startswith(_PACKAGE_DIR + os.sep):
        return False
    return not any(path.startswith(d + os.sep) for d in _LIBRARY_DIRS) and not filename.startswith("<frozen")


@functools.lru_cache(maxsize=1024)
def _user_class(cls: type) -> bool:
    """Whether instances of ``cls`` are searched for state: classes of the user's code (a trainer
    object holding the model), not arraygrad's own (a data loader, a compiled function) or a
    library's."""
    module = sys.modules.get(cls.__module__)
    file = getattr(module, "__file__", None)
    return file is not None and _is_user_file(file) or cls.__module__ == "__main__"


@functools.lru_cache(maxsize=1024)
def _global_names(code: types.CodeType) -> tuple[str, ...]:
    """Names a code object (and the functions and comprehensions nested in it) may read as globals."""
    names = list(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names.extend(_global_names(const))
    return tuple(dict.fromkeys(names))


def _function_roots(fn: types.FunctionType) -> list[tuple[str, Any]]:
    """(label, object) for everything a Python function reaches without arguments."""
    out: list[tuple[str, Any]] = []
    g = fn.__globals__
    for name in _global_names(fn.__code__):
        if name in g:
            out.append((name, g[name]))
    if fn.__closure__:
        for name, cell in zip(fn.__code__.co_freevars, fn.__closure__):
            try:
                out.append((name, cell.cell_contents))
            except ValueError:  # an empty cell
                pass
    for i, d in enumerate(fn.__defaults__ or ()):
        out.append((f"<default {i}>", d))
    for name, d in (fn.__kwdefaults__ or {}).items():
        out.append((name, d))
    return out


def _kinds() -> tuple[type, type, type, type]:
    from arraygrad.core.random import Generator
    from arraygrad.nn.modules.module import Module
    from arraygrad.optim.lr_scheduler import LRScheduler, ReduceLROnPlateau
    from arraygrad.optim.optimizer import Optimizer

    return Module, Optimizer, (LRScheduler, ReduceLROnPlateau), Generator  # type: ignore[return-value]


_SCALARS = (bool, int, float, complex, str, bytes, type(None))
_OPAQUE = (types.ModuleType, type, types.BuiltinFunctionType, types.BuiltinMethodType, types.CodeType,
           types.GeneratorType, weakref.ref, property, staticmethod, classmethod)


class Walk:
    """One pass over the state a function reaches (see the module docstring).

    Attributes:
        objects: every container, object and tensor visited, in order (their *ordinals*).
        key: a hashable description of what was found (equal keys: the same program applies).
        storages: the distinct root storages of the tensors found, in order (the state inputs).
        tensors: ``(owner ordinal, slot key, tensor)`` for every slot that holds a tensor.
        scalars: ``(owner ordinal, slot key, value, lifted)`` for optimizer hyperparameters,
            optimizer state numbers and generator counters; ``lifted`` ones are program inputs.
    """

    def __init__(self, labels: bool = False) -> None:
        self.Module, self.Optimizer, self.Scheduler, self.Generator = _kinds()
        self.objects: list[Any] = []
        self.ordinal: dict[int, int] = {}
        self.key: list[Any] = []
        self.storages: list[Storage] = []
        self.storage_index: dict[int, int] = {}
        self.tensors: list[tuple[int, Any, Tensor]] = []
        self.scalars: list[tuple[int, Any, Any, bool]] = []
        self.labels: list[str] | None = [] if labels else None
        self._label = ""

    # -- bookkeeping
    def _add(self, obj: Any) -> int:
        n = len(self.objects)
        self.objects.append(obj)
        self.ordinal[id(obj)] = n
        return n

    def _note(self, entry: Any, label: str) -> None:
        self.key.append(entry)
        if self.labels is not None:
            self.labels.append(label)

    # -- visiting
    def roots(self, named: list[tuple[str, Any]]) -> Walk:
        for label, obj in named:
            self.visit(obj, 0, label)
        return self

    def visit(self, obj: Any, depth: int, label: str) -> None:
        t = type(obj)
        if t in _SCALARS or isinstance(obj, _OPAQUE):
            return
        seen = self.ordinal.get(id(obj))
        if seen is not None:
            self._note(("ref", seen), label)
            return
        if isinstance(obj, Tensor):
            self._tensor(obj, label)
        elif isinstance(obj, self.Module):
            self._module(obj, label)
        elif isinstance(obj, self.Optimizer):
            self._optimizer(obj, label)
        elif isinstance(obj, self.Scheduler):
            self._add(obj)
            self._note(("sched", t), label)
            self.visit(getattr(obj, "optimizer", None), depth, f"{label}.optimizer")
        elif isinstance(obj, self.Generator):
            n = self._add(obj)
            self._note(("gen",), label)
            # the seed and the counter are inputs: neither reseeding nor drawing recompiles
            self.scalars.append((n, _attr("_key"), obj._key, True))
            self.scalars.append((n, _attr("_counter"), obj._counter, True))
            self._note(("lifted", type(obj._counter)), f"{label}._counter")
        elif t is list or t is tuple:
            self._sequence(obj, depth, label)
        elif t is dict or t is OrderedDict:
            self._dict(obj, depth, label)
        elif t is types.FunctionType:
            self._add(obj)
            if _is_user_file(obj.__code__.co_filename):
                for name, value in _function_roots(obj):
                    self.visit(value, depth, f"{obj.__qualname__}:{name}")
        elif t is types.MethodType:
            self._add(obj)
            self.visit(obj.__self__, depth, label)
            self.visit(obj.__func__, depth, label)
        elif t is functools.partial:
            self._add(obj)
            self.visit(obj.func, depth, label)
            self._sequence(obj.args, depth, f"{label}.args")
            self._dict(obj.keywords, depth, f"{label}.keywords")
        elif depth < OBJECT_DEPTH and hasattr(obj, "__dict__") and _user_class(t):
            n = self._add(obj)
            self._note(("obj", t), label)
            for name, value in list(vars(obj).items()):
                self._slot(n, _attr(name), value, depth + 1, f"{label}.{name}", guard_scalars=False)

    def _slot(self, owner: int, key: Any, value: Any, depth: int, label: str, guard_scalars: bool = True) -> None:
        if isinstance(value, Tensor):
            if id(value) not in self.ordinal:
                self.tensors.append((owner, key, value))
                self._tensor(value, label)
            else:
                self.tensors.append((owner, key, value))
                self._note(("ref", self.ordinal[id(value)]), label)
        elif value is None:
            self._note(None, label)
        elif type(value) in _SCALARS:
            if guard_scalars:
                self._note(value, label)
        else:
            self.visit(value, depth, label)

    def _tensor(self, t: Tensor, label: str) -> None:
        n = self._add(t)
        st = t._storage
        root = st.base or st
        index = self.storage_index.get(id(root))
        if index is None:
            index = self.storage_index[id(root)] = len(self.storages)
            self.storages.append(root)
            arr = root.array
            self._note(("storage", tuple(arr.shape), arr.dtype, t._backend.name), f"{label} (memory)")
        arr = st.array
        self._note(("tensor", index, tuple(arr.shape), st.chain, t._rg, type(t)), label)
        self._slot(n, _GRAD, t._grad, 0, f"{label}.grad")

    def _sequence(self, seq: Any, depth: int, label: str) -> None:
        if len(seq) > CONTAINER_LIMIT:
            self._note(("big", type(seq), len(seq)), label)
            return
        n = self._add(seq)
        self._note((type(seq), len(seq)), label)
        for i, v in enumerate(seq):
            self._slot(n, i, v, depth, f"{label}[{i}]", guard_scalars=False)

    def _dict(self, d: dict[Any, Any], depth: int, label: str) -> None:
        if len(d) > CONTAINER_LIMIT:
            self._note(("big", type(d), len(d)), label)
            return
        n = self._add(d)
        self._note((type(d), tuple(k if type(k) in _SCALARS else type(k) for k in d)), label)
        for k, v in list(d.items()):
            self._slot(n, k, v, depth, f"{label}[{k!r}]", guard_scalars=False)

    def _module(self, m: Any, label: str) -> None:
        n = self._add(m)
        d = vars(m)
        self._note(("module", type(m), m.training), label)
        for name, value in list(d.items()):
            if name in ("_parameters", "_buffers", "_modules"):
                dn = self._add(value)
                self._note((name, tuple(value)), f"{label}.{name}")
                for k, v in list(value.items()):
                    self._slot(dn, k, v, 0, f"{label}.{k}")
            elif name == "training":
                continue
            elif name.endswith("hooks") and isinstance(value, dict):
                self._note((name, len(value)), f"{label}.{name}")
            elif not name.startswith("__"):
                self._slot(n, _attr(name), value, 1, f"{label}.{name}")

    def _optimizer(self, opt: Any, label: str) -> None:
        self._add(opt)
        self._note(("optimizer", type(opt)), label)
        lifted_hyper = opt._compile_hyperparameters
        lifted_state = opt._compile_state
        for g, group in enumerate(opt.param_groups):
            gn = self._add(group)
            self._note(("group", tuple(group)), f"{label}.param_groups[{g}]")
            for k, v in group.items():
                glabel = f"{label}.param_groups[{g}][{k!r}]"
                if k == "params":
                    pn = self._add(v)
                    self._note(("params", len(v)), glabel)
                    for i, p in enumerate(v):
                        self._slot(pn, i, p, 0, f"{glabel}[{i}]")
                elif k in lifted_hyper and (type(v) in (int, float) or _placeholder(v)):
                    self.scalars.append((gn, k, v, True))
                    self._note(("lifted", type(v)), glabel)
                elif isinstance(v, Tensor):
                    self._slot(gn, k, v, 0, glabel)
                else:
                    self.scalars.append((gn, k, v, False))
                    self._note(v if _hashable(v) else ("unhashable", type(v)), glabel)
        state = opt.state
        self._add(state)
        self._note(("state", len(state)), f"{label}.state")
        for p, entries in list(state.items()):
            self.visit(p, 0, f"{label}.state key")
            en = self._add(entries)
            self._note(("entries", tuple(entries)), f"{label}.state[...]")
            for k, v in list(entries.items()):
                slabel = f"{label}.state[...][{k!r}]"
                if type(v) in (int, float, bool) or _placeholder(v):
                    lifted = k in lifted_state and type(v) is not bool
                    self.scalars.append((en, k, v, lifted))
                    self._note(("lifted", type(v)) if lifted else v, slabel)
                else:
                    self._slot(en, k, v, 0, slabel)


def _placeholder(v: Any) -> bool:
    """Whether ``v`` is a traced Python number (inside a trace): a 0-d array or a counter."""
    return type(v) is tracing.Offset or (
        not isinstance(v, Tensor) and getattr(v, "shape", None) == () and hasattr(v, "dtype"))


def _hashable(v: Any) -> bool:
    try:
        hash(v)
    except TypeError:
        return False
    return True


# ---------------------------------------------------------------------------------- arguments


def _flatten_args(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[list[Tensor], list[Any], list[Any]]:
    """The tensors of the call's arguments (leaves of tuples, lists and dicts), a key describing
    the arguments, and the other objects (modules, optimizers...) to walk as state."""
    tensors: list[Tensor] = []
    key: list[Any] = []
    others: list[Any] = []

    def go(v: Any) -> None:
        t = type(v)
        if isinstance(v, Tensor):
            tensors.append(v)
            arr = v._storage.array
            key.append(("T", tuple(arr.shape), arr.dtype, v._rg, v._backend.name))
        elif t is tuple or t is list:
            key.append((t, len(v)))
            for x in v:
                go(x)
        elif t is dict:
            key.append((t, tuple(v)))
            for x in v.values():
                go(x)
        elif t in _SCALARS:
            key.append((t, v))
        else:
            key.append(("obj", t))
            others.append(v)

    go(args)
    go(kwargs)
    return tensors, key, others


# ---------------------------------------------------------------------------------- errors


def _user_frame(tb: Any) -> tuple[str, int, str, str] | None:
    """(file, line, source, op) of the innermost user frame of a traceback, with the arraygrad
    function it called (the op that needed a value)."""
    frames = []
    while tb is not None:
        frames.append(tb)
        tb = tb.tb_next
    for i in range(len(frames) - 1, -1, -1):
        code = frames[i].tb_frame.f_code
        if _is_user_file(code.co_filename):
            op = ""
            for inner_tb in frames[i + 1:]:  # the arraygrad function called, past argument-check and hook wrappers
                inner = inner_tb.tb_frame.f_code
                if inner.co_name not in ("_typed_call", "wrapper"):
                    op = getattr(inner, "co_qualname", inner.co_name)
                    break
            line = frames[i].tb_lineno
            return code.co_filename, line, linecache.getline(code.co_filename, line).strip(), op
    return None


def _host_read_error(exc: BaseException, fn_name: str) -> CompileError:
    where = _user_frame(exc.__traceback__)
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = str(exc).lower()
    shape_dependent = ("nonzero" in text or "boolean indices" in text or "NonConcrete" in type(exc).__name__) \
        and "boolean conversion" not in text
    what = (
        "makes an array whose shape depends on tensor values (nonzero, boolean-mask indexing, unique)"
        if shape_dependent else "needs a tensor's value on the host (.item(), .tolist(), .numpy(), bool/float/int "
        "of a tensor, a Python if on a tensor)"
    )
    if where is not None:
        file, line, source, op = where
        place = f"{file}:{line}: `{source}`" + (f" (calls {op})" if op else "")
    else:
        place = f"a call inside {fn_name}"
    return CompileError(
        f"ag.compile: {place} {what}, which a compiled function cannot do while it is traced ({detail}). "
        f"Move it out of the compiled function: return the tensor and read it after the call."
    )


# ---------------------------------------------------------------------------------- programs


def _root_of(t: Tensor) -> Storage:
    st = t._storage
    return st.base or st


def _rebind(root: Storage, backend: Any, array: Any) -> None:
    """Give a root storage a new array and re-derive its live views (no version bump)."""
    root.array = array
    if root._views:
        for v in live_views(root):
            v.array = replay(backend, array, v.chain)


def _scalar_value(value: Any, kind: type) -> Any:
    """A host value returned by a program as the Python number type ``kind``."""
    item = value.item() if hasattr(value, "item") else value
    return kind(item)


class _Program:
    """One compiled program and what its outputs mean (filled in by ``_collect``)."""

    run: Any
    changed: list[int]  # state inputs the function wrote
    arg_changed: list[int]  # argument tensors it wrote in place
    new_tensors: list[Any]  # (owner ordinal or None, slot key, requires_grad, weakref to the traced tensor)
    escaped: list[Storage]  # storages outside the walk that hold new values
    scalar_out: list[Any]  # (owner ordinal or None, slot key, Python type, owner if new)
    scalar_consts: list[Any]  # (owner ordinal or None, slot key, value, owner if new)
    increments: list[Any]  # (owner ordinal, slot key, int): counters the call advanced by a constant
    cleared: list[Any]  # (owner ordinal, slot key): tensor slots the call set to None
    checks: list[Any]  # raise_error per value check
    host_calls: list[Any]  # (method, argument spec)
    returns: Any  # the structure of the returned value
    creates_state: bool  # the trace made new containers (lazy optimizer state): not reused
    differentiable: bool  # returned tensors require grad and backward did not run inside
    returns_rg: list[bool]  # per returned tensor: whether gradients flow back from it
    grad_inputs: list[Any]  # (ordinal, "state") or (position, "arg"): where gradients flow to
    backward: Any  # the compiled backward program, made on first use


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


def _donatable(st: Storage) -> bool:
    """Whether a storage's array may be donated: only the storage holds it (a clone that shares
    the array, or a user's reference to it, must not lose its buffer)."""
    return sys.getrefcount(st.array) <= 2


def _install(walk: Walk, state: list[Any], arg_roots: list[Storage], arg_values: list[Any], lifted: list[Any],
             scalars: list[Any], backend: Any) -> list[Any]:
    """Put a trace's placeholders into the storages and slots the function will read; returns what
    each lifted slot got."""
    for st, a in zip(walk.storages, state):
        _rebind(st, backend, a)
    for st, a in zip(arg_roots, arg_values):
        if id(st) not in walk.storage_index:
            _rebind(st, backend, a)
    installed = []
    for (container, k, original), v in zip(lifted, scalars):
        if type(original) is int:
            v = tracing.Offset(v)  # a counter: what the call adds is known at trace time
        _set_slot(container, k, v)
        installed.append(v)
    return installed


def _replace_args(args: tuple[Any, ...], kwargs: dict[str, Any], tensors: list[Tensor],
                  fresh: dict[int, Tensor]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """``args`` and ``kwargs`` with the tensor at flat position i replaced by ``fresh[i]``."""
    if not fresh:
        return args, kwargs
    counter = iter(range(len(tensors)))

    def go(v: Any) -> Any:
        if isinstance(v, Tensor):
            i = next(counter)
            return fresh.get(i, v)
        t = type(v)
        if t is tuple or t is list:
            return t(go(x) for x in v)
        if t is dict:
            return {k: go(x) for k, x in v.items()}
        return v

    return go(args), go(kwargs)


def _connect(cf: CompiledFunction, program: _Program, walk: Walk, arg_tensors: list[Tensor], backend: Any,
             args: tuple[Any, ...], kwargs: dict[str, Any], saved: Any, result: Any) -> None:
    """Make the returned tensors that require grad outputs of one ``CompiledBackward`` node."""
    from arraygrad.core.autograd import Node

    outs = [t for t, rg in zip(_leaves(result), program.returns_rg) if rg]
    if not outs:
        return
    inputs = [walk.objects[i] if kind == "state" else arg_tensors[i] for i, kind in program.grad_inputs]

    class CompiledBackward(Node):
        __slots__ = ()
        n_outputs = len(outs)

        def name(self) -> str:
            return "CompiledFunctionBackward"

        def backward(self, grad: Any) -> tuple[Any, ...]:
            if GRAD_MODE.enabled:
                raise RuntimeError(
                    "ag.compile: double backward (create_graph=True) through a compiled function is not supported; "
                    "call the function without ag.compile to differentiate its gradients")
            grads = [grad] if len(outs) == 1 else list(grad)
            xp = backend.xp
            cots = [xp.zeros(shape, dtype=dtype) if g is None else g._storage.array
                    for g, (shape, dtype) in zip(grads, shapes)]
            run = cf._backward_program(program, walk, arg_tensors, backend, args, kwargs, saved, cots)
            state, scalars, arg_arrays = saved
            return tuple(Tensor._wrap(a, backend) for a in run(state, scalars, arg_arrays, cots))

    shapes = [(tuple(t._storage.array.shape), t._storage.array.dtype) for t in outs]
    node = CompiledBackward(inputs)
    for k, t in enumerate(outs):
        t.grad_fn, t._output_nr, t._rg = node, k, True


def _replay_host_calls(calls: list[Any], values: list[Any], backend: Any) -> None:
    it = iter(values)
    for method, spec in calls:
        method(*[Tensor._wrap(next(it), backend) if s == "tensor" else s[1] for s in spec])


def _unflatten(spec: Any, arrays: list[Any], walk: Walk, backend: Any, placed: list[Tensor | None]) -> Any:
    it = iter(arrays)

    def build(s: Any) -> Any:
        kind = s[0]
        if kind == "tensor":
            return Tensor._wrap(next(it), backend)
        if kind == "placed":
            a = next(it)
            t = placed[s[1]]
            return Tensor._wrap(a, backend) if t is None else t
        if kind == "existing":
            next(it)
            return walk.objects[s[1]]
        if kind == "const":
            return s[1]
        if kind == "dict":
            return {k: build(v) for k, v in s[1]}
        items = [build(v) for v in s[1]]
        return tuple(items) if kind == "tuple" else items

    return build(spec)


class _Undo:
    """What a trace may change in Python objects, to put back when tracing fails."""

    def __init__(self, walk: Walk, arg_roots: list[Storage]) -> None:
        objs = walk.objects
        self.dicts = [(d, dict(d)) for d in objs if isinstance(d, dict)]
        self.attrs = [(o, dict(vars(o))) for o in objs if not isinstance(o, (Tensor, dict, list, tuple))
                      and isinstance(getattr(o, "__dict__", None), dict) and not isinstance(o, types.FunctionType)]
        self.lists = [(seq, list(seq)) for seq in objs if type(seq) is list]
        self.grads = [(t, t._grad) for t in objs if isinstance(t, Tensor)]
        # the slots' values now (a backward program is traced after the walk's call moved them on;
        # a slot gone since then has nothing to restore)
        self.scalars, self.lifted = [], []
        for o, k, _, lift in walk.scalars:
            try:
                entry = (objs[o], k, _get_slot(objs[o], k))
            except (KeyError, IndexError, AttributeError):
                continue
            self.scalars.append(entry)
            if lift:
                self.lifted.append(entry)
        # the trace's in-place ops bump version counters; a call bumps each written storage once
        self.versions = [(st, st._version) for st in [*walk.storages, *arg_roots]]

    def restore_arrays(self, walk: Walk, state: list[Any], arg_roots: list[Storage], arg_arrays: list[Any],
                       backend: Any) -> None:
        for st, a in zip(arg_roots, arg_arrays):
            _rebind(st, backend, a)
        for st, a in zip(walk.storages, state):
            _rebind(st, backend, a)
        for st, version in self.versions:
            st._version = version

    def restore_lifted(self) -> None:
        for container, k, v in self.lifted:
            _set_slot(container, k, v)

    def restore_structure(self) -> None:
        for o, items in self.attrs:
            d = vars(o)
            d.clear()
            d.update(items)
        for d, items in self.dicts:
            d.clear()
            d.update(items)
        for seq, items in self.lists:
            seq[:] = items
        for t, g in self.grads:
            t._grad = g
        for container, k, v in self.scalars:
            _set_slot(container, k, v)

    def restore(self, walk: Walk, state: list[Any], arg_roots: list[Storage], arg_arrays: list[Any],
                backend: Any) -> None:
        self.restore_arrays(walk, state, arg_roots, arg_arrays, backend)
        self.restore_structure()


def _collect(cf: CompiledFunction, walk: Walk, roots: list[tuple[str, Any]], out: Any, ctx: tracing.TraceContext,
             state_in: list[Any], arg_roots: list[Storage], arg_in: list[Any], arg_rg: list[bool], lifted: list[Any],
             installed: list[Any], backend: Any, program: _Program) -> Any:
    """Inside the trace, after the function returned: the program's outputs; ``program`` gets
    what they mean."""
    xp = backend.xp
    ret_arrays: list[Any] = []
    returns_rg: list[bool] = []  # per returned tensor: whether it becomes an output of the backward node
    returned_new: list[Tensor] = []  # returned tensors the walk did not find before the call

    def flat(v: Any) -> Any:
        if isinstance(v, Tensor):
            ret_arrays.append(v._storage.array)
            n = walk.ordinal.get(id(v))
            returns_rg.append(v._rg and n is None)
            if n is not None:
                return ("existing", n)
            returned_new.append(v)
            return ("tensor", len(returned_new) - 1)
        t = type(v)
        if t is tuple or t is list:
            return ("tuple" if t is tuple else "list", [flat(x) for x in v])
        if t is dict:
            return ("dict", [(k, flat(x)) for k, x in v.items()])
        if v is None or t is str or t is bool:
            return ("const", v)
        raise CompileError(
            f"ag.compile: {cf.name} returned a {t.__name__}; a compiled function runs its Python code only "
            "while it is traced, so it may return tensors (in tuples, lists and dicts), None, strings and bools. "
            "Return a tensor instead (e.g. the loss, not loss.item())."
        )

    program.returns = flat(out)
    leaves = _leaves(out)
    returned_roots = {id(_root_of(v)) for v in leaves}
    program.differentiable = GRAD_MODE.enabled and not ctx.backward_ran and any(returns_rg)
    program.returns_rg = returns_rg
    del out, leaves
    # the state after the call: the same walk again
    post = Walk().roots(roots)
    pre_ids = walk.storage_index
    arg_ids = {id(st): i for i, st in enumerate(arg_roots)}
    state_out, changed = [], []
    for i, st in enumerate(walk.storages):
        a = st.array
        if a is not state_in[i]:
            changed.append(i)
        state_out.append(a)
    arg_changed, arg_out = [], []
    for i, st in enumerate(arg_roots):
        if id(st) not in pre_ids and st.array is not arg_in[i]:
            arg_changed.append(i)
            arg_out.append(st.array)
    new_tensors, new_out = [], []
    new_index: dict[int, int] = {}  # id of a tensor now in a slot -> its position in new_tensors
    seen_new: set[int] = set()
    creates_state = False
    for owner, key, t in post.tensors:
        root = _root_of(t)
        if id(root) in pre_ids or id(root) in arg_ids:
            continue
        container = post.objects[owner]
        address = walk.ordinal.get(id(container))
        if address is None:
            creates_state = True  # a new container (lazily made optimizer state): the next call traces again
        elif type(container) is tuple:
            address = None  # immutable: the traced tensor itself gets the value
        seen_new.add(id(root))
        new_index.setdefault(id(t), len(new_tensors))
        new_tensors.append((address, key, t._rg, weakref.ref(t)))
        new_out.append(root.array)
    # storages holding placeholders that neither walk found (state kept where the walk does not look)
    known = set(pre_ids) | set(arg_ids) | seen_new | returned_roots
    escaped = [] if ctx.placeholder is None else [
        obj for obj in gc.get_objects()
        if type(obj) in _ROOT_STORAGES and id(obj) not in known and backend.is_traced(obj.array, ctx.placeholder)]
    escaped_out = [st.array for st in escaped]
    # Python numbers: lifted inputs, and anything that now holds a placeholder. A lifted slot that
    # still holds its placeholder needs nothing; a counter that only had constants added to it is
    # advanced on the host; other traced numbers are outputs.
    scalar_out, scalar_spec, scalar_consts, increments = [], [], [], []
    lifted_keys = {(id(c), k): v for (c, k, _), v in zip(lifted, installed)}
    for owner, key, value, _ in post.scalars:
        container = post.objects[owner]
        address = walk.ordinal.get(id(container))
        placeholder = lifted_keys.get((id(container), key))
        if placeholder is not None and value is placeholder:
            continue
        if (type(value) is tracing.Offset and type(placeholder) is tracing.Offset and value.base is placeholder.base
                and address is not None):
            increments.append((address, key, value.offset))
            continue
        value = tracing.materialize(value)
        if backend.is_traced(value):
            scalar_spec.append((address, key, _scalar_kind(walk, container, key, value),
                                container if address is None else None))
            scalar_out.append(value)
        elif (id(container), key) in lifted_keys:
            scalar_consts.append((address, key, value, container if address is None else None))
    # value checks: outputs, and the state stays as it was when one fails
    # (the flags as one array: one read per call; the values are read only when a check failed)
    checks, check_values, check_flags = [], [], None
    if ctx.checks:
        for _, values, raise_error in ctx.checks:
            checks.append(raise_error)
            check_values.append(list(values))
        check_flags = xp.stack([xp.reshape(flag, ()) for flag, _, _ in ctx.checks])
        failed = xp.any(check_flags)
        state_out = [xp.where(failed, old, new) if i in changed else new
                     for i, (old, new) in enumerate(zip(state_in, state_out))]
    host_calls, host_out = [], []
    for method, call_args in ctx.host_calls:
        spec: list[Any] = []
        for a in call_args:
            if isinstance(a, Tensor):
                spec.append("tensor")
                host_out.append(a._storage.array)
            else:
                spec.append(("value", a))
        host_calls.append((method, spec))
    grad_inputs: list[Any] = []
    if program.differentiable:
        grad_inputs = [(n, "state") for n, o in enumerate(walk.objects)
                       if isinstance(o, Tensor) and o._rg and o.grad_fn is None]
        grad_inputs += [(i, "arg") for i, rg in enumerate(arg_rg) if rg]
    # slots that held a tensor before the call and None after (``zero_grad()`` inside): cleared on every call
    cleared = []
    for owner, key, _ in walk.tensors:
        try:
            now = _get_slot(walk.objects[owner], key)
        except (KeyError, IndexError, AttributeError):
            continue
        if now is None:
            cleared.append((owner, key))
    program.cleared = cleared
    # a returned tensor that is also a new slot value (``return p.grad``) is that same object after the call
    program.returns = _relink(program.returns, [new_index.get(id(t)) for t in returned_new])
    returned_new.clear()  # no reference to traced tensors stays behind
    program.changed, program.arg_changed = changed, arg_changed
    program.new_tensors, program.escaped = new_tensors, escaped
    program.scalar_out, program.scalar_consts, program.increments = scalar_spec, scalar_consts, increments
    program.checks, program.host_calls = checks, host_calls
    program.creates_state, program.grad_inputs = creates_state, grad_inputs
    return (state_out, arg_out, new_out, escaped_out, scalar_out, check_flags, check_values, host_out, ret_arrays)


def _relink(spec: Any, slots: list[int | None]) -> Any:
    """``spec`` with each new returned tensor ``("tensor", k)`` that was put in a slot as
    ``("placed", j)`` (j: its position among the program's new tensors) and the others as ``("tensor",)``."""
    kind = spec[0]
    if kind == "tensor":
        j = slots[spec[1]]
        return ("tensor",) if j is None else ("placed", j)
    if kind in ("tuple", "list"):
        return (kind, [_relink(s, slots) for s in spec[1]])
    if kind == "dict":
        return (kind, [(k, _relink(s, slots)) for k, s in spec[1]])
    return spec


def _scalar_kind(walk: Walk, container: Any, key: Any, value: Any) -> type:
    """The Python type a traced number goes back as: that of the slot's value before the call."""
    for o, k, v, _ in walk.scalars:
        if k == key and walk.objects[o] is container:
            return type(v)
    dtype = getattr(value, "dtype", None)
    return float if dtype is not None and "float" in str(dtype) else int


def _leaves(v: Any) -> list[Tensor]:
    if isinstance(v, Tensor):
        return [v]
    if type(v) in (tuple, list):
        return [x for item in v for x in _leaves(item)]
    if type(v) is dict:
        return [x for item in v.values() for x in _leaves(item)]
    return []


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
