"""``arraygrad.nn.init``: in-place parameter initialisation, as ``torch.nn.init``.

Every function runs under ``no_grad``, fills its tensor in place and returns it. Random draws
come from ``generator`` (default: ``arraygrad.default_generator``), so ``ag.manual_seed(s)``
gives the same initial values on every backend.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from arraygrad.core import creation, ops, random, shape
from arraygrad.core.autograd import no_grad
from arraygrad.core.tensor import Tensor

__all__ = [
    "calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_", "dirac_",
    "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "sparse_",
]

_LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for ``nonlinearity``: 1 (linear, conv, sigmoid), 5/3 (tanh),
    sqrt(2) (relu), sqrt(2 / (1 + slope**2)) (leaky_relu, slope ``param`` default 0.01), 3/4 (selu).

    Raises:
        ValueError: unknown nonlinearity or an invalid slope.
    """
    if nonlinearity in _LINEAR_FNS or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif (not isinstance(param, bool) and isinstance(param, int)) or isinstance(param, float):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: random.Generator | None = None) -> Tensor:
    """Fill with values drawn uniformly from ``[a, b)``."""
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: random.Generator | None = None) -> Tensor:
    """Fill with values drawn from ``N(mean, std**2)``."""
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def trunc_normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
    generator: random.Generator | None = None,
) -> Tensor:
    """Fill with values from ``N(mean, std**2)`` truncated to ``[a, b]``.

    Sampled by inverting the normal CDF on a uniform draw (one draw per element, so the random
    stream advances the same way on every backend); PyTorch resamples out-of-range values instead,
    which gives the same distribution but not the same numbers.
    """
    from arraygrad.nn.functional import _erfinv

    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn(
            "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values may be incorrect.",
            stacklevel=2,
        )

    def norm_cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    with no_grad():
        lo, hi = norm_cdf((a - mean) / std), norm_cdf((b - mean) / std)
        u = random.rand(tuple(tensor.shape), generator=generator, dtype=tensor.dtype, backend=tensor.backend)
        # u in [0, 1) -> (2 lo - 1, 2 hi - 1), kept strictly inside (-1, 1) where erfinv is finite
        v = ops.add(ops.mul(u, 2 * hi - 2 * lo), 2 * lo - 1)
        eps = 1e-7 if tensor.dtype.itemsize == 4 else 1e-15
        v = ops.clamp(v, -1.0 + eps, 1.0 - eps)
        values = ops.add(ops.mul(_erfinv(v), std * math.sqrt(2.0)), mean)
        return tensor.copy_(ops.clamp(values, a, b))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``."""
    with no_grad():
        return tensor.fill_(val)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones."""
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros."""
    with no_grad():
        return tensor.zero_()


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-d tensor with the identity matrix (ones on the diagonal, zeros elsewhere).

    Raises:
        ValueError: ``tensor`` is not 2-d.
    """
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    with no_grad():
        return tensor.copy_(creation.eye(*tensor.shape, dtype=tensor.dtype, backend=tensor.backend))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3-, 4- or 5-d (convolution weight) tensor with the Dirac delta: the convolution
    keeps the identity of as many input channels as possible (per group).

    Raises:
        ValueError: wrong number of dimensions, or dim 0 not divisible by ``groups``.
    """
    dims = tensor.ndim
    if dims not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tuple(tensor.shape)
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_per_group = sizes[0] // groups
    centre = tuple(s // 2 for s in sizes[2:])
    with no_grad():
        tensor.zero_()
        for g in range(groups):
            for d in range(min(out_per_group, sizes[1])):
                tensor[(g * out_per_group + d, d) + centre] = 1  # type: ignore[index]
    return tensor


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)``: ``size(1)`` and ``size(0)`` times the receptive field (dims 2+).

    Raises:
        ValueError: fewer than 2 dimensions.
    """
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    valid = ["fan_in", "fan_out"]
    if mode not in valid:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: random.Generator | None = None) -> Tensor:
    """Glorot uniform: ``U(-a, a)`` with ``a = gain * sqrt(6 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: random.Generator | None = None) -> Tensor:
    """Glorot normal: ``N(0, std**2)`` with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(
    tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
    generator: random.Generator | None = None,
) -> Tensor:
    """He uniform: ``U(-bound, bound)`` with ``bound = gain * sqrt(3 / fan)``, ``gain =
    calculate_gain(nonlinearity, a)`` and ``fan`` the fan-in or fan-out (``mode``)."""
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
    generator: random.Generator | None = None,
) -> Tensor:
    """He normal: ``N(0, std**2)`` with ``std = gain / sqrt(fan)``."""
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor: Tensor, gain: float = 1, generator: random.Generator | None = None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix (tensor viewed as ``(size(0), -1)``) times ``gain``.

    The matrix is the Q factor, with a positive diagonal of R, of a standard normal matrix: the
    same matrix PyTorch's sign-corrected QR gives. Computed by Gram-Schmidt with
    re-orthogonalisation, in Tensor ops, since the array API has no QR.

    Raises:
        ValueError: fewer than 2 dimensions.
    """
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    with no_grad():
        flat = random.randn(rows, cols, generator=generator, dtype=tensor.dtype, backend=tensor.backend)
        if rows < cols:
            flat = shape.t(flat)
        q = _orthonormal_columns(flat)
        if rows < cols:
            q = shape.t(q)
        return tensor.copy_(shape.reshape(ops.mul(q, gain), tuple(tensor.shape)))


def _orthonormal_columns(a: Tensor) -> Tensor:
    """Q of the QR decomposition (R with positive diagonal) of ``a`` (n x m, n >= m).

    Classical Gram-Schmidt applied twice per column ("twice is enough", Giraud et al. 2005)
    keeps Q orthogonal to working precision. Q is kept as a full n x m matrix whose columns
    not yet computed are zero, so each projection is one matrix product.
    """
    n, m = a.shape
    q = creation.zeros(n, m, dtype=a.dtype, backend=a.backend)
    positions = creation.arange(m, backend=a.backend)
    for j in range(m):
        # NOTE: column j is selected with a one-hot vector rather than by indexing, so that every
        # iteration runs the same ops on the same shapes (jax compiles each op once, not per j)
        onehot = ops.eq(positions, j).to(a.dtype)
        v = ops.matmul(a, onehot)
        for _ in range(2):
            v = ops.sub(v, ops.matmul(q, ops.matmul(shape.t(q), v)))
        v = ops.div(v, ops.norm(v))
        q = ops.add(q, ops.outer(v, onehot))
    return q


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator: random.Generator | None = None) -> Tensor:
    """Fill a 2-d tensor with ``N(0, std**2)`` values, then zero a fraction ``sparsity`` of each column.

    Raises:
        ValueError: ``tensor`` is not 2-d.
    """
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    num_zeros = int(math.ceil(sparsity * rows))
    with no_grad():
        tensor.normal_(0, std, generator=generator)
        keep = []
        for _ in range(cols):
            perm = random.randperm(rows, generator=generator, backend=tensor.backend)
            keep.append(ops.ge(perm, num_zeros))  # row i is zeroed when perm[i] < num_zeros: num_zeros random rows
        mask = shape.stack(keep, 1)
        return tensor.copy_(ops.where(mask, tensor, 0.0))


def _make_deprecated(fn: Any) -> Any:
    old = fn.__name__[:-1]

    def deprecated(*args: Any, **kwargs: Any) -> Any:
        warnings.warn(f"`nn.init.{old}` is now deprecated in favor of `nn.init.{fn.__name__}`.", FutureWarning, stacklevel=2)
        return fn(*args, **kwargs)

    deprecated.__name__ = old
    deprecated.__doc__ = f"Deprecated alias of ``{fn.__name__}``."
    return deprecated


uniform = _make_deprecated(uniform_)
normal = _make_deprecated(normal_)
constant = _make_deprecated(constant_)
eye = _make_deprecated(eye_)
dirac = _make_deprecated(dirac_)
xavier_uniform = _make_deprecated(xavier_uniform_)
xavier_normal = _make_deprecated(xavier_normal_)
kaiming_uniform = _make_deprecated(kaiming_uniform_)
kaiming_normal = _make_deprecated(kaiming_normal_)
orthogonal = _make_deprecated(orthogonal_)
sparse = _make_deprecated(sparse_)
