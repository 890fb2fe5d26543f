"""Dropout: elementwise and whole-channel."""

from __future__ import annotations

import warnings

from arraygrad.core import argtypes as _argtypes
from arraygrad.core import dtypes, ops
from arraygrad.core.conv import scalar_name
from arraygrad.core.random import rand
from arraygrad.core.tensor import Tensor
from arraygrad.nn.functional._utils import _inplace_result

__all__ = [
    "dropout", "dropout1d", "dropout2d", "dropout3d",
]

# Masks come from the seeded generator (``ag.manual_seed``), so the same seed drops the same
# elements on every backend; kept elements are scaled by 1 / (1 - p).


def _check_p(p: float, op: str) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(input: Tensor, mask_shape: tuple[int, ...], p: float) -> Tensor:  # noqa: A002
    """``1 / (1 - p)`` where an element is kept (probability ``1 - p``), else 0, in the input's dtype."""
    draw_dtype = input.dtype if input.dtype in (dtypes.float32, dtypes.float64) else dtypes.float32
    u = rand(mask_shape, dtype=draw_dtype, backend=input._backend)
    scale = 1.0 / (1.0 - p) if p < 1.0 else 0.0
    # the kept mask times the scale in the input's dtype (where() of two Python scalars would
    # give the default float dtype and round 1 / (1 - p) to float32)
    return ops.mul(ops.ge(u, p).to(input.dtype), scale)


def _apply_mask(input: Tensor, mask_shape: tuple[int, ...], p: float, inplace: bool, name: str) -> Tensor:  # noqa: A002
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            f"{name.rstrip('_')}: result type Float can't be cast to the desired output type "
            f"{scalar_name(input.dtype)} (dropout needs a floating input, got {input.dtype.name})"
        )
    mask = _keep_mask(input, mask_shape, p)
    if inplace:
        return _inplace_result(input, lambda x: ops.mul(x, mask), name)
    return ops.mul(input, mask)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero elements with probability ``p``, scaling the rest by ``1 / (1 - p)``, as ``torch.nn.functional.dropout``.

    The mask comes from the seeded generator (``manual_seed``), so a seed drops the same elements on every backend;
    ``p == 1`` zeroes everything.

    Args:
        input: a floating tensor of any shape.
        p: the probability of zeroing an element, in ``[0, 1]`` (default 0.5).
        training: apply dropout; when False the input itself is returned (default True).
        inplace: overwrite ``input`` with the result and return it (default False).

    Returns:
        A tensor of the input's shape and dtype; ``input`` itself when not ``training``, when
        ``p == 0``, for an empty input, or with ``inplace``.

    Raises:
        ValueError: ``p`` outside ``[0, 1]``.
        RuntimeError: ``input`` is not floating point (when elements are dropped), or ``inplace`` on a leaf tensor
            that requires grad (or a view of one) while grad mode is on.
    """
    _check_p(p, "dropout")
    if not training or p == 0.0 or input.numel() == 0:
        return input
    return _apply_mask(input, tuple(input.shape), p, inplace, "dropout_")


def _feature_dropout(input: Tensor, p: float, training: bool, inplace: bool, batched: bool, name: str) -> Tensor:  # noqa: A002
    """Drop whole channels: one draw per (sample, channel), broadcast over the spatial dims."""
    if not training or p == 0.0 or input.numel() == 0:
        return input
    lead = input.shape[:2] if batched else (1, input.shape[0])
    mask_shape = tuple(lead) + (1,) * (input.ndim - (2 if batched else 1))
    if not batched:
        mask_shape = mask_shape[1:]
    return _apply_mask(input, mask_shape, p, inplace, name)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero whole channels of a 1-d signal with probability ``p``, as ``torch.nn.functional.dropout1d``.

    Each channel of each sample is zeroed with probability ``p`` (one draw per channel, shared along ``L``) and the
    kept ones are scaled by ``1 / (1 - p)``.

    Args:
        input: a floating ``(N, C, L)`` or unbatched ``(C, L)`` tensor.
        p: the probability of zeroing a channel, in ``[0, 1]`` (default 0.5).
        training: apply dropout; when False the input itself is returned (default True).
        inplace: overwrite ``input`` with the result and return it (default False).

    Returns:
        A tensor of the input's shape and dtype; ``input`` itself when not ``training``, when
        ``p == 0``, for an empty input, or with ``inplace``.

    Raises:
        ValueError: ``p`` outside ``[0, 1]``.
        RuntimeError: ``input`` not 2-d or 3-d, not floating point (when channels are dropped), or ``inplace`` on a
            leaf tensor that requires grad (or a view of one) while grad mode is on.
    """
    _check_p(p, "dropout1d")
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input of shape {tuple(input.shape)}. "
            "Note that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a "
            "channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs)."
        )
    return _feature_dropout(input, p, training, inplace, input.ndim == 3, "dropout1d_")


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero whole channels of a 2-d signal with probability ``p``, as ``torch.nn.functional.dropout2d``.

    Each channel of each sample of ``(N, C, H, W)`` is zeroed with probability ``p`` (one draw per channel, shared
    along the spatial dims) and the kept ones are scaled by ``1 / (1 - p)``. As PyTorch, with the same warnings, a 3-d
    input is taken as ``(N, C, L)`` (1-d channel dropout), and inputs of other ranks drop the channels of dim 1.

    Args:
        input: a floating ``(N, C, H, W)`` tensor (see above for other ranks).
        p: the probability of zeroing a channel, in ``[0, 1]`` (default 0.5).
        training: apply dropout; when False the input itself is returned (default True).
        inplace: overwrite ``input`` with the result and return it (default False).

    Returns:
        A tensor of the input's shape and dtype; ``input`` itself when not ``training``, when
        ``p == 0``, for an empty input, or with ``inplace``.

    Raises:
        ValueError: ``p`` outside ``[0, 1]``.
        RuntimeError: ``input`` with fewer than 2 dims, not floating point (when channels are dropped), or ``inplace``
            on a leaf tensor that requires grad (or a view of one) while grad mode is on.
    """
    _check_p(p, "dropout2d")
    if input.ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and will result in an "
            "error in a future release. To retain the behavior and silence this warning, please use dropout "
            "instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 spatial "
            "dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
            stacklevel=2,
        )
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior is "
            "desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior will "
            "change in a future release to interpret the input as one without a batch dimension, i.e. shape "
            "(C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2,
        )
    if input.ndim < 2:
        raise RuntimeError(f"dropout2d: expected an input with a channel dim, got shape {tuple(input.shape)}")
    return _feature_dropout(input, p, training, inplace, True, "dropout2d_")


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero whole channels of a 3-d signal with probability ``p``, as ``torch.nn.functional.dropout3d``.

    Each channel of each sample is zeroed with probability ``p`` (one draw per channel, shared along the spatial dims)
    and the kept ones are scaled by ``1 / (1 - p)``.

    Args:
        input: a floating ``(N, C, D, H, W)`` or unbatched ``(C, D, H, W)`` tensor.
        p: the probability of zeroing a channel, in ``[0, 1]`` (default 0.5).
        training: apply dropout; when False the input itself is returned (default True).
        inplace: overwrite ``input`` with the result and return it (default False).

    Returns:
        A tensor of the input's shape and dtype; ``input`` itself when not ``training``, when
        ``p == 0``, for an empty input, or with ``inplace``.

    Raises:
        ValueError: ``p`` outside ``[0, 1]``.
        RuntimeError: ``input`` not 4-d or 5-d, not floating point (when channels are dropped), or ``inplace`` on a
            leaf tensor that requires grad (or a view of one) while grad mode is on.
    """
    _check_p(p, "dropout3d")
    if input.ndim not in (4, 5):
        raise RuntimeError(f"dropout3d: expected a 4-d or 5-d input, got shape {tuple(input.shape)}")
    return _feature_dropout(input, p, training, inplace, input.ndim == 5, "dropout3d_")


# PyTorch's TypeError for a list, None or number where a Tensor goes (core/argtypes.py)
_argtypes.install(globals(), __all__)
