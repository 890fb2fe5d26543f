"""Compiled programs of ``ag.compile``: what one trace captures (``_collect``), how its outputs go
back into the storages and slots after each run, the backward node of a differentiable call, and
the undo of a failed trace.
"""

from __future__ import annotations

import gc
import sys
import types
import weakref
from typing import TYPE_CHECKING, Any

from arraygrad.core import tracing
from arraygrad.core.autograd import GRAD_MODE
from arraygrad.core.compiled.errors import CompileError
from arraygrad.core.compiled.walk import Walk, _get_slot, _set_slot
from arraygrad.core.tensor import InferenceStorage, Storage, Tensor
from arraygrad.core.views import live_views, replay

if TYPE_CHECKING:
    from arraygrad.core.compiled.function import CompiledFunction

__all__: list[str] = []

_ROOT_STORAGES = (Storage, InferenceStorage)


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
