"""``DistributedDataParallel``: one model replica per process, gradients averaged across processes.

How the gradients travel (the design PyTorch's reducer follows, on MPI):

- **Buckets.** At wrapping time the parameters that require grad are grouped, in reverse order of
  ``module.parameters()`` (roughly the order backward produces their gradients), into buckets of
  one dtype each: the first bucket holds up to 1 MiB (or less, with a smaller cap) so that communication starts early, the others
  up to ``bucket_cap_mb`` (25 MiB by default). Each bucket owns one flat host buffer.
- **Hooks.** Every parameter has a post-accumulate-grad hook
  (``Tensor.register_post_accumulate_grad_hook``). The autograd engine runs it as soon as that
  parameter's ``.grad`` is final, while backward goes on with the layers before it. The hook copies
  the gradient into its bucket's buffer; when a bucket is full it is sent with MPI's nonblocking
  ``Iallreduce``. Buckets are started strictly in bucket order, the same on every rank, as MPI
  requires of collectives.
- **Overlap and the end of backward.** While later layers' gradients are computed, earlier buckets
  are in flight (each hook also lets MPI progress them). The hook of the last parameter to become
  ready waits for every bucket, divides by the world size and writes the averaged values into each
  ``.grad``; so when ``loss.backward()`` returns, the gradients are averaged and ``optimizer.step()``
  can run.
- ``no_sync()`` (or ``require_backward_grad_sync = False``, which it sets) makes backward only
  accumulate locally; the next synchronised backward averages the accumulated ``.grad``.
- ``find_unused_parameters=True``: after each forward the graph is walked from the outputs and the
  parameters it does not reach are marked ready at once (their bucket slots count as zeros); a
  parameter unused on every rank keeps its ``.grad`` untouched, as in PyTorch.
"""

from __future__ import annotations

import contextlib
import time
import weakref
from collections.abc import Iterator
from typing import Any

from arraygrad.core.autograd import GRAD_MODE, Node
from arraygrad.core.tensor import Tensor
from arraygrad.distributed import c10d
from arraygrad.nn.modules.module import Module
from arraygrad.nn.parameter import Parameter

__all__ = ["DistributedDataParallel"]

# PyTorch's defaults: dist._DEFAULT_FIRST_BUCKET_BYTES and bucket_cap_mb
_FIRST_BUCKET_BYTES = 1024 * 1024
_DEFAULT_BUCKET_CAP_MB = 25.0

_UNFINISHED_REDUCTION = (
    "Expected to have finished reduction in the prior iteration before starting a new one. This error indicates "
    "that your module has parameters that were not used in producing loss. You can enable unused parameter "
    "detection by passing the keyword argument `find_unused_parameters=True` to "
    "`arraygrad.nn.parallel.DistributedDataParallel`, and by making sure all `forward` function outputs "
    "participate in calculating loss. Parameter indices which did not receive grad for rank {rank}: {missing}"
)


class _Bucket:
    """Parameters of one dtype whose gradients travel together in one flat host buffer."""

    def __init__(self, index: int, dtype_name: str) -> None:
        self.index = index
        self.dtype_name = dtype_name
        self.params: list[Parameter] = []
        self.offsets: list[int] = []
        self.numel = 0
        self.buffer: Any = None
        self.pending = 0
        self.request: Any = None

    def add(self, p: Parameter) -> None:
        self.params.append(p)
        self.offsets.append(self.numel)
        self.numel += p.numel()

    def nbytes(self) -> int:
        # 16-bit floats travel as float32
        return self.numel * (4 if self.dtype_name in ("float16", "bfloat16") else self.params[0].element_size())


class DistributedDataParallel(Module):
    """Average the gradients of a model replicated in every process, as ``torch.nn.parallel.DistributedDataParallel``.

    Wrap the model and train as usual: every rank's ``backward()`` ends with the gradients averaged
    over all ranks (the module docstring describes how). Start one process per rank
    (``mpiexec -n 2 python train.py``), call ``arraygrad.distributed.init_process_group()``, give each
    rank its own shard of the data (``arraygrad.data.DistributedSampler``) and wrap the model::

        model = DistributedDataParallel(Net())
        for x, y in loader:
            loss = loss_fn(model(x), y)
            loss.backward()          # gradients averaged over ranks here
            optimizer.step()
            optimizer.zero_grad()

    At wrapping time rank 0's parameters and buffers are copied to every rank (with ``init_sync``),
    so all replicas start equal. ``state_dict()`` keys carry the ``module.`` prefix, as in PyTorch;
    ``.module`` is the wrapped model. PyTorch's other keyword options (``mixed_precision``,
    ``device_mesh`` ...) are accepted through ``**unsupported`` only at None or False.

    Args:
        module: the model to replicate.
        device_ids: accepted for compatibility (one device per process); stored, unused (default None).
        output_device: accepted for compatibility (one device per process); stored, unused (default None).
        dim: accepted for compatibility; the batch is not split, each process has its own (default 0).
        broadcast_buffers: copy rank 0's buffers (e.g. BatchNorm statistics) to every rank at the
            start of each forward; None means True, as in PyTorch (default True).
        init_sync: copy rank 0's parameters and buffers to every rank at wrapping time (default True).
        process_group: the group to average over; None for the default group (default None).
        bucket_cap_mb: the size cap of a gradient bucket in MiB; None means 25 (default None). The
            first bucket is capped at 1 MiB or this, whichever is smaller.
        find_unused_parameters: after each forward, find the parameters the output does not depend on
            and mark them ready, so that backward does not wait for their gradients (default False).
        check_reduction: accepted for compatibility; changes nothing (default False).
        gradient_as_bucket_view: must stay False; True is refused (default False).
        static_graph: accepted for compatibility; stored, changes nothing (default False).

    Raises:
        ValueError: an unsupported option is set, ``gradient_as_bucket_view`` is true, or the default
            process group is not initialised.
        TypeError: ``module`` is not a Module, or ``process_group`` is neither None nor a ProcessGroup.
        RuntimeError: the ranks' models have different parameter shapes or dtypes.
    """

    def __init__(
        self, module: Module, device_ids: Any = None, output_device: Any = None, dim: int = 0,
        broadcast_buffers: bool | None = True, init_sync: bool = True, process_group: Any = None,
        bucket_cap_mb: float | None = None, find_unused_parameters: bool = False, check_reduction: bool = False,
        gradient_as_bucket_view: bool = False, static_graph: bool = False, **unsupported: Any,
    ) -> None:
        super().__init__()
        for name, value in unsupported.items():
            if value not in (None, False):
                raise ValueError(f"DistributedDataParallel: {name}= is not supported by arraygrad")
        if gradient_as_bucket_view:
            raise ValueError("DistributedDataParallel: gradient_as_bucket_view=True is not supported by arraygrad")
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: module must be an nn.Module, got {type(module).__name__}")
        self.process_group = c10d._group(process_group)
        self.module = module
        self.device_ids = device_ids
        self.output_device = output_device
        self.dim = dim
        self.broadcast_buffers = True if broadcast_buffers is None else bool(broadcast_buffers)
        self.find_unused_parameters = find_unused_parameters
        self.static_graph = static_graph
        self.bucket_bytes_cap = int((_DEFAULT_BUCKET_CAP_MB if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        #: False inside ``no_sync()``: backward accumulates gradients locally only
        self.require_backward_grad_sync = True
        #: seconds spent on gradient synchronisation in the last synchronised backward: copying into
        #: buckets and starting them (``"launch"``), waiting for them and writing back (``"wait"``)
        self.last_sync_seconds: dict[str, float] = {"launch": 0.0, "wait": 0.0}

        seen: set[int] = set()
        self._params: list[Parameter] = []
        for p in module.parameters():
            if p.requires_grad and id(p) not in seen:
                seen.add(id(p))
                self._params.append(p)
        self._verify_same_model()
        if init_sync:
            self._sync_module_states()
        self._buckets = self._assign_buckets()
        position = {id(p): i for i, p in enumerate(self._params)}
        # id(parameter) -> (its bucket, offset in the bucket, numel, position in self._params)
        self._where: dict[int, tuple[_Bucket, int, int, int]] = {}
        for bucket in self._buckets:
            bucket.buffer = c10d.empty_host((bucket.numel,), bucket.dtype_name)
            for i, p in enumerate(bucket.params):
                self._where[id(p)] = (bucket, bucket.offsets[i], p.numel(), position[id(p)])
        # the hooks hold the wrapper weakly: a model unwrapped again (the wrapper dropped) trains alone
        hook = _weak_hook(weakref.WeakMethod(self._grad_ready))
        self._hook_handles = [p.register_post_accumulate_grad_hook(hook) for p in self._params]
        self._expecting = False  # a synchronised backward is due
        self._next_bucket = 0
        self._ready: set[int] = set()
        self._hooks_fired = 0
        self._unused: list[int] = []  # positions in self._params the last forward did not reach
        self._used_map: Any = None
        self._used_request: Any = None

    # ------------------------------------------------------------------ setup

    def _verify_same_model(self) -> None:
        mine = [(tuple(p.shape), p.dtype.name) for p in self._params]
        everyone = self.process_group.comm.allgather(mine)
        for rank, theirs in enumerate(everyone):
            if theirs != mine:
                raise RuntimeError(
                    f"DistributedDataParallel: rank {self.process_group.rank()} and rank {rank} have models with "
                    f"different parameters (shapes and dtypes {mine} vs {theirs}); every rank must wrap the same model"
                )

    def _sync_module_states(self) -> None:
        if self.process_group.size() == 1:
            return
        self._broadcast_coalesced([p.data for p in self.module.parameters()] + list(self.module.buffers()))

    def _broadcast_coalesced(self, tensors: list[Tensor]) -> None:
        """Copy rank 0's values of ``tensors`` to every rank: one broadcast per backend and dtype."""
        groups: dict[tuple[str, str], list[Tensor]] = {}
        for t in tensors:
            if t.numel():
                groups.setdefault((t._backend.name, t.dtype.name), []).append(t)
        host = c10d.host_backend()
        xp = host.xp
        comm = self.process_group.comm
        for (_, dname), group in groups.items():
            total = sum(t.numel() for t in group)
            if self.process_group.rank() == 0:
                flat = xp.concat([xp.reshape(c10d.to_host(t), (-1,)) for t in group])
                comm.Bcast(c10d._spec(flat, dname), root=0)
                continue
            flat = c10d.empty_host((total,), dname)
            comm.Bcast(c10d._spec(flat, dname), root=0)
            start = 0
            with _no_grad():
                for t in group:
                    c10d.from_host(t, host.copy(flat[start:start + t.numel()]))
                    start += t.numel()

    def _assign_buckets(self) -> list[_Bucket]:
        """Reverse parameter order, one dtype per bucket, the first bucket capped at 1 MiB."""
        buckets: list[_Bucket] = []
        open_by_dtype: dict[tuple[str, str], _Bucket] = {}
        for p in reversed(self._params):
            key = (p._backend.name, p.dtype.name)
            bucket = open_by_dtype.get(key)
            if bucket is None:
                bucket = _Bucket(len(buckets), p.dtype.name)
                buckets.append(bucket)
                open_by_dtype[key] = bucket
            bucket.add(p)
            cap = min(_FIRST_BUCKET_BYTES, self.bucket_bytes_cap) if bucket.index == 0 else self.bucket_bytes_cap
            if bucket.nbytes() >= cap:
                del open_by_dtype[key]
        return buckets

    @property
    def bucket_sizes(self) -> list[int]:
        """The number of elements in each gradient bucket, in the order they are sent."""
        return [b.numel for b in self._buckets]

    # ------------------------------------------------------------------ forward

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        """Run the wrapped module and prepare the gradient averaging of the coming backward.

        First, with ``broadcast_buffers`` and more than one rank, rank 0's buffers are copied to every
        rank. With grad mode on and outside ``no_sync()``, the next backward averages the gradients.

        Args:
            *inputs: positional arguments of the wrapped module.
            **kwargs: keyword arguments of the wrapped module.

        Returns:
            The output of the wrapped module.

        Raises:
            RuntimeError: the previous synchronised backward did not produce a gradient for every
                parameter (see ``find_unused_parameters``).
        """
        if self._expecting and GRAD_MODE.enabled and self._hooks_fired:
            missing = [i for i, p in enumerate(self._params) if id(p) not in self._ready]
            raise RuntimeError(_UNFINISHED_REDUCTION.format(rank=self.process_group.rank(), missing=missing))
        if self.broadcast_buffers and self.process_group.size() > 1:
            self._broadcast_coalesced(list(self.module.buffers()))
        output = self.module(*inputs, **kwargs)
        self._expecting = GRAD_MODE.enabled and self.require_backward_grad_sync
        if self._expecting:
            self._prepare_for_backward(output)
        return output

    def _prepare_for_backward(self, output: Any) -> None:
        # a forward whose output never went through backward may have left requests in flight (buckets
        # of unused parameters); every rank started the same ones, so they complete
        for bucket in self._buckets:
            if bucket.request is not None:
                bucket.request.Wait()
        if self._used_request is not None:
            self._used_request.Wait()
            self._used_request = None
        self._hooks_fired = 0
        self._next_bucket = 0
        self._ready = set()
        self.last_sync_seconds = {"launch": 0.0, "wait": 0.0}
        for bucket in self._buckets:
            bucket.pending = len(bucket.params)
            bucket.request = None
        self._unused = []
        if not self.find_unused_parameters:
            return
        reached = _reachable_leaves(output)
        used = [1 if id(p) in reached else 0 for p in self._params]
        self._unused = [i for i, u in enumerate(used) if not u]
        # how many ranks used each parameter: a parameter unused everywhere keeps its .grad
        self._used_map = c10d.empty_host((len(used),), "int32")
        local = c10d.host_backend().xp.asarray(used, dtype=c10d.host_backend().native_dtype("int32"))
        self._used_local = local
        self._used_request = self.process_group.comm.Iallreduce(
            c10d._spec(local, "int32"), c10d._spec(self._used_map, "int32"), c10d._mpi().SUM)
        xp = c10d.host_backend().xp
        for i in self._unused:
            p = self._params[i]
            bucket, start, n, _ = self._where[id(p)]
            bucket.buffer[start:start + n] = xp.zeros((n,), dtype=bucket.buffer.dtype)
            self._mark_ready(p, bucket)

    # ------------------------------------------------------------------ backward

    def _grad_ready(self, p: Tensor) -> None:
        """Post-accumulate-grad hook: ``p.grad`` is final; put it in its bucket."""
        if not (self._expecting and self.require_backward_grad_sync) or id(p) in self._ready:
            return
        start_time = time.perf_counter()
        self._hooks_fired += 1
        bucket, start, n, _ = self._where[id(p)]
        xp = c10d.host_backend().xp
        bucket.buffer[start:start + n] = xp.reshape(c10d.to_host(p.grad), (n,))  # type: ignore[arg-type]
        self._mark_ready(p, bucket)
        self.last_sync_seconds["launch"] += time.perf_counter() - start_time
        if len(self._ready) == len(self._params):
            self._finish_reduction()

    def _mark_ready(self, p: Tensor, bucket: _Bucket) -> None:
        self._ready.add(id(p))
        bucket.pending -= 1
        comm = self.process_group.comm
        # every rank starts the buckets in the same order, whatever order their gradients arrived in
        while self._next_bucket < len(self._buckets) and self._buckets[self._next_bucket].pending == 0:
            b = self._buckets[self._next_bucket]
            b.request = comm.Iallreduce(c10d._mpi().IN_PLACE, c10d._spec(b.buffer, b.dtype_name), c10d._mpi().SUM)
            self._next_bucket += 1
        for b in self._buckets[: self._next_bucket]:
            if b.request is not None:
                b.request.Test()  # lets MPI progress the buckets in flight

    def _finish_reduction(self) -> None:
        start_time = time.perf_counter()
        host = c10d.host_backend()
        xp = host.xp
        world = self.process_group.size()
        used_by: Any = None
        if self._used_request is not None:
            self._used_request.Wait()
            self._used_request = None
            used_by = self._used_map
        for bucket in self._buckets:
            bucket.request.Wait()
            bucket.request = None
            # a fresh array each step: every .grad gets its own part of it, which nothing else writes
            averaged = xp.divide(bucket.buffer, xp.asarray(world, dtype=bucket.buffer.dtype))
            for p in bucket.params:
                _, start, n, position = self._where[id(p)]
                if used_by is not None and int(used_by[position]) == 0:
                    continue  # unused on every rank: .grad stays as it is
                part = averaged[start:start + n]
                if p.grad is None:
                    p.grad = Tensor._wrap(p._backend.from_numpy(host.xp.reshape(part, tuple(p.shape)),
                                                                p._backend.native_dtype(p.dtype.name)), p._backend)
                else:
                    c10d.from_host(p.grad, part)
        self._expecting = False
        self._ready = set()
        self.last_sync_seconds["wait"] = time.perf_counter() - start_time

    # ------------------------------------------------------------------ gradient accumulation

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Make backward accumulate gradients locally only, inside the ``with`` block.

        The first synchronised backward after the block averages the accumulated gradients::

            with model.no_sync():
                model(x1).sum().backward()
            model(x2).sum().backward()   # averages the gradients of both micro-batches

        Yields:
            None; on exit ``require_backward_grad_sync`` gets back its previous value.
        """
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    def extra_repr(self) -> str:
        """Describe the world size and the number of gradient buckets.

        Returns:
            A string like ``world_size=2, buckets=3``.
        """
        return f"world_size={self.process_group.size()}, buckets={len(self._buckets)}"


def _weak_hook(method: weakref.WeakMethod[Any]) -> Any:
    def hook(p: Tensor) -> None:
        grad_ready = method()
        if grad_ready is not None:
            grad_ready(p)

    return hook


def _no_grad() -> Any:
    from arraygrad.core.autograd import no_grad

    return no_grad()


def _reachable_leaves(output: Any) -> set[int]:
    """ids of the leaf tensors the graph of ``output``'s tensors (nested in tuples, lists, dicts) reaches."""
    stack: list[Any] = [output]
    tensors: list[Tensor] = []
    while stack:
        item = stack.pop()
        if isinstance(item, Tensor):
            tensors.append(item)
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    leaves = {id(t) for t in tensors if t.grad_fn is None and t.requires_grad}
    nodes: list[Any] = [t.grad_fn for t in tensors if t.grad_fn is not None]
    seen = set(nodes)
    while nodes:
        node = nodes.pop()
        for edge in node.next:
            if edge is None:
                continue
            target = edge[0]
            if isinstance(target, Node):
                if target not in seen:
                    seen.add(target)
                    nodes.append(target)
            else:
                leaves.add(id(target))
    return leaves
