"""Every public op, called with arguments PyTorch refuses, must refuse them too, on every backend.

For each row of ``table.py`` (see ``cases.py``: bad-argument calls on which PyTorch raises), the
test calls the arraygrad op and fails if it

* returns (``silent``: PyTorch raises here),
* raises an error whose last traceback frame is inside numpy, jax, jaxlib, array_api_strict,
  ml_dtypes or scipy, or whose class is defined there (``leaked``),
* raises an exception of another kind than PyTorch's (``wrong-kind``; see
  :func:`tests.fuzz.check.kind_matches`).

numpy and strict run every row. jax runs a deterministic sample (each op's first row and every
``JAX_STRIDE``-th one after it, plus every hand-written row) because it compiles each new op and
shape; ``python -m tests.fuzz.report --all-jax`` runs all of them.

``python -m tests.fuzz.report`` prints the same verdicts as a table grouped by source file.
"""

from __future__ import annotations

import collections
import warnings

import pytest

import arraygrad as ag
from tests.fuzz import cases, check
from tests.fuzz.known_failures import KNOWN_FAILURES
from tests.fuzz.table import GOOD_CALLS, ROWS

#: jax runs each op's first row, every JAX_STRIDE-th after it, and the hand-written ones
JAX_STRIDE = 12


_HAND_LABELS = {(op, label) for op, label, _args, _kwargs in cases.HAND_ROWS}


def _selected(backend: str) -> list[tuple]:
    """The rows ``backend`` runs: all of them, or jax's sample (every op's first row, then every
    ``JAX_STRIDE``-th row of the op, and every hand-written row)."""
    if backend != "jax":
        return list(ROWS)
    seen: dict[str, int] = {}
    sample = []
    for row in ROWS:
        position = seen[row[0]] = seen.get(row[0], -1) + 1
        if position % JAX_STRIDE == 0 or (row[0], row[1]) in _HAND_LABELS:
            sample.append(row)
    return sample


def _by_op() -> list:
    """One test per (backend, op): pytest's per-test overhead on ~10,000 rows would dominate."""
    params = []
    for backend in ("numpy", "strict", "jax"):
        groups: dict[str, list[tuple]] = {}
        for row in _selected(backend):
            if f"{backend}:{check.row_id(row)}" not in KNOWN_FAILURES:
                groups.setdefault(row[0], []).append(row)
        params.extend(pytest.param(backend, rows, id=f"{backend}:{op}") for op, rows in groups.items())
    return params


def _known() -> list:
    params = []
    for backend in ("numpy", "strict", "jax"):
        for row in _selected(backend):
            key = f"{backend}:{check.row_id(row)}"
            if key in KNOWN_FAILURES:
                mark = pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[key])
                params.append(pytest.param(backend, row, id=key, marks=mark))
    return params


def _run(backend: str, row: tuple) -> str | None:
    """None if arraygrad refuses ``row`` as PyTorch does, else a line describing what it did."""
    reason = ag.backends.available()[backend]
    if reason is not None:
        pytest.skip(f"{backend}: {reason}")
    with ag.use_backend(backend):
        outcome = check.run_row(row, backend)
    if outcome.kind == "clean":
        return None
    op, label, args, kwargs, torch_error = row
    call = ", ".join([*map(repr, args), *(f"{k}={v!r}" for k, v in kwargs.items())])
    return f"{outcome.kind:10} {op}({call}) [{label}]: arraygrad {outcome.error} ({outcome.source}); PyTorch {torch_error}"


@pytest.mark.parametrize(("backend_name", "rows"), _by_op())
def test_bad_arguments_raise_like_pytorch(backend_name: str, rows: list[tuple]) -> None:
    failures = [line for line in (_run(backend_name, row) for row in rows) if line]
    assert not failures, f"{len(failures)} of {len(rows)} rows on {backend_name}:\n" + "\n".join(failures)


_KNOWN = _known()


if _KNOWN:  # one strict-xfail test per listed row (none listed: no test to report as skipped)

    @pytest.mark.parametrize(("backend_name", "row"), _KNOWN)
    def test_known_failures(backend_name: str, row: tuple) -> None:
        failure = _run(backend_name, row)
        assert failure is None, failure


def test_row_ids_are_unique() -> None:
    counts = collections.Counter(check.row_id(row) for row in ROWS)
    duplicates = sorted(row_id for row_id, n in counts.items() if n > 1)
    assert not duplicates, duplicates


def test_known_failures_name_existing_rows() -> None:
    keys = {f"{b}:{check.row_id(row)}" for b in ("numpy", "strict", "jax") for row in _selected(b)}
    stale = sorted(set(KNOWN_FAILURES) - keys)
    assert not stale, f"KNOWN_FAILURES entries without a row: {stale}"


def test_every_public_op_has_a_row_or_a_stated_exclusion() -> None:
    covered = {row[0] for row in ROWS}
    missing = [op for op in cases.public_ops() if op not in covered and op not in cases.EXCLUDED]
    assert not missing, f"public ops with no bad-argument row and no entry in cases.EXCLUDED: {missing}"
    stale = sorted(set(cases.EXCLUDED) - set(cases.public_ops()))
    assert not stale, f"cases.EXCLUDED names that are not public ops: {stale}"


def test_table_is_what_the_recipes_generate() -> None:
    """The checked-in table is the output of the recipes with today's PyTorch (regenerate it
    with ``python -m tests.fuzz.cases --write``)."""
    pytest.importorskip("torch", reason="PyTorch is the oracle that generates the table")
    assert cases.TABLE_PATH.read_text() == cases.render_current()


def test_good_calls_are_accepted() -> None:
    """The calls the rows were made from work in arraygrad (numpy), so each row's error is about
    the one argument its recipe changed."""
    refused = []
    for op, args in GOOD_CALLS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cases.resolve(op, "arraygrad")(*cases.to_arraygrad(args, "numpy"))
        except Exception as exc:  # noqa: BLE001 - any refusal is reported
            refused.append(f"{op}{args!r}: {type(exc).__name__}: {exc}")
    assert not refused, "good calls arraygrad refuses:\n" + "\n".join(refused)
