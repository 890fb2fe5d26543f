"""The autograd engine: graph nodes, grad mode, backward/grad, and custom Functions.

The graph is built during the forward pass: every differentiable op that sees an input
requiring grad creates one ``Node`` holding what its backward needs. A node's ``next``
edges point at the nodes that produced its inputs, or at leaf tensors (where the gradient
is accumulated into ``.grad``). Backward formulas are written with Tensor ops, so running
them with grad enabled (``create_graph=True``) records a graph of the backward pass and
gives higher-order gradients.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from arraygrad.core.anomaly import ANOMALY_MODE, record_forward_stack, run_node_backward
from arraygrad.core.tracing import TRACE

if TYPE_CHECKING:
    from arraygrad.core.tensor import Tensor  # noqa: F811 - imported for real at the bottom


class _GradMode(threading.local):
    """Grad mode and inference mode, per thread as PyTorch's: ``no_grad`` in an evaluator thread
    leaves a trainer thread recording. Every thread starts with grad enabled and inference off."""

    def __init__(self) -> None:
        self.enabled = True
        # inside inference_mode: new tensors get an InferenceStorage (Tensor._wrap reads this)
        self.inference = False


GRAD_MODE = _GradMode()


def is_grad_enabled() -> bool:
    """Tell whether ops currently record the graph for autograd, as ``torch.is_grad_enabled``.

    Returns:
        True when grad mode is on in the current thread.
    """
    return GRAD_MODE.enabled


class _GradModeContext:
    """Base of no_grad / enable_grad / set_grad_enabled: context manager and decorator."""

    _target: bool

    def __enter__(self) -> None:
        self._prev = GRAD_MODE.enabled
        GRAD_MODE.enabled = self._target

    def __exit__(self, *exc: object) -> None:
        GRAD_MODE.enabled = self._prev

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        target = self._target

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = GRAD_MODE.enabled
            GRAD_MODE.enabled = target
            try:
                return fn(*args, **kwargs)
            finally:
                GRAD_MODE.enabled = prev

        return wrapper


class no_grad(_GradModeContext):  # noqa: N801 - PyTorch name
    """Disable graph recording: ``with ag.no_grad(): ...`` or ``@ag.no_grad()``."""

    _target = False


class enable_grad(_GradModeContext):  # noqa: N801 - PyTorch name
    """Enable graph recording inside a ``no_grad`` region."""

    _target = True


class set_grad_enabled(_GradModeContext):  # noqa: N801 - PyTorch name
    """Set grad mode to ``mode``; it takes effect immediately, and as a context manager restores it on exit.

    Args:
        mode: True to record the graph, False to stop recording.
    """

    def __init__(self, mode: bool) -> None:
        self._target = bool(mode)
        self._prev = GRAD_MODE.enabled
        GRAD_MODE.enabled = self._target

    def __enter__(self) -> None:
        pass


def is_inference_mode_enabled() -> bool:
    """Tell whether ``inference_mode`` is active, as ``torch.is_inference_mode_enabled``.

    Returns:
        True inside an enabled ``inference_mode`` region.
    """
    return GRAD_MODE.inference


class inference_mode:  # noqa: N801 - PyTorch name
    """Disable graph recording, as ``no_grad``, and make tensors created inside inference tensors.

    Inference tensors (``t.is_inference()``) cannot be saved for backward later, nor changed in
    place outside inference mode.

    Use as ``with ag.inference_mode(): ...``, ``@ag.inference_mode()`` or ``@ag.inference_mode``.
    ``inference_mode(False)`` turns it off (and grad mode on, as PyTorch's) inside an inference-mode region.

    Args:
        mode: whether to enable inference mode (default True).
    """

    def __new__(cls, mode: Any = True) -> Any:
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)  # used as a bare decorator: ``@inference_mode``

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode
        self._prev: list[tuple[bool, bool]] = []

    def __enter__(self) -> None:
        self._prev.append((GRAD_MODE.enabled, GRAD_MODE.inference))
        # as PyTorch's: inference mode disables grad mode, inference_mode(False) enables it
        GRAD_MODE.enabled = not self.mode
        GRAD_MODE.inference = self.mode

    def __exit__(self, *exc: object) -> None:
        GRAD_MODE.enabled, GRAD_MODE.inference = self._prev.pop()

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(mode):
                return fn(*args, **kwargs)

        return wrapper

    def clone(self) -> inference_mode:
        """Return a new ``inference_mode`` with the same ``mode``.

        Returns:
            A fresh, unentered context manager.
        """
        return inference_mode(self.mode)


class Node:
    """One recorded op in the graph. Subclasses implement ``backward(grad)`` returning one
    gradient (or None) per input, in the order the inputs were given."""

    # _anomaly_trace: set only in anomaly mode (the forward stack, see core/anomaly.py)
    __slots__ = ("next", "_saved", "_versions", "_hooks", "_anomaly_trace", "__weakref__")
    _anomaly_trace: tuple[Any, Node | None]
    #: number of differentiable outputs; nodes with more receive a list of gradients
    n_outputs = 1

    def __init__(self, inputs: Sequence[Tensor]) -> None:
        # edge per input: (producing node, output index), (leaf tensor, 0), or None
        self.next = tuple(
            (t.grad_fn, t._output_nr) if t.grad_fn is not None else ((t, 0) if t.requires_grad else None)
            for t in inputs
        )
        self._saved: tuple[Any, ...] | None = ()
        self._hooks: dict[int, list[Callable[[Tensor], Tensor | None]]] | None = None
        if ANOMALY_MODE.enabled:
            record_forward_stack(self)

    def save(self, *tensors: Any) -> None:
        """Keep ``tensors`` for backward and remember their versions, so that an in-place
        change made before backward is detected."""
        self._saved = tensors
        # -1 marks a saved non-tensor (a Python scalar), which has no version
        try:
            self._versions = tuple(
                s.version if (s := getattr(t, "_storage", None)) is not None else -1 for t in tensors
            )
        except InferenceVersionError:
            raise RuntimeError(
                "Inference tensors cannot be saved for backward. Please do not use Tensors created in inference "
                "mode in computation tracked by autograd. To work around you can make a clone to get a normal "
                "tensor and use it in autograd."
            ) from None

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        saved = self._saved
        if saved is None:
            raise RuntimeError(
                f"Trying to backward through the graph a second time (or directly access saved tensors "
                f"after they have already been freed) in {self.name()}. Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True "
                "if you need to backward through the graph a second time."
            )
        for i, (t, v) in enumerate(zip(saved, self._versions)):
            if v >= 0 and t._storage.version != v:
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: input {i} of {self.name()} is at version {t._storage.version}; expected "
                    f"version {v} instead."
                )
        return saved

    def release(self) -> None:
        self._saved = None

    def needs(self, i: int) -> bool:
        """Whether input ``i`` needs a gradient (skip computing the ones nobody uses)."""
        return self.next[i] is not None

    def backward(self, grad: Any) -> tuple[Any, ...]:
        raise NotImplementedError

    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.name()} object>"

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """Like PyTorch: ``(node, output_nr)`` per input, with ``AccumulateGrad`` for leaves."""

        out: list[tuple[Any, int]] = []
        for edge in self.next:
            if edge is None:
                out.append((None, 0))
            elif isinstance(edge[0], Tensor):
                out.append((AccumulateGrad(edge[0]), 0))
            else:
                out.append(edge)
        return tuple(out)

    def register_prehook(self, output_nr: int, hook: Callable[[Tensor], Tensor | None]) -> None:
        if self._hooks is None:
            self._hooks = {}
        self._hooks.setdefault(output_nr, []).append(hook)


class AccumulateGrad:
    """What ``next_functions`` shows for a leaf: the node that accumulates into ``variable.grad``."""

    __slots__ = ("variable",)

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return "<AccumulateGrad object>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self) -> int:
        return id(self.variable)

    next_functions = ()


def _accumulate(buffer: dict[Any, Any], key: Any, grad: Tensor) -> None:
    old = buffer.get(key)
    buffer[key] = grad if old is None else old + grad


def _run_hooks(hooks: Iterable[Callable[[Tensor], Tensor | None]], grad: Tensor) -> Tensor:
    for hook in hooks:
        result = hook(grad)
        if result is not None:
            grad = result
    return grad


def run_backward(
    roots: Sequence[tuple[Tensor, Tensor]],
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence[Tensor] | None = None,
) -> dict[int, Tensor]:
    """Propagate ``roots`` (tensor, gradient) pairs through the graph.

    Without ``inputs``, gradients of leaves are accumulated into their ``.grad``. With
    ``inputs``, nothing is accumulated; the gradient reaching each input is returned,
    keyed by position in ``inputs``.
    """
    if TRACE.ctx is not None:
        TRACE.ctx.backward_ran = True
    # Count, for every node reachable from the roots, how many edges lead into it: a node
    # runs once all of them have delivered their gradient.
    deps: dict[Node, int] = {}
    stack: list[Node] = []
    for t, _ in roots:
        node = t.grad_fn
        if node is not None and node not in deps:
            deps[node] = 0
            stack.append(node)
    while stack:
        node = stack.pop()
        for edge in node.next:
            if edge is None:
                continue
            target = edge[0]
            if isinstance(target, Node):
                if target in deps:
                    deps[target] += 1
                else:
                    deps[target] = 1
                    stack.append(target)

    wanted: dict[Any, int] = {}  # (node, nr) or id(leaf) -> position in inputs
    if inputs is not None:
        for i, t in enumerate(inputs):
            wanted[(t.grad_fn, t._output_nr) if t.grad_fn is not None else id(t)] = i
    captured: dict[int, Tensor] = {}

    buffers: dict[Any, Any] = {}
    leaf_grads: dict[int, tuple[Tensor, Tensor]] = {}
    for t, g in roots:
        if t.grad_fn is None:
            if not t.requires_grad:
                raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
            _accumulate_leaf(leaf_grads, t, g)
        else:
            _accumulate(buffers, (t.grad_fn, t._output_nr), g)

    # leaves with post-accumulate-grad hooks get .grad as soon as their last edge has delivered,
    # so that the hook runs while the rest of backward goes on (DistributedDataParallel overlaps
    # its gradient all-reduce with it); counted only when such hooks exist
    pending = _hooked_leaf_edges(deps) if inputs is None and POST_ACCUMULATE_HOOKS else None
    anomaly = ANOMALY_MODE.enabled
    prev_mode = GRAD_MODE.enabled
    GRAD_MODE.enabled = create_graph
    try:
        ready = [n for n, d in deps.items() if d == 0]
        while ready:
            node = ready.pop()
            n_out = node.n_outputs
            if n_out == 1:
                grad = buffers.pop((node, 0), None)
                grad = _prepare(node, 0, grad, wanted, captured)
            else:
                grad = [
                    _prepare(node, k, buffers.pop((node, k), None), wanted, captured) for k in range(n_out)
                ]
            if grad is None or (n_out > 1 and all(g is None for g in grad)):
                grads: tuple[Any, ...] = (None,) * len(node.next)
            else:
                grads = run_node_backward(node, grad) if anomaly else node.backward(grad)
                if not retain_graph:
                    node.release()
            for edge, g in zip(node.next, grads):
                if edge is None:
                    continue
                target = edge[0]
                if isinstance(target, Node):
                    if g is not None:
                        _accumulate(buffers, edge, g)
                    deps[target] -= 1
                    if deps[target] == 0:
                        ready.append(target)
                else:
                    if g is not None:
                        _accumulate_leaf(leaf_grads, target, g)
                    if pending is not None and id(target) in pending:
                        _leaf_edge_delivered(pending, leaf_grads, target, create_graph)
    finally:
        GRAD_MODE.enabled = prev_mode

    for leaf, g in leaf_grads.values():
        if g._storage.array.dtype != leaf._storage.array.dtype:
            g = g.to(leaf.dtype)  # a gradient has its tensor's dtype, whatever the ops promoted to
        if leaf._hooks:
            g = _run_hooks(leaf._hooks, g)
        if inputs is not None:
            pos = wanted.get(id(leaf))
            if pos is not None:
                captured[pos] = g
            continue
        _store_grad(leaf, g, create_graph)
        if pending is not None:
            _run_post_accumulate_hooks(leaf)
    if inputs is not None:
        _cast_captured(captured, inputs)
    return captured


class _PostAccumulateHooks(dict):  # type: ignore[type-arg]
    """``Tensor.register_post_accumulate_grad_hook``'s hooks: id(tensor) -> (weakref, hooks). Kept
    here rather than on every Tensor so that tensors without such hooks pay nothing."""

    def register(self, tensor: Tensor, hook: Callable[[Tensor], None]) -> Any:
        import weakref

        from arraygrad.core.tensor import RemovableHandle

        key = id(tensor)
        entry = self.get(key)
        if entry is None or entry[0]() is not tensor:
            entry = (weakref.ref(tensor, lambda _ref, k=key: self.pop(k, None)), [])
            self[key] = entry
        entry[1].append(hook)
        return RemovableHandle(entry[1], hook)


POST_ACCUMULATE_HOOKS = _PostAccumulateHooks()


def _hooked_leaf_edges(deps: dict[Node, int]) -> dict[int, int]:
    """For every leaf with post-accumulate hooks, how many graph edges lead into it."""
    counts: dict[int, int] = {}
    for node in deps:
        for edge in node.next:
            if edge is not None and not isinstance(edge[0], Node) and id(edge[0]) in POST_ACCUMULATE_HOOKS:
                counts[id(edge[0])] = counts.get(id(edge[0]), 0) + 1
    return counts


def _leaf_edge_delivered(pending: dict[int, int], leaf_grads: dict[int, tuple[Tensor, Tensor]], leaf: Tensor,
                         create_graph: bool) -> None:
    """One more edge into hooked ``leaf`` has run; after the last, store its gradient and run its hooks."""
    key = id(leaf)
    pending[key] -= 1
    if pending[key] or key not in leaf_grads:
        return
    _, g = leaf_grads.pop(key)
    if g._storage.array.dtype != leaf._storage.array.dtype:
        g = g.to(leaf.dtype)
    if leaf._hooks:
        g = _run_hooks(leaf._hooks, g)
    _store_grad(leaf, g, create_graph)
    _run_post_accumulate_hooks(leaf)


def _run_post_accumulate_hooks(leaf: Tensor) -> None:
    entry = POST_ACCUMULATE_HOOKS.get(id(leaf))
    if entry is not None and entry[0]() is leaf:
        for hook in list(entry[1]):
            hook(leaf)


def _accumulate_leaf(leaf_grads: dict[int, tuple[Tensor, Tensor]], leaf: Tensor, g: Tensor) -> None:
    old = leaf_grads.get(id(leaf))
    leaf_grads[id(leaf)] = (leaf, g if old is None else old[1] + g)


def _prepare(node: Node, nr: int, grad: Any, wanted: dict[Any, int], captured: dict[int, Tensor]) -> Any:
    if grad is None:
        return None
    if node._hooks is not None and nr in node._hooks:
        grad = _run_hooks(node._hooks[nr], grad)
    if wanted:
        pos = wanted.get((node, nr))
        if pos is not None:
            captured[pos] = grad
    return grad


def _cast_captured(captured: dict[int, Tensor], inputs: Sequence[Tensor]) -> None:
    for pos, g in captured.items():
        if g._storage.array.dtype != inputs[pos]._storage.array.dtype:
            captured[pos] = g.to(inputs[pos].dtype)


def _store_grad(leaf: Tensor, g: Tensor, create_graph: bool) -> None:

    if g._backend is not leaf._backend:
        raise RuntimeError(
            f"backward: gradient for a tensor on backend {leaf._backend.name!r} arrived on backend "
            f"{g._backend.name!r}"
        )
    if tuple(g._storage.array.shape) != tuple(leaf._storage.array.shape):
        raise RuntimeError(
            f"backward: gradient of shape {tuple(g.shape)} does not match tensor of shape {tuple(leaf.shape)}"
        )
    if create_graph:
        leaf.grad = g if leaf.grad is None else leaf.grad + g
    elif leaf.grad is None:
        arr = g._storage.array
        if g._backend.writes_in_place and (g._storage.base or g._storage).pinned:
            # memory written in place (a user's tensor, the numpy bridge): .grad gets a copy, as in
            # PyTorch; unpinned memory is never written in place, so sharing it is safe
            arr = g._backend.copy(arr)
        leaf.grad = Tensor._wrap(arr, g._backend)
    else:
        leaf.grad._set_array(leaf._backend.xp.add(leaf.grad._storage.array, g._storage.array))


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """Accumulate the gradient of ``tensors`` into the ``.grad`` of the graph's leaves, as ``Tensor.backward``.

    Args:
        tensors: a tensor or a sequence of tensors to differentiate.
        grad_tensors: the gradient with respect to each of ``tensors``, a tensor or a sequence (None
            entries allowed for tensors with a single element, which get ones) (default None).
        retain_graph: keep the graph for another backward pass; None for the value of
            ``create_graph`` (default None).
        create_graph: record the backward pass so that higher-order gradients can be taken
            (default False).

    Raises:
        RuntimeError: a tensor does not require grad, a gradient is missing for a tensor with more
            than one element, or the numbers or shapes of gradients and tensors do not match.
    """
    tensors = [tensors] if not isinstance(tensors, (list, tuple)) else list(tensors)
    grads = _make_grads(tensors, grad_tensors, "backward")
    run_backward(list(zip(tensors, grads)), create_graph if retain_graph is None else retain_graph, create_graph)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    """Return the gradients of ``outputs`` with respect to ``inputs`` without touching ``.grad``.

    Args:
        outputs: a tensor or a sequence of tensors to differentiate.
        inputs: a tensor or a sequence of tensors to differentiate with respect to.
        grad_outputs: the gradient with respect to each output, a tensor or a sequence (None entries
            allowed for outputs with a single element, which get ones) (default None).
        retain_graph: keep the graph for another backward pass; None for the value of
            ``create_graph`` (default None).
        create_graph: record the backward pass so that higher-order gradients can be taken
            (default False).
        allow_unused: give None for inputs the outputs do not depend on instead of raising
            (default None).
        materialize_grads: give zeros instead of None for unused inputs (default False).

    Returns:
        A tuple with one gradient (or None for an unused input) per input, even for a single input.

    Raises:
        RuntimeError: an input is not used in the graph of the outputs (unless ``allow_unused`` or
            ``materialize_grads``), an input or output does not require grad, or the numbers or
            shapes of gradients and outputs do not match.
    """
    outputs = [outputs] if not isinstance(outputs, (list, tuple)) else list(outputs)
    single = not isinstance(inputs, (list, tuple))
    inputs = [inputs] if single else list(inputs)  # type: ignore[list-item]
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"autograd.grad: input {i} does not require grad")
    grads = _make_grads(outputs, grad_outputs, "autograd.grad")
    captured = run_backward(
        list(zip(outputs, grads)), create_graph if retain_graph is None else retain_graph, create_graph, inputs
    )
    result: list[Tensor | None] = []
    for i, t in enumerate(inputs):
        g = captured.get(i)
        if g is None:
            if materialize_grads:
                from arraygrad.core import creation

                g = creation.zeros_like(t)
            elif not allow_unused:
                raise RuntimeError(
                    f"autograd.grad: input {i} was not used in the graph of the outputs; pass allow_unused=True "
                    "to get None for it"
                )
        result.append(g)
    return tuple(result)


def _make_grads(
    tensors: list[Tensor], grad_tensors: Tensor | Sequence[Tensor | None] | None, where: str
) -> list[Tensor]:
    from arraygrad.core import creation

    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors] * len(tensors)  # type: ignore[list-item]
    grad_list = list(grad_tensors)  # type: ignore[arg-type]
    if len(grad_list) != len(tensors):
        raise RuntimeError(f"{where}: got {len(grad_list)} gradients for {len(tensors)} tensors")
    out = []
    for t, g in zip(tensors, grad_list):
        if not t.requires_grad:
            raise RuntimeError(
                f"{where}: element 0 of tensors does not require grad and does not have a grad_fn"
            )
        if g is None:
            arr = t._storage.array
            if arr.ndim and any(n != 1 for n in arr.shape):
                raise RuntimeError(
                    f"{where}: grad can be implicitly created only for scalar outputs; this output has shape "
                    f"{tuple(t.shape)}, so pass gradient= (a tensor of that shape)"
                )
            g = Tensor._wrap(t._backend.xp.ones(arr.shape, dtype=arr.dtype), t._backend)
            out.append(g)
            continue
        elif not isinstance(g, Tensor):
            g = creation.tensor(g, dtype=t.dtype, backend=t._backend)
        elif tuple(g.shape) != tuple(t.shape):
            raise RuntimeError(
                f"{where}: mismatch in shape: gradient has shape {tuple(g.shape)} and output has shape "
                f"{tuple(t.shape)}"
            )
        out.append(g.detach() if not g.requires_grad else g)
    return out


# ---------------------------------------------------------------------- custom Functions


class FunctionCtx:
    """The ``ctx`` of a custom Function: ``save_for_backward``, ``saved_tensors``,
    ``needs_input_grad`` and any attribute the forward wants to keep."""

    def __init__(self) -> None:
        self._node: _FunctionNode | None = None
        self.needs_input_grad: tuple[bool, ...] = ()
        self.materialize_grads = True
        self._non_diff: set[int] = set()

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Save tensors (or None) for the backward pass, to be read back as ``ctx.saved_tensors``.

        Call it at most once, in ``forward`` (or ``setup_context``); each call replaces what an
        earlier one saved.
        """
        self._to_save = tensors

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """The tensors given to ``save_for_backward``, as ``torch.autograd.function.FunctionCtx.saved_tensors``."""
        if self._node is None:
            return getattr(self, "_to_save", ())
        return self._node.saved_tensors

    def mark_non_differentiable(self, *tensors: Tensor) -> None:
        """Mark outputs of ``forward`` as not differentiable: they do not require grad.

        Pass the output tensors themselves.
        """
        self._non_diff.update(id(t) for t in tensors)

    def set_materialize_grads(self, value: bool) -> None:
        """Choose whether ``backward`` gets zeros (True, the default) or None for outputs without a gradient.

        Args:
            value: True to turn missing output gradients into zero tensors, False to pass None.
        """
        self.materialize_grads = value


class _FunctionNode(Node):
    __slots__ = ("fn", "ctx", "n_out", "shapes", "output_slots")

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        saved = Node.saved_tensors.fget(self)  # type: ignore[attr-defined]
        if not (self.output_slots and GRAD_MODE.enabled):
            return saved
        # a saved output is handed back connected to this node (as PyTorch does), so that a
        # backward written with tensor ops can itself be differentiated

        out = list(saved)
        for pos, k in self.output_slots.items():
            t = Tensor._alias(saved[pos]._storage, saved[pos]._backend)
            t.grad_fn, t._output_nr, t._rg = self, k, True
            out[pos] = t
        return tuple(out)

    @property
    def n_outputs(self) -> int:  # type: ignore[override]
        return self.n_out

    def name(self) -> str:
        return f"{self.fn.__name__}Backward"

    def backward(self, grad: Any) -> tuple[Any, ...]:
        from arraygrad.core import creation

        grads = [grad] if self.n_out == 1 else list(grad)
        if self.ctx.materialize_grads:
            grads = [
                creation.zeros(shape, dtype=dt, backend=be) if g is None else g
                for g, (shape, dt, be) in zip(grads, self.shapes)
            ]
        result = self.fn.backward(self.ctx, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        if len(result) < len(self.next):
            raise RuntimeError(
                f"{self.fn.__name__}.backward returned {len(result)} gradients but forward had "
                f"{len(self.next)} tensor inputs"
            )
        return tuple(result[: len(self.next)])


class Function:
    """Base class for custom differentiable ops, as ``torch.autograd.Function``::

        class Exp(ag.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = x.exp()
                ctx.save_for_backward(y)
                return y

            @staticmethod
            def backward(ctx, grad):
                (y,) = ctx.saved_tensors
                return grad * y

        y = Exp.apply(x)

    ``forward`` runs without recording a graph; ``backward`` gets one gradient per output
    and returns one per input of ``forward`` (None for non-tensor inputs).
    """

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any) -> Any:
        """Compute the outputs; subclasses define it (it runs with gradient recording off).

        Args:
            ctx: the context, for ``save_for_backward`` and attributes ``backward`` reads.
            *args: the arguments given to ``apply``.
            **kwargs: the keyword arguments given to ``apply``.

        Returns:
            A Tensor or a tuple of Tensors.

        Raises:
            NotImplementedError: the subclass does not define it.
        """
        raise NotImplementedError

    @staticmethod
    def backward(ctx: FunctionCtx, *grads: Any) -> Any:
        """Compute the gradients of the inputs from those of the outputs; subclasses define it.

        Args:
            ctx: the context ``forward`` filled.
            *grads: one gradient per output of ``forward``.

        Returns:
            One gradient per positional argument of ``forward`` (None for non-tensors and inputs
            that need none); a single value when ``forward`` had one argument.

        Raises:
            NotImplementedError: the subclass does not define it.
        """
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on the arguments and record one graph node whose backward is ``backward``.

        Args:
            *args: passed to ``forward`` after the context; tensors among them get gradients.
            **kwargs: passed to ``forward``.

        Returns:
            What ``forward`` returned, with ``grad_fn`` set when an input requires grad.
        """

        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        prev = GRAD_MODE.enabled
        GRAD_MODE.enabled = False
        try:
            outputs = cls.forward(ctx, *args, **kwargs)
        finally:
            GRAD_MODE.enabled = prev
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        if not (prev and any(ctx.needs_input_grad)):
            return outputs
        # one edge per positional argument, None for non-tensors, so that backward's
        # results line up with forward's arguments
        node = _FunctionNode.__new__(_FunctionNode)
        node.next = tuple(
            ((a.grad_fn, a._output_nr) if a.grad_fn is not None else ((a, 0) if a.requires_grad else None))
            if isinstance(a, Tensor)
            else None
            for a in args
        )
        node._hooks = None
        if ANOMALY_MODE.enabled:
            record_forward_stack(node)
        node.fn, node.ctx, node.n_out = cls, ctx, len(outs)
        node.shapes = [(tuple(o.shape), o.dtype, o._backend) if isinstance(o, Tensor) else None for o in outs]
        to_save = getattr(ctx, "_to_save", ())
        node.save(*to_save)
        out_index = {id(o): k for k, o in enumerate(outs)}
        node.output_slots = {pos: out_index[id(t)] for pos, t in enumerate(to_save) if id(t) in out_index}
        ctx._node = node
        wrapped = []
        for k, o in enumerate(outs):
            if isinstance(o, Tensor) and id(o) not in ctx._non_diff and o.dtype.is_floating_point:
                # shares the storage, so in-place changes of the output are seen by the version check
                w = Tensor._alias(o._storage, o._backend)
                w.grad_fn, w._output_nr, w._rg = node, k, True
                o = w
            wrapped.append(o)
        return wrapped[0] if single else tuple(wrapped)


# NOTE: imported last: tensor.py imports this module's GRAD_MODE and Node at its top
from arraygrad.core.tensor import InferenceVersionError, Tensor  # noqa: E402
