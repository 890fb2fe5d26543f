"""``arraygrad.nn.functional``: functional forms of layers and activations.

Activations are composites of differentiable Tensor ops, so autograd derives their gradients
(and higher-order ones). ``inplace=True`` variants overwrite the input tensor with the result,
as in PyTorch; the composite is computed on a copy so that what its backward saved is not
modified.
"""

from __future__ import annotations

import math
import struct
import warnings
from typing import Any

from arraygrad.core import creation, dtypes, ops, shape
from arraygrad.core.autograd import no_grad
from arraygrad.core.conv import (
    _ConvParams,
    _tuple,
    adaptive_avg_poolnd,
    avg_poolnd,
    conv_transpose_raw,
    conv_transposend,
    convnd,
    max_poolnd,
)
from arraygrad.core.indexing import index_add, index_put, one_hot, take_along_dim
from arraygrad.core.methods import _check_inplace, _commit
from arraygrad.core.ops import log_softmax as _log_softmax
from arraygrad.core.ops import relu as _relu
from arraygrad.core.ops import sigmoid, softplus, tanh
from arraygrad.core.ops import softmax as _softmax
from arraygrad.core.random import rand
from arraygrad.core.shape import pad
from arraygrad.core.tensor import Tensor

__all__ = [
    "bilinear", "elu", "elu_", "gelu", "hardtanh", "hardtanh_", "leaky_relu", "leaky_relu_", "linear", "log_softmax",
    "mish", "one_hot", "pad", "relu", "relu6", "relu_", "sigmoid", "silu", "softmax", "softplus", "tanh",
    # convolution and pooling
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "unfold", "fold",
    "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d", "adaptive_avg_pool1d",
    "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
    # normalization and distances
    "batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm", "normalize", "cosine_similarity", "pairwise_distance",
    # dropout, embeddings, resampling
    "dropout", "dropout1d", "dropout2d", "dropout3d", "embedding", "embedding_bag", "interpolate", "upsample",
]


def _inplace_result(input: Tensor, fn: Any, name: str) -> Tensor:  # noqa: A002
    """Overwrite ``input`` with ``fn(copy of input)`` and return it (PyTorch's ``inplace=True``)."""
    _check_inplace(input)
    return _commit(input, fn(shape.clone(input)), name)


# ---------------------------------------------------------------------- linear layers


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input @ weight.T + bias``.

    Args:
        input: ``(*, in_features)``.
        weight: ``(out_features, in_features)`` (or ``(in_features,)`` for a single output).
        bias: ``(out_features,)`` or None.

    Returns:
        ``(*, out_features)``.
    """
    w = shape.transpose(weight, 0, 1) if weight.ndim == 2 else weight
    out = ops.matmul(input, w)
    return out if bias is None else ops.add(out, bias)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y[..., k] = input1 @ weight[k] @ input2 + bias[k]``.

    Args:
        input1: ``(*, in1_features)``; input2: ``(*, in2_features)`` with the same leading shape.
        weight: ``(out_features, in1_features, in2_features)``; bias: ``(out_features,)`` or None.

    Returns:
        ``(*, out_features)``.
    """
    out_f, in1, in2 = weight.shape
    lead = tuple(input1.shape[:-1])
    x1 = shape.reshape(input1, (-1, in1))
    x2 = shape.reshape(input2, (-1, 1, in2))
    # (N, in1) @ (in1, out * in2) -> (N, out, in2), then contract in2 with input2
    w = shape.reshape(shape.permute(weight, (1, 0, 2)), (in1, out_f * in2))
    tmp = shape.reshape(ops.matmul(x1, w), (-1, out_f, in2))
    out = ops.sum(ops.mul(tmp, x2), -1)
    if bias is not None:
        out = ops.add(out, bias)
    return shape.reshape(out, lead + (out_f,))


# ---------------------------------------------------------------------- activations


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``max(input, 0)``."""
    return input.relu_() if inplace else _relu(input)


def relu_(input: Tensor) -> Tensor:  # noqa: A002
    return input.relu_()


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input`` where positive, else ``negative_slope * input`` (gradient at 0: ``negative_slope``)."""
    if inplace:
        return _inplace_result(input, lambda x: leaky_relu(x, negative_slope), "leaky_relu_")
    return ops.where(ops.gt(input, 0), input, ops.mul(input, negative_slope))


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:  # noqa: A002
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input`` clamped to ``[min_val, max_val]``; like PyTorch the gradient is zero at the bounds."""
    if inplace:
        return _inplace_result(input, lambda x: hardtanh(x, min_val, max_val), "hardtanh_")
    inside = ops.logical_and(ops.gt(input, min_val), ops.lt(input, max_val))
    return ops.where(inside, input, ops.clamp(input.detach(), min_val, max_val))


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:  # noqa: A002
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``min(max(input, 0), 6)``."""
    return hardtanh(input, 0.0, 6.0, inplace)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input`` where positive, else ``alpha * (exp(input) - 1)``."""
    if inplace:
        return _inplace_result(input, lambda x: elu(x, alpha), "elu_")
    # NOTE: exp of the clamped input: exp(large x) in the unused branch would be inf, and
    # inf * 0 in its backward would turn the gradient into NaN.
    negative = ops.mul(ops.expm1(ops.clamp(input, max=0.0)), alpha)
    return ops.where(ops.gt(input, 0), input, negative)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    return elu(input, alpha, inplace=True)


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input * sigmoid(input)`` (swish)."""
    if inplace:
        return _inplace_result(input, silu, "silu_")
    return ops.mul(input, sigmoid(input))


def mish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input * tanh(softplus(input))``."""
    if inplace:
        return _inplace_result(input, mish, "mish_")
    return ops.mul(input, tanh(softplus(input)))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """Gaussian error linear unit ``input * Phi(input)``.

    Args:
        approximate: ``"none"`` (exact, through a float64-accurate erfc) or ``"tanh"``.

    Raises:
        ValueError: unknown ``approximate``.
    """
    if approximate == "tanh":
        inner = ops.mul(ops.add(input, ops.mul(ops.mul(ops.mul(input, input), input), 0.044715)), math.sqrt(2.0 / math.pi))
        return ops.mul(ops.mul(input, 0.5), ops.add(tanh(inner), 1.0))
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    # Phi(x) = erfc(-x / sqrt(2)) / 2: no cancellation in the negative tail, unlike 1 + erf(x / sqrt(2))
    return ops.mul(ops.mul(input, 0.5), _erfc(ops.mul(input, -math.sqrt(0.5))))


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:  # noqa: A002
    """``exp(input) / sum(exp(input), dim)``, numerically stable."""
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    return _softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:  # noqa: A002
    """``input - logsumexp(input, dim)``, numerically stable."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    return _log_softmax(input, dim, dtype=dtype)


def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


# ---------------------------------------------------------------------- erf, erfc, erfinv
# W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969),
# as in his SPECFUN routine CALERF: relative error below 1e-16 on the whole real line. Written
# with Tensor ops so that autograd differentiates them; each branch sees its input clamped to
# its own range, so the branches `where` does not pick stay finite (their zero gradient would
# otherwise be 0 * inf = NaN).

_ERF_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03,
          1.85777706184603153e-1)
_ERF_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03)
_ERF_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02,
          8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
          2.15311535474403846e-8)
_ERF_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
          3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03)
_ERF_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2,
          6.58749161529837803e-4, 1.63153871373020978e-2)
_ERF_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1, 6.05183413124413191e-2,
          2.33520497626869185e-3)
_ERF_SMALL = 0.46875  # below: erf by a rational function of x**2
_ERF_MID = 4.0  # below: erfc(x) = exp(-x**2) * rational(x); above: an asymptotic rational in 1 / x**2
_ERF_BIG = 27.0  # erfc(27) underflows float64; larger inputs are clamped here


def _exp_minus_square(y: Tensor) -> Tensor:
    """``exp(-y**2)`` with ``y**2`` split as ``t**2 + (y - t)(y + t)`` (``t`` = y rounded down to
    1/16), which keeps the rounding error of ``y**2`` out of the exponent, as Cody does."""
    t = ops.div(ops.floor(ops.mul(y, 16.0)), 16.0)
    rest = ops.mul(ops.sub(y, t), ops.add(y, t))
    return ops.mul(ops.exp(ops.neg(ops.mul(t, t))), ops.exp(ops.neg(rest)))


def _erf_parts(x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """``(erf(x) for |x| <= 0.46875, erfc(|x|) for larger |x|, mask of the first region)``."""
    ax = ops.abs(x)
    small = ops.le(ax, _ERF_SMALL)
    # |x| <= 0.46875: erf(x) = x * P(x^2) / Q(x^2)
    xs = ops.clamp(x, -_ERF_SMALL, _ERF_SMALL)
    z = ops.mul(xs, xs)
    num, den = ops.mul(z, _ERF_A[4]), z
    for i in range(3):
        num, den = ops.mul(ops.add(num, _ERF_A[i]), z), ops.mul(ops.add(den, _ERF_B[i]), z)
    erf_small = ops.div(ops.mul(xs, ops.add(num, _ERF_A[3])), ops.add(den, _ERF_B[3]))
    # 0.46875 < |x| <= 4: erfc(|x|) = exp(-x^2) * C(|x|) / D(|x|)
    ym = ops.clamp(ax, _ERF_SMALL, _ERF_MID)
    num, den = ops.mul(ym, _ERF_C[8]), ym
    for i in range(7):
        num, den = ops.mul(ops.add(num, _ERF_C[i]), ym), ops.mul(ops.add(den, _ERF_D[i]), ym)
    erfc_mid = ops.mul(_exp_minus_square(ym), ops.div(ops.add(num, _ERF_C[7]), ops.add(den, _ERF_D[7])))
    # |x| > 4: erfc(|x|) = exp(-x^2) / |x| * (1/sqrt(pi) - P(1/x^2) / Q(1/x^2) / x^2)
    yl = ops.clamp(ax, _ERF_MID, _ERF_BIG)
    z = ops.reciprocal(ops.mul(yl, yl))
    num, den = ops.mul(z, _ERF_P[5]), z
    for i in range(4):
        num, den = ops.mul(ops.add(num, _ERF_P[i]), z), ops.mul(ops.add(den, _ERF_Q[i]), z)
    tail = ops.div(ops.mul(z, ops.add(num, _ERF_P[4])), ops.add(den, _ERF_Q[4]))
    erfc_large = ops.mul(_exp_minus_square(yl), ops.div(ops.rsub(tail, 1.0 / math.sqrt(math.pi)), yl))
    erfc_abs = ops.where(ops.le(ax, _ERF_MID), erfc_mid, erfc_large)
    return erf_small, erfc_abs, small


def _erf(x: Tensor) -> Tensor:
    """The error function, differentiable (float64-accurate; see Cody above)."""
    erf_small, erfc_abs, small = _erf_parts(x)
    erf_big = ops.mul(ops.rsub(erfc_abs, 1.0), ops.sign(x.detach()))
    return ops.where(small, erf_small, erf_big)


def _erfc(x: Tensor) -> Tensor:
    """The complementary error function ``1 - erf(x)``, accurate in the tail."""
    erf_small, erfc_abs, small = _erf_parts(x)
    erfc_big = ops.where(ops.gt(x, 0), erfc_abs, ops.rsub(erfc_abs, 2.0))
    return ops.where(small, ops.rsub(erf_small, 1.0), erfc_big)


# M. Giles, "Approximating the erfinv function" (GPU Computing Gems, 2011): single-precision
# polynomials, refined by Newton steps on _erf to full precision.
_ERFINV_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
                   -0.00417768164, 0.246640727, 1.50140941)
_ERFINV_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
                0.00943887047, 1.00167406, 2.83297682)


def _erfinv(y: Tensor) -> Tensor:
    """The inverse error function on (-1, 1) (not differentiable through the Newton steps' choice;
    meant for sampling under ``no_grad``)."""
    w = ops.neg(ops.log(ops.mul(ops.rsub(y, 1.0), ops.add(y, 1.0))))
    wc = ops.sub(ops.clamp(w, max=5.0), 2.5)
    wt = ops.sub(ops.sqrt(ops.clamp(w, min=5.0)), 3.0)
    pc = ops.mul(ops.add(ops.mul(wc, 0.0), 1.0), _ERFINV_CENTRAL[0])
    pt = ops.mul(ops.add(ops.mul(wt, 0.0), 1.0), _ERFINV_TAIL[0])
    for a, b in zip(_ERFINV_CENTRAL[1:], _ERFINV_TAIL[1:]):
        pc = ops.add(ops.mul(pc, wc), a)
        pt = ops.add(ops.mul(pt, wt), b)
    x = ops.mul(ops.where(ops.lt(w, 5.0), pc, pt), y)
    for _ in range(2):
        step = ops.div(ops.sub(_erf(x), y), ops.mul(ops.exp(ops.neg(ops.mul(x, x))), 2.0 / math.sqrt(math.pi)))
        x = ops.sub(x, step)
    return x


# ---------------------------------------------------------------------- convolution
# The kernels and their gradients (of any order) live in core.conv; these add PyTorch's
# signatures and unbatched (C, *spatial) inputs. ``op`` names the caller in error messages
# (the modules pass their class name).


def _unbatched_call(input: Tensor, nd: int, op: str, fn: Any) -> Tensor:  # noqa: A002
    """``fn(input)`` on a batched input; an unbatched one gets a batch dim of 1 for the call."""
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"{op}: expected a {nd + 1}-d (unbatched) or {nd + 2}-d (batched) input, got input of shape "
            f"{tuple(input.shape)}"
        )
    if input.ndim == nd + 1:
        return shape.squeeze(fn(shape.unsqueeze(input, 0)), 0)
    return fn(input)


def _check_channels(input: Tensor, weight: Tensor, groups: int, nd: int, transposed: bool, op: str) -> None:  # noqa: A002
    """The channel check of core.conv, made here so that an unbatched input's own shape is reported."""
    if input.ndim == nd + 1 and weight.ndim == nd + 2 and groups > 0:
        expected = weight.shape[0] if transposed else weight.shape[1] * groups
        if input.shape[0] != expected:
            raise RuntimeError(
                f"{op}: unbatched input of shape {tuple(input.shape)} has {input.shape[0]} channels, but the weight "
                f"of shape {tuple(weight.shape)} with groups={groups} expects {expected}"
            )


def _conv(input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any, dilation: Any,  # noqa: A002
          groups: int, nd: int, op: str) -> Tensor:
    _check_channels(input, weight, groups, nd, False, op)
    return _unbatched_call(input, nd, op, lambda x: convnd(x, weight, bias, stride, padding, dilation, groups, nd, op))


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,  # noqa: A002
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-d convolution (cross-correlation, as PyTorch).

    Args:
        input: ``(N, C_in, L)`` or unbatched ``(C_in, L)``.
        weight: ``(C_out, C_in / groups, k)``; bias: ``(C_out,)`` or None.
        stride, dilation: int or 1-tuple.
        padding: int, 1-tuple, ``'valid'`` (none) or ``'same'`` (output length = input length;
            stride must be 1; any odd extra padding goes to the right, as PyTorch).
        groups: split the channels into this many independent convolutions.

    Returns:
        ``(N, C_out, L_out)`` (or ``(C_out, L_out)``).

    Raises:
        RuntimeError: wrong input dims, channel count not matching the weight and groups, a
            bias of the wrong shape, or an input smaller than the kernel.
        ValueError: bad padding string, or ``'same'`` with a stride.
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,  # noqa: A002
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-d convolution: ``input`` ``(N, C_in, H, W)`` or ``(C_in, H, W)``, ``weight``
    ``(C_out, C_in / groups, kH, kW)``; arguments and errors as ``conv1d`` (ints or 2-tuples)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,  # noqa: A002
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """3-d convolution: ``input`` ``(N, C_in, D, H, W)`` or unbatched; arguments as ``conv1d``."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


def _conv_transpose(input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any,  # noqa: A002
                    output_padding: Any, groups: int, dilation: Any, nd: int, op: str) -> Tensor:
    _check_channels(input, weight, groups, nd, True, op)
    return _unbatched_call(
        input, nd, op,
        lambda x: conv_transposend(x, weight, bias, stride, padding, output_padding, groups, dilation, nd, op),
    )


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """1-d transposed convolution (the gradient of ``conv1d`` with respect to its input).

    Args:
        input: ``(N, C_in, L)`` or ``(C_in, L)``.
        weight: ``(C_in, C_out / groups, k)``; bias: ``(C_out,)`` or None.
        stride, padding, dilation: as the ``conv1d`` this transposes (ints only, no strings).
        output_padding: extra size added to one side of the output (smaller than the stride
            or the dilation).

    Returns:
        ``(N, C_out, (L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1)``.

    Raises:
        RuntimeError: wrong dims or channels, or an ``output_padding`` too large.
    """
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 1,
                           "conv_transpose1d")


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """2-d transposed convolution; arguments as ``conv_transpose1d`` (ints or 2-tuples)."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 2,
                           "conv_transpose2d")


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """3-d transposed convolution; arguments as ``conv_transpose1d`` (ints or 3-tuples)."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 3,
                           "conv_transpose3d")


def _im2col_weight(channels: int, kernel: tuple[int, ...], like: Tensor) -> Tensor:
    """``(C * prod(k), 1, *k)`` one-hot filters: a grouped convolution with them copies every
    kernel window into channels, in PyTorch's ``unfold`` order (channel, then kernel offset)."""
    k = math.prod(kernel)
    eye = creation.eye(k, dtype=like.dtype, backend=like._backend)
    return shape.reshape(shape.tile(eye, (channels, 1)), (channels * k, 1) + kernel)


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Tensor:  # noqa: A002
    """Extract sliding blocks (im2col): ``(N, C, H, W)`` -> ``(N, C * kH * kW, L)`` where L is
    the number of block positions (also ``(C, H, W)`` -> ``(C * kH * kW, L)``).

    Raises:
        RuntimeError: input not 3-d or 4-d, or smaller than the (dilated) kernel.
    """
    kernel = _tuple(kernel_size, 2, "kernel_size", "unfold")

    def run(x: Tensor) -> Tensor:
        w = _im2col_weight(x.shape[1], kernel, x)
        cols = convnd(x, w, None, stride, padding, dilation, x.shape[1], 2, "unfold")
        return shape.flatten(cols, 2)

    return _unbatched_call(input, 2, "unfold", run)


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,  # noqa: A002
         stride: Any = 1) -> Tensor:
    """Sum sliding blocks back into an image (col2im, the adjoint of ``unfold``):
    ``(N, C * kH * kW, L)`` -> ``(N, C, *output_size)`` (overlapping values add up).

    Raises:
        RuntimeError: input not 2-d or 3-d, its size not a multiple of ``kH * kW``, or L not
            the number of blocks that fit in ``output_size``.
    """
    kernel = _tuple(kernel_size, 2, "kernel_size", "fold")
    size = _tuple(output_size, 2, "output_size", "fold")
    st = _tuple(stride, 2, "stride", "fold")
    pd = _tuple(padding, 2, "padding", "fold")
    dl = _tuple(dilation, 2, "dilation", "fold")
    blocks = [(size[i] + 2 * pd[i] - dl[i] * (kernel[i] - 1) - 1) // st[i] + 1 for i in range(2)]
    k = math.prod(kernel)

    def run(x: Tensor) -> Tensor:
        if x.shape[1] % k:
            raise RuntimeError(
                f"fold: expected size of input's dimension 1 to be divisible by the product of kernel_size "
                f"({k}), but got input of shape {tuple(x.shape)}"
            )
        if x.shape[2] != blocks[0] * blocks[1]:
            raise RuntimeError(
                f"fold: expected input's dimension 2 to match the calculated number of sliding blocks "
                f"{blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got input of shape {tuple(x.shape)}"
            )
        c = x.shape[1] // k
        w = _im2col_weight(c, kernel, x)
        cols = shape.reshape(x, (x.shape[0], x.shape[1], blocks[0], blocks[1]))
        p = _ConvParams(st, tuple((q, q) for q in pd), dl, c)
        return conv_transpose_raw(cols, w, (x.shape[0], c) + size, p)

    return _unbatched_call(input, 1, "fold", run)


# ---------------------------------------------------------------------- pooling


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,  # noqa: A002
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Max over sliding windows of the last dim (``(N, C, L)`` or ``(C, L)``).

    Args:
        kernel_size: window size; stride: step (default ``kernel_size``); padding: implicit
            ``-inf`` padding on both sides (at most half the kernel); dilation: spacing of the
            window's elements; ceil_mode: round the output size up (a last window may start in
            the input but stick out of it).
        return_indices: also return the position (in the unpadded input row) of each maximum.

    Returns:
        The pooled tensor, or ``(pooled, indices)``. The gradient goes to the selected element.

    Raises:
        RuntimeError: wrong input dims, too much padding, or an input smaller than the window.
    """
    return max_poolnd(input, 1, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool1d")


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,  # noqa: A002
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Max pooling over the last two dims (``(N, C, H, W)`` or ``(C, H, W)``); arguments as
    ``max_pool1d`` (ints or 2-tuples); indices are flat positions ``h * W + w`` in each plane."""
    return max_poolnd(input, 2, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool2d")


def max_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,  # noqa: A002
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Max pooling over the last three dims; arguments as ``max_pool1d``."""
    return max_poolnd(input, 3, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool3d")


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """Mean over sliding windows of the last dim (``(N, C, L)`` or ``(C, L)``).

    Args:
        kernel_size, stride (default ``kernel_size``), padding (zeros, at most half the kernel),
        ceil_mode: as ``max_pool1d``.
        count_include_pad: divide by the window size including the zero padding (True) or by
            the number of input elements in the window (False). Cells added by ``ceil_mode``
            are never counted.

    Raises:
        RuntimeError: wrong input dims, too much padding, or an input smaller than the window.
    """
    return avg_poolnd(input, 1, kernel_size, stride, padding, ceil_mode, count_include_pad, None, "avg_pool1d")


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """Average pooling over the last two dims; arguments as ``avg_pool1d``, and
    ``divisor_override``: divide every window sum by this number instead."""
    return avg_poolnd(input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                      "avg_pool2d")


def avg_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """Average pooling over the last three dims; arguments as ``avg_pool2d``."""
    return avg_poolnd(input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                      "avg_pool3d")


def _adaptive_avg_pool(input: Tensor, output_size: Any, nd: int, op: str) -> Tensor:  # noqa: A002
    """core's adaptive average pooling, with None entries of ``output_size`` replaced by the
    input's size (core.conv expects ints there)."""
    if not isinstance(output_size, int) and input.ndim >= nd:
        sizes = tuple(input.shape[-nd:])
        output_size = tuple(sizes[i] if o is None else o for i, o in enumerate(output_size))
    return adaptive_avg_poolnd(input, output_size, nd, op)


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Average pooling to a fixed output length: window ``i`` spans
    ``[floor(i * L / out), ceil((i + 1) * L / out))``, as PyTorch.

    Raises:
        RuntimeError: input not 2-d or 3-d.
    """
    return _adaptive_avg_pool(input, output_size, 1, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Average pooling to a fixed ``(H_out, W_out)`` (an int for both; None keeps that dim)."""
    return _adaptive_avg_pool(input, output_size, 2, "adaptive_avg_pool2d")


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Average pooling to a fixed ``(D_out, H_out, W_out)``."""
    return _adaptive_avg_pool(input, output_size, 3, "adaptive_avg_pool3d")


def _adaptive_max_pool(input: Tensor, output_size: Any, nd: int, return_indices: bool, op: str) -> Any:  # noqa: A002
    """Adaptive max pooling as a gather: every output cell's window (PyTorch's bounds) is listed
    as flat positions of the input plane, padded to the largest window by repeating its first
    position; the first maximum is selected (as PyTorch), so the gradient goes to one element."""
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"{op}: expected a {nd + 1}-d (unbatched) or {nd + 2}-d (batched) input, got input of shape "
            f"{tuple(input.shape)}"
        )
    sizes = tuple(input.shape[-nd:])
    outs = (output_size,) * nd if isinstance(output_size, int) else tuple(output_size)
    if len(outs) != nd:
        raise ValueError(f"{op}: output_size must be an int or a tuple of {nd} ints, got {output_size!r}")
    outs = tuple(sizes[i] if o is None else int(o) for i, o in enumerate(outs))
    if any(o <= 0 for o in outs) or any(s <= 0 for s in sizes):
        raise RuntimeError(f"{op}: output_size {outs} and input of shape {tuple(input.shape)} must be non-empty")
    axis_windows = [
        [list(range((j * n) // m, -(-((j + 1) * n) // m))) for j in range(m)] for n, m in zip(sizes, outs)
    ]
    strides = [math.prod(sizes[i + 1:]) for i in range(nd)]
    windows: list[list[int]] = [[0]]
    for i in range(nd):  # cartesian product of the per-axis windows, as flat positions
        windows = [[p + q * strides[i] for p in cell for q in win] for cell in windows for win in axis_windows[i]]
    k = max(len(w) for w in windows)
    table = [w + [w[0]] * (k - len(w)) for w in windows]
    lead = tuple(input.shape[:-nd])
    positions = creation.tensor(table, dtype=dtypes.int64, backend=input._backend)  # (cells, k)
    flat = shape.reshape(input, lead + (math.prod(sizes),))
    candidates = flat[(Ellipsis, positions)]  # lead + (cells, k)
    choice = ops.argmax(candidates.detach(), -1, keepdim=True)
    values = shape.reshape(take_along_dim(candidates, choice, -1), lead + outs)
    if not return_indices:
        return values
    cells = creation.arange(len(table), dtype=dtypes.int64, backend=input._backend)
    index = shape.reshape(positions, (-1,))[ops.add(ops.mul(cells, k), shape.squeeze(choice, -1))]
    return values, shape.reshape(index, lead + outs)


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:  # noqa: A002
    """Max pooling to a fixed output length (PyTorch's windows, as ``adaptive_avg_pool1d``).

    Returns:
        The pooled tensor, or ``(pooled, indices)`` with each maximum's position in its row.

    Raises:
        RuntimeError: input not 2-d or 3-d, or an empty output.
    """
    return _adaptive_max_pool(input, output_size, 1, return_indices, "adaptive_max_pool1d")


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:  # noqa: A002
    """Max pooling to a fixed ``(H_out, W_out)``; indices are flat positions ``h * W + w``."""
    return _adaptive_max_pool(input, output_size, 2, return_indices, "adaptive_max_pool2d")


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:  # noqa: A002
    """Max pooling to a fixed ``(D_out, H_out, W_out)``."""
    return _adaptive_max_pool(input, output_size, 3, return_indices, "adaptive_max_pool3d")


# ---------------------------------------------------------------------- normalization


def _channel_shape(input: Tensor) -> tuple[int, ...]:  # noqa: A002
    """``(1, C, 1, ...)``: a per-channel vector broadcast against ``(N, C, *)``."""
    return (1, input.shape[1]) + (1,) * (input.ndim - 2)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of ``(N, C, *)`` to zero mean and unit variance, then scale and shift.

    Training: the batch's mean and biased variance over all dims but 1 normalise; the running
    statistics (when given) are updated in place, without a graph, as
    ``running = (1 - momentum) * running + momentum * batch`` with the *unbiased* batch variance.
    Evaluation (``training=False``): the running statistics normalise.

    Args:
        input: ``(N, C)`` or ``(N, C, *)``.
        running_mean, running_var: ``(C,)`` buffers, or None (needed when not training).
        weight, bias: ``(C,)`` affine parameters, or None.

    Raises:
        ValueError: training with a single value per channel.
        RuntimeError: input with fewer than 2 dims, statistics or affine parameters not of
            shape ``(C,)``, or no running statistics when not training.
    """
    return _batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps, "batch_norm")


def _batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,  # noqa: A002
                weight: Tensor | None, bias: Tensor | None, training: bool, momentum: float, eps: float,
                op: str) -> Tensor:
    if input.ndim < 2:
        raise RuntimeError(f"{op}: expected an input of shape (N, C, *), got shape {tuple(input.shape)}")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise RuntimeError(
                f"{op}: input of shape {tuple(input.shape)} has {c} channels, but {name} has shape {tuple(t.shape)}"
            )
    bshape = _channel_shape(input)
    axes = (0,) + tuple(range(2, input.ndim))
    if training:
        count = input.numel() // c if c else 0
        if count <= 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {list(input.shape)}"
            )
        mean = ops.mean(input, axes, keepdim=True)
        centered = ops.sub(input, mean)
        var = ops.mean(ops.mul(centered, centered), axes, keepdim=True)
        if running_mean is not None or running_var is not None:
            with no_grad():
                if running_mean is not None:
                    batch_mean = shape.reshape(mean.detach(), (c,))
                    running_mean.copy_(ops.add(ops.mul(running_mean, 1 - momentum), ops.mul(batch_mean, momentum)))
                if running_var is not None:
                    batch_var = ops.mul(shape.reshape(var.detach(), (c,)), count / (count - 1))
                    running_var.copy_(ops.add(ops.mul(running_var, 1 - momentum), ops.mul(batch_var, momentum)))
        out = ops.mul(centered, ops.rsqrt(ops.add(var, eps)))
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError(f"{op}: running_mean and running_var must be given when training=False")
        mean = shape.reshape(running_mean, bshape)
        scale = ops.rsqrt(ops.add(shape.reshape(running_var, bshape), eps))
        out = ops.mul(ops.sub(input, mean), scale)
    if weight is not None:
        out = ops.mul(out, shape.reshape(weight, bshape))
    if bias is not None:
        out = ops.add(out, shape.reshape(bias, bshape))
    return out


def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,  # noqa: A002
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of each sample of ``(N, C, *)`` over its spatial dims (batch norm
    of the ``(1, N * C, *)`` view, as PyTorch); running statistics, when given, are updated
    with the mean over the batch of the per-sample statistics.

    Raises:
        ValueError: a single spatial element per channel with ``use_input_stats``.
        RuntimeError: input with fewer than 3 dims or parameters not of shape ``(C,)``.
    """
    if input.ndim < 3:
        raise RuntimeError(f"instance_norm: expected an input of shape (N, C, *), got shape {tuple(input.shape)}")
    n, c = input.shape[0], input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise RuntimeError(
                f"instance_norm: input of shape {tuple(input.shape)} has {c} channels, but {name} has shape "
                f"{tuple(t.shape)}"
            )
    folded = shape.reshape(input, (1, n * c) + tuple(input.shape[2:]))
    rm = None if running_mean is None else shape.tile(running_mean.detach(), (n,))
    rv = None if running_var is None else shape.tile(running_var.detach(), (n,))
    out = _batch_norm(folded, rm, rv, None, None, use_input_stats, momentum, eps, "instance_norm")
    with no_grad():
        if running_mean is not None and rm is not None and use_input_stats:
            running_mean.copy_(ops.mean(shape.reshape(rm, (n, c)), 0))
        if running_var is not None and rv is not None and use_input_stats:
            running_var.copy_(ops.mean(shape.reshape(rv, (n, c)), 0))
    out = shape.reshape(out, tuple(input.shape))
    bshape = _channel_shape(input)
    if weight is not None:
        out = ops.mul(out, shape.reshape(weight, bshape))
    if bias is not None:
        out = ops.add(out, shape.reshape(bias, bshape))
    return out


def _check_trailing_shape(input: Tensor, normalized_shape: Any, op: str) -> tuple[int, ...]:  # noqa: A002
    """``normalized_shape`` as a tuple, checked to be the input's trailing dims."""
    ns = (int(normalized_shape),) if isinstance(normalized_shape, int) else tuple(int(s) for s in normalized_shape)
    k = len(ns)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != ns:
        raise RuntimeError(
            f"{op}: given normalized_shape={list(ns)}, expected input with shape [*, "
            f"{', '.join(str(s) for s in ns)}], but got input of size {list(input.shape)}"
        )
    return ns


def layer_norm(input: Tensor, normalized_shape: Any, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` dims (mean and biased variance), then
    multiply by ``weight`` and add ``bias`` (both of shape ``normalized_shape``) elementwise.

    Raises:
        RuntimeError: the input's trailing dims are not ``normalized_shape``.
    """
    k = len(_check_trailing_shape(input, normalized_shape, "layer_norm"))
    axes = tuple(range(input.ndim - k, input.ndim))
    mean = ops.mean(input, axes, keepdim=True)
    centered = ops.sub(input, mean)
    var = ops.mean(ops.mul(centered, centered), axes, keepdim=True)
    out = ops.mul(centered, ops.rsqrt(ops.add(var, eps)))
    if weight is not None:
        out = ops.mul(out, weight)
    if bias is not None:
        out = ops.add(out, bias)
    return out


_MACHINE_EPS = {"float16": 2.0**-10, "bfloat16": 2.0**-7, "float32": 2.0**-23, "float64": 2.0**-52}


def rms_norm(input: Tensor, normalized_shape: Any, weight: Tensor | None = None,  # noqa: A002
             eps: float | None = None) -> Tensor:
    """``input / sqrt(mean(input**2) + eps) * weight`` over the trailing ``normalized_shape``
    dims; ``eps`` None means the machine epsilon of the input's dtype (as PyTorch).

    Raises:
        RuntimeError: the input's trailing dims are not ``normalized_shape``.
    """
    k = len(_check_trailing_shape(input, normalized_shape, "rms_norm"))
    if eps is None:
        eps = _MACHINE_EPS.get(input.dtype.name, 2.0**-23)
    axes = tuple(range(input.ndim - k, input.ndim))
    out = ops.mul(input, ops.rsqrt(ops.add(ops.mean(ops.mul(input, input), axes, keepdim=True), eps)))
    return out if weight is None else ops.mul(out, weight)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Split the channels of ``(N, C, *)`` into ``num_groups`` groups and normalise each group
    of each sample (mean and biased variance), then apply the per-channel ``weight``/``bias``.

    Raises:
        RuntimeError: input with fewer than 2 dims, or C not divisible by ``num_groups``.
    """
    if input.ndim < 2:
        raise RuntimeError(f"group_norm: expected an input of shape (N, C, *), got shape {tuple(input.shape)}")
    n, c = input.shape[0], input.shape[1]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(
            f"group_norm: expected the number of channels of the input of shape {tuple(input.shape)} to be "
            f"divisible by num_groups={num_groups}"
        )
    grouped = shape.reshape(input, (n, num_groups, -1))
    mean = ops.mean(grouped, -1, keepdim=True)
    centered = ops.sub(grouped, mean)
    var = ops.mean(ops.mul(centered, centered), -1, keepdim=True)
    out = shape.reshape(ops.mul(centered, ops.rsqrt(ops.add(var, eps))), tuple(input.shape))
    bshape = _channel_shape(input)
    if weight is not None:
        out = ops.mul(out, shape.reshape(weight, bshape))
    if bias is not None:
        out = ops.add(out, shape.reshape(bias, bshape))
    return out


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Any = None) -> Tensor:  # noqa: A002
    """``input / max(||input||_p, eps)`` along ``dim``.

    Raises:
        NotImplementedError: ``out`` given.
    """
    if out is not None:
        raise NotImplementedError("normalize: the out= argument is not supported")
    norm = ops.clamp(ops.norm(input, p, dim, keepdim=True), min=eps)
    return ops.div(input, norm)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine of the angle between ``x1`` and ``x2`` (broadcast) along ``dim``:
    ``sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps))``.

    As in PyTorch, each norm is clamped to ``eps`` without changing its gradient (the clamp
    only guards the division), and each input is divided by its own norm before the product,
    which keeps the result within [-1, 1].
    """
    x1, x2 = shape.broadcast_tensors(x1, x2)

    def clamped_norm(x: Tensor) -> Tensor:
        norm = ops.norm(x, 2, dim, keepdim=True)
        floor = ops.clamp(norm.detach(), min=eps)
        return ops.add(norm, ops.sub(floor, norm.detach()))

    return ops.sum(ops.mul(ops.div(x1, clamped_norm(x1)), ops.div(x2, clamped_norm(x2))), dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` over the last dim (``eps`` keeps the gradient finite at x1 == x2)."""
    dim = max(x1.ndim, x2.ndim) - 1
    diff = ops.add(ops.sub(x1, x2), eps)
    return ops.norm(diff, p, dim if dim >= 0 else None, keepdim=keepdim)


# ---------------------------------------------------------------------- dropout
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
    return ops.where(ops.ge(u, p), scale, 0.0).to(input.dtype)


def _apply_mask(input: Tensor, mask_shape: tuple[int, ...], p: float, inplace: bool, name: str) -> Tensor:  # noqa: A002
    mask = _keep_mask(input, mask_shape, p)
    if inplace:
        return _inplace_result(input, lambda x: ops.mul(x, mask), name)
    return ops.mul(input, mask)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)`` when
    ``training``; the identity (the input itself) otherwise or when ``p == 0``.

    Raises:
        ValueError: ``p`` outside [0, 1].
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
    """Channel-wise dropout of ``(N, C, L)`` or unbatched ``(C, L)``: each channel of each
    sample is zeroed with probability ``p``, the rest scaled by ``1 / (1 - p)``.

    Raises:
        ValueError: ``p`` outside [0, 1]. RuntimeError: input not 2-d or 3-d.
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
    """Channel-wise dropout of ``(N, C, H, W)``: each channel of each sample is zeroed with
    probability ``p``, the rest scaled by ``1 / (1 - p)``.

    As PyTorch (with the same warnings), a 3-d input is taken as ``(N, C, L)`` (1-d channel
    dropout), and other ranks drop channels of dim 1.

    Raises:
        ValueError: ``p`` outside [0, 1].
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
    """Channel-wise dropout of ``(N, C, D, H, W)`` or unbatched ``(C, D, H, W)``.

    Raises:
        ValueError: ``p`` outside [0, 1]. RuntimeError: input not 4-d or 5-d.
    """
    _check_p(p, "dropout3d")
    if input.ndim not in (4, 5):
        raise RuntimeError(f"dropout3d: expected a 4-d or 5-d input, got shape {tuple(input.shape)}")
    return _feature_dropout(input, p, training, inplace, input.ndim == 5, "dropout3d_")


# ---------------------------------------------------------------------- embeddings


def _padding_index(padding_idx: int | None, num_embeddings: int, op: str) -> int | None:
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise AssertionError(f"{op}: padding_idx must be within num_embeddings ({num_embeddings}), got {padding_idx}")
    return padding_idx % num_embeddings


def _check_indices(input: Tensor, op: str) -> None:  # noqa: A002
    if input.dtype not in (dtypes.int32, dtypes.int64):
        raise RuntimeError(f"{op}: expected indices of dtype int64 or int32, got {input.dtype}")


def _embedding_renorm(weight: Tensor, indices: Tensor, max_norm: float, norm_type: float) -> None:
    """Scale, in place and without a graph, the rows of ``weight`` used by ``indices`` whose
    ``norm_type``-norm exceeds ``max_norm`` down to norm ``max_norm`` (PyTorch's ``1e-7`` guard)."""
    with no_grad():
        flat = shape.reshape(indices, (-1,))
        rows = weight[flat]
        norms = ops.norm(rows, norm_type, -1, keepdim=True)
        scale = ops.where(ops.gt(norms, max_norm), ops.mul(ops.reciprocal(ops.add(norms, 1e-7)), max_norm), 1.0)
        # duplicate indices write the same scaled row, so plain (non-accumulating) writes are exact
        weight.copy_(index_put(weight, (flat,), ops.mul(rows, scale)))


def _scale_grad(out: Tensor, scale: Tensor) -> Tensor:
    """``out`` unchanged in value, with its gradient multiplied by ``scale`` (broadcast)."""
    frozen = out.detach()
    return ops.add(frozen, ops.mul(ops.sub(out, frozen), scale))


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,  # noqa: A002
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` at the integer ``input``: ``(*)`` -> ``(*, embedding_dim)``.

    Args:
        padding_idx: entries equal to it give no gradient to ``weight``.
        max_norm: first renormalise (in place) the used rows whose ``norm_type``-norm exceeds it.
        scale_grad_by_freq: divide each row's gradient by the number of times the row occurs
            in ``input``.
        sparse: accepted for compatibility; the gradient is always dense.

    Raises:
        RuntimeError: ``input`` not an integer tensor; IndexError: an index out of range;
        AssertionError: ``padding_idx`` out of range (as PyTorch).
    """
    _check_indices(input, "embedding")
    num = weight.shape[0]
    padding_idx = _padding_index(padding_idx, num, "embedding")
    if max_norm is not None:
        _embedding_renorm(weight, input, max_norm, norm_type)
    out = weight[input]
    if padding_idx is None and not scale_grad_by_freq:
        return out
    scale = creation.ones(tuple(input.shape), dtype=weight.dtype, backend=weight._backend)
    if scale_grad_by_freq:
        flat = shape.reshape(input, (-1,))
        ones = creation.ones(tuple(flat.shape), dtype=weight.dtype, backend=weight._backend)
        counts = index_add(creation.zeros(num, dtype=weight.dtype, backend=weight._backend), 0, flat, ones)
        scale = ops.div(scale, counts[input])
    if padding_idx is not None:
        scale = ops.where(ops.eq(input, padding_idx), 0.0, scale)
    return _scale_grad(out, shape.unsqueeze(scale, -1))


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,  # noqa: A002
                  max_norm: float | None = None, norm_type: float = 2, scale_grad_by_freq: bool = False,
                  mode: str = "mean", sparse: bool = False, per_sample_weights: Tensor | None = None,
                  include_last_offset: bool = False, padding_idx: int | None = None) -> Tensor:
    """Sum, mean or max of the embeddings of each bag of indices.

    Args:
        input: ``(B, L)`` (B bags of L indices; ``offsets`` None) or ``(n,)`` flat indices with
            ``offsets`` ``(B,)`` giving where each bag starts (``(B + 1,)`` with
            ``include_last_offset``).
        mode: ``'sum'``, ``'mean'`` or ``'max'``.
        per_sample_weights: weights of the shape of ``input`` multiplying each embedding
            (``mode='sum'`` only).
        padding_idx: entries equal to it are left out of their bag (an empty bag gives zeros).
        max_norm, norm_type, scale_grad_by_freq, sparse: as ``embedding``.

    Returns:
        ``(B, embedding_dim)``.

    Raises:
        ValueError: bad mode, offsets with a 2-d input or none with a 1-d one, weights with a
            mode other than sum, malformed offsets.
    """
    _check_indices(input, "embedding_bag")
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"embedding_bag: mode has to be one of sum, mean or max, got {mode!r}")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(
                f"embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for "
                f"mode='sum' (got mode='{mode}'). Please open a feature request on GitHub."
            )
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(
                f"embedding_bag: per_sample_weights of shape {tuple(per_sample_weights.shape)} must have the "
                f"shape of input {tuple(input.shape)}"
            )
    num = weight.shape[0]
    padding_idx = _padding_index(padding_idx, num, "embedding_bag")
    backend = weight._backend
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("embedding_bag: if input is 2D, then offsets has to be None")
        index, valid = input, None
        weights = per_sample_weights
    elif input.ndim == 1:
        if offsets is None:
            raise ValueError("embedding_bag: offsets has to be a 1D Tensor but got None")
        if offsets.ndim != 1:
            raise ValueError(f"embedding_bag: offsets has to be a 1D Tensor, got shape {tuple(offsets.shape)}")
        starts = [int(v) for v in offsets.tolist()]
        n = input.shape[0]
        bounds = starts if include_last_offset else starts + [n]
        if not bounds or bounds[0] != 0 or any(b > a for b, a in zip(bounds, bounds[1:])) or bounds[-1] > n:
            raise ValueError(f"embedding_bag: offsets must start at 0 and be non-decreasing within {n}, got {starts}")
        # bags of different lengths as a padded (B, longest) table plus a validity mask
        longest = max([b - a for a, b in zip(bounds, bounds[1:])] + [1])
        table = [[min(a + j, max(n - 1, 0)) for j in range(longest)] for a, b in zip(bounds, bounds[1:])]
        mask = [[j < b - a for j in range(longest)] for a, b in zip(bounds, bounds[1:])]
        pos = creation.tensor(table, dtype=dtypes.int64, backend=backend)
        index = input[pos] if n else creation.zeros(tuple(pos.shape), dtype=dtypes.int64, backend=backend)
        valid = creation.tensor(mask, dtype=dtypes.bool_, backend=backend)
        weights = None if per_sample_weights is None else per_sample_weights[pos]
    else:
        raise ValueError(f"embedding_bag: input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}")
    if padding_idx is not None:
        keep = ops.ne(index, padding_idx)
        valid = keep if valid is None else ops.logical_and(valid, keep)
    emb = embedding(index, weight, None, max_norm, norm_type, scale_grad_by_freq)  # (B, L, D)
    if weights is not None:
        emb = ops.mul(emb, shape.unsqueeze(weights, -1))
    if mode == "max":
        if valid is not None:
            emb = ops.where(shape.unsqueeze(valid, -1), emb, -math.inf)
        values = ops.max(emb, 1).values
        if valid is None:
            return values
        return ops.where(shape.unsqueeze(ops.any(valid, 1), -1), values, 0.0)
    if valid is not None:
        emb = ops.where(shape.unsqueeze(valid, -1), emb, 0.0)
    total = ops.sum(emb, 1)
    if mode == "sum":
        return total
    count = float(index.shape[1]) if valid is None else ops.clamp(ops.sum(valid, 1, keepdim=True).to(weight.dtype), min=1)
    return ops.div(total, count)


# ---------------------------------------------------------------------- interpolation
# Resampling is written as gathers (integer index arrays) and weighted sums, one spatial dim at
# a time, so autograd gives the gradient (the gathers' backward adds repeated indices). The
# source positions follow PyTorch's CPU kernels: ``nearest`` computes them in float32.


def _f32(v: float) -> float:
    """``v`` rounded to float32 (the precision of PyTorch's nearest-neighbour index arithmetic)."""
    return struct.unpack("f", struct.pack("f", v))[0]


def _nearest_sources(n_in: int, n_out: int, scale: float | None, exact: bool) -> list[int]:
    s = _f32(1.0 / scale) if scale is not None and scale > 0 else _f32(n_in / n_out)
    offset = 0.5 if exact else 0.0
    return [min(math.floor(_f32((o + offset) * s)), n_in - 1) for o in range(n_out)]


def _linear_sources(n_in: int, n_out: int, scale: float | None, align_corners: bool) -> tuple[list[int], list[int], list[float]]:
    """(lower index, upper index, weight of the upper) for each output position."""
    if align_corners:
        s = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    else:
        s = 1.0 / scale if scale is not None and scale > 0 else n_in / n_out
    lo, hi, lam = [], [], []
    for o in range(n_out):
        src = s * o if align_corners else max(s * (o + 0.5) - 0.5, 0.0)
        i0 = min(int(src), n_in - 1)
        lo.append(i0)
        hi.append(min(i0 + 1, n_in - 1))
        lam.append(min(max(src - i0, 0.0), 1.0))
    return lo, hi, lam


_INTERP_MODES = {"nearest": None, "nearest-exact": None, "area": None, "linear": 3, "bilinear": 4, "trilinear": 5,
                 "bicubic": 4}


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",  # noqa: A002
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dims of ``(N, C, *spatial)`` (1 to 3 spatial dims).

    Args:
        size: output spatial size (int or tuple); or
        scale_factor: multiplier(s): output size ``floor(in * scale_factor)``; the source
            positions use ``1 / scale_factor`` unless ``recompute_scale_factor`` (then in / out).
        mode: ``'nearest'`` (PyTorch's legacy floor rule), ``'nearest-exact'``, ``'linear'``
            (3-d), ``'bilinear'`` (4-d), ``'trilinear'`` (5-d) or ``'area'`` (adaptive average).
        align_corners: for the linear modes: map the corner pixels' centres onto each other
            (True) or the corners' edges (False, default).

    Raises:
        ValueError: both or neither of size and scale_factor, sizes of the wrong length,
            align_corners with a non-linear mode, or a bad mode.
        NotImplementedError: a mode that does not fit the input's dims, ``bicubic``, or
            ``antialias``.
    """
    if mode not in _INTERP_MODES:
        raise ValueError(
            f"interpolate: mode must be one of nearest, nearest-exact, linear, bilinear, trilinear, area; got {mode!r}"
        )
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(
                "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear"
            )
    elif align_corners is None:
        align_corners = False
    nd = input.ndim - 2
    if nd not in (1, 2, 3) or (_INTERP_MODES[mode] is not None and input.ndim != _INTERP_MODES[mode]):
        need = f"{_INTERP_MODES[mode]}D" if _INTERP_MODES[mode] else "3D, 4D or 5D"
        raise NotImplementedError(
            f"interpolate: got a {input.ndim}D input of shape {tuple(input.shape)}, but mode {mode!r} needs {need} "
            "input (N, C, *spatial)"
        )
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    if mode == "bicubic":
        raise NotImplementedError("interpolate: mode 'bicubic' is not supported")
    sizes = tuple(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    scales: list[float | None]
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        out_sizes = [int(s) for s in size] if isinstance(size, (list, tuple)) else [int(size)] * nd
        if len(out_sizes) != nd:
            raise ValueError(
                f"Input and output must have the same number of spatial dimensions, but got input with spatial "
                f"dimensions of {list(sizes)} and output size of {size}."
            )
        scales = [None] * nd
    elif scale_factor is not None:
        factors = [float(f) for f in scale_factor] if isinstance(scale_factor, (list, tuple)) else [float(scale_factor)] * nd
        if len(factors) != nd:
            raise ValueError(
                f"Input and scale_factor must have the same number of spatial dimensions, but got input with "
                f"spatial dimensions of {list(sizes)} and scale_factor of shape {scale_factor}."
            )
        out_sizes = [int(math.floor(n * f)) for n, f in zip(sizes, factors)]
        scales = [None] * nd if (recompute_scale_factor or mode == "area") else list(factors)
    else:
        raise ValueError("either size or scale_factor should be defined")
    if any(s <= 0 for s in out_sizes):
        raise ValueError(f"interpolate: output size {out_sizes} must be positive (input of shape {tuple(input.shape)})")
    if mode == "area":
        return adaptive_avg_poolnd(input, tuple(out_sizes), nd, "interpolate")
    backend = input._backend
    out = input
    for i in range(nd):
        n_in, n_out = sizes[i], out_sizes[i]
        lead = (slice(None),) * (2 + i)
        if mode in ("nearest", "nearest-exact"):
            src = _nearest_sources(n_in, n_out, scales[i], mode == "nearest-exact")
            if src != list(range(n_in)):
                out = out[lead + (creation.tensor(src, dtype=dtypes.int64, backend=backend),)]
            continue
        lo, hi, lam = _linear_sources(n_in, n_out, scales[i], bool(align_corners))
        low = out[lead + (creation.tensor(lo, dtype=dtypes.int64, backend=backend),)]
        high = out[lead + (creation.tensor(hi, dtype=dtypes.int64, backend=backend),)]
        weight = shape.reshape(creation.tensor(lam, dtype=input.dtype, backend=backend), (n_out,) + (1,) * (nd - 1 - i))
        out = ops.add(low, ops.mul(ops.sub(high, low), weight))
    return out


def upsample(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",  # noqa: A002
             align_corners: bool | None = None) -> Tensor:
    """Deprecated alias of ``interpolate`` (as PyTorch)."""
    warnings.warn("nn.functional.upsample is deprecated. Use nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


# attention (in nn/_attention.py, which calls this module's dropout at run time)
from arraygrad.nn._attention import multi_head_attention_forward, scaled_dot_product_attention  # noqa: E402

__all__ += ["scaled_dot_product_attention", "multi_head_attention_forward"]
