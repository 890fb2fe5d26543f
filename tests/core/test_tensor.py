"""Tensor attributes, conversions and repr (compared with PyTorch where it has an opinion)."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag


def test_shape_size_ndim_numel(backend) -> None:
    x = ag.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4)
    assert isinstance(x.shape, ag.Size) and isinstance(x.shape, tuple)
    assert x.size() == (2, 3, 4)
    assert x.size(1) == 3 and x.size(-1) == 4
    assert x.ndim == 3 and x.dim() == 3
    assert x.numel() == 24 and x.shape.numel() == 24 and ag.numel(x) == 24
    assert len(x) == 2
    assert repr(x.shape) == "arraygrad.Size([2, 3, 4])"
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.size(3)
    with pytest.raises(TypeError, match="0-d"):
        len(ag.tensor(1.0))


def test_dtype_device_backend(backend) -> None:
    x = ag.tensor([1.0, 2.0])
    assert x.dtype is ag.float32 and x.is_floating_point()
    assert x.element_size() == 4
    assert x.device == ag.device("cpu") and x.device != "cpu"  # as PyTorch: a device never equals a string
    assert str(x.device) == "cpu" and repr(x.device) == "device(type='cpu')"
    assert x.backend.name == backend
    assert not x.is_cuda
    assert ag.tensor([1]).dtype is ag.long and not ag.tensor([1]).is_floating_point()


def test_device_objects() -> None:
    d = ag.device("cuda:1")
    assert (d.type, d.index) == ("cuda", 1)
    assert str(d) == "cuda:1" and repr(d) == "device(type='cuda', index=1)"
    assert ag.device("cuda", 1) == d and ag.device(d) == d
    assert ag.device("cuda") != ag.device("cuda:0")  # PyTorch compares the index, None included
    assert len({ag.device("cpu"), ag.device("cpu"), ag.device("cpu:0")}) == 2


def test_item(backend) -> None:
    assert ag.tensor([[2.5]]).item() == 2.5
    assert type(ag.tensor(3).item()) is int
    assert type(ag.tensor(3.0).item()) is float
    assert ag.tensor(True).item() is True
    with pytest.raises(RuntimeError, match="2 elements"):
        ag.tensor([1.0, 2.0]).item()


def test_python_scalar_conversions(backend) -> None:
    assert float(ag.tensor(2.5)) == 2.5
    assert int(ag.tensor([7])) == 7
    assert bool(ag.tensor([0.0])) is False
    assert format(ag.tensor(2.5), ".2f") == "2.50"
    assert [10, 20, 30][ag.tensor(1)] == 20
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(ag.tensor([1.0, 1.0]))
    with pytest.raises(TypeError):
        [1, 2][ag.tensor(1.0)]


def test_tolist(backend) -> None:
    assert ag.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert ag.tensor(2.5).tolist() == 2.5
    assert ag.zeros(0).tolist() == []


def test_iteration(backend) -> None:
    x = ag.tensor([[1, 2], [3, 4]])
    rows = list(x)
    assert [r.tolist() for r in rows] == [[1, 2], [3, 4]]
    with pytest.raises(TypeError, match="0-d"):
        iter(ag.tensor(1.0))


def test_numpy(backend) -> None:
    x = ag.tensor([1.0, 2.0], dtype=ag.float64)
    arr = x.numpy()
    assert isinstance(arr, np.ndarray) and arr.dtype == np.float64
    assert arr.tolist() == [1.0, 2.0]
    assert np.asarray(x).tolist() == [1.0, 2.0]


def test_numpy_refuses_a_tensor_that_requires_grad(backend) -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"detach\(\)"):
        x.numpy()
    with pytest.raises(RuntimeError, match=r"detach\(\)"):
        (x * 2).numpy()
    assert x.detach().numpy().tolist() == [1.0, 2.0]


def test_numpy_array_on_the_left_of_an_operator_defers_to_the_tensor(backend) -> None:
    # without __array_ufunc__ = None numpy would build an object array of tensors
    x = ag.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="arraygrad.tensor"):
        np.array([1.0, 2.0]) * x


def test_tensor_constructor_is_the_legacy_one() -> None:
    # Tensor(data) is PyTorch's legacy constructor (default float dtype); tests/core/test_legacy.py covers it
    assert ag.Tensor([1, 2]).dtype is ag.float32


# ---------------------------------------------------------------------- repr


@pytest.mark.parametrize(
    "data",
    [
        [1.0, 2.0],
        [1.5, 2.25],
        [1e-5, 1.0],
        [1e10, 1.0],
        [[1, 2], [3, 4]],
        [[1.5, -2.0], [3.0, 4.0]],
        [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]],
        [-1.0, 0.5],
        2.5,
        [True, False],
        [0.1, 0.2, 0.3],
        list(range(10)),
    ],
    ids=repr,
)
def test_repr_matches_pytorch(backend, data) -> None:
    torch = pytest.importorskip("torch")
    assert repr(ag.tensor(data)) == repr(torch.tensor(data))


@pytest.mark.parametrize("dtype", ["int32", "float64", "uint8", "int16"])
def test_repr_names_non_default_dtypes(backend, dtype) -> None:
    torch = pytest.importorskip("torch")
    ours = repr(ag.tensor([1, 2], dtype=dtype))
    assert ours == repr(torch.tensor([1, 2], dtype=getattr(torch, dtype))).replace("torch.", "arraygrad.")


def test_repr_autograd_suffixes(backend) -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert repr(x + 0) == "tensor([1., 2.], grad_fn=<AddBackward0>)"
    assert repr(x.detach()) == "tensor([1., 2.])"
    with ag.no_grad():
        assert repr(x * 1) == "tensor([1., 2.])"


def test_repr_names_a_backend_other_than_the_default(backend) -> None:
    other = "numpy" if backend != "numpy" else "jax"
    assert repr(ag.tensor([1.0, 2.0], backend=other)) == f"tensor([1., 2.], backend='{other}')"
    assert repr(ag.tensor([1.0, 2.0])) == "tensor([1., 2.])"


def test_repr_of_empty_and_large_tensors(backend) -> None:
    torch = pytest.importorskip("torch")
    assert repr(ag.zeros(0, 3)) == repr(torch.zeros(0, 3))
    assert repr(ag.ones(1001, 3)) == repr(torch.ones(1001, 3))
    assert "..." in repr(ag.arange(5000))


@pytest.mark.parametrize("data", [[-0.0001234, 100.5], [float("nan"), 1.0, float("inf")]], ids=repr)
def test_repr_matches_pytorch_for_wide_ranges_and_non_finite(backend, data) -> None:
    torch = pytest.importorskip("torch")
    assert repr(ag.tensor(data)) == repr(torch.tensor(data))


def test_tensors_pickle_with_dtype_and_requires_grad(backend) -> None:
    import pickle

    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = pickle.loads(pickle.dumps(x))
    assert y.backend.name == backend and y.dtype == x.dtype and y.requires_grad and y.is_leaf
    assert y.tolist() == x.tolist()
    v = pickle.loads(pickle.dumps(x.detach()[:, 1]))  # a view pickles as its own values
    assert v.tolist() == [2.0, 4.0] and not v.requires_grad
    p = pickle.loads(pickle.dumps(ag.nn.Parameter(ag.ones(2))))
    assert type(p) is ag.nn.Parameter and p.requires_grad
