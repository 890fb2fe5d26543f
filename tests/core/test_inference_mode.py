"""``inference_mode``: grad off inside, inference tensors and PyTorch's refusals outside, compared
with PyTorch."""

from __future__ import annotations

import pytest
import torch

import arraygrad as ag


def _made_inside(m, make):
    with m.inference_mode():
        return make(m)


def test_inside_grad_is_off_and_new_tensors_are_inference_tensors(backend: str) -> None:
    for m in (ag, torch):
        x = m.ones(3)
        assert not m.is_inference_mode_enabled()
        with m.inference_mode():
            assert m.is_inference_mode_enabled() and not m.is_grad_enabled()
            y = x * 2
            view_of_normal = x[0:2]
            assert y.is_inference() and not x.is_inference() and not view_of_normal.is_inference()
            assert not y.requires_grad
            view_of_inference = y[0:1]
        assert m.is_grad_enabled() and not m.is_inference_mode_enabled()
        assert view_of_inference.is_inference() and y.detach().is_inference()
        assert not y.clone().is_inference()  # a clone made outside is a normal tensor


def test_nothing_is_recorded_inside(backend: str) -> None:
    w = ag.ones(3, requires_grad=True)
    with ag.inference_mode():
        out = (w * 2).sum()
    assert out.grad_fn is None and not out.requires_grad


def test_inference_mode_false_turns_it_off_inside() -> None:
    for m in (ag, torch):
        with m.inference_mode():
            with m.inference_mode(False):
                z = m.ones(2)
                assert not m.is_inference_mode_enabled() and m.is_grad_enabled()
            assert m.is_inference_mode_enabled() and not m.is_grad_enabled()
        assert not z.is_inference()


@pytest.mark.parametrize("m", [ag, torch], ids=["arraygrad", "torch"])
def test_decorator_forms(m) -> None:
    @m.inference_mode
    def bare():
        return m.ones(1)

    @m.inference_mode()
    def called():
        return m.ones(1)

    @m.inference_mode(False)
    def off():
        return m.ones(1)

    assert bare().is_inference() and called().is_inference() and not off().is_inference()
    assert m.is_grad_enabled()
    assert bare.__name__ == "bare"


def test_state_is_restored_after_an_exception() -> None:
    with pytest.raises(ValueError), ag.inference_mode():
        raise ValueError("boom")
    assert ag.is_grad_enabled() and not ag.is_inference_mode_enabled()


def test_an_instance_can_be_reentered() -> None:
    mode = ag.inference_mode()
    with mode, mode:
        assert ag.is_inference_mode_enabled()
    assert not ag.is_inference_mode_enabled() and ag.is_grad_enabled()


def test_saving_an_inference_tensor_for_backward_raises_like_torch(backend: str) -> None:
    for m in (ag, torch):
        y = _made_inside(m, lambda m: m.ones(3) * 2)
        w = m.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward"):
            y * w  # mul saves both inputs
        with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward"):
            y[0:2] * w[0:2]  # a view of an inference tensor is one too
        (y + w).sum().backward()  # add saves nothing: allowed, as in PyTorch
        assert w.grad.tolist() == [1.0, 1.0, 1.0]
        w.grad = None
        (y.clone() * w).sum().backward()
        assert w.grad.tolist() == [2.0, 2.0, 2.0]


def _refuses_in_place_changes(m, y) -> None:
    msg = "Inplace update to inference tensor outside InferenceMode is not allowed"
    changes = (lambda: y.add_(1), lambda: y[0].fill_(2), lambda: y.__setitem__(0, 5.0), lambda: y.copy_(m.zeros(3)))
    for change in changes:
        with pytest.raises(RuntimeError, match=msg):
            change()
        with m.no_grad(), pytest.raises(RuntimeError, match=msg):
            change()


def test_in_place_on_an_inference_tensor_outside_raises_like_torch(backend: str) -> None:
    for m in (ag, torch):
        y = _made_inside(m, lambda m: m.ones(3))
        _refuses_in_place_changes(m, y)
        if m is ag:  # refused before anything was written (PyTorch's copy_ writes, then raises)
            assert y.tolist() == [1.0, 1.0, 1.0]
        with m.inference_mode():
            y.fill_(1)
            y.add_(1)
            y[0] = 5.0
        assert y.tolist() == [5.0, 2.0, 2.0]


def test_out_into_an_inference_tensor_outside_raises() -> None:
    y = _made_inside(ag, lambda m: m.ones(3))
    with pytest.raises(RuntimeError, match="Inplace update to inference tensor"):
        ag.add(ag.ones(3), 1, out=y)
    with pytest.raises(RuntimeError, match="Inplace update to inference tensor"):
        ag.add(ag.ones(2, 2), 1, out=y)  # the resize path refuses too


def test_normal_tensors_can_change_in_place_inside(backend: str) -> None:
    x = ag.ones(3)
    with ag.inference_mode():
        x.add_(1)
    assert x.tolist() == [2.0, 2.0, 2.0] and x._version == 1 and not x.is_inference()


def test_requires_grad_and_version_of_an_inference_tensor_like_torch() -> None:
    for m in (ag, torch):
        y = _made_inside(m, lambda m: m.ones(3))
        with pytest.raises(RuntimeError, match="Setting requires_grad=True on inference tensor outside"):
            y.requires_grad_()
        with pytest.raises(RuntimeError, match="Inference tensors do not track version counter"):
            _ = y._version
        assert y.numpy().tolist() == [1.0, 1.0, 1.0]


def test_modules_run_in_inference_mode() -> None:
    model = ag.nn.Sequential(ag.nn.Linear(3, 4), ag.nn.ReLU(), ag.nn.Linear(4, 2))
    x = ag.randn(5, 3)
    with ag.inference_mode():
        out = model(x)
    expected = model(x)
    assert out.is_inference() and not expected.is_inference()
    assert out.tolist() == expected.detach().tolist()
    assert not any(p.is_inference() for p in model.parameters())
