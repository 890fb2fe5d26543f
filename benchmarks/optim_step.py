"""Optimizer step cost: one ``Adam.step()`` over a 10-tensor model (an MLP's weights and biases).

arraygrad on the numpy backend, side by side in one process with ``torch.optim.Adam`` (its
default implementation choice, ``foreach=True`` and ``foreach=False``) and with the same update
hand-written in numpy using in-place ufuncs (``out=``), the floor for a numpy implementation.
Gradients are set once and stay fixed; only ``step()`` is timed. Prints the median microseconds
per step and each one's ratio to arraygrad.

    python benchmarks/optim_step.py [--model mlp|square] [--iters 200] [--threads N] [--backend numpy]

``--model mlp``: 784-512-512-256-256-10 (5 weights + 5 biases, 0.86M parameters);
``--model square``: ten (256, 256) matrices (0.66M parameters).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

MODELS = {
    "mlp": [(784, 512), (512,), (512, 512), (512,), (512, 256), (256,), (256, 256), (256,), (256, 10), (10,)],
    "square": [(256, 256)] * 10,
}


def timeit(fn: Callable[[], object], iters: int, repeats: int = 7) -> float:
    """Median microseconds per call over ``repeats`` runs of ``iters`` calls (after a warm-up)."""
    for _ in range(max(iters // 10, 5)):
        fn()
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(iters):
            fn()
        runs.append((time.perf_counter() - start) / iters * 1e6)
    return statistics.median(runs)


def numpy_adam(params: list[np.ndarray], grads: list[np.ndarray], lr: float = 1e-3, beta1: float = 0.9,
               beta2: float = 0.999, eps: float = 1e-8) -> Callable[[], None]:
    """Adam written directly in numpy with in-place ufuncs and one scratch buffer per tensor."""
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    tmp = [np.empty_like(p) for p in params]
    state = {"step": 0}

    def step() -> None:
        state["step"] += 1
        t = state["step"]
        bc2_sqrt = (1 - beta2**t) ** 0.5
        step_size = lr * bc2_sqrt / (1 - beta1**t)
        for p, g, mi, vi, s in zip(params, grads, m, v, tmp):
            mi *= beta1
            np.multiply(g, 1 - beta1, out=s)
            mi += s
            vi *= beta2
            np.multiply(g, g, out=s)
            s *= 1 - beta2
            vi += s
            np.sqrt(vi, out=s)
            s += eps * bc2_sqrt
            np.divide(mi, s, out=s)
            s *= step_size
            p -= s

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(MODELS), default="mlp")
    parser.add_argument("--iters", type=int, default=200)
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    parser.add_argument("--backend", default="numpy")
    args = parser.parse_args()

    import arraygrad as ag
    from arraygrad import optim

    shapes = MODELS[args.model]
    rng = np.random.default_rng(0)
    init = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grads = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    n_params = sum(x.size for x in init)

    params = [ag.tensor(x, requires_grad=True, backend=args.backend) for x in init]
    for p, g in zip(params, grads):
        p.grad = ag.tensor(g, backend=args.backend)
    opt = optim.Adam(params, lr=1e-3)
    results = {f"arraygrad-{args.backend} Adam": timeit(opt.step, args.iters)}

    np_params = [x.copy() for x in init]
    results["numpy hand-written (in-place)"] = timeit(numpy_adam(np_params, grads), args.iters)

    try:
        import torch
    except ImportError:
        torch = None
        print("pytorch not installed: skipping the PyTorch rows")
    if torch is not None:
        if args.threads is not None:
            torch.set_num_threads(args.threads)
        for label, foreach in (("default", None), ("foreach=True", True), ("foreach=False", False)):
            tparams = [torch.tensor(x, requires_grad=True) for x in init]
            for p, g in zip(tparams, grads):
                p.grad = torch.tensor(g)
            topt = torch.optim.Adam(tparams, lr=1e-3, foreach=foreach)
            results[f"torch Adam ({label})"] = timeit(topt.step, args.iters)

    ours = results[f"arraygrad-{args.backend} Adam"]
    threads = torch.get_num_threads() if torch is not None else "-"
    print(
        f"Adam.step() on {len(shapes)} float32 tensors ({args.model}: {n_params / 1e6:.2f}M parameters), "
        f"{args.iters} steps, median of 7; torch threads: {threads}"
    )
    for name, us in results.items():
        print(f"  {name:34s} {us:9.1f} us/step   arraygrad / this = {ours / us:5.2f}x")


if __name__ == "__main__":
    main()
