"""Resampling layers: ``Upsample``, ``UpsamplingNearest2d``, ``UpsamplingBilinear2d`` (thin
wrappers of ``nn.functional.interpolate`` with PyTorch's arguments and ``repr``)."""

from __future__ import annotations

from typing import Any

from arraygrad.core.tensor import Tensor
from arraygrad.nn import functional as F
from arraygrad.nn.modules.module import Module

__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]


class Upsample(Module):
    """Resize ``(N, C, *spatial)`` inputs to ``size`` or by ``scale_factor``, as ``torch.nn.Upsample``.

    Args:
        size: output spatial size (int or tuple) (default None).
        scale_factor: spatial multiplier(s) (stored as floats) (default None).
        mode: ``'nearest'``, ``'nearest-exact'``, ``'linear'``, ``'bilinear'``, ``'trilinear'``
            or ``'area'`` (default ``'nearest'``).
        align_corners: for the linear modes, align the corner pixels of input and output
            instead of their edges (default None, which means False).
        recompute_scale_factor: compute the source positions from the output size instead of
            the given ``scale_factor`` (default None).
    """

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None, recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor: Any = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Resample the spatial dims of ``input`` with ``nn.functional.interpolate``.

        Args:
            input: a floating ``(N, C, *spatial)`` tensor with 1 to 3 spatial dims.

        Returns:
            ``(N, C, *out_spatial)``, with ``size`` or ``floor(spatial * scale_factor)``.

        Raises:
            ValueError: both or neither of ``size`` and ``scale_factor``, a ``size`` or
                ``scale_factor`` whose length is not the number of spatial dims, ``align_corners``
                with ``'nearest'``, ``'nearest-exact'`` or ``'area'``, or ``recompute_scale_factor``
                with ``size``.
            NotImplementedError: ``input`` not floating point, an unknown mode, or a mode that
                does not fit the input's dims.
            RuntimeError: an input or output spatial size below 1.
            TypeError: a ``size`` entry that is not an int.
        """
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Upsample ``(N, C, H, W)`` inputs by nearest-neighbour copying, as ``torch.nn.UpsamplingNearest2d``.

    It is ``Upsample(size, scale_factor, mode='nearest')``; give exactly one of ``size`` and
    ``scale_factor``.

    Args:
        size: the output size ``(H_out, W_out)``, or an int for both (default None).
        scale_factor: the multiplier of ``H`` and ``W``, a number or a pair (default None).

    Shape:
        - Input: ``(N, C, H, W)``.
        - Output: ``(N, C, H_out, W_out)``, with ``size`` or ``floor(H * scale_factor)`` and
          ``floor(W * scale_factor)``.

    Example:
        >>> import arraygrad as ag
        >>> up = ag.nn.UpsamplingNearest2d(scale_factor=2)
        >>> up(ag.tensor([[[[1.0, 2.0]]]])).tolist()
        [[[[1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 2.0, 2.0]]]]
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Upsample ``(N, C, H, W)`` inputs by bilinear interpolation with aligned corners, as ``torch.nn.UpsamplingBilinear2d``.

    It is ``Upsample(size, scale_factor, mode='bilinear', align_corners=True)``: the corner
    pixels of input and output coincide. Give exactly one of ``size`` and ``scale_factor``.

    Args:
        size: the output size ``(H_out, W_out)``, or an int for both (default None).
        scale_factor: the multiplier of ``H`` and ``W``, a number or a pair (default None).

    Shape:
        - Input: ``(N, C, H, W)``.
        - Output: ``(N, C, H_out, W_out)``, with ``size`` or ``floor(H * scale_factor)`` and
          ``floor(W * scale_factor)``.

    Example:
        >>> import arraygrad as ag
        >>> up = ag.nn.UpsamplingBilinear2d(size=(1, 3))
        >>> up(ag.tensor([[[[0.0, 2.0]]]])).tolist()
        [[[[0.0, 1.0, 2.0]]]]
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
