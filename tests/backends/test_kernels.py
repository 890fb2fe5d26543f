"""The kernels the array API standard lacks, on every backend: each adapter's override must give
what the reference (array-api-only) implementation gives, repeated indices included."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag

NAMES = ("numpy", "strict", "jax")


def _kernels(name):
    be = ag.backends.get(name)
    return be, be.xp


@pytest.mark.parametrize("name", NAMES)
def test_index_add_accumulates_repeated_indices(name) -> None:
    be, xp = _kernels(name)
    x = be.from_numpy(np.zeros((4, 2)))
    index = be.from_numpy(np.array([1, 3, 1, 1]))
    source = be.from_numpy(np.arange(8.0).reshape(4, 2))
    before = be.to_numpy(x).copy()
    out = be.to_numpy(be.index_add(x, 0, index, source))
    expected = np.zeros((4, 2))
    np.add.at(expected, [1, 3, 1, 1], np.arange(8.0).reshape(4, 2))
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(be.to_numpy(x), before)  # functional: the input is untouched
    out1 = be.to_numpy(
        be.index_add(be.from_numpy(np.zeros((2, 3))), 1, be.from_numpy(np.array([2, 2])), be.from_numpy(np.ones((2, 2))))
    )
    np.testing.assert_array_equal(out1, [[0.0, 0.0, 2.0], [0.0, 0.0, 2.0]])


@pytest.mark.parametrize("name", NAMES)
def test_getitem_grad_accumulates_repeated_indices(name) -> None:
    be, xp = _kernels(name)
    rows = be.from_numpy(np.array([0, 2, 0]))
    cols = be.from_numpy(np.array([1, 1, 1]))
    grad = be.from_numpy(np.array([1.0, 2.0, 4.0]))
    out = be.to_numpy(be.getitem_grad((3, 2), (rows, cols), grad))
    np.testing.assert_array_equal(out, [[0.0, 5.0], [0.0, 0.0], [0.0, 2.0]])
    basic = be.to_numpy(be.getitem_grad((3, 2), (slice(1, None), 0), be.from_numpy(np.array([7.0, 8.0]))))
    np.testing.assert_array_equal(basic, [[0.0, 0.0], [7.0, 0.0], [8.0, 0.0]])


@pytest.mark.parametrize("name", NAMES)
def test_setitem_is_functional(name) -> None:
    be, xp = _kernels(name)
    x = be.from_numpy(np.zeros(4))
    out = be.setitem(x, (be.from_numpy(np.array([3, 0])),), be.from_numpy(np.array([5.0, 6.0])))
    np.testing.assert_array_equal(be.to_numpy(out), [6.0, 0.0, 0.0, 5.0])
    np.testing.assert_array_equal(be.to_numpy(x), np.zeros(4))
    out2 = be.setitem(x, (slice(1, 3),), be.from_numpy(np.array([1.0, 2.0])))
    np.testing.assert_array_equal(be.to_numpy(out2), [0.0, 1.0, 2.0, 0.0])


@pytest.mark.parametrize("name", NAMES)
def test_random_bits_are_uint32_and_agree_with_the_reference(name) -> None:
    be, _ = _kernels(name)
    ref = ag.backends.get("strict")
    for n, counter in [(1, 0), (5, 3), (600, 2**32 - 7)]:  # 600: beyond jax's minimum padded size
        ours = be.to_numpy(be.random_bits((11, 22), counter, n))
        assert ours.dtype == np.uint32 and ours.shape == (n,)
        np.testing.assert_array_equal(ours, ref.to_numpy(ref.random_bits((11, 22), counter, n)))


@pytest.mark.parametrize("name", NAMES)
def test_host_round_trip_keeps_dtype(name) -> None:
    be, _ = _kernels(name)
    for dt in ("float32", "float64", "int32", "int64", "uint8", "bool"):
        src = np.arange(3).astype(dt)
        back = be.to_numpy(be.from_numpy(src))
        assert back.dtype == src.dtype and back.tolist() == src.tolist()
    assert be.device_of(be.from_numpy(np.zeros(1))) == "cpu"
