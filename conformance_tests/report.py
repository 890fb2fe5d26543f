"""Markdown conformance matrix, in-process (no pytest):

    JAX_ENABLE_X64=1 python -m conformance_tests.report --out conformance_report.md

Rows are registry ops (then nn modules, losses, optimizers, schedulers, random functions and
kernel checks), columns are
``backend:dtype`` (plus ``tier1`` for the finite-difference gradient check). Cells:
``pass (0.03)`` with the worst error/tolerance ratio, ``FAIL (...)``, ``skip: reason``,
``xfail: reason`` (a registered expected failure) or ``XPASS`` (an expected failure that now
passes: remove its entry). The checks are the same functions the pytest suite calls
(``conformance_tests.harness`` / ``kernels``). Exit status 1 when something FAILs, XPASSes,
or a backend named in ``--require-backends`` is skipped; 0 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections import Counter
from collections.abc import Iterable
from functools import partial
from typing import Any

from conformance_tests import coverage
from conformance_tests.harness import (
    BACKENDS,
    DTYPES,
    Outcome,
    check_module_tier1,
    check_module_tier2,
    check_random,
    check_tier1,
    check_tier2,
    enable_jax_compilation_cache,
    evaluate,
    unavailable_reason,
)
from conformance_tests.kernels import KERNEL_CASES, KERNEL_DTYPE, check_kernel_case
from conformance_tests.losses import LOSSES
from conformance_tests.modules import MODULES
from conformance_tests.optimizers import (
    OPTIMIZERS,
    SCHEDULERS,
    TRAJECTORY_TOL,
    check_optim_tier1,
    check_optim_tier2,
    check_scheduler,
)
from conformance_tests.registry import OPS, RANDOM_OPS

DETAIL_CHARS = 160


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def short_reason(reason: str) -> str:
    """The first clause of a backend's unavailability reason, without the backend's name
    (the full text is listed once under "Backends")."""
    text = reason.split(";")[0].strip()
    if text.startswith("backend '"):
        text = text.split("' ", 1)[-1]
    return text


def cell(outcome: Outcome | None) -> str:
    """One Markdown cell for an outcome (``None``: not applicable). Expected failures show
    their bug id (the reasons are listed under "Expected failures")."""
    if outcome is None:
        return "—"
    detail = _escape(outcome.detail)
    if len(detail) > DETAIL_CHARS:
        detail = detail[: DETAIL_CHARS - 1] + "…"
    if outcome.status == "pass":
        return f"pass ({outcome.ratio:.2g})"
    if outcome.status == "FAIL":
        return f"**FAIL** ({detail})"
    if outcome.status == "XPASS":
        return f"**XPASS** ({detail})"
    if outcome.status == "skip":
        return f"skip: {_escape(short_reason(outcome.detail))}"
    return f"xfail: {detail.split(':')[0]}"


def table(header: list[str], rows: Iterable[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def build(progress: bool = False) -> tuple[str, Counter[str], list[str]]:
    """Run every check; return the Markdown text, the count of cells per status, and the
    skipped backends."""
    counts: Counter[str] = Counter()
    skipped: set[str] = set()
    columns = [f"{b}:{d}" for b in BACKENDS for d in DTYPES]
    started = time.perf_counter()

    def record(outcome: Outcome | None, backend: str | None = None) -> str:
        if outcome is not None:
            counts[outcome.status] += 1
            if outcome.status == "skip" and backend is not None:
                skipped.add(backend)
        return cell(outcome)

    op_rows = []
    for i, spec in enumerate(OPS):
        if progress:
            print(f"[{i + 1}/{len(OPS)}] {spec.id}", file=sys.stderr)
        row = [f"`{_escape(spec.id)}`", spec.kind]
        tier1 = evaluate(partial(check_tier1, spec), spec.expected_failure("tier1")) if spec.in_tier1 else None
        row.append(record(tier1))
        for column in columns:
            backend, dtype = column.split(":")
            outcome = evaluate(partial(check_tier2, spec, backend, dtype), spec.expected_failure(column))
            row.append(record(outcome, backend))
        op_rows.append(row)

    module_rows = []
    for i, mspec in enumerate(MODULES):
        if progress:
            print(f"[module {i + 1}/{len(MODULES)}] {mspec.id}", file=sys.stderr)
        mode = ("train" if mspec.train else "eval") + (f", seed {mspec.seed}" if mspec.seed is not None else "")
        row = [f"`{_escape(mspec.id)}`", mode, record(evaluate(partial(check_module_tier1, mspec),
                                                               mspec.expected_failure("tier1")))]
        for column in columns:
            backend, dtype = column.split(":")
            outcome = evaluate(partial(check_module_tier2, mspec, backend, dtype), mspec.expected_failure(column))
            row.append(record(outcome, backend))
        module_rows.append(row)

    loss_rows = []
    # KLDivLoss(reduction='mean') warns (as PyTorch does) that 'batchmean' is the true divergence
    warnings.filterwarnings("ignore", message="reduction: 'mean' divides the total loss", category=UserWarning)
    for i, lspec in enumerate(LOSSES):
        if progress:
            print(f"[loss {i + 1}/{len(LOSSES)}] {lspec.id}", file=sys.stderr)
        row = [f"`{_escape(lspec.id)}`", ", ".join(f"input {g}" for g in lspec.grad or ()),
               record(evaluate(partial(check_module_tier1, lspec), lspec.expected_failure("tier1")))]
        for column in columns:
            backend, dtype = column.split(":")
            outcome = evaluate(partial(check_module_tier2, lspec, backend, dtype), lspec.expected_failure(column))
            row.append(record(outcome, backend))
        loss_rows.append(row)

    optim_rows = []
    for i, ospec in enumerate(OPTIMIZERS):
        if progress:
            print(f"[optimizer {i + 1}/{len(OPTIMIZERS)}] {ospec.id}", file=sys.stderr)
        row = [f"`{_escape(ospec.id)}`", ospec.reference,
               record(evaluate(partial(check_optim_tier1, ospec), ospec.expected_failure("tier1")))]
        for column in columns:
            backend, dtype = column.split(":")
            outcome = evaluate(partial(check_optim_tier2, ospec, backend, dtype), ospec.expected_failure(column))
            row.append(record(outcome, backend))
        optim_rows.append(row)

    sched_rows = [[f"`{sspec.id}`", record(evaluate(partial(check_scheduler, sspec), sspec.xfail.get("*")))]
                  for sspec in SCHEDULERS]

    random_rows = []
    for rspec in RANDOM_OPS:
        row = [f"`{rspec.id}`", "exact" if rspec.exact else "close"]
        for column in columns:
            backend, dtype = column.split(":")
            if backend == "numpy":
                row.append("anchor")
                continue
            if not rspec.float_dtypes and dtype != DTYPES[0]:
                row.append("—")
                continue
            dt = dtype if rspec.float_dtypes else "int64"
            outcome = evaluate(partial(check_random, rspec, backend, dt), rspec.expected_failure(f"{backend}:{dt}"))
            row.append(record(outcome, backend))
        random_rows.append(row)

    kernel_rows = []
    for case in KERNEL_CASES:
        row = [f"`{_escape(case.id)}`"]
        for backend in BACKENDS:
            outcome = evaluate(partial(check_kernel_case, case, backend, KERNEL_DTYPE), case.expected_failure(backend))
            row.append(record(outcome, backend))
        kernel_rows.append(row)

    tables: list[Any] = [*OPS, *MODULES, *LOSSES, *OPTIMIZERS, *SCHEDULERS, *RANDOM_OPS, *KERNEL_CASES]
    reasons = sorted({reason for row in tables for reason in row.xfail.values()})
    missing = coverage.missing()
    missing_modules = coverage.missing_modules()
    missing_losses = coverage.missing_losses()
    missing_optimizers = coverage.missing_optimizers()
    unknown = coverage.unknown_registry_apis()
    elapsed = time.perf_counter() - started
    total = sum(counts.values())
    summary = (
        f"**Summary:** {total} checks: {counts['pass']} pass, {counts['FAIL']} FAIL, {counts['xfail']} xfail, "
        f"{counts['XPASS']} XPASS, {counts['skip']} skip; {len(OPS)} op rows, {len(MODULES)} module rows, "
        f"{len(LOSSES)} loss rows, {len(OPTIMIZERS)} optimizer rows, {len(SCHEDULERS)} schedulers, "
        f"{len(RANDOM_OPS)} random functions, {len(KERNEL_CASES)} kernel cases; {len(missing)} public APIs, "
        f"{len(missing_modules)} nn modules, {len(missing_losses)} losses and {len(missing_optimizers)} optimizers "
        f"missing from the registries ({elapsed:.0f} s)"
    )

    lines = ["# arraygrad conformance report", "", summary, "", "## Backends", ""]
    for backend in BACKENDS:
        for dtype in DTYPES:
            reason = unavailable_reason(backend, dtype)
            lines.append(f"- `{backend}:{dtype}`: " + ("runs" if reason is None else f"skipped: {_escape(reason)}"))
    lines += [
        "",
        "## Ops",
        "",
        "`tier1`: analytic gradients vs central finite differences on numpy float64 (worst error/tolerance). "
        "Other columns: forward outputs and gradients vs the numpy float64 reference "
        "(float32: rtol 1e-4/atol 1e-5 elementwise, 1e-3/1e-4 reductions and matmul, 2e-3/1e-4 gradients; "
        "float64: 1e-7/1e-9).",
        "",
        *table(["op", "kind", "tier1", *columns], op_rows),
        "",
        "## Modules",
        "",
        "State made once (numpy float64, fixed seed) and loaded into every instance with `load_state_dict`. "
        "`tier1`: gradients wrt the inputs and every parameter vs central finite differences (per tensor, "
        "random directions). Other columns: forward outputs, gradients wrt inputs and every parameter, and "
        "the state after the forward (running statistics) vs the numpy float64 reference (float32: rtol "
        "5e-3/atol 1e-3; float64: 1e-7/1e-9). Seeded rows (dropout in training) are compared with numpy in "
        "the same dtype: identical masks, bit-identical in float64.",
        "",
        *table(["module", "mode", "tier1", *columns], module_rows),
        "",
        "## Losses",
        "",
        "Each loss class x option set x reduction, checked as a module without parameters. `tier1`: gradients "
        "wrt the differentiated inputs (listed; never the targets) vs central finite differences. Other "
        "columns: forward value, those gradients and the weight buffers vs the numpy float64 reference "
        "(float32: rtol 1e-3/atol 1e-4 forward, 2e-3/1e-4 gradients; float64: 1e-7/1e-9).",
        "",
        *table(["loss", "gradients", "tier1", *columns], loss_rows),
        "",
        "## Optimizers",
        "",
        "20 steps on a fixed least-squares problem (parameters (3, 4), (4,), (2, 2)). `tier1`: arraygrad's numpy "
        "float64 trajectory vs the independent float64 reference (`numpy`: the update rule written in "
        "optimizers.py; `torch`: torch.optim), rtol 1e-9. Other columns: the trajectory vs arraygrad's numpy "
        f"float64 one (float64: rtol/atol {TRAJECTORY_TOL['float64']}; float32: {TRAJECTORY_TOL['float32']}).",
        "",
        *table(["optimizer", "reference", "tier1", *columns], optim_rows),
        "",
        "## LR schedulers (30 values vs closed forms; backend-independent, run once)",
        "",
        *table(["scheduler", "closed form"], sched_rows),
        "",
        "## Random streams (`ag.manual_seed`; compared with numpy)",
        "",
        *table(["function", "match", *columns], random_rows),
        "",
        f"## Kernel overrides (backend kernel and reference `Backend` method vs plain numpy, exact, {KERNEL_DTYPE})",
        "",
        *table(["kernel case", *BACKENDS], kernel_rows),
        "",
        "## Expected failures (bug repros in /tmp/conformance_bugs.md; module rows: /tmp/module_conformance_bugs.md; "
        "loss and optimizer rows: /tmp/lossopt_conformance_bugs.md)",
        "",
        *([f"- {_escape(r)}" for r in reasons] or ["none"]),
        "",
        "## Coverage",
        "",
    ]
    if missing:
        lines.append(f"Public APIs missing from the registry ({len(missing)}):")
        lines += [f"- `{m}`" for m in missing]
    else:
        lines.append(f"Every public API is covered ({len(coverage.public_apis())} APIs, exclusions in coverage.py).")
    if unknown:
        lines += ["", "Registry names that do not exist:", *[f"- `{u}`" for u in unknown]]
    lines.append("")
    if missing_modules:
        lines.append(f"Public nn modules missing from the module registry ({len(missing_modules)}):")
        lines += [f"- `{m}`" for m in missing_modules]
    else:
        lines.append(f"Every public nn module has a module-registry row ({len(coverage.public_modules())} classes, "
                     "exclusions in coverage.py).")
    lines.append("")
    if missing_losses:
        lines.append(f"Public loss layers missing from the loss registry ({len(missing_losses)}):")
        lines += [f"- `{m}`" for m in missing_losses]
    else:
        lines.append(f"Every public loss layer has loss-registry rows ({len(coverage.loss_modules())} classes).")
    lines.append("")
    if missing_optimizers:
        lines.append(f"Public optimizers missing from the optimizer registry ({len(missing_optimizers)}):")
        lines += [f"- `{m}`" for m in missing_optimizers]
    else:
        lines.append(f"Every public optimizer has optimizer-registry rows ({len(coverage.public_optimizers())} classes, "
                     "exclusions in coverage.py).")
    return "\n".join(lines) + "\n", counts, sorted(skipped)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", help="write the Markdown here (default: standard output)")
    parser.add_argument("--require-backends", default="", help="comma-separated backends whose skip is a failure")
    parser.add_argument("--progress", action="store_true", help="print each op to standard error as it runs")
    args = parser.parse_args(argv)
    required = {n.strip() for n in args.require_backends.split(",") if n.strip()}
    unknown = required - set(BACKENDS)
    if unknown:
        parser.error(f"--require-backends: unknown backend(s) {sorted(unknown)}; known: {', '.join(BACKENDS)}")
    enable_jax_compilation_cache()
    text, counts, skipped = build(progress=args.progress)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text)
        print(next(line for line in text.splitlines() if line.startswith("**Summary:**")))
        print(f"written to {args.out}")
    else:
        sys.stdout.write(text)
    missing_required = required & set(skipped)
    if missing_required:
        print(f"required backends were skipped: {sorted(missing_required)}", file=sys.stderr)
    failed = counts["FAIL"] or counts["XPASS"] or missing_required or coverage.missing_all()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
