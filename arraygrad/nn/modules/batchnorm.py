"""Batch and instance normalization: ``BatchNorm1d/2d/3d``, ``InstanceNorm1d/2d/3d``.

Parameters (``weight``, ``bias``), buffers (``running_mean``, ``running_var``,
``num_batches_tracked``), their state-dict keys, defaults and ``repr`` follow PyTorch. The
running statistics are updated in place without a graph (their storage is rebound, so a
``state_dict()`` taken earlier sees the new values, as in PyTorch).
"""

from __future__ import annotations

import warnings
from typing import Any

from arraygrad.core import creation, dtypes, shape
from arraygrad.core.autograd import no_grad
from arraygrad.core.tensor import Tensor
from arraygrad.nn import functional as F
from arraygrad.nn import init
from arraygrad.nn.modules.module import Module
from arraygrad.nn.parameter import Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]


class _NormBase(Module):
    """Parameters, buffers and ``repr`` shared by batch and instance normalization.

    Args:
        num_features: C, the channel count of the ``(N, C, *)`` input.
        eps: added to the variance before the square root.
        momentum: weight of the new batch in the running statistics' moving average; None
            for a cumulative (equal-weight) average over all batches seen.
        affine: learn a per-channel ``weight`` (init 1) and ``bias`` (init 0).
        track_running_stats: keep ``running_mean`` (init 0), ``running_var`` (init 1) and
            ``num_batches_tracked`` (int64 0-d) buffers and use them in eval mode; when False
            the buffers are None and batch statistics are always used.
        device: where to create parameters and statistics.
        dtype: the dtype of parameters and statistics.
        bias: (keyword) with ``affine``, whether to learn the bias.
    """

    _version = 2

    def __init__(
        self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
        track_running_stats: bool = True, device: Any = None, dtype: Any = None, *, bias: bool = True,
    ) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(creation.empty(num_features, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(creation.empty(num_features, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", creation.zeros(num_features, device=device, dtype=dtype))
            self.register_buffer("running_var", creation.ones(num_features, device=device, dtype=dtype))
            self.register_buffer("num_batches_tracked", creation.tensor(0, dtype=dtypes.int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches tracked."""
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input: Tensor) -> None:  # noqa: A002
        raise NotImplementedError

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )

    def _load_from_state_dict(self, state_dict: dict[str, Any], prefix: str, local_metadata: dict[str, Any],
                              strict: bool, missing_keys: list[str], unexpected_keys: list[str],
                              error_msgs: list[str]) -> None:
        # version 2 added num_batches_tracked: older checkpoints load with the current count
        version = local_metadata.get("version", None)
        key = prefix + "num_batches_tracked"
        if (version is None or version < 2) and self.track_running_stats and key not in state_dict:
            state_dict[key] = self.num_batches_tracked
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)


class _BatchNorm(_NormBase):
    _dims: tuple[int, ...] = ()

    def _check_input_dim(self, input: Tensor) -> None:  # noqa: A002
        name = type(self).__name__
        if input.ndim not in self._dims:
            want = " or ".join(f"{d}D" for d in self._dims)
            raise ValueError(f"{name}: expected {want} input (got {input.ndim}D input of shape {tuple(input.shape)})")

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Normalise ``input`` per channel with batch or running statistics.

        Args:
            input: a floating ``(N, C, *)`` tensor with the dims the subclass accepts.

        Returns:
            A tensor of the input's shape.

        Raises:
            ValueError: an input with another number of dims than the layer accepts, or a single
                value per channel in training mode.
            RuntimeError: a channel count other than ``num_features``, or parameters or buffers of
                another dtype than the input.
            NotImplementedError: ``input`` is not floating point.
        """
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.item())
        # batch statistics in training, and in eval when there are no running statistics
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        track = not self.training or self.track_running_stats
        return F._batch_norm(
            input, self.running_mean if track else None, self.running_var if track else None, self.weight,
            self.bias, use_batch_stats, factor, self.eps, type(self).__name__,
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalization of ``(N, C)`` or ``(N, C, L)`` inputs, as ``torch.nn.BatchNorm1d``.

    Statistics are taken over N (and L). Training mode normalises each channel with the mean and
    biased variance of the batch and updates the running statistics in place with the batch mean and
    the *unbiased* variance (and ``num_batches_tracked`` by 1); eval mode normalises with the
    running statistics. The result is then scaled by ``weight`` and shifted by ``bias``, per
    channel.

    Args:
        num_features: C, the number of channels of the input.
        eps: added to the variance before its square root (default 1e-5).
        momentum: weight of the new statistics in the running averages'
            update ``running = (1 - momentum) * running + momentum * new``; None for a cumulative
            average with equal weights over all batches seen (default 0.1).
        affine: learn a per-channel ``weight`` (init 1) and ``bias`` (init 0) (default True).
        track_running_stats: keep the ``running_mean`` (init 0), ``running_var`` (init 1) and
            ``num_batches_tracked`` (int64 0-d) buffers; when False they are None and the
            statistics of the input are used in eval mode too (default True).
        device: where to create the parameters and buffers (default None: the default device).
        dtype: the dtype of the parameters and buffers (default None: the default dtype).
        bias: keyword-only; with ``affine``, whether to learn ``bias``, else it is None (default True).

    Shape:
        - Input: ``(N, C)`` or ``(N, C, L)``.
        - Output: the input's shape.

    Example:
        >>> import arraygrad as ag
        >>> bn = ag.nn.BatchNorm1d(2)
        >>> y = bn(ag.tensor([[1.0, 2.0], [3.0, 6.0]]))
        >>> y.round(decimals=3).tolist()
        [[-1.0, -1.0], [1.0, 1.0]]
        >>> bn.running_mean
        tensor([0.2000, 0.4000])
    """

    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization of ``(N, C, H, W)`` inputs, as ``torch.nn.BatchNorm2d``.

    Statistics are taken over N, H and W. Training mode normalises each channel with the mean and
    biased variance of the batch and updates the running statistics in place with the batch mean and
    the *unbiased* variance (and ``num_batches_tracked`` by 1); eval mode normalises with the
    running statistics. The result is then scaled by ``weight`` and shifted by ``bias``, per
    channel.

    Args:
        num_features: C, the number of channels of the input.
        eps: added to the variance before its square root (default 1e-5).
        momentum: weight of the new statistics in the running averages'
            update ``running = (1 - momentum) * running + momentum * new``; None for a cumulative
            average with equal weights over all batches seen (default 0.1).
        affine: learn a per-channel ``weight`` (init 1) and ``bias`` (init 0) (default True).
        track_running_stats: keep the ``running_mean`` (init 0), ``running_var`` (init 1) and
            ``num_batches_tracked`` (int64 0-d) buffers; when False they are None and the
            statistics of the input are used in eval mode too (default True).
        device: where to create the parameters and buffers (default None: the default device).
        dtype: the dtype of the parameters and buffers (default None: the default dtype).
        bias: keyword-only; with ``affine``, whether to learn ``bias``, else it is None (default True).

    Shape:
        - Input: ``(N, C, H, W)``.
        - Output: the input's shape.
    """

    _dims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalization of ``(N, C, D, H, W)`` inputs, as ``torch.nn.BatchNorm3d``.

    Statistics are taken over N, D, H and W. Training mode normalises each channel with the mean and
    biased variance of the batch and updates the running statistics in place with the batch mean and
    the *unbiased* variance (and ``num_batches_tracked`` by 1); eval mode normalises with the
    running statistics. The result is then scaled by ``weight`` and shifted by ``bias``, per
    channel.

    Args:
        num_features: C, the number of channels of the input.
        eps: added to the variance before its square root (default 1e-5).
        momentum: weight of the new statistics in the running averages'
            update ``running = (1 - momentum) * running + momentum * new``; None for a cumulative
            average with equal weights over all batches seen (default 0.1).
        affine: learn a per-channel ``weight`` (init 1) and ``bias`` (init 0) (default True).
        track_running_stats: keep the ``running_mean`` (init 0), ``running_var`` (init 1) and
            ``num_batches_tracked`` (int64 0-d) buffers; when False they are None and the
            statistics of the input are used in eval mode too (default True).
        device: where to create the parameters and buffers (default None: the default device).
        dtype: the dtype of the parameters and buffers (default None: the default dtype).
        bias: keyword-only; with ``affine``, whether to learn ``bias``, else it is None (default True).

    Shape:
        - Input: ``(N, C, D, H, W)``.
        - Output: the input's shape.
    """

    _dims = (5,)


class _InstanceNorm(_NormBase):
    _spatial = 0

    def __init__(
        self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = False,
        track_running_stats: bool = False, device: Any = None, dtype: Any = None, *, bias: bool = True,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Normalise each channel of each sample of ``input`` over its spatial dims.

        An input whose channel count is not ``num_features`` only warns when ``affine`` is False
        and there are no running statistics, as PyTorch.

        Args:
            input: a floating batched ``(N, C, *)`` or unbatched ``(C, *)`` tensor.

        Returns:
            A tensor of the input's shape.

        Raises:
            ValueError: an input with another number of dims than the layer accepts, a channel
                count other than ``num_features`` with ``affine``, or a single spatial element per
                channel when the input's statistics are used.
            RuntimeError: a channel count other than ``num_features`` with running statistics, or
                parameters or buffers of another dtype than the input.
            IndexError: an empty batch or channel dim.
            NotImplementedError: ``input`` is not floating point.
        """
        name = type(self).__name__
        nd = self._spatial
        if input.ndim not in (nd + 1, nd + 2):
            raise ValueError(f"{name}: expected {nd + 1}D or {nd + 2}D input (got {input.ndim}D input of shape "
                             f"{tuple(input.shape)})")
        feature_dim = input.ndim - nd - 1
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(
                    f"{name}: expected input's size at dim={feature_dim} to match num_features "
                    f"({self.num_features}), but got: {input.shape[feature_dim]} (input of shape {tuple(input.shape)})."
                )
            warnings.warn(
                f"input's size at dim={feature_dim} does not match num_features. You can silence this warning by "
                "not passing in num_features, which is not used because affine=False",
                stacklevel=2,
            )
        unbatched = input.ndim == nd + 1
        x = shape.unsqueeze(input, 0) if unbatched else input
        out = F.instance_norm(
            x, self.running_mean, self.running_var, self.weight, self.bias,
            self.training or not self.track_running_stats, self.momentum if self.momentum is not None else 0.0,
            self.eps,
        )
        return shape.squeeze(out, 0) if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization of ``(N, C, L)`` or unbatched ``(C, L)`` inputs, as ``torch.nn.InstanceNorm1d``.

    Each channel of each sample is normalised with its own mean and biased variance over the
    spatial dims, then scaled by ``weight`` and shifted by ``bias`` when ``affine``. With
    ``track_running_stats``, training mode also updates the running statistics in place (with the
    batch mean of the per-sample statistics) and eval mode normalises with them instead.

    Args:
        num_features: C, the number of channels of the input.
        eps: added to the variance before its square root (default 1e-5).
        momentum: weight of the new statistics in the running averages'
            update ``running = (1 - momentum) * running + momentum * new``; None for a cumulative
            average with equal weights over all batches seen (default 0.1).
        affine: learn a per-channel ``weight`` (init 1) and ``bias`` (init 0) (default False).
        track_running_stats: keep the ``running_mean`` (init 0), ``running_var`` (init 1) and
            ``num_batches_tracked`` (int64 0-d) buffers; when False they are None and the
            statistics of the input are used in eval mode too (default False).
        device: where to create the parameters and buffers (default None: the default device).
        dtype: the dtype of the parameters and buffers (default None: the default dtype).
        bias: keyword-only; with ``affine``, whether to learn ``bias``, else it is None (default True).

    Shape:
        - Input: ``(N, C, L)`` or ``(C, L)``.
        - Output: the input's shape.
    """

    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization of ``(N, C, H, W)`` or unbatched ``(C, H, W)`` inputs, as ``torch.nn.InstanceNorm2d``.

    Each channel of each sample is normalised with its own mean and biased variance over the
    spatial dims, then scaled by ``weight`` and shifted by ``bias`` when ``affine``. With
    ``track_running_stats``, training mode also updates the running statistics in place (with the
    batch mean of the per-sample statistics) and eval mode normalises with them instead.

    Args:
        num_features: C, the number of channels of the input.
        eps: added to the variance before its square root (default 1e-5).
        momentum: weight of the new statistics in the running averages'
            update ``running = (1 - momentum) * running + momentum * new``; None for a cumulative
            average with equal weights over all batches seen (default 0.1).
        affine: learn a per-channel ``weight`` (init 1) and ``bias`` (init 0) (default False).
        track_running_stats: keep the ``running_mean`` (init 0), ``running_var`` (init 1) and
            ``num_batches_tracked`` (int64 0-d) buffers; when False they are None and the
            statistics of the input are used in eval mode too (default False).
        device: where to create the parameters and buffers (default None: the default device).
        dtype: the dtype of the parameters and buffers (default None: the default dtype).
        bias: keyword-only; with ``affine``, whether to learn ``bias``, else it is None (default True).

    Shape:
        - Input: ``(N, C, H, W)`` or ``(C, H, W)``.
        - Output: the input's shape.
    """

    _spatial = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance normalization of ``(N, C, D, H, W)`` or unbatched ``(C, D, H, W)`` inputs, as ``torch.nn.InstanceNorm3d``.

    Each channel of each sample is normalised with its own mean and biased variance over the
    spatial dims, then scaled by ``weight`` and shifted by ``bias`` when ``affine``. With
    ``track_running_stats``, training mode also updates the running statistics in place (with the
    batch mean of the per-sample statistics) and eval mode normalises with them instead.

    Args:
        num_features: C, the number of channels of the input.
        eps: added to the variance before its square root (default 1e-5).
        momentum: weight of the new statistics in the running averages'
            update ``running = (1 - momentum) * running + momentum * new``; None for a cumulative
            average with equal weights over all batches seen (default 0.1).
        affine: learn a per-channel ``weight`` (init 1) and ``bias`` (init 0) (default False).
        track_running_stats: keep the ``running_mean`` (init 0), ``running_var`` (init 1) and
            ``num_batches_tracked`` (int64 0-d) buffers; when False they are None and the
            statistics of the input are used in eval mode too (default False).
        device: where to create the parameters and buffers (default None: the default device).
        dtype: the dtype of the parameters and buffers (default None: the default dtype).
        bias: keyword-only; with ``affine``, whether to learn ``bias``, else it is None (default True).

    Shape:
        - Input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``.
        - Output: the input's shape.
    """

    _spatial = 3
