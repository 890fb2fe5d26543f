"""Print the bad-argument verdicts as Markdown: counts per backend, then one line per failing
row grouped by the arraygrad file that raised (or that defines the op, for silent rows).

    python -m tests.fuzz.report [--backends numpy strict jax] [--all-jax] [--out FILE]
"""

from __future__ import annotations

import argparse
import collections
import os
import time

os.environ.setdefault("JAX_ENABLE_X64", "1")

import arraygrad as ag  # noqa: E402
from tests.fuzz import check  # noqa: E402
from tests.fuzz.known_failures import KNOWN_FAILURES  # noqa: E402
from tests.fuzz.table import ROWS  # noqa: E402
from tests.fuzz.test_bad_arguments import _selected  # noqa: E402

KINDS = ("clean", "leaked", "silent", "wrong-kind")

KNOWN_HEADER = '''# ruff: noqa: E501
"""Rows expected to fail: ``"<backend>:<row id>": reason``.

Each entry runs as its own ``xfail(strict=True)`` test, so a row that gets fixed fails until its
entry is removed. ``python -m tests.fuzz.report --known-failures tests/fuzz/known_failures.py``
writes the entries for the rows failing today.
"""

KNOWN_FAILURES: dict[str, str] = {
'''


def _call(row: tuple) -> str:
    _op, _label, args, kwargs, _error = row
    return ", ".join([*map(repr, args), *(f"{k}={v!r}" for k, v in kwargs.items())])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=["numpy", "strict", "jax"])
    parser.add_argument("--all-jax", action="store_true", help="run every row on jax, not the test's sample")
    parser.add_argument("--out", help="write the Markdown here instead of printing it")
    parser.add_argument("--known-failures", help="write a KNOWN_FAILURES dict of today's failing rows to this file")
    options = parser.parse_args()

    counts: dict[str, collections.Counter] = {}
    # (source, row id) -> {"row", "kind", "error", "backends"}; a row failing alike on several
    # backends is one line naming them all
    failing: dict[tuple[str, str], dict] = {}
    seconds: dict[str, float] = {}
    # clean rows whose exception was not raised by an arraygrad ``raise`` statement
    incidental: dict[str, tuple] = {}
    known_failures: dict[str, str] = {}
    for backend in options.backends:
        rows = list(ROWS) if (backend == "jax" and options.all_jax) else _selected(backend)
        counts[backend] = collections.Counter()
        start = time.perf_counter()
        with ag.use_backend(backend):
            for row in rows:
                outcome = check.run_row(row, backend)
                counts[backend][outcome.kind] += 1
                if outcome.kind == "clean":
                    if not outcome.raised_by_arraygrad:
                        incidental[check.row_id(row)] = (row, outcome.error, outcome.source)
                    continue
                known = " (known)" if f"{backend}:{check.row_id(row)}" in KNOWN_FAILURES else ""
                entry = failing.setdefault(
                    (outcome.source, check.row_id(row)), {"row": row, "kinds": {}, "error": outcome.error}
                )
                entry["kinds"][backend] = outcome.kind + known
                known_failures[f"{backend}:{check.row_id(row)}"] = f"{outcome.kind}: {outcome.error}"
                if entry["error"] == "none":
                    entry["error"] = outcome.error
        seconds[backend] = time.perf_counter() - start

    lines = ["| backend | rows | " + " | ".join(KINDS) + " | seconds |", "|---|---|" + "---|" * len(KINDS) + "---|"]
    for backend, c in counts.items():
        cells = " | ".join(str(c[k]) for k in KINDS)
        lines.append(f"| {backend} | {sum(c.values())} | {cells} | {seconds[backend]:.1f} |")
    by_source: dict[str, list[dict]] = collections.defaultdict(list)
    for (source, _row_id), entry in failing.items():
        by_source[source].append(entry)
    lines += ["", "## Patterns per file (kind, arraygrad exception, PyTorch exception: rows)", ""]
    for source in sorted(by_source):
        patterns = collections.Counter(
            (kind, e["error"].split(":")[0], e["row"][4]) for e in by_source[source] for kind in set(e["kinds"].values())
        )
        summary = "; ".join(f"{k} {a} vs torch {t}: {n}" for (k, a, t), n in patterns.most_common())
        lines.append(f"- {source}: {summary}")
    lines += ["", "## Rows", "", "op [row] | args | backends: kind | arraygrad error | PyTorch error"]
    for source in sorted(by_source):
        lines += ["", f"### {source} ({len(by_source[source])} rows)", ""]
        for e in by_source[source]:
            row = e["row"]
            kinds = collections.defaultdict(list)
            for backend, kind in e["kinds"].items():
                kinds[kind].append(backend)
            verdict = ", ".join(f"{'/'.join(bs)}: {k}" for k, bs in kinds.items())
            call = _call(row)
            call = call if len(call) <= 200 else call[:200] + "..."
            lines.append(f"`{row[0]}` [{row[1]}] | `{call}` | {verdict} | {e['error']} | {row[4]}")
    lines += [
        "",
        f"## Passing rows whose error was not raised by arraygrad ({len(incidental)}; informational)",
        "",
        "The exception has PyTorch's kind but came from a numpy/jax C function or a Python builtin",
        "called on an arraygrad line, so its message was not written for the user.",
        "",
    ]
    for row_id, (_row, error, source) in sorted(incidental.items(), key=lambda item: item[1][2]):
        lines.append(f"{source} | `{row_id}` | {error}")
    text = "\n".join(lines) + "\n"
    if options.known_failures:
        with open(options.known_failures, "w") as f:
            f.write(KNOWN_HEADER)
            f.writelines(f"    {key!r}: {reason!r},\n" for key, reason in known_failures.items())
            f.write("}\n")
    if options.out:
        with open(options.out, "w") as f:
            f.write(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
