"""The classifier of the bad-arguments test tells each outcome apart."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from tests.fuzz import check
from tests.fuzz.cases import T


def _row(torch_error: str = "RuntimeError") -> tuple:
    return ("probe_op", "probe", (T((2, 3)),), {}, torch_error)


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch):
    """Install ``ag.probe_op`` (the op a row names) with the given behaviour."""

    def install(fn) -> None:
        monkeypatch.setattr(ag, "probe_op", fn, raising=False)

    return install


def test_returning_is_silent(probe) -> None:
    probe(lambda x: x)
    assert check.run_row(_row(), "numpy").kind == "silent"


def test_a_raise_of_pytorchs_kind_is_clean(probe) -> None:
    def op(x):
        raise RuntimeError("probe_op: bad")

    probe(op)
    outcome = check.run_row(_row(), "numpy")
    assert (outcome.kind, outcome.raised_by_arraygrad) == ("clean", False)  # raised in this file, not in arraygrad


def test_another_kind_is_wrong_kind(probe) -> None:
    def op(x):
        raise ValueError("probe_op: bad")

    probe(op)
    assert check.run_row(_row("RuntimeError"), "numpy").kind == "wrong-kind"


def test_an_error_from_inside_numpy_is_leaked(probe) -> None:
    probe(lambda x: np.linalg.inv(np.ones((2, 3))))  # raises from numpy's Python code
    assert check.run_row(_row("RuntimeError"), "numpy").kind == "leaked"


def test_a_numpy_exception_class_is_leaked(probe) -> None:
    def op(x):
        raise np.exceptions.AxisError("axis 5 is out of bounds")

    probe(op)
    assert check.run_row(_row("IndexError"), "numpy").kind == "leaked"


@pytest.mark.parametrize(
    ("raised", "torch_error", "matches"),
    [
        (ValueError(), "ValueError", True),
        (NotImplementedError(), "RuntimeError", True),  # a subclass of PyTorch's kind
        (RuntimeError(), "NotImplementedError", True),  # a base of PyTorch's kind
        (ValueError(), "RuntimeError", False),
        (TypeError(), "IndexError", False),
        (Exception(), "RuntimeError", False),  # too broad to count as a base
        (TypeError(), "AttributeError", True),  # PyTorch's accidental kinds accept ordinary ones
        (AttributeError(), "TypeError", False),
    ],
)
def test_kind_matches(raised: BaseException, torch_error: str, matches: bool) -> None:
    assert check.kind_matches(raised, torch_error) is matches
