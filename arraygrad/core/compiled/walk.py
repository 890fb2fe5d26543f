"""The walk of ``ag.compile``: everything a function can reach without receiving it (modules,
optimizers, generators, containers), found on every call to give a program's state inputs and key.
"""

from __future__ import annotations

import functools
import os
import sys
import sysconfig
import types
import weakref
from collections import OrderedDict
from typing import Any

from arraygrad.core import tracing
from arraygrad.core.tensor import Storage, Tensor

__all__ = ["CONTAINER_LIMIT", "OBJECT_DEPTH", "Walk"]

#: plain lists, tuples and dicts longer than this are not searched for state (a dataset held
#: as a list of tensors); tensors the function reads from them become inputs once a trace
#: finds them among the program's constants
CONTAINER_LIMIT = 2048
#: how deep the walk follows attributes of plain objects (modules and optimizers are walked whole)
OBJECT_DEPTH = 3

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_LIBRARY_DIRS = tuple(
    {os.path.abspath(p) for k in ("stdlib", "platstdlib", "purelib", "platlib") if (p := sysconfig.get_paths().get(k))}
)


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
