"""Moving tensors between backends and dtypes: values kept, gradients flow back across the move."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag

OTHERS = ("numpy", "strict", "jax")


@pytest.mark.parametrize("target", OTHERS)
def test_to_another_backend_and_back_keeps_values_and_dtype(backend, target) -> None:
    for dtype in (ag.float32, ag.float64, ag.int64, ag.int32, ag.bool):
        x = ag.tensor([[1, 0, 3]], dtype=dtype)
        moved = x.to(target)
        assert moved.backend.name == target and moved.dtype is dtype
        assert moved.tolist() == x.tolist()
        back = moved.to(backend)
        assert back.backend.name == backend and back.dtype is dtype and back.tolist() == x.tolist()


@pytest.mark.parametrize("target", OTHERS)
def test_gradient_flows_back_across_a_backend_move(backend, target) -> None:
    x = ag.tensor([1.0, -2.0, 3.0], dtype=ag.float64, requires_grad=True)
    y = x.to(target)
    assert y.requires_grad and (y.grad_fn is not None or target == backend)
    z = (y * y).sum() * 0.5 + y.exp().sum()
    z.backward()
    assert x.grad.backend.name == backend  # the gradient arrives on the leaf's backend
    np.testing.assert_allclose(x.grad.numpy(), [1.0 + np.e, -2.0 + np.exp(-2.0), 3.0 + np.exp(3.0)], rtol=1e-12)


def test_gradient_through_a_round_trip_of_moves(backend) -> None:
    x = ag.tensor([2.0], requires_grad=True)
    y = x
    for target in ("jax", "strict", "numpy", backend):
        y = y.to(target) * 2
    y.sum().backward()
    assert x.grad.tolist() == [16.0]


def test_move_is_not_silent_in_an_op(backend) -> None:
    other = "jax" if backend != "jax" else "strict"
    x = ag.ones(2)
    with pytest.raises(RuntimeError, match="move one with .to"):
        x + x.to(other)
    assert (x + x.to(other).to(backend)).tolist() == [2.0, 2.0]


def test_to_dtype_is_differentiable(backend) -> None:
    x = ag.tensor([1.5, 2.5], requires_grad=True)
    y = x.to(ag.float64)
    assert y.dtype is ag.float64 and y.grad_fn.name() == "ToCopyBackward0"
    (y * y).sum().backward()
    assert x.grad.dtype is ag.float32 and x.grad.tolist() == [3.0, 5.0]
    assert x.double().dtype is ag.float64 and x.float() is x
    assert x.detach().long().tolist() == [1, 2]
    assert not x.to(ag.int64).requires_grad  # integers carry no gradient


def test_to_returns_self_when_nothing_changes(backend) -> None:
    x = ag.tensor([1.0])
    assert x.to(backend) is x
    assert x.to(ag.float32) is x
    assert x.to(x) is x
    assert x.to("cpu") is x
    assert x.cpu() is x


def test_to_with_several_arguments(backend) -> None:
    other = "jax" if backend != "jax" else "numpy"
    x = ag.tensor([1.0, 2.0])
    y = x.to(other, ag.float64)
    assert y.backend.name == other and y.dtype is ag.float64
    template = ag.zeros(1, dtype=ag.int32, backend=other)
    z = x.to(template)
    assert z.backend.name == other and z.dtype is ag.int32
    w = x.to(device=other, dtype=ag.float64)
    assert w.backend.name == other and w.dtype is ag.float64
    with pytest.raises(TypeError, match="unexpected keyword"):
        x.to(blocking=True)


def test_tensor_and_as_tensor_accept_tensors_of_other_backends(backend) -> None:
    src = ag.tensor([1.0, 2.0], backend="jax" if backend != "jax" else "numpy", requires_grad=True)
    copy = ag.tensor(src)
    assert copy.backend.name == backend and not copy.requires_grad and copy.tolist() == [1.0, 2.0]
    assert ag.as_tensor(src, backend=backend).backend.name == backend


def test_numpy_from_every_backend_is_a_host_array(backend) -> None:
    arr = ag.tensor([[1.0, 2.0]], dtype=ag.float64).numpy()
    assert isinstance(arr, np.ndarray) and arr.dtype == np.float64 and arr.tolist() == [[1.0, 2.0]]


def test_from_dlpack(backend) -> None:
    src = np.arange(4.0)
    t = ag.from_dlpack(src)
    assert t.backend.name == backend and t.tolist() == [0.0, 1.0, 2.0, 3.0]
