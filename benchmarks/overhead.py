"""Per-op overhead: forward + backward of ``((x * 2 + 1) * x).sum()`` for a tiny x (8,).

arraygrad on the numpy backend, side by side in one process with PyTorch eager (when
installed) and the same computation written by hand in numpy (forward and analytic
gradient). Prints microseconds per iteration (median of several repeats) and the ratios.

    python benchmarks/overhead.py [--iters 20000] [--backend numpy]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np


def timeit(fn: Callable[[], object], iters: int, repeats: int = 7) -> float:
    """Median microseconds per call over ``repeats`` runs of ``iters`` calls."""
    for _ in range(max(iters // 10, 10)):
        fn()
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(iters):
            fn()
        runs.append((time.perf_counter() - start) / iters * 1e6)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iters", type=int, default=20000)
    parser.add_argument("--backend", default="numpy")
    args = parser.parse_args()

    import arraygrad as ag

    data = np.linspace(-1.0, 1.0, 8, dtype=np.float32)
    x = ag.tensor(data, requires_grad=True, backend=args.backend)

    def arraygrad_step() -> None:
        x.grad = None
        ((x * 2 + 1) * x).sum().backward()

    xn = data.copy()

    def numpy_step() -> None:
        a = xn * 2 + 1
        _ = (a * xn).sum()
        _grad = (4 * xn + 1) * np.ones_like(xn)  # d/dx of (2x+1)x

    results = {f"arraygrad-{args.backend}": timeit(arraygrad_step, args.iters)}
    results["numpy (hand-written)"] = timeit(numpy_step, args.iters)
    try:
        import torch

        torch.set_num_threads(1)
        xt = torch.tensor(data, requires_grad=True)

        def torch_step() -> None:
            xt.grad = None
            ((xt * 2 + 1) * xt).sum().backward()

        results["pytorch eager"] = timeit(torch_step, args.iters)
    except ImportError:
        print("pytorch not installed: skipping the PyTorch column")

    ours = results[f"arraygrad-{args.backend}"]
    print(f"((x*2+1)*x).sum() forward+backward, x.shape=(8,), {args.iters} iterations, median of 7")
    for name, us in results.items():
        print(f"  {name:24s} {us:8.2f} us/iter   arraygrad / this = {ours / us:5.2f}x")


if __name__ == "__main__":
    main()
