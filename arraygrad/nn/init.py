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
    """Return the recommended gain for the nonlinearity ``nonlinearity``, as ``torch.nn.init.calculate_gain``.

    The gains are 1 for ``"linear"``, the ``"conv*"`` and ``"conv_transpose*"`` names and
    ``"sigmoid"``; 5/3 for ``"tanh"``; sqrt(2) for ``"relu"``; sqrt(2 / (1 + slope**2)) for
    ``"leaky_relu"``; 3/4 for ``"selu"``.

    Args:
        nonlinearity: name of the nonlinearity, e.g. ``"relu"``.
        param: negative slope of ``"leaky_relu"``; None means 0.01; ignored by the other names
            (default None).

    Returns:
        The gain, a Python number (the int 1 for the linear-like names).

    Raises:
        ValueError: ``nonlinearity`` is unknown, or ``param`` is not an int or float for ``"leaky_relu"``.

    Example:
        >>> from arraygrad.nn import init
        >>> init.calculate_gain("tanh")
        1.6666666666666667
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
    """Fill ``tensor`` in place with values drawn uniformly from ``[a, b)``.

    Args:
        tensor: the tensor to fill.
        a: lower bound (default 0.0).
        b: upper bound (default 1.0).
        generator: the random generator to draw from; None uses ``arraygrad.default_generator`` (default None).

    Returns:
        ``tensor`` itself, filled in place.
    """
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: random.Generator | None = None) -> Tensor:
    """Fill ``tensor`` in place with values drawn from the normal distribution ``N(mean, std**2)``.

    Args:
        tensor: the tensor to fill.
        mean: mean of the distribution (default 0.0).
        std: standard deviation of the distribution (default 1.0).
        generator: the random generator to draw from; None uses ``arraygrad.default_generator`` (default None).

    Returns:
        ``tensor`` itself, filled in place.
    """
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def trunc_normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
    generator: random.Generator | None = None,
) -> Tensor:
    """Fill ``tensor`` in place with values from ``N(mean, std**2)`` truncated to ``[a, b]``.

    Sampled by inverting the normal CDF on a uniform draw (one draw per element, so the random
    stream advances the same way on every backend); PyTorch resamples out-of-range values instead,
    which gives the same distribution but not the same numbers. A ``UserWarning`` is emitted when
    ``mean`` is more than 2 ``std`` outside ``[a, b]``.

    Args:
        tensor: the floating-point tensor to fill.
        mean: mean of the untruncated normal distribution (default 0.0).
        std: standard deviation of the untruncated normal distribution (default 1.0).
        a: lower truncation bound (default -2.0).
        b: upper truncation bound (default 2.0).
        generator: the random generator to draw from; None uses ``arraygrad.default_generator`` (default None).

    Returns:
        ``tensor`` itself, filled in place.
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
    """Fill ``tensor`` in place with the value ``val``.

    Args:
        tensor: the tensor to fill.
        val: the fill value.

    Returns:
        ``tensor`` itself, filled in place.
    """
    with no_grad():
        return tensor.fill_(val)


def ones_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` in place with ones.

    Args:
        tensor: the tensor to fill.

    Returns:
        ``tensor`` itself, filled in place.
    """
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` in place with zeros.

    Args:
        tensor: the tensor to fill.

    Returns:
        ``tensor`` itself, filled in place.

    Example:
        >>> import arraygrad as ag
        >>> from arraygrad.nn import init
        >>> init.zeros_(ag.ones(3)).tolist()
        [0.0, 0.0, 0.0]
    """
    with no_grad():
        return tensor.zero_()


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-d ``tensor`` in place with the identity matrix (ones on the diagonal, zeros elsewhere).

    A non-square tensor gets ones at ``[i, i]`` for ``i < min(rows, cols)``.

    Args:
        tensor: the 2-d tensor to fill.

    Returns:
        ``tensor`` itself, filled in place.

    Raises:
        ValueError: ``tensor`` is not 2-d.
    """
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    with no_grad():
        return tensor.copy_(creation.eye(*tensor.shape, dtype=tensor.dtype, backend=tensor.backend))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3-, 4- or 5-d convolution weight in place with the Dirac delta.

    The resulting convolution copies input channel ``d`` to output channel ``d`` of each group (for
    ``d < min(out_channels // groups, in_channels)``): ones at the spatial centre, zeros elsewhere.

    Args:
        tensor: the weight, of shape ``(out_channels, in_channels / groups, *kernel_size)``.
        groups: number of groups of the convolution; dim 0 is split into that many parts (default 1).

    Returns:
        ``tensor`` itself, filled in place.

    Raises:
        ValueError: ``tensor`` is not 3-, 4- or 5-d, or its dim 0 is not divisible by ``groups``.
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
    """Fill ``tensor`` in place with Glorot uniform values: ``U(-a, a)``, ``a = gain * sqrt(6 / (fan_in + fan_out))``.

    ``fan_in`` is ``size(1)`` and ``fan_out`` is ``size(0)``, both times the product of dims 2 and up.

    Args:
        tensor: the tensor to fill, with at least 2 dimensions.
        gain: scaling factor (default 1.0).
        generator: the random generator to draw from; None uses ``arraygrad.default_generator`` (default None).

    Returns:
        ``tensor`` itself, filled in place.

    Raises:
        ValueError: ``tensor`` has fewer than 2 dimensions.
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: random.Generator | None = None) -> Tensor:
    """Fill ``tensor`` in place with Glorot normal values, ``N(0, std**2)`` where ``std = gain * sqrt(2 / fan_sum)``.

    ``fan_sum`` is ``fan_in + fan_out``: ``fan_in`` is ``size(1)`` and ``fan_out`` is ``size(0)``, both
    times the product of dims 2 and up.

    Args:
        tensor: the tensor to fill, with at least 2 dimensions.
        gain: scaling factor (default 1.0).
        generator: the random generator to draw from; None uses ``arraygrad.default_generator`` (default None).

    Returns:
        ``tensor`` itself, filled in place.

    Raises:
        ValueError: ``tensor`` has fewer than 2 dimensions.
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(
    tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
    generator: random.Generator | None = None,
) -> Tensor:
    """Fill ``tensor`` in place with He uniform values, ``U(-bound, bound)`` with ``bound = gain * sqrt(3 / fan)``.

    ``gain`` is ``calculate_gain(nonlinearity, a)`` and ``fan`` the fan-in or fan-out picked by
    ``mode``. A tensor with no elements is returned unchanged, with a warning.

    Args:
        tensor: the tensor to fill, with at least 2 dimensions.
        a: negative slope of the rectifier after this layer, used by ``"leaky_relu"`` (default 0).
        mode: ``"fan_in"`` keeps the variance of the forward activations, ``"fan_out"`` that of the
            backward gradients (case-insensitive) (default ``"fan_in"``).
        nonlinearity: name of the nonlinearity, as in ``calculate_gain`` (default ``"leaky_relu"``).
        generator: the random generator to draw from; None uses ``arraygrad.default_generator`` (default None).

    Returns:
        ``tensor`` itself, filled in place.

    Raises:
        ValueError: ``mode`` or ``nonlinearity`` is unknown, or ``tensor`` has fewer than 2 dimensions.
    """
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
    """Fill ``tensor`` in place with He normal values, ``N(0, std**2)`` with ``std = gain / sqrt(fan)``.

    ``gain`` is ``calculate_gain(nonlinearity, a)`` and ``fan`` the fan-in or fan-out picked by
    ``mode``. A tensor with no elements is returned unchanged, with a warning.

    Args:
        tensor: the tensor to fill, with at least 2 dimensions.
        a: negative slope of the rectifier after this layer, used by ``"leaky_relu"`` (default 0).
        mode: ``"fan_in"`` keeps the variance of the forward activations, ``"fan_out"`` that of the
            backward gradients (case-insensitive) (default ``"fan_in"``).
        nonlinearity: name of the nonlinearity, as in ``calculate_gain`` (default ``"leaky_relu"``).
        generator: the random generator to draw from; None uses ``arraygrad.default_generator`` (default None).

    Returns:
        ``tensor`` itself, filled in place.

    Raises:
        ValueError: ``mode`` or ``nonlinearity`` is unknown, or ``tensor`` has fewer than 2 dimensions.
    """
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor: Tensor, gain: float = 1, generator: random.Generator | None = None) -> Tensor:
    """Fill ``tensor`` in place with a (semi-)orthogonal matrix times ``gain``.

    The tensor is viewed as a ``(size(0), numel // size(0))`` matrix. The matrix is the Q factor, with
    a positive diagonal of R, of a standard normal matrix: the same matrix PyTorch's sign-corrected QR
    gives. It is computed by Gram-Schmidt with re-orthogonalisation, in Tensor ops, since the array
    API has no QR. A tensor with no elements is returned unchanged.

    Args:
        tensor: the tensor to fill, with at least 2 dimensions.
        gain: scaling factor (default 1).
        generator: the random generator to draw from; None uses ``arraygrad.default_generator`` (default None).

    Returns:
        ``tensor`` itself, filled in place.

    Raises:
        ValueError: ``tensor`` has fewer than 2 dimensions.
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
    """Fill a 2-d ``tensor`` in place with ``N(0, std**2)`` values, then zero a fraction of each column.

    In each column, ``ceil(sparsity * rows)`` randomly chosen entries are set to zero.

    Args:
        tensor: the 2-d tensor to fill.
        sparsity: fraction of the entries of each column to zero, in ``[0, 1]``.
        std: standard deviation of the non-zero values (default 0.01).
        generator: the random generator to draw from; None uses ``arraygrad.default_generator`` (default None).

    Returns:
        ``tensor`` itself, filled in place.

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
