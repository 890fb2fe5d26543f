"""Tensor creation: dtype inference, copies vs shared memory, factory functions and their kwargs."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from tests.helpers import assert_close

# ---------------------------------------------------------------------- tensor(): dtype inference


@pytest.mark.parametrize(
    ("data", "dtype", "shape"),
    [
        ([1.0, 2.0], ag.float32, (2,)),
        ([1, 2.5], ag.float32, (2,)),  # one float makes the whole tensor float
        ([[1, 2], [3, 4]], ag.int64, (2, 2)),
        ([True, False], ag.bool, (2,)),
        ([True, 2], ag.int64, (2,)),
        (3.0, ag.float32, ()),
        (7, ag.int64, ()),
        ([], ag.float32, (0,)),
    ],
)
def test_tensor_infers_dtype_like_pytorch(backend, data, dtype, shape) -> None:
    t = ag.tensor(data)
    assert t.dtype is dtype
    assert t.shape == shape
    assert t.tolist() == data
    assert t.backend.name == backend


@pytest.mark.parametrize("np_dtype", ["int32", "int64", "float64", "float32", "uint8", "bool"])
def test_tensor_from_numpy_array_keeps_its_dtype(backend, np_dtype) -> None:
    src = np.arange(4).astype(np_dtype)
    t = ag.tensor(src)
    assert t.dtype.name == np_dtype
    assert t.numpy().tolist() == src.tolist()


def test_default_dtype_float64_changes_inference(backend) -> None:
    ag.set_default_dtype(ag.float64)
    assert ag.tensor([1.5]).dtype is ag.float64
    assert ag.zeros(2).dtype is ag.float64
    assert ag.tensor([1]).dtype is ag.int64
    with pytest.raises(TypeError, match="floating"):
        ag.set_default_dtype(ag.int32)


@pytest.mark.parametrize("spec", ["float64", ag.float64, ag.double])
def test_dtype_argument_spellings(backend, spec) -> None:
    t = ag.tensor([1, 2], dtype=spec)
    assert t.dtype is ag.float64
    assert t.tolist() == [1.0, 2.0]


def test_python_types_as_dtype(backend) -> None:
    assert ag.tensor([1, 2], dtype=float).dtype is ag.float32
    assert ag.tensor([1.7], dtype=int).dtype is ag.int64
    assert ag.tensor([0, 2], dtype=bool).tolist() == [False, True]


def test_tensor_copies_its_source(backend) -> None:
    # many sizes: whether a library can alias a buffer may depend on its alignment
    for n in range(1, 40):
        src = np.arange(float(n))
        t = ag.tensor(src)
        src[0] = 100.0
        assert t.tolist()[0] == 0.0, f"size {n}: the tensor aliases its source"
    # from another tensor: a new storage, not an alias, and no autograd history
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor(a)
    assert not b.requires_grad
    b.add_(1.0)
    assert a.tolist() == [1.0, 2.0]


def test_tensor_from_other_libraries_arrays(backend) -> None:
    import jax.numpy as jnp

    t = ag.tensor(jnp.asarray([1.0, 2.0], dtype=jnp.float64))
    assert t.dtype is ag.float64 and t.tolist() == [1.0, 2.0] and t.backend.name == backend


@pytest.mark.filterwarnings("ignore:You are comparing a array_api_strict dtype")
def test_tensor_from_strict_array(backend) -> None:
    import array_api_strict as xps

    s = ag.tensor(xps.asarray([3, 4], dtype=xps.int32))
    assert s.dtype is ag.int32 and s.tolist() == [3, 4] and s.backend.name == backend


def test_tensor_from_list_of_tensors(backend) -> None:
    t = ag.tensor([ag.tensor(1.5), ag.tensor(2.5)])
    assert t.tolist() == [1.5, 2.5]
    assert t.dtype is ag.float32


def test_tensor_requires_grad_makes_a_leaf(backend) -> None:
    t = ag.tensor([1.0], requires_grad=True)
    assert t.requires_grad and t.is_leaf and t.grad is None and t.grad_fn is None


def test_integer_tensor_cannot_require_grad(backend) -> None:
    with pytest.raises(RuntimeError, match="floating point"):
        ag.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        ag.arange(3).requires_grad_()


# ---------------------------------------------------------------------- as_tensor / from_numpy


def test_as_tensor_returns_the_same_tensor_when_nothing_changes(backend) -> None:
    t = ag.tensor([1.0, 2.0])
    assert ag.as_tensor(t) is t
    converted = ag.as_tensor(t, dtype=ag.float64)
    assert converted is not t and converted.dtype is ag.float64
    assert ag.as_tensor([1, 2]).dtype is ag.int64


def test_as_tensor_moves_backend() -> None:
    t = ag.tensor([1.0, 2.0], backend="numpy")
    moved = ag.as_tensor(t, backend="strict")
    assert moved.backend.name == "strict"
    assert moved.tolist() == [1.0, 2.0]


def test_from_numpy_shares_memory_on_numpy() -> None:
    src = np.array([1.0, 2.0, 3.0])
    t = ag.from_numpy(src, backend="numpy")
    assert t.dtype is ag.float64
    src[1] = -5.0
    assert t.tolist() == [1.0, -5.0, 3.0]


def test_from_numpy_shares_memory_both_ways() -> None:
    # as in PyTorch: writes into the array show in the tensor and in-place tensor ops in the array
    src = np.zeros(3)
    t = ag.from_numpy(src, backend="numpy")
    src[1] = 2.0
    assert t.tolist() == [0.0, 2.0, 0.0]
    t.add_(1)
    t[0] = 5.0
    assert src.tolist() == [5.0, 3.0, 1.0]
    src[2] = -1.0
    assert t.tolist() == [5.0, 3.0, -1.0]


def test_from_numpy_on_every_backend(backend) -> None:
    src = np.array([[1, 2], [3, 4]], dtype=np.int32)
    t = ag.from_numpy(src)
    assert t.backend.name == backend
    assert t.dtype is ag.int32
    assert t.tolist() == [[1, 2], [3, 4]]


def test_from_numpy_rejects_non_arrays() -> None:
    with pytest.raises(TypeError, match="numpy.ndarray"):
        ag.from_numpy([1, 2, 3])


# ---------------------------------------------------------------------- factories


def test_zeros_ones_full_empty(backend) -> None:
    assert ag.zeros(2, 3).tolist() == [[0.0] * 3] * 2
    assert ag.ones((2, 3)).shape == (2, 3)
    assert ag.ones([2, 3]).tolist() == [[1.0] * 3] * 2
    assert ag.zeros(2).dtype is ag.float32
    assert ag.empty(4, 2).shape == (4, 2)
    assert ag.zeros(0, 3).shape == (0, 3)
    assert ag.zeros(()).shape == ()
    assert ag.full((2,), 7).dtype is ag.int64
    assert ag.full((2,), 7.0).dtype is ag.float32
    assert ag.full((2,), True).dtype is ag.bool
    assert ag.full((2, 2), 1.5, dtype=ag.float64).tolist() == [[1.5, 1.5], [1.5, 1.5]]


def test_factory_kwargs(backend) -> None:
    t = ag.ones(2, dtype=ag.float64, requires_grad=True)
    assert t.dtype is ag.float64 and t.requires_grad and t.is_leaf
    assert ag.zeros(2, dtype=ag.int32).dtype is ag.int32
    assert ag.zeros(2, device="cpu").backend.name == backend
    assert str(ag.zeros(2).device) == "cpu"


@pytest.mark.parametrize("other", ["numpy", "strict", "jax"])
def test_backend_and_device_kwargs_pick_the_backend(backend, other) -> None:
    assert ag.zeros(2, backend=other).backend.name == other
    assert ag.ones(2, device=other).backend.name == other
    assert ag.tensor([1.0], backend=other).backend.name == other
    assert ag.arange(3, backend=other).backend.name == other


def test_conflicting_backend_and_device_is_an_error() -> None:
    with pytest.raises(ValueError, match="conflicts"):
        ag.zeros(2, backend="numpy", device="jax")
    with pytest.raises(RuntimeError, match="device type at start of device string: tpu_nonsense"):  # PyTorch's error
        ag.zeros(2, device="tpu_nonsense")


def test_factories_reject_bad_sizes_and_dtypes(backend) -> None:
    with pytest.raises(RuntimeError, match="negative dimension"):
        ag.zeros(-1)
    with pytest.raises(RuntimeError, match="negative dimension"):
        ag.ones(2, -3)
    with pytest.raises(RuntimeError, match="negative dimension"):
        ag.full((-2,), 1.0)
    with pytest.raises(TypeError, match="not a dtype: 'float128'"):
        ag.zeros(2, dtype="float128")
    with pytest.raises(TypeError, match="not a dtype"):
        ag.tensor([1.0], dtype="flaot32")


@pytest.mark.parametrize("size", [2.7, "abc"])
def test_non_integer_sizes_are_type_errors(size) -> None:
    with pytest.raises(TypeError):
        ag.zeros(size)


def test_tensor_rejects_bad_data(backend) -> None:
    with pytest.raises(ValueError):
        ag.tensor([[1, 2], [3]])
    with pytest.raises(TypeError, match="object"):
        ag.tensor([object()])


def test_arange_against_torch(backend) -> None:
    torch = pytest.importorskip("torch")
    for args in [(5,), (2, 7), (10, 0, -3), (0, 5, 2)]:
        t = ag.arange(*args)
        assert t.dtype is ag.int64
        assert t.tolist() == torch.arange(*args).tolist()
    for args in [(1, 2, 0.25), (0.0, 1.0, 0.1), (0, 3.5), (1.0, -1.0, -0.5)]:
        t = ag.arange(*args)
        assert t.dtype is ag.float32
        assert_close(t, torch.arange(*args), rtol=1e-6, atol=1e-6)
    assert ag.arange(3, dtype=ag.float64).tolist() == [0.0, 1.0, 2.0]


def test_arange_errors(backend) -> None:
    with pytest.raises(RuntimeError, match="nonzero"):
        ag.arange(0, 5, 0)
    with pytest.raises(RuntimeError, match="sign"):
        ag.arange(0, 5, -1)


def test_linspace_and_eye_against_torch(backend) -> None:
    torch = pytest.importorskip("torch")
    for args in [(0, 1, 5), (-2.0, 3.0, 7), (1, 1, 1), (0, 1, 0), (5, 0, 6)]:
        assert_close(ag.linspace(*args), torch.linspace(*args), rtol=1e-6, atol=1e-6)
    assert ag.linspace(0, 1, 3).dtype is ag.float32
    assert ag.eye(3).tolist() == torch.eye(3).tolist()
    assert ag.eye(2, 4).tolist() == torch.eye(2, 4).tolist()
    assert ag.eye(2, dtype=ag.int64).dtype is ag.int64


def test_like_factories_follow_the_source_not_the_default(backend) -> None:
    src = ag.tensor([[1.0, 2.0]], dtype=ag.float64, backend="jax" if backend != "jax" else "numpy")
    for made in (ag.zeros_like(src), ag.ones_like(src), ag.empty_like(src), ag.full_like(src, 4)):
        assert made.backend is src.backend
        assert made.dtype is ag.float64
        assert made.shape == (1, 2)
    assert ag.ones_like(src).tolist() == [[1.0, 1.0]]
    assert ag.full_like(src, 4).tolist() == [[4.0, 4.0]]
    assert ag.zeros_like(src, dtype=ag.int32).dtype is ag.int32
    assert ag.zeros_like(src, backend=backend).backend.name == backend
    assert not ag.zeros_like(ag.ones(2, requires_grad=True)).requires_grad
    assert ag.zeros_like(src, requires_grad=True).requires_grad


def test_new_factories_inherit_dtype_and_backend(backend) -> None:
    src = ag.tensor([1.0], dtype=ag.float64)
    assert src.new_zeros(2, 2).dtype is ag.float64
    assert src.new_ones(3).tolist() == [1.0, 1.0, 1.0]
    assert src.new_full((2,), 2.5).tolist() == [2.5, 2.5]
    assert src.new_tensor([1, 2]).backend is src.backend


def test_tensor_from_a_writable_buffer_is_a_copy_of_its_byte_values() -> None:
    import torch

    buf = bytearray(b"abc")
    t = ag.tensor(buf)
    typed = ag.tensor(memoryview(buf), dtype=ag.uint8)
    expected = torch.tensor(bytearray(b"abc"))
    buf[0] = 0  # the tensors must not see it
    assert t.tolist() == expected.tolist() == [97, 98, 99]
    assert t.dtype == ag.int64 and str(expected.dtype) == "torch.int64"
    assert typed.tolist() == [97, 98, 99] and typed.dtype == ag.uint8
