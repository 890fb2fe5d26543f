"""Peak memory of one training step, arraygrad (numpy backend) against PyTorch CPU eager.

The step is ``benchmarks/train_step.py``'s: same model, weights, batch, cross-entropy and plain
SGD update (each gradient dropped after its update). Measured is the highest memory in use during
one step above what was in use when it began (parameters and the batch exist already; no
gradients), after one warm-up step, as the median of ``--repeats`` measurements:

- arraygrad: ``tracemalloc``'s peak. numpy reports every array buffer it allocates to tracemalloc
  (its own trace domain), and tracemalloc adds the Python objects (tensors, graph nodes), so the
  number covers all that the step allocates except BLAS-internal scratch space.
- PyTorch: the CPU allocator's own accounting, read through ``torch.profiler`` with
  ``profile_memory=True``: every tensor allocation and free of the step is a ``[memory]`` event
  with its size; the peak of their running sum is the number. It covers tensor storage (the
  autograd graph's C++ nodes and MKL/oneDNN scratch space are not in it).

    python benchmarks/memory.py [--models lenet,lstm] [--repeats 3]

Models (see train_step.py): lenet (LeNet-5, 1x32x32, batch 64), lstm (LSTM 64->128, T 32, batch 32),
and any other of train_step's models by name.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import tempfile
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("KINETO_LOG_LEVEL", "5")  # the profiler's log: errors only about absent GPUs
sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_step  # noqa: E402

MiB = 2**20


def arraygrad_peak(step: Callable[[], Any]) -> int:
    """Bytes: tracemalloc's peak during one call of ``step`` above the traced memory at its start."""
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        loss = step()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    del loss
    return peak - start


def torch_peak(step: Callable[[], Any]) -> int:
    """Bytes: the peak of the running sum of the CPU allocator's allocations and frees reported to
    ``torch.profiler`` during one call of ``step``."""
    from torch.profiler import ProfilerActivity, profile

    gc.collect()
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        loss = step()
    del loss
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "trace.json")
        prof.export_chrome_trace(path)
        with open(path) as f:
            events = json.load(f)["traceEvents"]
    memory = sorted((e for e in events if e.get("name") == "[memory]" and e["args"].get("Device Type") == 0),
                    key=lambda e: e["ts"])
    if not memory:
        raise RuntimeError("torch.profiler reported no CPU memory events for the step")
    total = peak = 0
    for event in memory:
        total += int(event["args"]["Bytes"])
        peak = max(peak, total)
    return peak


def measure(name: str, repeats: int) -> tuple[int, int]:
    """Median peak bytes of one ``name`` step in arraygrad and in PyTorch."""
    steps = train_step.make_steps(name, np.random.default_rng(0))
    train_step.check_losses(name, steps)
    steps["arraygrad"]()
    steps["pytorch"]()
    ours, theirs = [], []
    for _ in range(repeats):
        ours.append(arraygrad_peak(steps["arraygrad"]))
        theirs.append(torch_peak(steps["pytorch"]))
    return int(statistics.median(ours)), int(statistics.median(theirs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="lenet,lstm")
    parser.add_argument("--repeats", type=int, default=3, help="measurements per column; the median is reported")
    args = parser.parse_args()
    names = [m for m in args.models.split(",") if m]
    for name in names:
        if name not in train_step.MODELS:
            parser.error(f"unknown model {name!r}; choose from {', '.join(train_step.MODELS)}")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    print("peak memory of one training step above its start, MiB (arraygrad: tracemalloc; "
          "pytorch: CPU allocator events via torch.profiler)")
    print(f"{'model':12s} {'arraygrad':>10s} {'pytorch':>10s} {'ratio':>7s}")
    for name in names:
        ours, theirs = measure(name, args.repeats)
        print(f"{name:12s} {ours / MiB:10.2f} {theirs / MiB:10.2f} {ours / theirs:6.2f}x")


if __name__ == "__main__":
    main()
