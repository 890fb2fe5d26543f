"""Every collective and dtype on 2+ ranks against values computed with numpy. Run under mpiexec.
Prints 'ok collectives <rank>'."""

from __future__ import annotations

import os

import ml_dtypes
import numpy as np

import arraygrad as ag
import arraygrad.distributed as dist
from arraygrad.distributed import ReduceOp

DTYPES = ["float32", "float64", "int8", "int32", "int64", "uint8", "bool", "float16", "bfloat16", "complex128"]
LOW = {"float16", "bfloat16"}


def np_dtype(name: str) -> np.dtype:
    return np.dtype(ml_dtypes.bfloat16) if name == "bfloat16" else np.dtype(name)


def value(rank: int, name: str, shape: tuple[int, ...] = (2, 3)) -> np.ndarray:
    """Rank-dependent values, small enough that a product of a few stays exact in every dtype."""
    base = (np.arange(int(np.prod(shape))).reshape(shape) % 3) + rank + 1
    if name == "bool":
        return (base + rank) % 2 == 0
    if name.startswith("complex"):
        return (base + 1j * (rank - base)).astype(name)
    return base.astype(np_dtype(name))


def piece(rank: int, j: int, name: str) -> np.ndarray:
    """Rank ``rank``'s contribution to rank ``j``'s block of a reduce_scatter: different per block."""
    a = value(rank, name)
    return a if name == "bool" else (a * (j + 1)).astype(a.dtype)


def tensor(a: np.ndarray, backend: str = "numpy") -> ag.Tensor:
    name = "bfloat16" if a.dtype == np.dtype(ml_dtypes.bfloat16) else a.dtype.name
    t = ag.tensor(a.astype(np.float32) if name == "bfloat16" else a, backend=backend)
    return t.to(ag.bfloat16) if name == "bfloat16" else t


def host(t: ag.Tensor) -> np.ndarray:
    return np.asarray(t.to("numpy").numpy())


def check(got: ag.Tensor, want: np.ndarray, what: str) -> None:
    g = host(got)
    assert g.shape == want.shape, f"{what}: shape {g.shape} != {want.shape}"
    if got.dtype.name in LOW:
        ok = np.allclose(g.astype(np.float64), want.astype(np.float64), rtol=1e-2)
    else:
        ok = g.dtype == want.dtype and np.array_equal(g, want)
    assert ok, f"{what}: got {g!r}, want {want!r}"


def reduced(op: ReduceOp, name: str, arrays: list[np.ndarray]) -> np.ndarray:
    stack = np.stack([a.astype(np.float32) if name in LOW else a for a in arrays])
    if name == "bool":
        stack = stack.astype(bool)
        out = {ReduceOp.SUM: np.any, ReduceOp.MAX: np.any, ReduceOp.BOR: np.any, ReduceOp.PRODUCT: np.all,
               ReduceOp.MIN: np.all, ReduceOp.BAND: np.all}[op](stack, axis=0)
        return out
    if op == ReduceOp.SUM:
        out = np.sum(stack, axis=0, dtype=stack.dtype)
    elif op == ReduceOp.AVG:
        out = np.sum(stack, axis=0, dtype=stack.dtype) / np.asarray(len(arrays), dtype=stack.dtype)
    elif op == ReduceOp.PRODUCT:
        out = np.prod(stack, axis=0, dtype=stack.dtype)
    elif op == ReduceOp.MIN:
        out = np.min(stack, axis=0)
    elif op == ReduceOp.MAX:
        out = np.max(stack, axis=0)
    else:
        ufunc = {ReduceOp.BAND: np.bitwise_and, ReduceOp.BOR: np.bitwise_or, ReduceOp.BXOR: np.bitwise_xor}[op]
        out = ufunc.reduce(stack, axis=0)
    return out.astype(np_dtype(name))


def ops_for(name: str) -> list[ReduceOp]:
    if name == "bool":
        return [ReduceOp.SUM, ReduceOp.PRODUCT, ReduceOp.MIN, ReduceOp.MAX, ReduceOp.BAND, ReduceOp.BOR]
    ops = [ReduceOp.SUM, ReduceOp.PRODUCT]
    if not name.startswith("complex"):
        ops += [ReduceOp.MIN, ReduceOp.MAX]
    if name.startswith(("float", "bfloat", "complex")):
        ops.append(ReduceOp.AVG)
    else:
        ops += [ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR]
    return ops


def main() -> None:
    dist.init_process_group()
    r, n = dist.get_rank(), dist.get_world_size()
    everyone = lambda name, shape=(2, 3): [value(k, name, shape) for k in range(n)]  # noqa: E731
    for name in DTYPES:
        for op in ops_for(name):
            t = tensor(value(r, name))
            dist.all_reduce(t, op=op)
            check(t, reduced(op, name, everyone(name)), f"all_reduce {op.name} {name}")
            t = tensor(value(r, name))
            dist.reduce(t, dst=n - 1, op=op)
            check(t, reduced(op, name, everyone(name)) if r == n - 1 else value(r, name), f"reduce {op.name} {name}")
            out = tensor(np.zeros((2, 3), dtype=np_dtype(name)))
            dist.reduce_scatter(out, [tensor(piece(r, j, name)) for j in range(n)], op=op)
            check(out, reduced(op, name, [piece(k, r, name) for k in range(n)]), f"reduce_scatter {op.name} {name}")
            out = tensor(np.zeros((2, 3), dtype=np_dtype(name)))
            dist.reduce_scatter_tensor(out, tensor(np.concatenate([value(r, name)] * n)), op=op)
            check(out, reduced(op, name, everyone(name)), f"reduce_scatter_tensor {op.name} {name}")
        for src in range(n):
            t = tensor(value(r, name))
            dist.broadcast(t, src=src)
            check(t, value(src, name), f"broadcast src={src} {name}")
        outs = [tensor(np.zeros((2, 3), dtype=np_dtype(name))) for _ in range(n)]
        dist.all_gather(outs, tensor(value(r, name)))
        for k in range(n):
            check(outs[k], value(k, name), f"all_gather {name}")
        for shape in ((2 * n, 3), (n, 2, 3)):
            out = tensor(np.zeros(shape, dtype=np_dtype(name)))
            dist.all_gather_into_tensor(out, tensor(value(r, name)))
            check(out, np.stack(everyone(name)).reshape(shape), f"all_gather_into_tensor {shape} {name}")
        gl = [tensor(np.zeros((2, 3), dtype=np_dtype(name))) for _ in range(n)] if r == 0 else None
        dist.gather(tensor(value(r, name)), gl, dst=0)
        if r == 0:
            for k in range(n):
                check(gl[k], value(k, name), f"gather {name}")
        t = tensor(np.zeros((2, 3), dtype=np_dtype(name)))
        dist.scatter(t, [tensor(value(k, name)) for k in range(n)] if r == 1 else None, src=1)
        check(t, value(r, name), f"scatter {name}")

    # async handles, on numpy (MPI reads the tensor's memory) and on jax (staged through host memory)
    for backend, path in (("numpy", "buffer"), ("jax", "host-staged")):
        t = tensor(value(r, "float32"), backend)
        work = dist.all_reduce(t, op=ReduceOp.SUM, async_op=True)
        assert work is not None and work.path == path, (backend, work)
        assert work.wait() and work.is_completed()
        check(t, reduced(ReduceOp.SUM, "float32", everyone("float32")), f"async all_reduce {backend}")
        assert t.backend.name == backend
        outs = [tensor(np.zeros((2, 3), dtype=np.int32), backend) for _ in range(n)]
        dist.all_gather(outs, tensor(value(r, "int32"), backend), async_op=True).wait()
        for k in range(n):
            check(outs[k], value(k, "int32"), f"all_gather {backend}")
        t = tensor(value(r, "float32"), backend)
        dist.broadcast(t, src=1)
        check(t, value(1, "float32"), f"broadcast {backend}")
    work = dist.barrier(async_op=True)
    work.wait()

    # a view is written through: the base sees the result
    base = ag.zeros(4, 3)
    view = base[1:3]
    view.add_(float(r + 1))
    dist.all_reduce(view)
    check(base, np.array([[0] * 3, [n * (n + 1) / 2] * 3, [n * (n + 1) / 2] * 3, [0] * 3], dtype=np.float32), "view")

    # bad arguments: errors naming the op
    errors = [
        (lambda: dist.all_gather([ag.zeros(2)], ag.zeros(2)), ValueError, "all_gather: tensor_list has 1 tensors"),
        (lambda: dist.all_gather([ag.zeros(3)] * n, ag.zeros(2)), ValueError, "all_gather: tensor_list\\[0\\] has shape"),
        (lambda: dist.all_gather([ag.zeros(2, dtype=ag.float64)] * n, ag.zeros(2)), ValueError, "has dtype"),
        (lambda: dist.all_reduce(ag.zeros(2, dtype=ag.int64), op=ReduceOp.AVG), ValueError, "all_reduce: ReduceOp.AVG"),
        (lambda: dist.all_reduce(ag.zeros(2), op=ReduceOp.BAND), ValueError, "BAND needs an integer"),
        (lambda: dist.broadcast(ag.zeros(2), src=n), ValueError, "broadcast: src=2 is not a rank"),
        (lambda: dist.all_gather_into_tensor(ag.zeros(5), ag.zeros(2)), ValueError, "all_gather_into_tensor: output_tensor"),
        (lambda: dist.reduce_scatter_tensor(ag.zeros(2), ag.zeros(3)), ValueError, "reduce_scatter_tensor: input has shape"),
        (lambda: dist.all_reduce([1.0]), TypeError, "all_reduce: tensor must be a Tensor"),
    ]
    if r != 0:
        errors.append((lambda: dist.gather(ag.zeros(2), [ag.zeros(2)] * n, dst=0), ValueError, "must NOT be specified"))
    import re
    for fn, kind, pattern in errors:
        try:
            fn()
        except kind as exc:
            assert re.search(pattern, str(exc)), (pattern, str(exc))
        else:
            raise AssertionError(f"no error for {pattern}")

    # with TORCH_DISTRIBUTED_DEBUG=DETAIL, ranks calling a collective with different shapes are told so
    os.environ["TORCH_DISTRIBUTED_DEBUG"] = "DETAIL"
    try:
        dist.all_reduce(ag.zeros(2 + r))
    except RuntimeError as exc:
        assert "all_reduce: the ranks called mismatched collectives" in str(exc), exc
    else:
        raise AssertionError("no error for mismatched shapes")
    del os.environ["TORCH_DISTRIBUTED_DEBUG"]
    dist.destroy_process_group()
    assert not dist.is_initialized()
    print(f"ok collectives {r}", flush=True)


if __name__ == "__main__":
    main()
