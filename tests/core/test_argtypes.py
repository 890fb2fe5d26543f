"""A list, None or number where a Tensor goes raises PyTorch's TypeError, naming the argument."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch

import arraygrad as ag
import arraygrad.nn.functional as F
from arraygrad.core import argtypes


def _error(fn: Callable[[], Any]) -> BaseException:
    with pytest.raises(Exception) as info:  # noqa: PT011 - the kind is compared below
        fn()
    return info.value


CASES: list[tuple[str, Callable[[Any], Any], Callable[[Any], Any]]] = [
    # (id, arraygrad call, the same call in torch), each given its library's module
    ("abs-list", lambda m: m.abs([1.0, 2.0]), lambda t: t.abs([1.0, 2.0])),
    ("exp-None", lambda m: m.exp(None), lambda t: t.exp(None)),
    ("add-first-list", lambda m: m.add([1.0], m.ones(1)), lambda t: t.add([1.0], t.ones(1))),
    ("reshape-list", lambda m: m.reshape([1, 2], (2,)), lambda t: t.reshape([1, 2], (2,))),
    ("sum-float-dim", lambda m: m.sum(m.ones(2), 2.5), lambda t: t.sum(t.ones(2), 2.5)),
    ("numel-list", lambda m: m.numel([1]), lambda t: t.numel([1])),
    ("relu-list", lambda m: m.relu([1.0]), lambda t: t.relu([1.0])),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_wrong_argument_type_raises_pytorchs_type_error(backend: str, case: Any) -> None:
    _, ours, theirs = case
    expected = _error(lambda: theirs(torch))
    with ag.use_backend(backend):
        got = _error(lambda: ours(ag))
    assert type(expected) is TypeError
    assert type(got) is TypeError, f"{type(got).__name__}: {got}"
    # the op named first, as PyTorch's parser does; the same argument and position where it names one
    assert str(got).split("(")[0] == str(expected).split("(")[0]
    if "argument '" in str(expected) and "position" in str(expected):
        assert str(got).split(" must be ")[0] == str(expected).split(" must be ")[0]


def test_functional_names_the_argument() -> None:
    with pytest.raises(TypeError, match=r"^relu\(\): argument 'input' \(position 1\) must be Tensor, not list$"):
        F.relu([1.0])
    with pytest.raises(TypeError, match=r"^conv2d\(\): argument 'input' .* must be Tensor, not NoneType$"):
        F.conv2d(None, ag.ones(1, 1, 1, 1))


def test_other_failures_keep_their_own_error() -> None:
    """Only a wrongly typed argument is retyped: a bad value among well-typed ones keeps its error."""
    with pytest.raises(RuntimeError, match="must match the size"):
        ag.add(ag.ones(3), ag.ones(4))
    with pytest.raises(IndexError, match="Dimension out of range"):
        ag.sum(ag.ones(2), 5)


def test_successful_calls_and_out_are_unchanged() -> None:
    x = ag.tensor([1.0, -2.0])
    assert ag.abs(x).tolist() == [1.0, 2.0]
    out = ag.empty(2)
    assert ag.abs(x, out=out) is out
    assert out.tolist() == [1.0, 2.0]
    with pytest.raises(TypeError, match=r"^abs\(\): argument 'input' \(position 1\) must be Tensor, not list$"):
        ag.abs([1.0], out=out)


def test_a_function_without_typed_parameters_is_not_wrapped() -> None:
    def untyped(x: Any) -> Any:
        return x

    assert argtypes.with_argument_types(untyped) is untyped


def test_wrapper_keeps_name_signature_and_docstring() -> None:
    import inspect

    assert ag.relu.__name__ == "relu"
    assert F.relu.__doc__
    assert "input" in inspect.signature(F.relu).parameters


def test_star_args_are_left_to_the_function() -> None:
    """``*tensors: Tensor`` collects a tuple; a failure there keeps the function's own error."""
    with pytest.raises(RuntimeError, match="broadcast"):
        ag.broadcast_tensors(ag.ones(2), ag.ones(3))
