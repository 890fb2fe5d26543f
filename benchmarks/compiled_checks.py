"""What the value checks kept inside ``ag.compile`` cost: the same compiled training step with the
checks (cross-entropy's target range; the program returns a flag and, when it fails, keeps every
state array as it was) and without them (``tracing.check_later`` replaced by a no-op for the second
function: a measurement device, not something to do in a program).

    python benchmarks/compiled_checks.py [--workloads mlp,lenet] [--steps 20] [--repeats 7]

Both steps are built from the same weights and batch (``benchmarks/compiled_step.py``'s workloads)
and run in alternation in one process; reported: the median ms/step of each and their ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("JAX_ENABLE_X64", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import compiled_step as cs  # noqa: E402


def build(name: str, checks: bool) -> Any:
    from arraygrad.core import tracing

    w = cs.initial_weights(name)
    xb, yb = cs.batch(name)
    step = cs.make_compiled(name, w, xb, yb)
    original = tracing.check_later
    if not checks:
        tracing.check_later = lambda *args, **kwargs: None
    try:
        step()  # the first step creates the optimizer state (one compile) ...
        step()  # ... the second compiles the program used from then on
    finally:
        tracing.check_later = original
    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads", default="mlp,lenet")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    cs.warm_jax()
    print("| workload | with checks ms/step | without ms/step | ratio |")
    print("|---|---|---|---|")
    for name in cs.parse_list(args.workloads, cs.WORKLOADS, "workload"):
        steps = {"with": build(name, True), "without": build(name, False)}
        runs: dict[str, list[float]] = {"with": [], "without": []}
        for _ in range(args.repeats):
            for label, step in steps.items():
                start = time.perf_counter()
                for _ in range(args.steps):
                    step()
                runs[label].append((time.perf_counter() - start) / args.steps * 1e3)
        a, b = statistics.median(runs["with"]), statistics.median(runs["without"])
        print(f"| {name} | {a:.2f} | {b:.2f} | {a / b:.2f} |")


if __name__ == "__main__":
    main()
