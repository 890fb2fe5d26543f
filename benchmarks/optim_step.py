"""Optimizer step cost: one ``step()`` of SGD (momentum), Adam and AdamW over a 10-tensor model.

arraygrad on the numpy backend, side by side in one process with ``torch.optim`` (its default
implementation choice, ``foreach=True`` and ``foreach=False``) and, for Adam, with the update
hand-written in numpy using in-place ufuncs (``out=``). arraygrad is timed twice: as it runs
(``Backend.sgd_update`` / ``adam_update`` / ``adamw_update`` writing parameters and state in
place), and with in-place writing turned off, the functional path that computes new arrays per
parameter and stores them (what jax runs eagerly, and what the numpy backend ran before it had
in-place kernels). Gradients are set once and stay fixed; only ``step()`` is timed. Prints the
median microseconds per step and each one's ratio to arraygrad.

    python benchmarks/optim_step.py [--model mlp|square] [--iters 200] [--threads N] [--backend numpy]
        [--optim sgd adam adamw]

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


def timeit(fns: dict[str, Callable[[], object]], iters: int, repeats: int = 7) -> dict[str, float]:
    """Median microseconds per call of each function over ``repeats`` runs of ``iters`` calls
    (after a warm-up). The runs are interleaved (one run of each function in turn), so a change
    in the machine's load during the measurement touches every row alike."""
    for fn in fns.values():
        for _ in range(max(iters // 10, 5)):
            fn()
    runs: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(iters):
                fn()
            runs[name].append((time.perf_counter() - start) / iters * 1e6)
    return {name: statistics.median(r) for name, r in runs.items()}


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


#: (arraygrad / torch class name, keyword arguments) of each benchmarked optimizer
OPTIMIZERS = {
    "sgd": ("SGD", {"lr": 1e-2, "momentum": 0.9}),
    "adam": ("Adam", {"lr": 1e-3}),
    "adamw": ("AdamW", {"lr": 1e-3}),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(MODELS), default="mlp")
    parser.add_argument("--iters", type=int, default=200)
    parser.add_argument("--threads", type=int, default=None,
                        help="torch intra-op threads and arraygrad's (ag.set_num_threads; default: each one's own)")
    parser.add_argument("--backend", default="numpy")
    parser.add_argument("--optim", nargs="+", choices=sorted(OPTIMIZERS), default=["sgd", "adam", "adamw"])
    args = parser.parse_args()

    import arraygrad as ag
    from arraygrad import optim
    from arraygrad.optim import adam as adam_module
    from arraygrad.optim import sgd as sgd_module

    try:
        import torch
    except ImportError:
        torch = None
        print("pytorch not installed: skipping the PyTorch rows")
    if torch is not None and args.threads is not None:
        torch.set_num_threads(args.threads)
    if args.threads is not None:
        ag.set_num_threads(args.threads)

    shapes = MODELS[args.model]
    rng = np.random.default_rng(0)
    init = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grads = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    n_params = sum(x.size for x in init)
    threads = torch.get_num_threads() if torch is not None else "-"
    print(f"step() on {len(shapes)} float32 tensors ({args.model}: {n_params / 1e6:.2f}M parameters), "
          f"{args.iters} steps, median of 7; torch threads: {threads}")

    def arraygrad_step(name: str, kwargs: dict[str, float]) -> Callable[[], object]:
        params = [ag.tensor(x, requires_grad=True, backend=args.backend) for x in init]
        for p, g in zip(params, grads):
            p.grad = ag.tensor(g, backend=args.backend)
        return getattr(optim, name)(params, **kwargs).step

    for key in args.optim:
        name, kwargs = OPTIMIZERS[key]
        ours_label = f"arraygrad-{args.backend} {name}"
        fns = {ours_label: arraygrad_step(name, kwargs)}
        functional = arraygrad_step(name, kwargs)

        def functional_step(step: Callable[[], object] = functional) -> None:
            # the functional path: the kernels are told they may not write in place
            saved = sgd_module.writable_in_place, adam_module.writable_in_place
            sgd_module.writable_in_place = adam_module.writable_in_place = lambda tensors: False
            try:
                step()
            finally:
                sgd_module.writable_in_place, adam_module.writable_in_place = saved

        fns["  functional path (no in-place)"] = functional_step
        if key == "adam":
            fns["numpy hand-written (in-place)"] = numpy_adam([x.copy() for x in init], grads)
        if torch is not None:
            for label, foreach in (("default", None), ("foreach=True", True), ("foreach=False", False)):
                tparams = [torch.tensor(x, requires_grad=True) for x in init]
                for p, g in zip(tparams, grads):
                    p.grad = torch.tensor(g)
                fns[f"torch {name} ({label})"] = getattr(torch.optim, name)(tparams, foreach=foreach, **kwargs).step
        results = timeit(fns, args.iters)
        ours = results[ours_label]
        print(f"{name} {kwargs}")
        for label, us in results.items():
            print(f"  {label:34s} {us:9.1f} us/step   arraygrad / this = {ours / us:5.2f}x")

if __name__ == "__main__":
    main()
