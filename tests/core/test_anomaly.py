"""Anomaly detection: switches (per thread), forward stacks recorded on nodes, the NaN check in
backward and its error/warning, compared with PyTorch."""

from __future__ import annotations

import threading
import warnings

import pytest

import arraygrad as ag
from tests.helpers import BACKENDS, NOT_JAX

pytestmark = pytest.mark.backends(*NOT_JAX)


def _anomaly_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if "Error detected in" in str(w.message)]


def _backward_error(lib, fn, values, check_nan: bool = True) -> tuple[str | None, list[str]]:
    """Run ``fn`` forward and backward inside ``detect_anomaly`` with ``lib`` (arraygrad or torch);
    return the RuntimeError's message (None if none) and the anomaly warnings."""
    dtype = lib.float64
    xs = [lib.tensor(v, dtype=dtype, requires_grad=True) for v in values]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with lib.autograd.detect_anomaly(check_nan=check_nan):
            out = fn(*xs)
            try:
                out.sum().backward()
            except RuntimeError as exc:
                return str(exc), _anomaly_warnings(caught)
    return None, _anomaly_warnings(caught)


@pytest.mark.backends(*BACKENDS)
def test_nan_in_backward_names_the_node_and_the_forward_line(backend) -> None:
    x = ag.tensor([0.0], requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with ag.autograd.detect_anomaly():
            y = x.sqrt() * 0  # the forward line the report must show
            with pytest.raises(RuntimeError, match=r"^Function 'SqrtBackward0' returned nan values in its 0th output\.$"):
                y.sum().backward()
    (report,) = _anomaly_warnings(caught)
    assert report.startswith("Error detected in SqrtBackward0. Traceback of forward call that caused the error:\n")
    assert __file__ in report
    assert "y = x.sqrt() * 0  # the forward line the report must show" in report
    # the op's own machinery is left out: the user's line is the last frame
    assert "arraygrad/core" not in report
    assert report.rstrip().endswith("y = x.sqrt() * 0  # the forward line the report must show")


def test_without_anomaly_mode_nothing_changes() -> None:
    torch = pytest.importorskip("torch")
    x = ag.tensor([0.0], requires_grad=True)
    tx = torch.tensor([0.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no anomaly warning either
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's own note on 0 * inf
        (x.sqrt() * 0).sum().backward()
    (tx.sqrt() * 0).sum().backward()
    assert str(x.grad.item()) == str(tx.grad.item()) == "nan"
    assert not ag.is_anomaly_enabled()


@pytest.mark.parametrize(
    ("name", "fn", "values"),
    [
        ("sqrt", lambda x: x.sqrt() * 0, [[0.0, 1.0]]),
        ("pow", lambda x: x.pow(0.5) * 0, [[0.0]]),
        ("log", lambda x: x.log() * 0, [[0.0]]),
        ("rsqrt", lambda x: x.rsqrt() * 0, [[0.0]]),
        ("div, first input", lambda a, b: a / b * 0, [[1.0], [0.0]]),
        ("div, second input", lambda a, b: (a / b) * 0 + 0 * a, [[0.0], [0.0]]),
        ("no nan: log at 0 gives inf, which is not checked", lambda x: x.log(), [[0.0, 1.0]]),
    ],
)
def test_error_and_node_name_match_pytorch(name, fn, values) -> None:
    torch = pytest.importorskip("torch")
    ours, our_reports = _backward_error(ag, fn, values)
    theirs, their_reports = _backward_error(torch, fn, values)
    assert ours == theirs, name
    assert len(our_reports) == len(their_reports)
    for mine, torch_report in zip(our_reports, their_reports):
        assert mine.split("\n")[0] == torch_report.split("\n")[0]


def test_check_nan_false_lets_nan_through() -> None:
    message, reports = _backward_error(ag, lambda x: x.sqrt() * 0, [[0.0]], check_nan=False)
    assert message is None and reports == []


def test_error_in_a_custom_backward_shows_its_forward_stack() -> None:
    torch = pytest.importorskip("torch")

    def make(lib):
        class Faulty(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                return a * 2

            @staticmethod
            def backward(ctx, grad):
                raise RuntimeError("Some error in backward")

        return Faulty

    reports = {}
    for lib in (ag, torch):
        faulty = make(lib)
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with lib.autograd.detect_anomaly():
                out = faulty.apply(x)  # forward of the faulty function
                with pytest.raises(RuntimeError, match="Some error in backward"):
                    out.sum().backward()
        (reports[lib.__name__],) = _anomaly_warnings(caught)
    assert reports["arraygrad"].split("\n")[0] == reports["torch"].split("\n")[0]
    assert "out = faulty.apply(x)  # forward of the faulty function" in reports["arraygrad"]


def test_graph_recorded_outside_anomaly_mode_has_no_forward_information() -> None:
    torch = pytest.importorskip("torch")
    reports = {}
    for lib in (ag, torch):
        x = lib.tensor([0.0], requires_grad=True)
        y = x.sqrt() * 0
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with lib.autograd.detect_anomaly(), pytest.raises(RuntimeError, match="SqrtBackward0"):
                y.sum().backward()
        (reports[lib.__name__],) = _anomaly_warnings(caught)
    assert reports["arraygrad"] == reports["torch"].split(" (Triggered internally")[0]
    assert "No forward pass information available" in reports["arraygrad"]


def test_nodes_made_by_a_backward_point_at_the_node_that_made_them() -> None:
    x = ag.tensor([0.0], requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with ag.autograd.detect_anomaly():
            y = x.sqrt()  # first-order forward
            (g,) = ag.autograd.grad(y.sum(), x, create_graph=True)
            with pytest.raises(RuntimeError, match="returned nan values"):
                ag.autograd.grad((g * 0).sum(), x)
    (report,) = _anomaly_warnings(caught)
    assert "Previous calculation was induced by SqrtBackward0. Traceback of forward call that induced" in report
    assert "y = x.sqrt()  # first-order forward" in report


def test_switches_follow_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for lib in (ag, torch):
        assert not lib.is_anomaly_enabled() and lib.is_anomaly_check_nan_enabled()
        with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
            ctx = lib.autograd.detect_anomaly(check_nan=False)
        with ctx:
            assert lib.is_anomaly_enabled() and not lib.is_anomaly_check_nan_enabled()
        assert not lib.is_anomaly_enabled() and lib.is_anomaly_check_nan_enabled()
        lib.autograd.set_detect_anomaly(True)  # takes effect as a plain call
        assert lib.is_anomaly_enabled()
        with lib.autograd.set_detect_anomaly(False, check_nan=False):
            assert not lib.is_anomaly_enabled() and not lib.is_anomaly_check_nan_enabled()
        assert lib.is_anomaly_enabled() and lib.is_anomaly_check_nan_enabled()
        lib.set_anomaly_enabled(False)
        assert not lib.is_anomaly_enabled()


def test_detect_anomaly_as_a_decorator() -> None:
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):

        @ag.autograd.detect_anomaly()
        def step(x):
            assert ag.is_anomaly_enabled()
            (x.sqrt() * 0).sum().backward()

    with pytest.raises(RuntimeError, match="SqrtBackward0"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        step(ag.tensor([0.0], requires_grad=True))
    assert not ag.is_anomaly_enabled()


def test_anomaly_mode_is_per_thread() -> None:
    seen: dict[str, bool] = {}
    ready, done = threading.Event(), threading.Event()

    def other_thread() -> None:
        seen["starts"] = ag.is_anomaly_enabled()
        ag.set_anomaly_enabled(True, check_nan=False)
        ready.set()
        done.wait(5)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with ag.autograd.detect_anomaly():
            worker = threading.Thread(target=other_thread)
            worker.start()
            ready.wait(5)
            assert ag.is_anomaly_check_nan_enabled()  # the other thread's setting stays there
        done.set()
        worker.join()
    assert seen["starts"] is False
    assert not ag.is_anomaly_enabled()


def test_nodes_record_a_stack_only_in_anomaly_mode() -> None:
    x = ag.tensor([1.0], requires_grad=True)
    plain = (x * 2).grad_fn
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with ag.autograd.detect_anomaly():
            traced = (x * 2).grad_fn
    assert getattr(plain, "_anomaly_trace", None) is None
    stack, parent = traced._anomaly_trace
    assert stack[-1].filename == __file__ and parent is None
