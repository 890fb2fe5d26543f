"""The reference backend: every kernel the array API standard lacks, written with standard ops only.

``Backend`` is the base class of every adapter. Its kernels use nothing but ``self.xp``, a
namespace of the array API standard, so they are the specification: the numpy, jax and cupy
adapters override a kernel only where a native path is faster, and the conformance suite
checks each override against the method defined here.

``StrictBackend`` runs this class on array-api-strict, which rejects anything outside the
standard; running the whole test suite on it proves that arraygrad's core only uses the
standard.

One submodule per part: ``backend`` (``Backend``: dtypes, devices, host transfer, memory layout),
whose bases are the kernel families ``indexing``, ``conv`` (convolution and pooling), ``random``,
``normalization``, ``recurrent`` (LSTM, GRU) and ``optimizer`` (update steps); ``strict``
(``StrictBackend``). Every name is importable from here.
"""

from __future__ import annotations

from arraygrad.backends.reference._types import (
    Array,
    Key,
)
from arraygrad.backends.reference.backend import (
    DTYPE_NAMES,
    FLOAT_NAMES,
    Backend,
    TracedValueError,
)
from arraygrad.backends.reference.conv import (
    ConvKernels,
    _channels_last_to_first,
    _col2im,
    _crop,
    _im2col,
    _offsets,
    _out_shape,
    _pad_value,
    _window_key,
)
from arraygrad.backends.reference.indexing import (
    IndexingKernels,
    _bools_to_ints,
    _drop_none,
    _expand_ellipsis,
    _expand_none,
    _is_array,
    _normalize_index,
    _put_last_wins,
    _without_none,
)
from arraygrad.backends.reference.normalization import (
    NormalizationKernels,
)
from arraygrad.backends.reference.optimizer import (
    OptimizerKernels,
)
from arraygrad.backends.reference.random import (
    _KEY_PARITY,
    _MASK32,
    _ROTATIONS,
    RandomKernels,
    threefry2x32,
)
from arraygrad.backends.reference.recurrent import (
    RecurrentKernels,
    _sigmoid,
)
from arraygrad.backends.reference.strict import (
    FLOATING_POINT_WARNINGS,
    StrictBackend,
    ignore_floating_point_warnings,
)

__all__ = [
    "Array", "Key", "DTYPE_NAMES", "FLOAT_NAMES", "threefry2x32", "TracedValueError", "Backend",
    "FLOATING_POINT_WARNINGS", "ignore_floating_point_warnings", "StrictBackend",
]
