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

from arraygrad.core import argtypes as _argtypes
from arraygrad.core import creation, dtypes, ops, shape, tracing
from arraygrad.core.autocast import AUTOCAST, autocast_args
from arraygrad.core.autograd import no_grad
from arraygrad.core.conv import (
    _ConvParams,
    _int_size,
    _tuple,
    adaptive_avg_poolnd,
    avg_poolnd,
    check_adaptive_rank,
    check_adaptive_size,
    check_window,
    conv_transpose_raw,
    conv_transposend,
    convnd,
    max_poolnd,
    scalar_name,
)
from arraygrad.core.indexing import (
    EmbeddingBackward0,
    IndexBackward0,
    check_embedding_indices,
    index_add,
    index_put,
    named_node,
    one_hot,
    take_along_dim,
)
from arraygrad.core.methods import _check_inplace, _commit
from arraygrad.core.ops import log_softmax as _log_softmax
from arraygrad.core.ops import relu as _relu
from arraygrad.core.ops import sigmoid, softplus, tanh
from arraygrad.core.ops import softmax as _softmax
from arraygrad.core.random import rand
from arraygrad.core.shape import pad
from arraygrad.core.tensor import Tensor
from arraygrad.nn import _fused_losses

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
    if AUTOCAST.active:
        input, weight, bias = autocast_args("linear", input, weight, bias)
    _check_linear(input, weight, bias)
    if bias is not None and weight.ndim == 2 and input.ndim >= 1 and input.dtype == weight.dtype == bias.dtype:
        # one fused node (PyTorch's AddmmBackward0), on the rows of a 2-d view of the input
        if input.ndim == 2:
            return ops._addmm(bias, input, weight, 1, 1, True, "linear")
        rows = shape.reshape(input, (-1, input.shape[-1]))
        out = ops._addmm(bias, rows, weight, 1, 1, True, "linear")
        return shape.reshape(out, (*input.shape[:-1], weight.shape[0]))
    w = shape.transpose(weight, 0, 1) if weight.ndim == 2 else weight
    out = ops.matmul(input, w)
    return out if bias is None else ops.add(out, bias)


def _check_linear(input: Tensor, weight: Tensor, bias: Tensor | None) -> None:  # noqa: A002
    """PyTorch's dtype and shape checks of ``linear`` (on dtypes and shapes only), so that a
    mismatch gets one message on every backend instead of a backend's broadcast error or a
    silent type promotion."""
    if input.dtype != weight.dtype:
        raise RuntimeError(
            f"linear: mat1 and mat2 must have the same dtype, but got {scalar_name(input.dtype)} and "
            f"{scalar_name(weight.dtype)} (input {input.dtype.name}, weight {weight.dtype.name})"
        )
    if input.ndim == 0 or weight.ndim == 0:
        raise RuntimeError(
            f"linear: both arguments to linear need to be at least 1D, but they are {input.ndim}D and {weight.ndim}D"
        )
    if weight.ndim > 2:
        raise RuntimeError(f"linear: t() expects a tensor with <= 2 dimensions, but weight is {weight.ndim}D")
    in_features = input.shape[-1]
    if weight.shape[-1] != in_features:
        rows = math.prod(input.shape[:-1])
        w = tuple(weight.shape[::-1]) if weight.ndim == 2 else (weight.shape[0], 1)
        raise RuntimeError(
            f"linear: mat1 and mat2 shapes cannot be multiplied ({rows}x{in_features} and {w[0]}x{w[1]})"
        )
    if bias is not None:
        if bias.dtype != input.dtype:
            raise RuntimeError(
                f"linear: self and mat2 must have the same dtype, but got {scalar_name(bias.dtype)} and "
                f"{scalar_name(input.dtype)} (bias {bias.dtype.name}, input {input.dtype.name})"
            )
        out = tuple(input.shape[:-1]) + ((weight.shape[0],) if weight.ndim == 2 else ())
        b = tuple(bias.shape)
        if len(b) > len(out) or any(d not in (1, o) for d, o in zip(b[::-1], out[::-1])):
            raise RuntimeError(
                f"linear: the bias of shape {list(b)} cannot be broadcast to the output's shape {list(out)} "
                f"(expected bias of shape [{out[-1] if out else ''}])"
            )


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y[..., k] = input1 @ weight[k] @ input2 + bias[k]``.

    Args:
        input1: ``(*, in1_features)``; input2: ``(*, in2_features)`` with the same leading shape.
        weight: ``(out_features, in1_features, in2_features)``; bias: ``(out_features,)`` or None.

    Returns:
        ``(*, out_features)``.
    """
    if not input1.dtype == input2.dtype == weight.dtype:
        raise RuntimeError(
            f"bilinear: All tensors must have the same dtype, got input1: {input1.dtype.name}, input2: "
            f"{input2.dtype.name}, weight: {weight.dtype.name}"
        )
    if weight.ndim != 3:
        # PyTorch indexes the weight's dims before checking them: an IndexError for fewer than 3
        kind = IndexError if weight.ndim < 3 else RuntimeError
        raise kind(f"bilinear: expected a 3-d weight (out, in1, in2), got shape {list(weight.shape)}")
    out_f, in1, in2 = weight.shape
    for name, x, want in (("input1", input1, in1), ("input2", input2, in2)):
        if x.ndim == 0 or x.shape[-1] != want:
            got = x.shape[-1] if x.ndim else "a 0-d tensor"
            raise RuntimeError(f"bilinear(): {name} size does not match weight size: got {got} but expected {want}")
    if tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        raise RuntimeError(
            f"bilinear(): input batch dimensions do not match: got {list(input1.shape[:-1])} and "
            f"{list(input2.shape[:-1])}"
        )
    if bias is not None and bias.dtype != weight.dtype:
        raise RuntimeError(f"bilinear(): expected the bias's dtype {bias.dtype.name} to be the weight's {weight.dtype.name}")
    if bias is not None and tuple(bias.shape) != (out_f,):
        kind = IndexError if bias.ndim == 0 else RuntimeError  # PyTorch indexes a 0-d bias's size first
        raise kind(f"bilinear(): bias size does not match weight size: got {list(bias.shape)} but expected [{out_f}]")
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


def _require_floating(input: Tensor, op: str) -> None:  # noqa: A002
    """PyTorch has no integer kernel for ``op`` (numpy and jax would promote silently)."""
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"{op}: not implemented for an input of dtype '{scalar_name(input.dtype)}' ({input.dtype.name}); "
            "convert it to a floating dtype first"
        )


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``max(input, 0)``.

    Raises:
        RuntimeError: a bool input (as PyTorch).
    """
    if input.dtype is dtypes.bool_:
        raise NotImplementedError("relu: Boolean inputs not supported for relu")
    return input.relu_() if inplace else _relu(input)


def relu_(input: Tensor) -> Tensor:  # noqa: A002
    """In-place ``relu``."""
    return relu(input, inplace=True)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input`` where positive, else ``negative_slope * input`` (gradient at 0: ``negative_slope``)."""
    _require_floating(input, "leaky_relu")
    if inplace:
        return _inplace_result(input, lambda x: leaky_relu(x, negative_slope), "leaky_relu_")
    return ops.where(ops.gt(input, 0), input, ops.mul(input, negative_slope))


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:  # noqa: A002
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input`` clamped to ``[min_val, max_val]``; like PyTorch the gradient is zero at the bounds."""
    if input.dtype is dtypes.bool_:
        raise RuntimeError("hardtanh: not implemented for a bool input")
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val cannot be greater than max_val, got min_val={min_val}, max_val={max_val}")
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
    _require_floating(input, "elu")
    if inplace:
        return _inplace_result(input, lambda x: elu(x, alpha), "elu_")
    # NOTE: exp of the input with its positive part replaced by 0: exp(large x) in the unused branch
    # would be inf, and inf * 0 in its backward would turn the gradient into NaN. (Not clamp: its
    # gradient is 0 at the bound, and at 0 this branch is the one taken, with derivative alpha.)
    positive = ops.gt(input, 0)
    negative = ops.mul(ops.expm1(ops.where(positive, 0.0, input)), alpha)
    return ops.where(positive, input, negative)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    return elu(input, alpha, inplace=True)


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input * sigmoid(input)`` (swish)."""
    _require_floating(input, "silu")
    if inplace:
        return _inplace_result(input, silu, "silu_")
    return ops.mul(input, sigmoid(input))


def mish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input * tanh(softplus(input))``."""
    _require_floating(input, "mish")
    if inplace:
        return _inplace_result(input, mish, "mish_")
    return ops.mul(input, tanh(softplus(input)))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """Gaussian error linear unit ``input * Phi(input)``.

    Args:
        approximate: ``"none"`` (exact, through a float64-accurate erfc) or ``"tanh"``.

    Raises:
        ValueError: unknown ``approximate``.
        NotImplementedError: an integer input.
    """
    _require_floating(input, "gelu")
    if approximate == "tanh":
        inner = ops.mul(ops.add(input, ops.mul(ops.mul(ops.mul(input, input), input), 0.044715)), math.sqrt(2.0 / math.pi))
        return ops.mul(ops.mul(input, 0.5), ops.add(tanh(inner), 1.0))
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    # Phi(x) = erfc(-x / sqrt(2)) / 2: no cancellation in the negative tail, unlike 1 + erf(x / sqrt(2))
    return ops.mul(ops.mul(input, 0.5), _erfc(ops.mul(input, -math.sqrt(0.5))))


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:  # noqa: A002
    """``exp(input) / sum(exp(input), dim)``, numerically stable.

    Args:
        dim: the dim that sums to 1 (None: PyTorch's deprecated implicit choice, with a warning).
        dtype: cast the input to this dtype first (the way to take the softmax of an integer tensor).

    Raises:
        NotImplementedError: an integer or bool input without a floating ``dtype`` (as PyTorch).
    """
    _check_floating_softmax(input, dtype, "softmax")
    if input.ndim == 0 and dim not in (None, 0, -1):
        raise IndexError(f"softmax: Dimension out of range (expected to be in range of [-1, 0], but got {dim})")
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    return _softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:  # noqa: A002
    """``input - logsumexp(input, dim)``, numerically stable; arguments and errors as ``softmax``."""
    _check_floating_softmax(input, dtype, "log_softmax")
    if input.ndim == 0 and dim not in (None, 0, -1):
        raise IndexError(f"log_softmax: Dimension out of range (expected to be in range of [-1, 0], but got {dim})")
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    return _log_softmax(input, dim, dtype=dtype)


def _check_floating_softmax(input: Tensor, dtype: Any, op: str) -> None:  # noqa: A002
    """PyTorch has no integer softmax kernel: it refuses an integer input unless ``dtype``
    casts it to a floating dtype first (numpy and jax would otherwise promote silently)."""
    dt = input.dtype if dtype is None else dtypes.as_dtype(dtype)
    if not dt.is_floating_point:
        raise NotImplementedError(
            f'{op}: "{op}_lastdim_kernel_impl" not implemented for \'{scalar_name(dt)}\' (the input must be '
            f"floating point; pass dtype=arraygrad.float32 to cast an integer input first)"
        )


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


def _clip_inclusive(x: Tensor, lo: float, hi: float) -> Tensor:
    """``x`` limited to ``[lo, hi]`` with gradient 1 on the closed interval (``clamp``'s is 0 at a
    bound, which would zero a piecewise formula's derivative where its piece ends)."""
    return ops.where(ops.lt(x, lo), lo, ops.where(ops.gt(x, hi), hi, x))


def _erf_parts(x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """``(erf(x) for |x| <= 0.46875, erfc(|x|) for larger |x|, mask of the first region)``."""
    ax = ops.abs(x)
    small = ops.le(ax, _ERF_SMALL)
    # |x| <= 0.46875: erf(x) = x * P(x^2) / Q(x^2)
    xs = _clip_inclusive(x, -_ERF_SMALL, _ERF_SMALL)
    z = ops.mul(xs, xs)
    num, den = ops.mul(z, _ERF_A[4]), z
    for i in range(3):
        num, den = ops.mul(ops.add(num, _ERF_A[i]), z), ops.mul(ops.add(den, _ERF_B[i]), z)
    erf_small = ops.div(ops.mul(xs, ops.add(num, _ERF_A[3])), ops.add(den, _ERF_B[3]))
    # 0.46875 < |x| <= 4: erfc(|x|) = exp(-x^2) * C(|x|) / D(|x|)
    ym = _clip_inclusive(ax, _ERF_SMALL, _ERF_MID)
    num, den = ops.mul(ym, _ERF_C[8]), ym
    for i in range(7):
        num, den = ops.mul(ops.add(num, _ERF_C[i]), ym), ops.mul(ops.add(den, _ERF_D[i]), ym)
    erfc_mid = ops.mul(_exp_minus_square(ym), ops.div(ops.add(num, _ERF_C[7]), ops.add(den, _ERF_D[7])))
    # |x| > 4: erfc(|x|) = exp(-x^2) / |x| * (1/sqrt(pi) - P(1/x^2) / Q(1/x^2) / x^2)
    yl = _clip_inclusive(ax, _ERF_MID, _ERF_BIG)
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
    if AUTOCAST.active:
        input, weight, bias = autocast_args(op, input, weight, bias)
    return _unbatched_call(input, nd, op, lambda x: convnd(x, weight, bias, stride, padding, dilation, groups, nd, op))


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,  # noqa: A002
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-d convolution (cross-correlation, as PyTorch).

    Args:
        input: ``(N, C_in, L)`` or unbatched ``(C_in, L)``.
        weight: ``(C_out, C_in / groups, k)``; bias: ``(C_out,)`` or None.
        stride: int or 1-tuple.
        dilation: int or 1-tuple.
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
    if AUTOCAST.active:
        input, weight, bias = autocast_args(op, input, weight, bias)
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
        stride: as the ``conv1d`` this transposes (ints only, no strings).
        padding: as the ``conv1d`` this transposes (ints only, no strings).
        dilation: as the ``conv1d`` this transposes (ints only, no strings).
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
    if input.ndim < 2:  # PyTorch reads dim -3's size first: an IndexError
        raise IndexError(
            f"unfold: expected a 3-d (unbatched) or 4-d (batched) input, got input of shape {tuple(input.shape)}"
        )
    _require_floating(input, "unfold")
    kernel = _tuple(kernel_size, 2, "kernel_size", "unfold")
    check_window("unfold", kernel, _tuple(stride, 2, "stride", "unfold"), _tuple(padding, 2, "padding", "unfold"),
                 _tuple(dilation, 2, "dilation", "unfold"))

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
    check_window("fold", kernel, st, pd, dl)
    _require_floating(input, "fold")
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
    _require_floating(input, "max_pool1d")
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
        input: ``(N, C, L)`` or ``(C, L)``.
        kernel_size: the window length (an int or a 1-tuple).
        stride: the window step (default ``kernel_size``).
        padding: implicit zeros on both sides, at most half the kernel (default 0).
        ceil_mode: use ceil instead of floor for the output length (default False).
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
    check_adaptive_rank(op, input, output_size, nd)
    if not isinstance(output_size, (int, float)):
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
    check_adaptive_rank(op, input, output_size, nd)
    sizes = tuple(input.shape[-nd:])
    outs = (output_size,) * nd if isinstance(output_size, (int, float)) else tuple(output_size)
    if len(outs) != nd:
        raise RuntimeError(f"{op}: output_size must be an int or a tuple of {nd} ints, got {output_size!r}")
    outs = tuple(sizes[i] if o is None else _int_size(o, op) for i, o in enumerate(outs))
    _require_floating(input, op)
    check_adaptive_size(op, input, sizes, outs)
    lead = tuple(input.shape[:-nd])
    if 0 in outs:  # an empty output (PyTorch allows it), still connected to the input's graph
        empty = shape.reshape(shape.reshape(input, lead + (-1,))[..., :0], lead + outs)
        if not return_indices:
            return empty
        return empty, creation.zeros(lead + outs, dtype=dtypes.int64, backend=input._backend)
    axis_windows = [
        [list(range((j * n) // m, -(-((j + 1) * n) // m))) for j in range(m)] for n, m in zip(sizes, outs)
    ]
    strides = [math.prod(sizes[i + 1:]) for i in range(nd)]
    windows: list[list[int]] = [[0]]
    for i in range(nd):  # cartesian product of the per-axis windows, as flat positions
        windows = [[p + q * strides[i] for p in cell for q in win] for cell in windows for win in axis_windows[i]]
    k = max(len(w) for w in windows)
    table = [w + [w[0]] * (k - len(w)) for w in windows]
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
        running_mean: ``(C,)`` buffers, or None (needed when not training).
        running_var: ``(C,)`` buffers, or None (needed when not training).
        weight: ``(C,)`` affine parameters, or None.
        bias: ``(C,)`` affine parameters, or None.

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
    _require_floating(input, op)
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise RuntimeError(
                f"{op}: input of shape {tuple(input.shape)} has {c} channels, but {name} has shape {tuple(t.shape)}"
            )
    _check_param_dtypes(input, op, running_mean=running_mean, running_var=running_var, weight=weight, bias=bias)
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
        if use_input_stats:  # PyTorch's check: no spatial dims means one element per channel
            raise ValueError(
                f"instance_norm: Expected more than 1 spatial element when training, got input size "
                f"{list(input.shape)} (expected an input of shape (N, C, *))"
            )
        raise RuntimeError(f"instance_norm: expected an input of shape (N, C, *), got shape {tuple(input.shape)}")
    n, c = input.shape[0], input.shape[1]
    if n == 0 or c == 0:  # PyTorch's per-sample split fails on an empty batch: an IndexError
        raise IndexError(f"instance_norm: expected a non-empty batch and channel dim, got input of shape {tuple(input.shape)}")
    _require_floating(input, "instance_norm")
    _check_param_dtypes(input, "instance_norm", running_mean=running_mean, running_var=running_var, weight=weight,
                        bias=bias)
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
    entries = (normalized_shape,) if isinstance(normalized_shape, (int, float)) else tuple(normalized_shape)
    if any(not hasattr(type(s), "__index__") or isinstance(s, bool) for s in entries):
        raise TypeError(f"{op}(): argument 'normalized_shape' must be a tuple of ints, got {normalized_shape!r}")
    ns = tuple(int(s) for s in entries)
    k = len(ns)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != ns:
        raise RuntimeError(
            f"{op}: given normalized_shape={list(ns)}, expected input with shape [*, "
            f"{', '.join(str(s) for s in ns)}], but got input of size {list(input.shape)}"
        )
    return ns


def _check_norm_params(input: Tensor, weight: Tensor | None, bias: Tensor | None, want: tuple[int, ...],  # noqa: A002
                       op: str, what: str) -> None:
    """A normalization's floating input and its affine parameters' shapes (``want``) and dtype,
    checked as PyTorch does before any arithmetic (else a broadcast error names ``mul``)."""
    _require_floating(input, op)
    for name, p in (("weight", weight), ("bias", bias)):
        if p is None:
            continue
        if tuple(p.shape) != want:
            raise RuntimeError(
                f"{op}: Expected {name} to be {what}, but got {name} of shape {list(p.shape)} and "
                f"{'normalized_shape = ' if op == 'layer_norm' else 'input of shape '}"
                f"{list(want) if op == 'layer_norm' else list(input.shape)}"
            )
        # PyTorch's one allowed mix: float32 parameters with a float16/bfloat16 input
    _check_param_dtypes(input, op, weight=weight, bias=bias)


def _check_param_dtypes(input: Tensor, op: str, **params: Tensor | None) -> None:  # noqa: A002
    """A normalization's parameters and statistics must have the input's dtype; PyTorch's one
    allowed mix is float32 parameters with a float16/bfloat16 input."""
    for name, p in params.items():
        if p is not None and p.dtype != input.dtype and not (p.dtype is dtypes.float32 and input.dtype.itemsize < 4):
            raise RuntimeError(
                f"{op}: mixed dtype: expect parameter to have scalar type of {scalar_name(input.dtype)}, but "
                f"{name} is {p.dtype.name}"
            )


def layer_norm(input: Tensor, normalized_shape: Any, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` dims (mean and biased variance), then
    multiply by ``weight`` and add ``bias`` (both of shape ``normalized_shape``) elementwise.

    Raises:
        RuntimeError: the input's trailing dims are not ``normalized_shape``.
    """
    if AUTOCAST.active:
        input, weight, bias = autocast_args("layer_norm", input, weight, bias)
    ns = _check_trailing_shape(input, normalized_shape, "layer_norm")
    _check_norm_params(input, weight, bias, ns, "layer_norm", "of same shape as normalized_shape")
    k = len(ns)
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
    if input.ndim == 0:
        raise ValueError(f"rms_norm: expected an input with at least 1 dim, got a 0-d input ({normalized_shape=})")
    k = len(_check_trailing_shape(input, normalized_shape, "rms_norm"))
    _require_floating(input, "rms_norm")
    if weight is not None and tuple(weight.shape) != tuple(input.shape[input.ndim - k:]):
        raise RuntimeError(
            f"rms_norm: Expected weight to be of same shape as normalized_shape, but got weight of shape "
            f"{list(weight.shape)} and normalized_shape = {list(input.shape[input.ndim - k:])}"
        )
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
    if AUTOCAST.active:
        input, weight, bias = autocast_args("group_norm", input, weight, bias)
    if input.ndim < 2:
        raise RuntimeError(f"group_norm: expected an input of shape (N, C, *), got shape {tuple(input.shape)}")
    n, c = input.shape[0], input.shape[1]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(
            f"group_norm: expected the number of channels of the input of shape {tuple(input.shape)} to be "
            f"divisible by num_groups={num_groups}"
        )
    _check_norm_params(input, weight, bias, (c,), "group_norm",
                       "a vector of size equal to the number of channels in input")
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
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"normalize: Expected a floating point or complex tensor as input, got {input.dtype.name}")
    norm = ops.clamp(ops.norm(input, p, dim, keepdim=True), min=eps)
    return ops.div(input, norm)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine of the angle between ``x1`` and ``x2`` (broadcast) along ``dim``:
    ``sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps))``.

    As in PyTorch, each norm is clamped to ``eps`` without changing its gradient (the clamp
    only guards the division), and each input is divided by its own norm before the product,
    which keeps the result within [-1, 1].
    """
    if not (x1.dtype.is_floating_point or x2.dtype.is_floating_point):
        raise RuntimeError(
            f"cosine_similarity: expected common dtype to be floating point, yet common dtype is "
            f"{scalar_name(dtypes.promote(x1.dtype, x2.dtype))}"
        )
    if x1._backend is not x2._backend:
        raise ops._backend_mismatch("cosine_similarity", x1, x2)
    # as PyTorch: both in their common (floating) dtype, so a bool or int operand is accepted
    common = dtypes.promote(x1.dtype, x2.dtype)
    x1, x2 = shape.broadcast_tensors(x1.to(common), x2.to(common))

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
    if weight.ndim != 2 or 0 in weight.shape:
        raise RuntimeError(f"embedding: 'weight' must be a non-empty 2-D tensor, got weight of shape {tuple(weight.shape)}")
    num = weight.shape[0]
    check_embedding_indices(input, num)
    padding_idx = _padding_index(padding_idx, num, "embedding")
    if max_norm is not None:
        _embedding_renorm(weight, input, max_norm, norm_type)
    out = weight[input]
    if padding_idx is None and not scale_grad_by_freq:
        return named_node(out, IndexBackward0, EmbeddingBackward0)
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
        max_norm: as ``embedding``.
        norm_type: as ``embedding``.
        scale_grad_by_freq: as ``embedding``.
        sparse: as ``embedding``.

    Returns:
        ``(B, embedding_dim)``.

    Raises:
        ValueError: bad mode, offsets with a 2-d input or none with a 1-d one, weights with a
            mode other than sum, malformed offsets.
    """
    _check_indices(input, "embedding_bag")
    if weight.ndim != 2:
        raise ValueError(f"embedding_bag: weight has to be a 2D Tensor, but got Tensor of dimension {weight.ndim}")
    if not weight.dtype.is_floating_point or 0 in weight.shape:
        raise RuntimeError(
            f"embedding_bag: expected a non-empty floating weight, got {weight.dtype.name} of shape {tuple(weight.shape)}"
        )
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"embedding_bag: mode has to be one of sum, mean or max, got {mode!r}")
    if per_sample_weights is not None:
        if tuple(per_sample_weights.shape) != tuple(input.shape):  # checked first, as PyTorch
            raise ValueError(
                f"embedding_bag: If per_sample_weights ({tuple(per_sample_weights.shape)}) is not None, then it must "
                f"have the same shape as the input ({tuple(input.shape)})"
            )
        if mode != "sum":
            raise NotImplementedError(
                f"embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for "
                f"mode='sum' (got mode='{mode}'). Please open a feature request on GitHub."
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
    _require_floating(input, "interpolate")
    if mode not in _INTERP_MODES:
        # NotImplementedError, as PyTorch (whose dispatch on mode ends in a "not supported" branch)
        raise NotImplementedError(
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
        entries = size if isinstance(size, (list, tuple)) else [size] * nd
        out_sizes = [_int_size(s, "interpolate", "size") for s in entries]
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
    if any(s <= 0 for s in out_sizes) or any(s <= 0 for s in sizes):
        raise RuntimeError(
            f"interpolate: Input and output sizes should be greater than 0, but got input {list(sizes)} and output "
            f"{out_sizes} (input of shape {tuple(input.shape)})"
        )
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


# ---------------------------------------------------------------------- losses
# PyTorch's formulas, written with Tensor ops so that autograd gives the gradients (of any
# order); binary_cross_entropy alone has a fused backward, PyTorch's, which stays finite where a
# probability is exactly 0 or 1. Every loss takes ``reduction``: ``'none'`` (one value per
# element or sample), ``'mean'`` or ``'sum'``; ``size_average`` and ``reduce`` are PyTorch's
# deprecated spelling of it (with its warning). Targets are checked, on the host: a target of
# the wrong shape raises ValueError naming both shapes, a class index out of range IndexError,
# a non-integer class index TypeError.

from arraygrad.core.autograd import Function  # noqa: E402

_REDUCTIONS = ("none", "mean", "sum")


def _legacy_reduction(size_average: bool | None, reduce: bool | None, stacklevel: int = 4) -> str:
    """PyTorch's reading of the deprecated ``size_average`` / ``reduce`` flags as a ``reduction``."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
                  stacklevel=stacklevel)
    return ret


def _reduction_arg(reduction: str, size_average: bool | None, reduce: bool | None, op: str,
                   allowed: tuple[str, ...] = _REDUCTIONS) -> str:
    if size_average is not None or reduce is not None:
        return _legacy_reduction(size_average, reduce)
    if reduction not in allowed:
        raise ValueError(f"{op}: {reduction!r} is not a valid value for reduction; expected one of {', '.join(allowed)}")
    return reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return ops.mean(loss)
    return ops.sum(loss) if reduction == "sum" else loss


def _check_broadcast(input: Tensor, target: Tensor, op: str, warn: bool) -> None:  # noqa: A002
    """A target that does not broadcast with the input raises; one that broadcasts without
    having the input's shape warns (``warn``, as PyTorch: it is usually a mistake)."""
    a, b = tuple(input.shape), tuple(target.shape)
    if a == b:
        return
    if warn:  # PyTorch warns first, whether or not the shapes then broadcast
        warnings.warn(
            f"{op}: using a target size ({b}) that is different to the input size ({a}). This will likely lead to "
            "incorrect results due to broadcasting. Please ensure they have the same size.",
            stacklevel=3,
        )
    for i, (p, q) in enumerate(zip(a[::-1], b[::-1])):
        if p != q and p != 1 and q != 1:
            dim = max(len(a), len(b)) - 1 - i
            raise RuntimeError(
                f"{op}: The size of tensor a ({p}) must match the size of tensor b ({q}) at non-singleton dimension "
                f"{dim} (input of shape {a}, target of shape {b})"
            )


def _check_floating_result(t: Tensor, op: str) -> None:
    """A loss whose PyTorch kernel writes into a tensor of ``t``'s dtype: an integer ``t``
    cannot hold the floating result."""
    if not t.dtype.is_floating_point:
        raise RuntimeError(
            f"{op}: result type Float can't be cast to the desired output type {scalar_name(t.dtype)} (an integer "
            f"{t.dtype.name} tensor where a floating one is needed)"
        )


def _check_floating_loss(input: Tensor, target: Tensor, op: str) -> None:  # noqa: A002
    """PyTorch's pointwise losses have no integer kernels: integer input and target together
    are refused (one floating side is enough; the other is promoted)."""
    if not input.dtype.is_floating_point and not target.dtype.is_floating_point:
        raise NotImplementedError(
            f"{op}: not implemented for integer input and target ('{scalar_name(input.dtype)}' and "
            f"'{scalar_name(target.dtype)}'); convert them to a floating dtype"
        )


def _same_shape(input: Tensor, target: Tensor, op: str, what: str = "target") -> None:  # noqa: A002
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(
            f"{op}: {what} of shape {tuple(target.shape)} must have the input's shape {tuple(input.shape)}"
        )


def _host_range(t: Tensor) -> tuple[Any, Any]:
    """(min, max) of a non-empty tensor, as Python numbers (a host sync)."""
    d = t.detach()
    return ops.min(d).item(), ops.max(d).item()


def _check_class_target(input: Tensor, target: Tensor, op: str) -> Tensor:  # noqa: A002
    """PyTorch's dtype rule for class-index targets: int64 or uint8 (the latter read as int64
    here); any other integer, bool or floating dtype is refused rather than converted."""
    if target.dtype is dtypes.int64:
        return target
    if target.dtype is dtypes.uint8:
        return target.to(dtypes.int64)
    hint = ""
    if target.dtype.is_floating_point and input.ndim >= 1:
        hint = (f" (class probabilities must be a target of the input's shape {tuple(input.shape)}; class indices "
                "an int64 tensor)")
    raise RuntimeError(
        f"{op}: expected target dtype to be Long or Byte, but got {scalar_name(target.dtype)} "
        f"({target.dtype.name}){hint}"
    )


def _check_class_range(target: Tensor, n_classes: int, op: str, ignore_index: int | None = None,
                       low: int = 0) -> None:
    """Every class index in ``[low, n_classes)``, except those equal to ``ignore_index`` (one
    host sync; the offending value is looked up only on failure)."""
    t = target.detach()
    if ignore_index is not None:
        t = ops.where(ops.ne(t, ignore_index), t, low)
    if t.numel() == 0:
        return

    def fail(lo: int, hi: int) -> None:
        bad = hi if hi >= n_classes else lo
        allowed = f"{low} <= target < {n_classes}" + (
            "" if ignore_index is None else f", or ignore_index={ignore_index}"
        )
        raise IndexError(f"{op}: target class {bad} is out of range for {n_classes} classes (expected {allowed})")

    arr, xp = t._storage.array, t._backend.xp
    if t._backend.is_traced(arr):  # inside ag.compile: checked on the host after the program ran
        lo_arr, hi_arr = xp.min(arr), xp.max(arr)
        failed = xp.logical_or(xp.less(lo_arr, low), xp.greater_equal(hi_arr, n_classes))
        tracing.check_later(failed, (lo_arr, hi_arr), fail)
        return
    if not ops.any(ops.logical_or(ops.lt(t, low), ops.ge(t, n_classes))).item():
        return
    fail(*_host_range(t))


def _check_class_weight(weight: Tensor | None, n_classes: int, op: str, input: Tensor | None = None) -> None:  # noqa: A002
    if weight is None:
        return
    if tuple(weight.shape) != (n_classes,):
        raise RuntimeError(
            f"{op}: weight tensor should be defined either for all {n_classes} classes or no classes but got weight "
            f"tensor of shape: {tuple(weight.shape)}"
        )
    if input is not None and weight.dtype != input.dtype:
        raise RuntimeError(
            f"{op}: expected scalar type {scalar_name(input.dtype)} but found {scalar_name(weight.dtype)}: the "
            f"weight ({weight.dtype.name}) must have the input's dtype ({input.dtype.name})"
        )


def _weighted_pointwise(loss: Tensor, weight: Tensor | None, input: Tensor, reduction: str, op: str,  # noqa: A002
                        mean_by_weight: bool = True) -> Tensor:
    """Reduce an elementwise loss, with PyTorch's optional per-element ``weight`` (of the input's
    shape): ``'mean'`` is the weighted sum over the sum of weights (``mean_by_weight``) or the
    plain mean of the weighted loss (huber_loss)."""
    if weight is None:
        return _reduce(loss, reduction)
    _same_shape(input, weight, op, "weight")
    loss = ops.mul(loss, weight)
    if reduction == "mean" and mean_by_weight:
        return ops.div(ops.sum(loss), ops.sum(weight))
    return _reduce(loss, reduction)


def mse_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,  # noqa: A002
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Squared error ``(input - target)**2``.

    Args:
        input: tensors of the same shape; a target that only broadcasts with the input
            warns (as PyTorch) and the loss has the broadcast shape.
        target: tensors of the same shape; a target that only broadcasts with the input
            warns (as PyTorch) and the loss has the broadcast shape.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``.
        weight: optional per-element weights of the input's shape; ``'mean'`` is then the
            weighted sum divided by the sum of the weights.

    Returns:
        A scalar, or the elementwise loss for ``'none'``.

    Raises:
        ValueError: target not broadcastable with input, weight not of the input's shape, or a
            bad reduction.
    """
    if AUTOCAST.active:
        input, target, weight = autocast_args("mse_loss", input, target, weight)
    reduction = _reduction_arg(reduction, size_average, reduce, "mse_loss")
    _check_broadcast(input, target, "mse_loss", warn=True)
    _check_floating_loss(input, target, "mse_loss")
    if weight is None and input.dtype == target.dtype and input._backend is target._backend:
        return _fused_losses.mse_loss(input, target, reduction)
    diff = ops.sub(input, target)
    return _weighted_pointwise(ops.mul(diff, diff), weight, input, reduction, "mse_loss")


def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,  # noqa: A002
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Absolute error ``|input - target|`` (gradient 0 where they are equal); arguments, result
    and errors as ``mse_loss``."""
    if AUTOCAST.active:
        input, target, weight = autocast_args("l1_loss", input, target, weight)
    reduction = _reduction_arg(reduction, size_average, reduce, "l1_loss")
    _check_broadcast(input, target, "l1_loss", warn=True)
    return _weighted_pointwise(ops.abs(ops.sub(input, target)), weight, input, reduction, "l1_loss")


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
                   reduce: bool | None = None, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """``0.5 * d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 * beta`` (``d = input - target``;
    ``beta = 0`` is ``l1_loss``).

    Raises:
        ValueError: negative ``beta``; otherwise as ``mse_loss``.
    """
    if AUTOCAST.active:
        input, target = autocast_args("smooth_l1_loss", input, target)
    reduction = _reduction_arg(reduction, size_average, reduce, "smooth_l1_loss")
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta, got {beta}")
    _check_broadcast(input, target, "smooth_l1_loss", warn=True)
    _check_floating_loss(input, target, "smooth_l1_loss")
    diff = ops.sub(input, target)
    ad = ops.abs(diff)
    if beta == 0.0:
        return _reduce(ad, reduction)
    loss = ops.where(ops.lt(ad, beta), ops.mul(ops.mul(diff, diff), 0.5 / beta), ops.sub(ad, 0.5 * beta))
    return _reduce(loss, reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,  # noqa: A002
               weight: Tensor | None = None) -> Tensor:
    """``0.5 * d**2`` where ``|d| < delta``, else ``delta * (|d| - 0.5 * delta)``
    (``d = input - target``). With ``weight``, ``'mean'`` is the mean of the weighted loss (as
    PyTorch).

    Raises:
        ValueError: ``delta <= 0``; otherwise as ``mse_loss``.
    """
    if AUTOCAST.active:
        input, target, weight = autocast_args("huber_loss", input, target, weight)
    reduction = _reduction_arg(reduction, None, None, "huber_loss")
    if delta <= 0:
        raise RuntimeError(f"huber_loss does not support non-positive values for delta, got {delta}")
    _check_broadcast(input, target, "huber_loss", warn=True)
    _check_floating_result(input, "huber_loss")
    _check_floating_loss(input, target, "huber_loss")
    diff = ops.sub(input, target)
    ad = ops.abs(diff)
    loss = ops.where(ops.lt(ad, delta), ops.mul(ops.mul(diff, diff), 0.5), ops.mul(ops.sub(ad, 0.5 * delta), delta))
    return _weighted_pointwise(loss, weight, input, reduction, "huber_loss", mean_by_weight=False)


def _batched_class_input(input: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int | None,  # noqa: A002
                         op: str, hint: str = "") -> tuple[Tensor, Tensor]:
    """Check a class-index target against ``input`` ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)``
    and return both with a batch dim of 1 added when unbatched."""
    if input.ndim == 0:
        # cross_entropy's log_softmax over dim 1 fails first in PyTorch (an IndexError)
        kind = IndexError if op == "cross_entropy" else ValueError
        raise kind(f"{op}: expected input of shape (C,), (N, C) or (N, C, d1, ...), got a 0-d input")
    batched = input.ndim >= 2
    expected = (input.shape[0],) + tuple(input.shape[2:]) if batched else ()
    got = tuple(target.shape)
    where = f"(input of shape {tuple(input.shape)}, target of shape {got}){hint}"
    # PyTorch's order and kinds: the batch size (ValueError) before the target's dtype, its rank
    # and spatial size (RuntimeError) after
    if got != expected and op != "multi_margin_loss":
        if not batched and len(got) == 1 and target.numel() != 1:
            raise ValueError(f"{op}: For 1D input, 1D target must have size 1, but got target size: {target.numel()} {where}")
        if batched and (not got or got[0] != expected[0]):
            batch = got[0] if got else 0
            raise ValueError(f"{op}: Expected input batch_size ({expected[0]}) to match target batch_size ({batch}) {where}")
    target = _check_class_target(input, target, op)
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"{op}: not implemented for an input of dtype '{scalar_name(input.dtype)}' (the input must be floating "
            "point log-probabilities or logits)"
        )
    if got != expected:
        if len(got) != len(expected):
            raise RuntimeError(
                f"{op}: expected a target of {len(expected)} dims (class indices of shape {expected}), "
                f"multi-target not supported {where}"
            )
        raise RuntimeError(f"{op}: Expected target size {expected}, got {got} {where}")
    n_classes = input.shape[1 if batched else 0]
    _check_class_weight(weight, n_classes, op, input)
    _check_class_range(target, n_classes, op, ignore_index)
    if batched:
        return input, target
    return shape.unsqueeze(input, 0), shape.unsqueeze(target, 0)


def _nll_terms(logp: Tensor, target: Tensor, weight: Tensor | None,
               ignore_index: int) -> tuple[Tensor, Tensor, Tensor]:
    """``(-weight[t] * logp[n, t, ...], weight[t], valid)`` per target element of the batched
    ``logp`` ``(N, C, *)``; both are 0 where the target is ``ignore_index``."""
    valid = ops.ne(target, ignore_index)
    safe = ops.where(valid, target, 0)
    picked = shape.squeeze(take_along_dim(logp, shape.unsqueeze(safe, 1), 1), 1)
    if weight is None:
        w = valid.to(logp.dtype)
        terms = ops.neg(picked)
    else:
        w = ops.where(valid, weight[safe], 0.0)
        terms = ops.neg(ops.mul(picked, w))
    # where(), not the 0 weight alone: an ignored position's logp may be -inf
    return ops.where(valid, terms, 0.0), w, valid


def _class_reduce(terms: Tensor, w: Tensor, reduction: str, unbatched: bool) -> Tensor:
    """'mean' divides by the total weight of the counted targets, as PyTorch."""
    if reduction == "none":
        return shape.squeeze(terms, 0) if unbatched else terms
    total = ops.sum(terms)
    return ops.div(total, ops.sum(w)) if reduction == "mean" else total


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: bool | None = None,  # noqa: A002
             ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood ``-weight[t] * input[n, t]`` of class indices ``t``.

    Args:
        input: log-probabilities ``(N, C)``, ``(N, C, d1, ...)`` or unbatched ``(C,)``.
        target: integer class indices ``(N,)``, ``(N, d1, ...)`` or ``()``, in ``[0, C)``.
        weight: optional ``(C,)`` class weights.
        ignore_index: a target value that contributes nothing (and is not counted by 'mean').
        reduction: ``'mean'`` divides by the sum of the weights of the counted targets.

    Returns:
        A scalar, or the per-target loss (the target's shape) for ``'none'``.

    Raises:
        TypeError: a non-integer target.
        ValueError: a target or weight of the wrong shape, or a bad reduction.
        IndexError: a target class outside ``[0, C)`` (other than ``ignore_index``).
    """
    if AUTOCAST.active:
        input, target, weight = autocast_args("nll_loss", input, target, weight)
    reduction = _reduction_arg(reduction, size_average, reduce, "nll_loss")
    x, t = _batched_class_input(input, target, weight, ignore_index, "nll_loss")
    if weight is None and input._backend is target._backend:
        return _fused_losses.nll_loss(input, x, t, ignore_index, reduction, input.ndim == 1)
    terms, w, _ = _nll_terms(x, t, weight, ignore_index)
    return _class_reduce(terms, w, reduction, input.ndim == 1)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                  size_average: bool | None = None, ignore_index: int = -100, reduce: bool | None = None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """``nll_loss(log_softmax(input, class_dim), target)`` for class indices, or
    ``-sum(target * weight * log_softmax(input))`` over the classes for class probabilities.

    Args:
        input: logits ``(N, C)``, ``(N, C, d1, ...)`` or unbatched ``(C,)``.
        target: integer class indices (shape and range as ``nll_loss``), or floating class
            probabilities of the input's shape.
        weight: optional ``(C,)`` class weights.
        ignore_index: a class-index target value that contributes nothing (class indices only).
        reduction: for class indices ``'mean'`` divides by the sum of the weights of the
            counted targets; for probabilities by the number of samples (``numel / C``).
        label_smoothing: ``eps`` in ``[0, 1]``: the target becomes ``(1 - eps) * target + eps / C``.

    Returns:
        A scalar, or the per-sample loss for ``'none'``.

    Raises:
        TypeError: class indices that are not integers, or probabilities that are not floats.
        ValueError: a target or weight of the wrong shape, ``label_smoothing`` outside
            ``[0, 1]``, ``ignore_index >= 0`` with probabilities, or a bad reduction.
        IndexError: a class index outside ``[0, C)`` (other than ``ignore_index``).
    """
    if AUTOCAST.active:
        input, target, weight = autocast_args("cross_entropy", input, target, weight)
    op = "cross_entropy"
    reduction = _reduction_arg(reduction, size_average, reduce, op)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"{op}: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    if input.ndim >= 1 and tuple(target.shape) == tuple(input.shape):
        return _cross_entropy_probabilities(input, target, weight, ignore_index, reduction, label_smoothing)
    hint = (f" (class probabilities must be a floating target of the input's shape {tuple(input.shape)})"
            if input.ndim >= 1 else "")
    x, t = _batched_class_input(input, target, weight, ignore_index, op, hint)
    logp = _log_softmax(x, 1)
    if weight is None and label_smoothing == 0.0 and input._backend is target._backend:
        return _fused_losses.nll_loss(logp, logp, t, ignore_index, reduction, input.ndim == 1)
    terms, w, valid = _nll_terms(logp, t, weight, ignore_index)
    if label_smoothing == 0.0:
        return _class_reduce(terms, w, reduction, input.ndim == 1)
    # PyTorch: (1 - eps) * nll + eps / C * (the loss against the uniform distribution, weighted
    # by the class weights), ignored positions zeroed, 'mean' over the same total weight as nll
    n_classes = x.shape[1]
    if weight is not None:
        logp = ops.mul(logp, shape.reshape(weight, (1, n_classes) + (1,) * (x.ndim - 2)))
    smooth = ops.where(valid, ops.neg(ops.sum(logp, 1)), 0.0)
    terms = ops.add(ops.mul(terms, 1.0 - label_smoothing), ops.mul(smooth, label_smoothing / n_classes))
    return _class_reduce(terms, w, reduction, input.ndim == 1)


def _cross_entropy_probabilities(input: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int,  # noqa: A002
                                 reduction: str, label_smoothing: float) -> Tensor:
    op = "cross_entropy"
    if not target.dtype.is_floating_point:
        raise RuntimeError(
            f"{op}: Expected floating point type for target with class probabilities, got "
            f"{scalar_name(target.dtype)} (a target of the input's shape {tuple(input.shape)} holds probabilities; "
            f"class indices have shape {tuple(input.shape[:1] + input.shape[2:])})"
        )
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"{op}: not implemented for an input of dtype '{scalar_name(input.dtype)}'")
    if ignore_index >= 0:
        raise ValueError(f"{op}: ignore_index={ignore_index} is not supported for class-probability targets")
    class_dim = 0 if input.ndim == 1 else 1
    n_classes = input.shape[class_dim]
    _check_class_weight(weight, n_classes, op, input)
    if label_smoothing > 0.0:
        target = ops.add(ops.mul(target, 1.0 - label_smoothing), label_smoothing / n_classes)
    terms = ops.mul(_log_softmax(input, class_dim), target)
    if weight is not None:
        terms = ops.mul(terms, shape.reshape(weight, (n_classes,) + (1,) * (input.ndim - class_dim - 1)))
    if reduction == "none":
        return ops.neg(ops.sum(terms, class_dim))
    total = ops.neg(ops.sum(terms))
    return ops.div(total, input.numel() // n_classes if n_classes else 0) if reduction == "mean" else total


def _log_clamped(x: Tensor) -> Tensor:
    """``max(log(x), -100)``, without evaluating log(0) (PyTorch's clamp of BCE's logs)."""
    pos = ops.gt(x, 0)
    return ops.clamp(ops.where(pos, ops.log(ops.where(pos, x, 1.0)), -100.0), min=-100.0)


_BCE_EPSILON = _f32(1e-12)  # PyTorch's EPSILON is a C float


class _BinaryCrossEntropy(Function):
    """Elementwise ``-(y * log(x) + (1 - y) * log(1 - x))`` (logs clamped at -100) with
    PyTorch's backward ``(x - y) / max(x * (1 - x), 1e-12)``: finite where x is exactly 0 or 1
    (a composite's gradient would be 0 * inf = NaN there)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, y: Tensor) -> Tensor:
        ctx.save_for_backward(x, y)
        return ops.neg(ops.add(ops.mul(y, _log_clamped(x)), ops.mul(ops.rsub(y, 1.0), _log_clamped(ops.rsub(x, 1.0)))))

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        x, y = ctx.saved_tensors
        gx = gy = None
        if ctx.needs_input_grad[0]:
            gx = ops.div(ops.mul(grad, ops.sub(x, y)), ops.clamp(ops.mul(ops.rsub(x, 1.0), x), min=_BCE_EPSILON))
        if ctx.needs_input_grad[1]:
            gy = ops.mul(grad, ops.sub(ops.log1p(ops.neg(x)), ops.log(x)))  # -logit(x), as PyTorch
        return gx, gy


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """``-weight * (target * log(input) + (1 - target) * log(1 - input))``, each log clamped at
    -100 (so a probability of exactly 0 or 1 gives a finite loss and gradient, as PyTorch).

    Args:
        input: probabilities in ``[0, 1]``; target: probabilities of the same shape.
        weight: optional weights broadcast against the loss.

    Raises:
        ValueError: a target of another shape, input or target values outside ``[0, 1]`` (the
            message names the smallest and largest found), or a bad reduction.
    """
    if AUTOCAST.active:
        input, target, weight = autocast_args("binary_cross_entropy", input, target, weight)
    op = "binary_cross_entropy"
    reduction = _reduction_arg(reduction, size_average, reduce, op)
    _same_shape(input, target, op)
    for name, t in (("target", target), ("weight", weight)):
        if t is not None and t.dtype != input.dtype:
            raise RuntimeError(
                f"{op}: Found dtype {scalar_name(t.dtype)} but expected {scalar_name(input.dtype)}: the {name} "
                f"({t.dtype.name}) must have the input's dtype ({input.dtype.name})"
            )
    for name, t in (("input", input), ("target", target)):
        inside = ops.logical_and(ops.ge(t.detach(), 0.0), ops.le(t.detach(), 1.0))  # False for NaN
        if not t.numel():
            continue

        def fail(lo: float, hi: float, name: str = name) -> None:
            raise RuntimeError(f"{op}: all elements of {name} should be between 0 and 1, found min {lo} and max {hi}")

        if t._backend.is_traced(inside._storage.array):  # inside ag.compile: checked after the program ran
            xp, arr = t._backend.xp, t._storage.array
            tracing.check_later(xp.logical_not(xp.all(inside._storage.array)), (xp.min(arr), xp.max(arr)), fail)
        elif not ops.all(inside).item():
            fail(*_host_range(t))
    loss = _BinaryCrossEntropy.apply(input, target)
    return _reduce(loss if weight is None else ops.mul(loss, weight), reduction)


def _log1p_exp(x: Tensor) -> Tensor:
    """``log(1 + exp(x))`` that neither overflows nor loses the small tail (softplus without
    PyTorch's linear threshold)."""
    return ops.add(ops.log1p(ops.exp(ops.neg(ops.abs(x)))), ops.maximum(x, 0.0))


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                                     size_average: bool | None = None, reduce: bool | None = None,
                                     reduction: str = "mean", pos_weight: Tensor | None = None) -> Tensor:
    """``binary_cross_entropy(sigmoid(input), target)`` computed from the logits as PyTorch,
    ``(1 - target) * input - (1 + (pos_weight - 1) * target) * log_sigmoid(input)``, times
    ``weight``: finite and exact for logits of any size (e.g. +-1000).

    Args:
        input: logits; target: probabilities of the same shape (not range-checked, as PyTorch).
        weight: optional weights broadcast against the loss.
        pos_weight: optional weight of the positive term, broadcast against the target (e.g.
            ``(C,)`` for ``(N, C)``: one per class).

    Raises:
        ValueError: a target of another shape, or a bad reduction.
    """
    if AUTOCAST.active:
        input, target, weight, pos_weight = autocast_args("binary_cross_entropy_with_logits", input, target, weight, pos_weight)
    op = "binary_cross_entropy_with_logits"
    reduction = _reduction_arg(reduction, size_average, reduce, op)
    _same_shape(input, target, op)
    _require_floating(input, op)
    if not target.dtype.is_floating_point:
        raise RuntimeError(
            f"{op}: result type {scalar_name(input.dtype)} can't be cast to the desired output type "
            f"{scalar_name(target.dtype)}: the target must be floating point, got {target.dtype.name}"
        )
    log_sigmoid = ops.neg(_log1p_exp(ops.neg(input)))
    if pos_weight is not None:
        log_sigmoid = ops.mul(log_sigmoid, ops.add(ops.mul(ops.sub(pos_weight, 1.0), target), 1.0))
    loss = ops.sub(ops.mul(ops.rsub(target, 1.0), input), log_sigmoid)
    return _reduce(loss if weight is None else ops.mul(loss, weight), reduction)


def kl_div(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,  # noqa: A002
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence ``target * (log(target) - input)`` with ``input`` given as
    log-probabilities (``0 * log(0) = 0``); with ``log_target`` the target is a log-probability
    too: ``exp(target) * (target - input)``.

    Args:
        reduction: ``'batchmean'`` (the sum over the batch size ``input.shape[0]``: the true KL
            divergence), ``'sum'``, ``'none'``, or ``'mean'`` (the mean over all elements; it
            warns, as PyTorch, since it is rarely what is meant).

    Raises:
        ValueError: a target that does not broadcast with the input, or a bad reduction.
    """
    if AUTOCAST.active:
        input, target = autocast_args("kl_div", input, target)
    op = "kl_div"
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, stacklevel=3)
    elif reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"{op}: {reduction!r} is not a valid value for reduction; expected one of "
                         "none, batchmean, sum, mean")
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            stacklevel=2,
        )
    _check_broadcast(input, target, op, warn=False)
    _check_floating_result(input, op)
    _check_floating_result(target, op)
    if log_target:
        loss = ops.mul(ops.exp(target), ops.sub(target, input))
    else:
        nonzero = ops.ne(target, 0)
        xlogx = ops.where(nonzero, ops.mul(target, ops.log(ops.where(nonzero, target, 1.0))), 0.0)
        loss = ops.sub(xlogx, ops.mul(target, input))
    if reduction == "batchmean":
        total = ops.sum(loss)
        return ops.div(total, input.shape[0]) if input.ndim else total
    return _reduce(loss, reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,  # noqa: A002
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """``input`` where ``target == 1``, ``max(0, margin - input)`` where ``target == -1`` (a
    target of neither value contributes both terms, as PyTorch).

    Raises:
        ValueError: a target that does not broadcast with the input, or a bad reduction.
    """
    if AUTOCAST.active:
        input, target = autocast_args("hinge_embedding_loss", input, target)
    reduction = _reduction_arg(reduction, size_average, reduce, "hinge_embedding_loss")
    _check_broadcast(input, target, "hinge_embedding_loss", warn=False)
    _check_floating_result(input, "hinge_embedding_loss")
    margin_term = ops.where(ops.ne(target, 1), ops.clamp(ops.rsub(input, margin), min=0.0), 0.0)
    self_term = ops.where(ops.ne(target, -1), input, 0.0)
    return _reduce(ops.add(margin_term, self_term), reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``: ``target`` 1 asks for input1 ranked
    higher, -1 for input2.

    Raises:
        ValueError: inputs and target with different numbers of dims (all shapes are named),
            shapes that do not broadcast, or a bad reduction.
    """
    if AUTOCAST.active:
        input1, input2, target = autocast_args("margin_ranking_loss", input1, input2, target)
    op = "margin_ranking_loss"
    reduction = _reduction_arg(reduction, size_average, reduce, op)
    shapes = [tuple(t.shape) for t in (input1, input2, target)]
    if len({len(s) for s in shapes}) != 1:
        raise RuntimeError(f"{op}: all input tensors should have the same number of dimensions, but got "
                         f"input1: {shapes[0]}, input2: {shapes[1]}, target: {shapes[2]}")
    try:
        shape.broadcast_shapes(*shapes)
    except RuntimeError:
        raise RuntimeError(f"{op}: shapes input1: {shapes[0]}, input2: {shapes[1]}, target: {shapes[2]} "
                         "do not broadcast") from None
    loss = ops.add(ops.mul(ops.neg(target), ops.sub(input1, input2)), margin)
    return _reduce(ops.clamp(loss, min=0.0), reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                          size_average: bool | None = None, reduce: bool | None = None,
                          reduction: str = "mean") -> Tensor:
    """``1 - cos(input1, input2)`` where ``target == 1``, ``max(0, cos - margin)`` where
    ``target == -1`` (the cosine over the last dim, with PyTorch's ``1e-12`` added to each
    squared norm).

    Args:
        input1: ``(N, D)`` with target ``(N,)``, or ``(D,)`` with a 0-d target.
        input2: ``(N, D)`` with target ``(N,)``, or ``(D,)`` with a 0-d target.

    Raises:
        ValueError: a target that is not 0-d or 1-d, or inputs of the wrong shape for it.
    """
    if AUTOCAST.active:
        input1, input2, target = autocast_args("cosine_embedding_loss", input1, input2, target)
    op = "cosine_embedding_loss"
    reduction = _reduction_arg(reduction, size_average, reduce, op)
    tdim = target.ndim
    if tdim not in (0, 1):
        raise RuntimeError(f"{op}: 0D or 1D target tensor expected, multi-target not supported; got target of "
                         f"shape {tuple(target.shape)}")
    s1, s2, st = tuple(input1.shape), tuple(input2.shape), tuple(target.shape)
    if len(s1) != tdim + 1 or s1 != s2 or (tdim == 1 and s1[0] != st[0]):
        need = "(N, D) inputs for a target of shape (N,)" if tdim else "(D,) inputs for a 0-d target"
        raise RuntimeError(f"{op}: expected {need}, got input1 {s1}, input2 {s2}, target {st}")
    eps = 1e-12
    prod = ops.sum(ops.mul(input1, input2), tdim)
    mag1 = ops.add(ops.sum(ops.mul(input1, input1), tdim), eps)
    mag2 = ops.add(ops.sum(ops.mul(input2, input2), tdim), eps)
    cos = ops.div(prod, ops.sqrt(ops.mul(mag1, mag2)))
    pos = ops.where(ops.eq(target, 1), ops.rsub(cos, 1.0), 0.0)
    neg = ops.where(ops.eq(target, -1), ops.clamp(ops.sub(cos, margin), min=0.0), 0.0)
    return _reduce(ops.add(pos, neg), reduction)


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
                           reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Multi-class multi-label hinge loss: for each sample,
    ``sum over targets j and non-target classes i of max(0, 1 - (x[j] - x[i])) / C``.

    Args:
        input: ``(N, C)`` or ``(C,)``.
        target: integer class indices of the input's shape; the targets of a sample are its
            leading non-negative entries, up to the first -1 (the rest is ignored).

    Returns:
        A scalar, or ``(N,)`` (0-d when unbatched) for ``'none'``.

    Raises:
        TypeError: a non-integer target.
        ValueError: input not 1-d or 2-d, or a target of another shape.
        IndexError: a target entry outside ``[-1, C)``.
    """
    if AUTOCAST.active:
        input, target = autocast_args("multilabel_margin_loss", input, target)
    op = "multilabel_margin_loss"
    reduction = _reduction_arg(reduction, size_average, reduce, op)
    if input.ndim not in (1, 2):
        raise RuntimeError(f"{op}: expected input of shape (C,) or (N, C), got {tuple(input.shape)}")
    _require_floating(input, op)
    if target.dtype is not dtypes.int64:
        raise RuntimeError(f"{op}: expected scalar type Long but found {scalar_name(target.dtype)} (the target's dtype)")
    if tuple(input.shape) != tuple(target.shape):
        raise RuntimeError(f"{op}: inconsistent target size: {tuple(target.shape)} for input of size: {tuple(input.shape)}")
    n_classes = input.shape[-1]
    _check_class_range(target, n_classes, op, low=-1)
    x = input if input.ndim == 2 else shape.unsqueeze(input, 0)
    t = target if target.ndim == 2 else shape.unsqueeze(target, 0)
    # a target counts while no -1 has been seen in its row
    valid = ops.eq(ops.cumsum(ops.lt(t, 0).to(dtypes.int64), 1), 0)
    safe = ops.where(valid, t, 0)
    classes = creation.arange(n_classes, dtype=safe.dtype, backend=safe._backend)
    hits = ops.logical_and(shape.unsqueeze(valid, 2), ops.eq(shape.unsqueeze(safe, 2), classes))  # (N, J, C)
    is_target = ops.any(hits, 1)  # (N, C)
    z = ops.add(ops.rsub(shape.unsqueeze(take_along_dim(x, safe, 1), 2), 1.0), shape.unsqueeze(x, 1))  # (N, J, C)
    counted = ops.logical_and(shape.unsqueeze(valid, 2), shape.unsqueeze(ops.logical_not(is_target), 1))
    # PyTorch's kernel adds z where z > 0 (gradient 0 at z == 0)
    loss = ops.div(ops.sum(ops.where(ops.logical_and(counted, ops.gt(z, 0)), z, 0.0), (1, 2)), n_classes)
    if input.ndim == 1:
        loss = shape.squeeze(loss, 0)
    return _reduce(loss, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,  # noqa: A002
                     size_average: bool | None = None, eps: float = 1e-8, reduce: bool | None = None,
                     reduction: str = "mean") -> Tensor:
    """Poisson negative log-likelihood: ``exp(input) - target * input`` (``log_input``) or
    ``input - target * log(input + eps)``; ``full`` adds Stirling's approximation of
    ``log(target!)``, ``target * log(target) - target + 0.5 * log(2 * pi * target)``, where
    ``target > 1``.

    Raises:
        ValueError: a target that does not broadcast with the input, or a bad reduction.
    """
    if AUTOCAST.active:
        input, target = autocast_args("poisson_nll_loss", input, target)
    op = "poisson_nll_loss"
    reduction = _reduction_arg(reduction, size_average, reduce, op)
    _check_broadcast(input, target, op, warn=False)
    if log_input:
        loss = ops.sub(ops.exp(input), ops.mul(target, input))
    else:
        loss = ops.sub(input, ops.mul(target, ops.log(ops.add(input, eps))))
    if full:
        big = ops.gt(target, 1)
        safe = ops.where(big, target, 1.0)
        stirling = ops.add(ops.sub(ops.mul(safe, ops.log(safe)), safe), ops.mul(ops.log(ops.mul(safe, 2 * math.pi)), 0.5))
        loss = ops.add(loss, ops.where(big, stirling, 0.0))
    return _reduce(loss, reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
                     reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Two-class logistic loss ``log(1 + exp(-target * input))`` (targets +-1), computed
    without overflow.

    Raises:
        ValueError: a target that does not broadcast with the input, or a bad reduction.
    """
    if AUTOCAST.active:
        input, target = autocast_args("soft_margin_loss", input, target)
    reduction = _reduction_arg(reduction, size_average, reduce, "soft_margin_loss")
    if tuple(input.shape) != tuple(target.shape):  # PyTorch's kernel does not broadcast here
        raise RuntimeError(
            f"soft_margin_loss: target of shape {tuple(target.shape)} must have the input's shape {tuple(input.shape)}"
        )
    _check_floating_result(input, "soft_margin_loss")
    return _reduce(_log1p_exp(ops.neg(ops.mul(input, target))), reduction)


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,  # noqa: A002
                      weight: Tensor | None = None, size_average: bool | None = None, reduce: bool | None = None,
                      reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss: for each sample with class ``y``,
    ``sum over i != y of weight[y] * max(0, margin - x[y] + x[i])**p / C``.

    Args:
        input: ``(N, C)`` or ``(C,)``; target: integer classes ``(N,)`` (or 0-d) in ``[0, C)``.
        p: 1 or 2; weight: optional ``(C,)`` class weights.

    Returns:
        A scalar, or ``(N,)`` (0-d when unbatched) for ``'none'``.

    Raises:
        TypeError: a non-integer target.
        ValueError: ``p`` not 1 or 2, input not 1-d or 2-d, a target or weight of the wrong shape.
        IndexError: a target class outside ``[0, C)``.
    """
    if AUTOCAST.active:
        input, target, weight = autocast_args("multi_margin_loss", input, target, weight)
    op = "multi_margin_loss"
    reduction = _reduction_arg(reduction, size_average, reduce, op)
    if p not in (1, 2):
        raise ValueError(f"{op}: only p == 1 and p == 2 supported, got p={p}")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"{op}: expected input of shape (C,) or (N, C), got {tuple(input.shape)}")
    x, t = _batched_class_input(input, target, weight, None, op)
    n_classes = x.shape[1]
    picked = take_along_dim(x, shape.unsqueeze(t, 1), 1)  # (N, 1)
    z = ops.add(ops.rsub(picked, margin), x)
    classes = creation.arange(n_classes, dtype=t.dtype, backend=t._backend)
    counted = ops.logical_and(ops.gt(z, 0), ops.ne(shape.unsqueeze(t, 1), classes))  # z > 0 as PyTorch's kernel
    h = z if p == 1 else ops.mul(z, z)
    if weight is not None:
        h = ops.mul(h, shape.unsqueeze(weight[t], 1))
    loss = ops.div(ops.sum(ops.where(counted, h, 0.0), 1), n_classes)
    if input.ndim == 1:
        loss = shape.squeeze(loss, 0)
    return _reduce(loss, reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average: bool | None = None,
                        reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """``max(0, margin + d(anchor, positive) - d(anchor, negative))`` with
    ``d = pairwise_distance(., ., p, eps)`` over the last dim; ``swap`` uses
    ``min(d(a, n), d(p, n))`` as the negative distance (Balntas et al., 2016).

    Args:
        anchor: ``(N, D)`` or ``(D,)``, all with the same number of dims.
        positive: ``(N, D)`` or ``(D,)``, all with the same number of dims.
        negative: ``(N, D)`` or ``(D,)``, all with the same number of dims.

    Raises:
        ValueError: ``margin <= 0``, inputs with different numbers of dims, or a bad reduction.
    """
    if AUTOCAST.active:
        anchor, positive, negative = autocast_args("triplet_margin_loss", anchor, positive, negative)
    op = "triplet_margin_loss"
    reduction = _reduction_arg(reduction, size_average, reduce, op)
    if margin <= 0:
        raise ValueError(f"{op}: margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(
            f"{op}: the anchor, positive, and negative tensors are expected to have the same number of dimensions, "
            f"but got: anchor {tuple(anchor.shape)}, positive {tuple(positive.shape)}, negative {tuple(negative.shape)}"
        )
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = ops.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(ops.clamp(ops.sub(ops.add(d_pos, margin), d_neg), min=0.0), reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False,  # noqa: A002
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """Gaussian negative log-likelihood ``0.5 * (log(var) + (input - target)**2 / var)`` (plus
    ``0.5 * log(2 * pi)`` when ``full``), ``var`` clamped to ``eps`` for stability (the clamp does
    not stop its gradient, as PyTorch).

    Args:
        input: expected values; target: samples (broadcast with input).
        var: non-negative variances of the input's shape, or with one dim of size 1 (or the
            last dim missing) for a variance shared along it; or a float.

    Raises:
        ValueError: a negative variance (the smallest is named), ``var`` of an incompatible
            shape (both shapes are named), or a bad reduction.
    """
    op = "gaussian_nll_loss"
    if not isinstance(var, (Tensor, int, float)) or isinstance(var, bool):
        raise TypeError(f"{op}(): argument 'var' must be Tensor or float, not {type(var).__name__}")
    if isinstance(var, Tensor) and not var.dtype.is_floating_point:
        raise RuntimeError(f"{op}: var must be a floating tensor, got {var.dtype.name}")
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError(f"{op}: var has negative entry/entries: {var}")
        var = creation.full_like(input.detach(), float(var))
    elif var.numel() and ops.any(ops.lt(var.detach(), 0)).item():
        lo, _ = _host_range(var)
        raise ValueError(f"{op}: var has negative entry/entries (min {lo}); variances must be non-negative")
    xs, vs = tuple(input.shape), tuple(var.shape)
    if vs != xs:
        if xs[:-1] == vs:
            var = shape.unsqueeze(var, -1)
        elif not (len(xs) == len(vs) and sum(v for x, v in zip(xs, vs) if x != v) == 1):
            raise ValueError(f"{op}: var of shape {vs} is of incorrect size for input of shape {xs}")
    reduction = _reduction_arg(reduction, None, None, op)
    v = var.detach()
    var = ops.add(var, ops.sub(ops.clamp(v, min=eps), v))
    diff = ops.sub(input, target)
    loss = ops.mul(ops.add(ops.log(var), ops.div(ops.mul(diff, diff), var)), 0.5)
    if full:
        loss = ops.add(loss, 0.5 * math.log(2 * math.pi))
    return _reduce(loss, reduction)


__all__ += [
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "kl_div", "hinge_embedding_loss", "margin_ranking_loss",
    "cosine_embedding_loss", "multilabel_margin_loss", "poisson_nll_loss", "soft_margin_loss", "multi_margin_loss",
    "triplet_margin_loss", "gaussian_nll_loss",
]


# attention (in nn/_attention.py, which calls this module's dropout at run time)
from arraygrad.nn._attention import multi_head_attention_forward, scaled_dot_product_attention  # noqa: E402

__all__ += ["scaled_dot_product_attention", "multi_head_attention_forward"]


# ---------------------------------------------------------------------- argument types
# PyTorch's TypeError for a list, None or number where a Tensor goes (checked only once a call has
# failed; see core/argtypes.py). The ops re-exported from core (pad, one_hot, softplus, ...) too:
# their names here are what ported scripts call.
_argtypes.install(globals(), __all__)
