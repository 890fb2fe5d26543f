"""Per-thread settings: grad mode, inference mode, the default backend and the default device.

PyTorch keeps grad mode per thread, so a trainer thread beside a ``no_grad`` evaluator keeps
recording its graph. The same holds here for every threaded setting.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

import arraygrad as ag
from arraygrad import backends, nn


def run_in_thread(fn: Callable[[], object]) -> object:
    """Run ``fn`` in a new thread and return its result (re-raising its exception here)."""
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["result"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box.get("result")


def test_trainer_beside_no_grad_evaluator() -> None:
    """Two threads on one model: the evaluator's no_grad never stops the trainer's graph."""
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    opt = ag.optim.SGD(model.parameters(), lr=0.01)
    x = ag.randn(16, 4)
    y = ag.randn(16, 1)
    steps = 200
    failures: list[str] = []
    evaluator_graphs: list[bool] = []
    stop = threading.Event()
    start = threading.Barrier(2)

    def trainer() -> None:
        start.wait()
        for step in range(steps):
            loss = ((model(x) - y) ** 2).mean()
            if not loss.requires_grad:
                failures.append(f"step {step}: loss does not require grad")
                continue
            opt.zero_grad()
            loss.backward()
            if any(p.grad is None for p in model.parameters()):
                failures.append(f"step {step}: a parameter has no grad")
            opt.step()
        stop.set()

    def evaluator() -> None:
        start.wait()
        while not stop.is_set():
            with ag.no_grad():
                out = model(x)
                evaluator_graphs.append(out.requires_grad)

    threads = [threading.Thread(target=trainer), threading.Thread(target=evaluator)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert evaluator_graphs and not any(evaluator_graphs)


def test_new_thread_starts_with_grad_enabled() -> None:
    with ag.no_grad():
        assert run_in_thread(ag.is_grad_enabled) is True
        assert not ag.is_grad_enabled()
    ag.set_grad_enabled(False)
    try:
        assert run_in_thread(ag.is_grad_enabled) is True
    finally:
        ag.set_grad_enabled(True)


def test_no_grad_in_a_thread_leaves_the_caller_recording() -> None:
    def inside() -> bool:
        with ag.no_grad():
            return ag.is_grad_enabled()

    assert run_in_thread(inside) is False
    assert ag.is_grad_enabled()


def test_inference_mode_is_per_thread() -> None:
    with ag.inference_mode():
        assert run_in_thread(ag.is_inference_mode_enabled) is False
        made = run_in_thread(lambda: ag.ones(2))
    assert not made.is_inference()  # type: ignore[union-attr]


def test_use_backend_is_per_thread() -> None:
    outer = ag.get_default_backend()
    entered = threading.Event()
    release = threading.Event()
    seen: dict[str, str] = {}

    def other() -> None:
        with ag.use_backend("strict"):
            seen["inside"] = ag.ones(1)._backend.name
            entered.set()
            release.wait(10)

    thread = threading.Thread(target=other)
    thread.start()
    assert entered.wait(10)
    try:
        # while the other thread is inside use_backend("strict"), this one is unaffected
        assert ag.get_default_backend() == outer
        assert ag.ones(1)._backend.name == outer
    finally:
        release.set()
        thread.join()
    assert seen["inside"] == "strict"
    assert ag.get_default_backend() == outer


def test_set_default_backend_on_main_thread_reaches_new_threads() -> None:
    outer = ag.get_default_backend()
    ag.set_default_backend("strict")
    try:
        assert run_in_thread(ag.get_default_backend) == "strict"
        assert run_in_thread(lambda: ag.zeros(1)._backend.name) == "strict"
    finally:
        ag.set_default_backend(outer)
    assert run_in_thread(ag.get_default_backend) == outer


def test_set_default_backend_in_a_worker_thread_stays_there() -> None:
    outer = ag.get_default_backend()

    def worker() -> str:
        ag.set_default_backend("strict")
        return ag.ones(1)._backend.name

    assert run_in_thread(worker) == "strict"
    assert ag.get_default_backend() == outer
    assert backends.thread_default_setting() in (None, outer)


def test_default_device_is_per_thread() -> None:
    """As PyTorch's set_default_device: a new thread starts from no setting."""
    ag.set_default_device("strict")
    try:
        assert ag.ones(1)._backend.name == "strict"
        assert run_in_thread(lambda: ag.ones(1)._backend.name) == ag.get_default_backend()
    finally:
        ag.set_default_device(None)


@pytest.mark.parametrize("mode", [False, True])
def test_grad_mode_decorator_in_threads(mode: bool) -> None:
    @ag.set_grad_enabled(mode)
    def probe() -> bool:
        return ag.is_grad_enabled()

    ag.set_grad_enabled(True)
    assert run_in_thread(probe) is mode
    assert ag.is_grad_enabled()
