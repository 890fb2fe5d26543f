"""Bad arguments to the nn functional ops and layers raise as PyTorch does, on every backend.

Each case below is a call PyTorch refuses (or, for a few, accepts): it is run on real PyTorch
(the oracle) and on arraygrad, on each backend. arraygrad must raise the same exception type
as PyTorch, from its own code (the last traceback frame is not inside numpy, jax or
array_api_strict), with a message that names the operation, and the same message on every
backend. Where PyTorch accepts a call, arraygrad must accept it too and give the same shape
(and warn where PyTorch warns).
"""

from __future__ import annotations

import traceback
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import arraygrad as ag
from tests.helpers import BACKENDS

_R = np.random.default_rng(0)


def f32(*s: int) -> np.ndarray:
    return _R.standard_normal(s).astype(np.float32)


def f64(*s: int) -> np.ndarray:
    return _R.standard_normal(s)


def i64(*s: int, hi: int = 3) -> np.ndarray:
    return _R.integers(0, hi, s)


def half(*s: int) -> np.ndarray:
    return np.full(s, 0.5, np.float32)


class Case:
    """One call, written once for both libraries: ``fn(m)`` with ``m`` torch or arraygrad;
    ``op`` is a word the error message must contain (the operation's name)."""

    def __init__(self, fn: Callable[[Any], Any], op: str) -> None:
        self.fn, self.op = fn, op


def F(m: Any) -> Any:  # noqa: N802
    return m.nn.functional


CASES: dict[str, Case] = {
    # ------------------------------------------------------------ mixed dtypes
    "linear_float64_input": Case(lambda m: F(m).linear(m.tensor(f64(2, 3)), m.tensor(f32(4, 3))), "linear"),
    "linear_int_input": Case(lambda m: F(m).linear(m.tensor(i64(2, 3)), m.tensor(f32(4, 3))), "linear"),
    "linear_float64_bias": Case(
        lambda m: F(m).linear(m.tensor(f32(2, 3)), m.tensor(f32(4, 3)), m.tensor(f64(4))), "linear"),
    "linear_layer_float64_input": Case(lambda m: m.nn.Linear(3, 4)(m.tensor(f64(2, 3))), "linear"),
    "bilinear_mixed_dtype": Case(
        lambda m: F(m).bilinear(m.tensor(f64(2, 3)), m.tensor(f64(2, 4)), m.tensor(f32(5, 3, 4))), "bilinear"),
    "conv1d_float64_input": Case(lambda m: F(m).conv1d(m.tensor(f64(1, 3, 5)), m.tensor(f32(2, 3, 3))), "conv1d"),
    "conv2d_float64_input": Case(
        lambda m: F(m).conv2d(m.tensor(f64(1, 3, 5, 5)), m.tensor(f32(2, 3, 3, 3))), "conv2d"),
    "conv2d_int_input": Case(lambda m: F(m).conv2d(m.tensor(i64(1, 3, 5, 5)), m.tensor(f32(2, 3, 3, 3))), "conv2d"),
    "conv2d_float64_bias": Case(
        lambda m: F(m).conv2d(m.tensor(f32(1, 3, 5, 5)), m.tensor(f32(2, 3, 3, 3)), m.tensor(f64(2))), "conv2d"),
    "conv3d_float64_input": Case(
        lambda m: F(m).conv3d(m.tensor(f64(1, 3, 4, 4, 4)), m.tensor(f32(2, 3, 3, 3, 3))), "conv3d"),
    "conv_transpose2d_float64_input": Case(
        lambda m: F(m).conv_transpose2d(m.tensor(f64(1, 3, 5, 5)), m.tensor(f32(3, 2, 3, 3))), "conv_transpose2d"),
    "conv_transpose2d_float64_bias_accepted": Case(
        lambda m: F(m).conv_transpose2d(m.tensor(f32(1, 3, 5, 5)), m.tensor(f32(3, 2, 3, 3)), m.tensor(f64(2))),
        "conv_transpose2d"),
    "conv2d_layer_float64_input": Case(lambda m: m.nn.Conv2d(3, 2, 3)(m.tensor(f64(1, 3, 5, 5))), "conv2d"),
    "softmax_int": Case(lambda m: F(m).softmax(m.tensor(i64(2, 3)), dim=1), "softmax"),
    "log_softmax_int": Case(lambda m: F(m).log_softmax(m.tensor(i64(2, 3)), dim=1), "log_softmax"),
    "softmax_int_with_dtype_accepted": Case(
        lambda m: F(m).softmax(m.tensor(i64(2, 3)), dim=1, dtype=m.float64), "softmax"),
    "softmax_to_int_dtype": Case(lambda m: F(m).softmax(m.tensor(f32(2, 3)), dim=1, dtype=m.int64), "softmax"),
    "cross_entropy_int32_target": Case(
        lambda m: F(m).cross_entropy(m.tensor(f32(4, 3)), m.tensor(i64(4).astype(np.int32))), "cross_entropy"),
    "cross_entropy_uint8_target_accepted": Case(
        lambda m: F(m).cross_entropy(m.tensor(f32(4, 3)), m.tensor(i64(4).astype(np.uint8))), "cross_entropy"),
    "nll_loss_int32_target": Case(
        lambda m: F(m).nll_loss(m.tensor(f32(4, 3)), m.tensor(i64(4).astype(np.int32))), "nll_loss"),
    "nll_loss_float_target": Case(
        lambda m: F(m).nll_loss(m.tensor(f32(4, 3)), m.tensor(np.array([0.0, 1, 2, 0], np.float32))), "nll_loss"),
    "cross_entropy_float_index_target": Case(
        lambda m: F(m).cross_entropy(m.tensor(f32(4, 3)), m.tensor(np.array([0.0, 1, 2, 0], np.float32))),
        "cross_entropy"),
    "cross_entropy_int_probabilities": Case(
        lambda m: F(m).cross_entropy(m.tensor(f32(2, 3)), m.tensor(i64(2, 3))), "cross_entropy"),
    "cross_entropy_int_input": Case(lambda m: F(m).cross_entropy(m.tensor(i64(4, 3)), m.tensor(i64(4))),
                                    "cross_entropy"),
    "nll_loss_float64_weight": Case(
        lambda m: F(m).nll_loss(m.tensor(f32(2, 3)), m.tensor(i64(2)), weight=m.tensor(f64(3))), "nll_loss"),
    "binary_cross_entropy_float64_target": Case(
        lambda m: F(m).binary_cross_entropy(m.tensor(half(4)), m.tensor(np.full(4, 0.5))), "binary_cross_entropy"),
    "binary_cross_entropy_int_target": Case(
        lambda m: F(m).binary_cross_entropy(m.tensor(half(4)), m.tensor(np.array([0, 1, 1, 0]))),
        "binary_cross_entropy"),
    "binary_cross_entropy_shape": Case(
        lambda m: F(m).binary_cross_entropy(m.tensor(half(4, 1)), m.tensor(half(4))), "binary_cross_entropy"),
    "bce_loss_layer_shape": Case(lambda m: m.nn.BCELoss()(m.tensor(half(4, 1)), m.tensor(half(4))),
                                 "binary_cross_entropy"),
    "bce_with_logits_shape": Case(
        lambda m: F(m).binary_cross_entropy_with_logits(m.tensor(f32(4, 1)), m.tensor(half(4))),
        "binary_cross_entropy_with_logits"),
    "mse_loss_broadcast_warns": Case(lambda m: F(m).mse_loss(m.tensor(f32(4, 1)), m.tensor(f32(4))), "mse_loss"),
    "mse_loss_no_broadcast": Case(lambda m: F(m).mse_loss(m.tensor(f32(4, 3)), m.tensor(f32(4, 2))), "mse_loss"),
    "huber_loss_no_broadcast": Case(lambda m: F(m).huber_loss(m.tensor(f32(2, 3)), m.tensor(f32(2, 4))),
                                    "huber_loss"),
    "kl_div_no_broadcast": Case(
        lambda m: F(m).kl_div(m.tensor(f32(2, 3)), m.tensor(f32(2, 4)), reduction="batchmean"), "kl_div"),
    "mse_loss_int": Case(lambda m: F(m).mse_loss(m.tensor(i64(2, 3)), m.tensor(i64(2, 3))), "mse_loss"),
    "multihead_attention_float64_input": Case(
        lambda m: m.nn.MultiheadAttention(4, 2)(*(m.tensor(f64(3, 2, 4)),) * 3), "linear"),
    "sdpa_mixed_dtype": Case(
        lambda m: F(m).scaled_dot_product_attention(m.tensor(f32(2, 3, 4)), m.tensor(f64(2, 3, 4)),
                                                    m.tensor(f32(2, 3, 4))), "scaled_dot_product_attention"),
    # ------------------------------------------------------------ convolution arguments
    "conv1d_stride_0": Case(lambda m: F(m).conv1d(m.tensor(f32(1, 3, 5)), m.tensor(f32(2, 3, 3)), stride=0),
                            "conv1d"),
    "conv2d_stride_0": Case(
        lambda m: F(m).conv2d(m.tensor(f32(1, 3, 5, 5)), m.tensor(f32(2, 3, 3, 3)), stride=0), "conv2d"),
    "conv2d_stride_negative": Case(
        lambda m: F(m).conv2d(m.tensor(f32(1, 3, 5, 5)), m.tensor(f32(2, 3, 3, 3)), stride=-1), "conv2d"),
    "conv2d_stride_wrong_length": Case(
        lambda m: F(m).conv2d(m.tensor(f32(1, 3, 8, 8)), m.tensor(f32(8, 3, 3, 3)), stride=(1, 1, 1)), "conv2d"),
    "conv2d_dilation_0": Case(
        lambda m: F(m).conv2d(m.tensor(f32(1, 3, 5, 5)), m.tensor(f32(2, 3, 3, 3)), dilation=0), "conv2d"),
    "conv3d_dilation_0": Case(
        lambda m: F(m).conv3d(m.tensor(f32(1, 3, 5, 5, 5)), m.tensor(f32(2, 3, 3, 3, 3)), dilation=0), "conv3d"),
    "conv2d_padding_negative": Case(
        lambda m: F(m).conv2d(m.tensor(f32(1, 3, 5, 5)), m.tensor(f32(2, 3, 3, 3)), padding=-1), "conv2d"),
    "conv2d_kernel_larger_than_input": Case(
        lambda m: F(m).conv2d(m.tensor(f32(1, 3, 2, 2)), m.tensor(f32(2, 3, 3, 3))), "conv2d"),
    "conv2d_groups_not_dividing": Case(
        lambda m: F(m).conv2d(m.tensor(f32(1, 4, 5, 5)), m.tensor(f32(3, 2, 3, 3)), groups=2), "conv2d"),
    "conv2d_groups_0": Case(
        lambda m: F(m).conv2d(m.tensor(f32(1, 4, 5, 5)), m.tensor(f32(3, 2, 3, 3)), groups=0), "conv2d"),
    "conv2d_input_rank": Case(lambda m: F(m).conv2d(m.tensor(f32(2, 3)), m.tensor(f32(8, 3, 3, 3))), "conv2d"),
    "conv2d_channels": Case(lambda m: F(m).conv2d(m.tensor(f32(1, 4, 8, 8)), m.tensor(f32(8, 3, 3, 3))), "conv2d"),
    "conv2d_channels_unbatched": Case(
        lambda m: F(m).conv2d(m.tensor(f32(4, 8, 8)), m.tensor(f32(8, 3, 3, 3))), "conv2d"),
    "conv2d_bias_shape": Case(
        lambda m: F(m).conv2d(m.tensor(f32(1, 3, 8, 8)), m.tensor(f32(8, 3, 3, 3)), m.tensor(f32(7))), "conv2d"),
    "conv_transpose2d_stride_0": Case(
        lambda m: F(m).conv_transpose2d(m.tensor(f32(1, 3, 5, 5)), m.tensor(f32(3, 2, 3, 3)), stride=0),
        "conv_transpose2d"),
    "conv_transpose2d_padding_negative": Case(
        lambda m: F(m).conv_transpose2d(m.tensor(f32(1, 3, 5, 5)), m.tensor(f32(3, 2, 3, 3)), padding=-1),
        "conv_transpose2d"),
    "conv_transpose2d_dilation_0": Case(
        lambda m: F(m).conv_transpose2d(m.tensor(f32(1, 3, 5, 5)), m.tensor(f32(3, 2, 3, 3)), dilation=0),
        "conv_transpose2d"),
    "conv_transpose2d_output_padding_negative": Case(
        lambda m: F(m).conv_transpose2d(m.tensor(f32(1, 3, 5, 5)), m.tensor(f32(3, 2, 3, 3)), output_padding=-1),
        "conv_transpose2d"),
    "conv_transpose2d_groups_not_dividing": Case(
        lambda m: F(m).conv_transpose2d(m.tensor(f32(1, 3, 5, 5)), m.tensor(f32(3, 2, 3, 3)), groups=2),
        "conv_transpose2d"),
    "conv_transpose2d_channels": Case(
        lambda m: F(m).conv_transpose2d(m.tensor(f32(1, 4, 5, 5)), m.tensor(f32(3, 2, 3, 3))), "conv_transpose2d"),
    # ------------------------------------------------------------ pooling, unfold, fold
    "max_pool1d_stride_0": Case(lambda m: F(m).max_pool1d(m.tensor(f32(1, 3, 5)), 2, stride=0), "max_pool1d"),
    "max_pool2d_stride_0": Case(lambda m: F(m).max_pool2d(m.tensor(f32(1, 3, 5, 5)), 2, stride=0), "max_pool2d"),
    "max_pool2d_stride_negative": Case(
        lambda m: F(m).max_pool2d(m.tensor(f32(1, 3, 5, 5)), 2, stride=-1), "max_pool2d"),
    "max_pool3d_stride_0": Case(
        lambda m: F(m).max_pool3d(m.tensor(f32(1, 3, 5, 5, 5)), 2, stride=0), "max_pool3d"),
    "max_pool2d_kernel_0": Case(lambda m: F(m).max_pool2d(m.tensor(f32(1, 3, 5, 5)), 0), "max_pool2d"),
    "max_pool2d_padding_negative": Case(
        lambda m: F(m).max_pool2d(m.tensor(f32(1, 3, 5, 5)), 2, padding=-1), "max_pool2d"),
    "max_pool2d_padding_too_large": Case(
        lambda m: F(m).max_pool2d(m.tensor(f32(1, 3, 5, 5)), 2, padding=2), "max_pool2d"),
    "max_pool2d_dilation_0": Case(lambda m: F(m).max_pool2d(m.tensor(f32(1, 3, 5, 5)), 2, dilation=0),
                                  "max_pool2d"),
    "max_pool2d_input_too_small": Case(lambda m: F(m).max_pool2d(m.tensor(f32(1, 3, 2, 2)), 3), "max_pool2d"),
    "max_pool2d_kernel_wrong_length": Case(
        lambda m: F(m).max_pool2d(m.tensor(f32(1, 3, 5, 5)), (2, 2, 2)), "max_pool2d"),
    "max_pool2d_layer_stride_0": Case(lambda m: m.nn.MaxPool2d(2, stride=0)(m.tensor(f32(1, 3, 4, 4))),
                                      "max_pool2d"),
    "avg_pool1d_stride_0": Case(lambda m: F(m).avg_pool1d(m.tensor(f32(1, 3, 5)), 2, stride=0), "avg_pool1d"),
    "avg_pool2d_stride_0": Case(lambda m: F(m).avg_pool2d(m.tensor(f32(1, 3, 5, 5)), 2, stride=0), "avg_pool2d"),
    "avg_pool3d_stride_0": Case(
        lambda m: F(m).avg_pool3d(m.tensor(f32(1, 3, 5, 5, 5)), 2, stride=0), "avg_pool3d"),
    "avg_pool2d_kernel_negative": Case(lambda m: F(m).avg_pool2d(m.tensor(f32(1, 3, 5, 5)), -1), "avg_pool2d"),
    "avg_pool2d_padding_negative": Case(
        lambda m: F(m).avg_pool2d(m.tensor(f32(1, 3, 5, 5)), 2, padding=-1), "avg_pool2d"),
    "avg_pool2d_input_too_small": Case(lambda m: F(m).avg_pool2d(m.tensor(f32(1, 3, 2, 2)), 3), "avg_pool2d"),
    "avg_pool2d_divisor_0": Case(
        lambda m: F(m).avg_pool2d(m.tensor(f32(1, 3, 4, 4)), 2, divisor_override=0), "avg_pool2d"),
    "avg_pool2d_input_rank": Case(lambda m: F(m).avg_pool2d(m.tensor(f32(2, 3)), 2), "avg_pool2d"),
    "unfold_stride_0": Case(lambda m: F(m).unfold(m.tensor(f32(1, 3, 5, 5)), 2, stride=0), "unfold"),
    "unfold_kernel_0": Case(lambda m: F(m).unfold(m.tensor(f32(1, 3, 5, 5)), 0), "unfold"),
    "unfold_dilation_0": Case(lambda m: F(m).unfold(m.tensor(f32(1, 3, 5, 5)), 2, dilation=0), "unfold"),
    "unfold_padding_negative": Case(lambda m: F(m).unfold(m.tensor(f32(1, 3, 5, 5)), 2, padding=-1), "unfold"),
    "unfold_kernel_larger_than_input": Case(lambda m: F(m).unfold(m.tensor(f32(1, 3, 2, 2)), 3), "unfold"),
    "fold_stride_0": Case(lambda m: F(m).fold(m.tensor(f32(1, 12, 16)), (5, 5), 2, stride=0), "fold"),
    "fold_kernel_0": Case(lambda m: F(m).fold(m.tensor(f32(1, 12, 16)), (5, 5), 0), "fold"),
    "fold_padding_negative": Case(lambda m: F(m).fold(m.tensor(f32(1, 12, 16)), (5, 5), 2, padding=-1), "fold"),
    "fold_wrong_blocks": Case(lambda m: F(m).fold(m.tensor(f32(1, 12, 15)), (5, 5), 2), "fold"),
    "adaptive_avg_pool2d_negative": Case(
        lambda m: F(m).adaptive_avg_pool2d(m.tensor(f32(1, 3, 5, 5)), -1), "adaptive_avg_pool2d"),
    "adaptive_avg_pool2d_zero_accepted": Case(
        lambda m: F(m).adaptive_avg_pool2d(m.tensor(f32(1, 3, 5, 5)), 0), "adaptive_avg_pool2d"),
    "adaptive_avg_pool2d_wrong_length": Case(
        lambda m: F(m).adaptive_avg_pool2d(m.tensor(f32(1, 3, 5, 5)), (2, 2, 2)), "adaptive_avg_pool2d"),
    "adaptive_avg_pool2d_empty_input": Case(
        lambda m: F(m).adaptive_avg_pool2d(m.tensor(f32(1, 3, 0, 5)), 2), "adaptive_avg_pool2d"),
    "adaptive_max_pool2d_negative": Case(
        lambda m: F(m).adaptive_max_pool2d(m.tensor(f32(1, 3, 5, 5)), (2, -1)), "adaptive_max_pool2d"),
    "adaptive_max_pool2d_zero_accepted": Case(
        lambda m: F(m).adaptive_max_pool2d(m.tensor(f32(1, 3, 5, 5)), 0), "adaptive_max_pool2d"),
    "adaptive_max_pool2d_wrong_length": Case(
        lambda m: F(m).adaptive_max_pool2d(m.tensor(f32(1, 3, 5, 5)), (2, 2, 2)), "adaptive_max_pool2d"),
    # ------------------------------------------------------------ linear shapes
    "linear_weight_shape": Case(lambda m: F(m).linear(m.tensor(f32(2, 3)), m.tensor(f32(5, 4))), "linear"),
    "linear_weight_shape_3d_input": Case(lambda m: F(m).linear(m.tensor(f32(2, 5, 3)), m.tensor(f32(4, 2))),
                                         "linear"),
    "linear_bias_shape": Case(lambda m: F(m).linear(m.tensor(f32(2, 3)), m.tensor(f32(4, 3)), m.tensor(f32(5))),
                              "linear"),
    "linear_bias_2d": Case(
        lambda m: F(m).linear(m.tensor(f32(2, 3)), m.tensor(f32(4, 3)), m.tensor(f32(3, 4))), "linear"),
    "linear_weight_3d": Case(lambda m: F(m).linear(m.tensor(f32(2, 3)), m.tensor(f32(4, 3, 1))), "linear"),
    "linear_0d_input": Case(lambda m: F(m).linear(m.tensor(np.float32(1.0)), m.tensor(f32(4, 3))), "linear"),
    "bilinear_input_size": Case(
        lambda m: F(m).bilinear(m.tensor(f32(2, 3)), m.tensor(f32(2, 4)), m.tensor(f32(5, 3, 3))), "bilinear"),
    # ------------------------------------------------------------ normalization
    "batch_norm_running_mean_size": Case(
        lambda m: F(m).batch_norm(m.tensor(f32(2, 3, 4)), m.tensor(np.zeros(4, np.float32)),
                                  m.tensor(np.ones(4, np.float32))), "batch_norm"),
    "batch_norm_weight_size": Case(
        lambda m: F(m).batch_norm(m.tensor(f32(2, 3, 4)), None, None, weight=m.tensor(f32(4)), training=True),
        "batch_norm"),
    "batch_norm_layer_channels": Case(lambda m: m.nn.BatchNorm2d(4)(m.tensor(f32(2, 3, 4, 4))), "batch_norm"),
    "batch_norm_layer_rank": Case(lambda m: m.nn.BatchNorm2d(3)(m.tensor(f32(2, 3, 4))), "BatchNorm2d"),
    "layer_norm_shape": Case(lambda m: F(m).layer_norm(m.tensor(f32(2, 3, 4)), (3,)), "layer_norm"),
    "layer_norm_weight_shape": Case(
        lambda m: F(m).layer_norm(m.tensor(f32(2, 3, 4)), (4,), weight=m.tensor(f32(3))), "layer_norm"),
    "layer_norm_layer_shape": Case(lambda m: m.nn.LayerNorm(5)(m.tensor(f32(2, 3, 4))), "layer_norm"),
    "instance_norm_no_spatial_dims": Case(lambda m: F(m).instance_norm(m.tensor(f32(2, 3))), "instance_norm"),
    "instance_norm_1d_input": Case(lambda m: F(m).instance_norm(m.tensor(f32(3))), "instance_norm"),
    "group_norm_groups": Case(lambda m: F(m).group_norm(m.tensor(f32(2, 6, 4)), 4), "group_norm"),
    "group_norm_weight_size": Case(
        lambda m: F(m).group_norm(m.tensor(f32(2, 6, 4)), 3, weight=m.tensor(f32(5))), "group_norm"),
    "group_norm_layer_channels": Case(lambda m: m.nn.GroupNorm(2, 6)(m.tensor(f32(2, 4, 3))), "group_norm"),
    # ------------------------------------------------------------ embedding, one_hot, interpolate, dropout
    "one_hot_negative": Case(lambda m: F(m).one_hot(m.tensor(np.array([0, -1, 2])), 3), "one_hot"),
    "one_hot_too_large": Case(lambda m: F(m).one_hot(m.tensor(np.array([0, 3, 2])), 3), "one_hot"),
    "embedding_bag_mode": Case(
        lambda m: F(m).embedding_bag(m.tensor(np.array([[0, 1]])), m.tensor(f32(3, 2)), mode="median"),
        "embedding_bag"),
    "embedding_bag_offsets_2d": Case(
        lambda m: F(m).embedding_bag(m.tensor(np.array([0, 1, 2])), m.tensor(f32(3, 2)), m.tensor(np.array([[0]]))),
        "embedding_bag"),
    "embedding_bag_per_sample_weights_shape": Case(
        lambda m: F(m).embedding_bag(m.tensor(np.array([[0, 1]])), m.tensor(f32(3, 2)),
                                     per_sample_weights=m.tensor(f32(3))), "embedding_bag"),
    "interpolate_size_negative": Case(
        lambda m: F(m).interpolate(m.tensor(f32(1, 3, 4, 4)), size=(-1, 2)), "interpolate"),
    "interpolate_scale_factor_0": Case(
        lambda m: F(m).interpolate(m.tensor(f32(1, 3, 4, 4)), scale_factor=0.0), "interpolate"),
    "interpolate_scale_factor_negative": Case(
        lambda m: F(m).interpolate(m.tensor(f32(1, 3, 4, 4)), scale_factor=-2.0), "interpolate"),
    "interpolate_size_wrong_length": Case(
        lambda m: F(m).interpolate(m.tensor(f32(1, 3, 4, 4)), size=(2, 2, 2)), "spatial dimensions"),
    "interpolate_mode": Case(lambda m: F(m).interpolate(m.tensor(f32(1, 3, 4, 4)), size=2, mode="foo"),
                             "interpolate"),
    "dropout_p_above_1": Case(lambda m: F(m).dropout(m.tensor(f32(3)), p=1.5), "dropout"),
    "dropout_p_negative": Case(lambda m: F(m).dropout(m.tensor(f32(3)), p=-0.1), "dropout"),
    "dropout2d_p_above_1": Case(lambda m: F(m).dropout2d(m.tensor(f32(1, 3, 2, 2)), p=1.5), "dropout"),
    "dropout_layer_p": Case(lambda m: m.nn.Dropout(1.5), "dropout"),
    # ------------------------------------------------------------ argument types and other kinds
    "conv2d_list_input": Case(lambda m: F(m).conv2d([[1.0, 2.0]], m.tensor(f32(2, 3, 3, 3))), "input"),
    "cross_entropy_none_target": Case(lambda m: F(m).cross_entropy(m.tensor(f32(2, 3)), None), "target"),
    "linear_list_bias": Case(lambda m: F(m).linear(m.tensor(f32(2, 3)), m.tensor(f32(4, 3)), [1.0] * 4), "bias"),
    "conv2d_float_groups": Case(
        lambda m: F(m).conv2d(m.tensor(f32(1, 2, 5, 5)), m.tensor(f32(4, 1, 3, 3)), groups=2.5), "groups"),
    "max_pool2d_float_kernel": Case(lambda m: F(m).max_pool2d(m.tensor(f32(1, 3, 5, 5)), (2.5, 2)), "kernel_size"),
    "layer_norm_float_shape": Case(lambda m: F(m).layer_norm(m.tensor(f32(2, 3)), (2.5,)), "normalized_shape"),
    "interpolate_float_size": Case(lambda m: F(m).interpolate(m.tensor(f32(1, 3, 4)), size=2.5), "size"),
    "gelu_int": Case(lambda m: F(m).gelu(m.tensor(i64(2, 3))), "gelu"),
    "silu_int": Case(lambda m: F(m).silu(m.tensor(i64(2, 3))), "silu"),
    "elu_int": Case(lambda m: F(m).elu(m.tensor(i64(2, 3))), "elu"),
    "layer_norm_int": Case(lambda m: F(m).layer_norm(m.tensor(i64(2, 3)), (3,)), "layer_norm"),
    "batch_norm_float64_running_mean": Case(
        lambda m: F(m).batch_norm(m.tensor(f32(2, 3)), m.tensor(np.zeros(3)), m.tensor(np.ones(3))), "batch_norm"),
    "dropout_int": Case(lambda m: F(m).dropout(m.tensor(i64(2, 3))), "dropout"),
    "normalize_int": Case(lambda m: F(m).normalize(m.tensor(i64(2, 3))), "normalize"),
    "hardtanh_min_above_max": Case(lambda m: F(m).hardtanh(m.tensor(f32(3)), 7.0, 2.0), "hardtanh"),
    "adaptive_max_pool2d_int": Case(lambda m: F(m).adaptive_max_pool2d(m.tensor(i64(1, 3, 4, 4)), 2),
                                    "adaptive_max_pool2d"),
    "adaptive_avg_pool2d_1d_input": Case(
        lambda m: F(m).adaptive_avg_pool2d(m.tensor(f32(3)), (2, 2)), "adaptive_avg_pool2d"),
    "bilinear_1d_weight": Case(
        lambda m: F(m).bilinear(m.tensor(f32(2, 3)), m.tensor(f32(2, 3)), m.tensor(f32(3))), "bilinear"),
    "cross_entropy_label_smoothing_2": Case(
        lambda m: F(m).cross_entropy(m.tensor(f32(2, 3)), m.tensor(i64(2)), label_smoothing=2.0), "label_smoothing"),
    "cross_entropy_0d_target_batched": Case(
        lambda m: F(m).cross_entropy(m.tensor(f32(2, 3)), m.tensor(np.array(0))), "batch_size"),
    "nll_loss_1d_input_long_target": Case(
        lambda m: F(m).nll_loss(m.tensor(f32(3)), m.tensor(np.array([0, 1]))), "nll_loss"),
    "nll_loss_spatial_target_size": Case(
        lambda m: F(m).nll_loss(m.tensor(f32(2, 3, 4)), m.tensor(i64(2, 5))), "nll_loss"),
    "smooth_l1_negative_beta": Case(
        lambda m: F(m).smooth_l1_loss(m.tensor(f32(3)), m.tensor(f32(3)), beta=-1.0), "beta"),
    "margin_ranking_loss_dims": Case(
        lambda m: F(m).margin_ranking_loss(m.tensor(f32(3, 2)), m.tensor(f32(3)), m.tensor(f32(3))),
        "margin_ranking_loss"),
    "multilabel_margin_loss_shape": Case(
        lambda m: F(m).multilabel_margin_loss(m.tensor(f32(2, 3)), m.tensor(i64(2, 4))), "multilabel_margin_loss"),
    "binary_cross_entropy_out_of_range": Case(
        lambda m: F(m).binary_cross_entropy(m.tensor(np.full(3, 2.0, np.float32)), m.tensor(half(3))),
        "binary_cross_entropy"),
    "embedding_1d_weight": Case(lambda m: F(m).embedding(m.tensor(np.array([0, 1])), m.tensor(f32(3))), "embedding"),
    "unfold_1d_input": Case(lambda m: F(m).unfold(m.tensor(f32(3)), 2), "unfold"),
    # ------------------------------------------------------------ layers built with bad arguments
    "linear_layer_negative_features": Case(lambda m: m.nn.Linear(-1, 3), "negative dimension"),
    "conv2d_layer_groups": Case(lambda m: m.nn.Conv2d(3, 8, 3, groups=2), "groups"),
    "conv2d_layer_groups_0": Case(lambda m: m.nn.Conv2d(3, 8, 3, groups=0), "groups"),
    "conv2d_layer_negative_channels": Case(lambda m: m.nn.Conv2d(-3, 8, 3), "negative dimension"),
    "conv2d_layer_padding_mode": Case(lambda m: m.nn.Conv2d(3, 8, 3, padding_mode="foo"), "padding_mode"),
    "conv2d_layer_padding_string": Case(lambda m: m.nn.Conv2d(3, 8, 3, padding="foo"), "padding"),
    "conv2d_layer_same_with_stride": Case(lambda m: m.nn.Conv2d(3, 8, 3, padding="same", stride=2), "same"),
    "conv_transpose2d_layer_groups": Case(lambda m: m.nn.ConvTranspose2d(3, 8, 3, groups=2), "groups"),
    "group_norm_layer_groups": Case(lambda m: m.nn.GroupNorm(4, 6), "num_groups"),
    "multihead_attention_heads": Case(lambda m: m.nn.MultiheadAttention(5, 2), "num_heads"),
}

_FOREIGN = ("numpy", "jax", "array_api_strict", "site-packages")


def _outcome(lib: Any, case: Case) -> tuple[type[BaseException] | None, str, Any, list[str]]:
    """(exception type or None, message, result or the last traceback frame's file, warnings)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = case.fn(lib)
        except Exception as exc:  # noqa: BLE001 -- the exception is what the test compares
            frames = traceback.extract_tb(exc.__traceback__)
            return type(exc), str(exc), frames[-1].filename if frames else "", [str(w.message) for w in caught]
    return None, "", result, [str(w.message) for w in caught]


def _shape(result: Any) -> Any:
    if isinstance(result, (tuple, list)):
        return [_shape(r) for r in result]
    return tuple(result.shape) if hasattr(result, "shape") else None


#: every case on numpy and strict; every fifth (and the float64 ones) on jax, which compiles
#: each new shape
_ON_JAX = set(list(CASES)[::5]) | {n for n in CASES if "float64" in n}
_PARAMS = [pytest.param(b, n, id=f"{b}-{n}") for n in CASES for b in BACKENDS if b != "jax" or n in _ON_JAX]


@pytest.mark.parametrize("backend, name", _PARAMS, indirect=["backend"])
def test_raises_as_pytorch(backend: str, name: str, torch: Any) -> None:
    case = CASES[name]
    t_type, t_msg, t_result, t_warned = _outcome(torch, case)
    a_type, a_msg, a_result, a_warned = _outcome(ag, case)
    expected = t_type
    if expected is None:
        assert a_type is None, f"PyTorch accepts this call; arraygrad raised {a_type.__name__}: {a_msg}"
        assert _shape(a_result) == _shape(t_result)
        assert bool(a_warned) == bool(t_warned), f"warnings: PyTorch {t_warned}, arraygrad {a_warned}"
        return
    assert a_type is not None, f"PyTorch raises {expected.__name__}({t_msg!r}); arraygrad accepted the call"
    assert a_type is expected, f"PyTorch raises {expected.__name__}({t_msg!r}); arraygrad {a_type.__name__}({a_msg!r})"
    assert not any(part in a_result for part in _FOREIGN), f"raised inside a backend library: {a_result}: {a_msg}"
    assert case.op.lower().replace("_", "") in a_msg.lower().replace("_", ""), f"the message does not name {case.op!r}: {a_msg!r}"


@pytest.mark.parametrize("name", [n for n in CASES if n in _ON_JAX])
def test_same_message_on_every_backend(name: str) -> None:
    messages = {}
    for backend in ("numpy", "strict", "jax"):
        with ag.use_backend(backend):
            kind, message, _, _ = _outcome(ag, CASES[name])
            messages[backend] = (kind, message)
    assert len(set(messages.values())) == 1, messages


@pytest.mark.parametrize("backend", ["numpy", "strict"], indirect=True)
def test_integer_softmax_with_dtype_matches_pytorch(backend: str, torch: Any) -> None:
    x = i64(2, 5, hi=7)
    ours = ag.nn.functional.log_softmax(ag.tensor(x), dim=1, dtype=ag.float64)
    theirs = torch.nn.functional.log_softmax(torch.tensor(x), dim=1, dtype=torch.float64)
    assert ours.dtype is ag.float64
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


@pytest.mark.parametrize("backend", ["numpy", "strict"], indirect=True)
def test_empty_adaptive_pool_keeps_the_graph(backend: str) -> None:
    x = ag.tensor(f32(1, 2, 4, 4), requires_grad=True)
    for out in (ag.nn.functional.adaptive_avg_pool2d(x, (0, 2)), ag.nn.functional.adaptive_max_pool2d(x, 0)):
        assert tuple(out.shape)[-2:] in ((0, 2), (0, 0))
        out.sum().backward()
        assert x.grad is not None and not np.any(x.grad.numpy())
        x.grad = None
