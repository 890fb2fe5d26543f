"""The numpy backend's in-place, chunked Threefry kernel gives the reference's bits exactly."""

from __future__ import annotations

import numpy as np
import pytest

from arraygrad.backends.numpy import _THREEFRY_CHUNK, NumpyBackend
from arraygrad.backends.reference import Backend

KEY = (123456789, 987654321)


@pytest.mark.parametrize(
    ("counter", "n"),
    [
        (0, 0), (0, 1), (5, 7), (0, 2 * _THREEFRY_CHUNK + 3),       # empty, odd, several chunks
        ((1 << 32) - 3, 20),                                         # the low counter word wraps inside a chunk
        ((1 << 32) - _THREEFRY_CHUNK - 5, 4 * _THREEFRY_CHUNK),      # ... and at a chunk border
        ((7 << 32) + 123, 2 * _THREEFRY_CHUNK + 1), ((1 << 64) - 4, 6),
    ],
)
def test_numpy_random_bits_equal_the_reference(counter, n):
    backend = NumpyBackend()
    ours = backend.random_bits(KEY, counter, n)
    reference = Backend.random_bits(backend, KEY, counter, n)
    assert ours.dtype == np.uint32 and ours.shape == (n,)
    np.testing.assert_array_equal(ours, reference)
