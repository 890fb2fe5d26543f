"""Seeded random numbers that are identical on every backend.

A ``Generator`` is a Threefry-2x32 key (from the seed) plus a counter. Each draw asks the
backend for ``random_bits(key, counter, n)`` (the reference kernel is written in standard
integer ops, and overrides must give identical bits) and advances the counter, so the same
seed gives the same stream of bits, and hence the same ``rand``/``randint``/``randperm``
values, on numpy, array-api-strict, jax and cupy.
"""

from __future__ import annotations

import math
import os
from typing import Any

from arraygrad.core import dtypes, tracing, views
from arraygrad.core.creation import _finish, _size, resolve
from arraygrad.core.tensor import Tensor

_MASK32 = 0xFFFFFFFF


class Generator:
    """A seeded random stream, as ``torch.Generator``: ``Generator().manual_seed(0)``.

    Pass it as ``generator=`` to the random functions. A new generator is seeded with 0; the same
    seed gives the same numbers on every backend.

    Args:
        device: the device the generator is meant for; stored as ``self.device`` and not otherwise
            used, since the stream does not depend on it (default ``"cpu"``).
    """

    def __init__(self, device: Any = "cpu") -> None:
        self.device = device
        self.manual_seed(0)

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from ``seed``.

        Args:
            seed: an int; values outside ``[0, 2**64)`` are taken modulo ``2**64``.

        Returns:
            This generator, so that ``Generator().manual_seed(0)`` can be chained.
        """
        seed = int(seed)
        if not 0 <= seed < 2**64:
            seed %= 2**64
        self._seed = seed
        self._key = (seed & _MASK32, (seed >> 32) & _MASK32)
        self._counter = 0
        return self

    def seed(self) -> int:
        """Restart the stream from a seed drawn from the operating system's entropy.

        Returns:
            The new seed, an int in ``[0, 2**64)``.
        """
        s = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """Return the seed the stream was last started from.

        Returns:
            The seed given to the last ``manual_seed`` (or drawn by ``seed``), as an int.
        """
        return self._seed

    def get_state(self) -> tuple[int, int]:
        """Return the state of the stream, to restore later with ``set_state``.

        Returns:
            The pair ``(seed, counter)``: the seed and how many blocks of random words were drawn since.
        """
        return (self._seed, self._counter)

    def set_state(self, state: tuple[int, int]) -> None:
        """Restore a state returned by ``get_state``: the stream continues from where it was then.

        Args:
            state: a ``(seed, counter)`` pair as returned by ``get_state``.
        """
        self.manual_seed(state[0])
        self._counter = int(state[1])

    def bits(self, backend: Any, n: int) -> Any:
        """Draw ``n`` random uint32 words on ``backend`` and advance the stream past them.

        Args:
            backend: the backend whose ``random_bits`` kernel makes the words.
            n: how many words to draw.

        Returns:
            A 1-d native uint32 array of ``n`` words of the backend (not a Tensor).
        """
        out = backend.random_bits(self._key, tracing.materialize(self._counter), n)
        self._counter += (n + 1) // 2
        return out


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator, as ``torch.manual_seed``: the same seed gives the same numbers on every backend.

    Args:
        seed: an int; values outside ``[0, 2**64)`` are taken modulo ``2**64``.

    Returns:
        The default generator.

    Example:
        >>> import arraygrad as ag
        >>> _ = ag.manual_seed(3)
        >>> a = ag.rand(2)
        >>> _ = ag.manual_seed(3)
        >>> b = ag.rand(2)
        >>> bool((a == b).all())
        True
    """
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator from the operating system's entropy, as ``torch.seed``.

    Returns:
        The new seed, an int in ``[0, 2**64)``.
    """
    return default_generator.seed()


def initial_seed() -> int:
    """Return the seed the default generator was last started from, as ``torch.initial_seed``.

    Returns:
        The seed, as an int.
    """
    return default_generator.initial_seed()


def get_rng_state() -> tuple[int, int]:
    """Return the state of the default generator, to restore later with ``set_rng_state``.

    Unlike ``torch.get_rng_state`` (a byte tensor) the state is a pair of ints.

    Returns:
        The pair ``(seed, counter)`` of the default generator.
    """
    return default_generator.get_state()


def set_rng_state(state: tuple[int, int]) -> None:
    """Restore a state of the default generator returned by ``get_rng_state``.

    Args:
        state: a ``(seed, counter)`` pair as returned by ``get_rng_state``.
    """
    default_generator.set_state(state)


def _uniform_array(backend: Any, n: int, dt: dtypes.dtype, gen: Generator) -> Any:
    """``n`` values uniform in [0, 1) of float dtype ``dt``, from 24 (float32) or 53 (float64) random bits."""
    xp = backend.xp
    native = backend.native_dtype(dt.name)
    u32 = backend.native_dtype("uint32")
    if dt is dtypes.float32:
        bits = gen.bits(backend, n)
        top = xp.bitwise_right_shift(bits, xp.asarray(8, dtype=u32))
        return xp.multiply(xp.astype(top, native), 2.0**-24)
    if dt is dtypes.float64:
        bits = gen.bits(backend, 2 * n)
        hi = xp.astype(xp.bitwise_right_shift(bits[0::2], xp.asarray(5, dtype=u32)), native)
        lo = xp.astype(xp.bitwise_right_shift(bits[1::2], xp.asarray(6, dtype=u32)), native)
        return xp.multiply(xp.add(xp.multiply(hi, 2.0**26), lo), 2.0**-53)
    # PyTorch's kind for a sampler with no kernel for the dtype
    raise NotImplementedError(f"random numbers of dtype {dt} are not supported; use float32 or float64")


def rand(*sizes: Any, size: Any = None, generator: Generator | None = None, dtype: Any = None,
         device: Any = None, requires_grad: bool = False, backend: Any = None) -> Tensor:
    """Return samples uniform in ``[0, 1)``, of the shape ``sizes`` or ``size=``, as ``torch.rand``.

    ``sizes`` is given as separate ints (``rand(2, 3)``) or one sequence (``rand((2, 3))``), as for ``zeros``.

    Args:
        size: the shape, as a keyword instead of ``sizes`` (default None).
        generator: the stream to draw from (default None: the default generator).
        dtype: float dtype of the result, float32 or float64 (default None: the default float dtype).
        device: the device to create the tensor on (default None: the default device).
        requires_grad: whether the result records autograd (default False).
        backend: the backend to create the tensor on (default None: the default backend, or the one of ``device``).

    Returns:
        A tensor of the given shape and dtype.

    Raises:
        TypeError: the shape is missing, given twice or not made of ints.
        NotImplementedError: ``dtype`` is not float32 or float64.
    """
    shape = _size(sizes, "rand", size)
    be, index = resolve(backend, device)
    dt = dtypes.as_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    arr = be.xp.reshape(_uniform_array(be, math.prod(shape), dt, generator or default_generator), shape)
    return _finish(arr, be, index, requires_grad)


def randn(*sizes: Any, size: Any = None, generator: Generator | None = None, dtype: Any = None,
          device: Any = None, requires_grad: bool = False, backend: Any = None) -> Tensor:
    """Return standard normal samples of the shape ``sizes`` or ``size=``, as ``torch.randn``.

    The samples come from the seeded uniform stream by the Box-Muller transform. ``sizes`` is given as
    separate ints or one sequence, as for ``zeros``.

    Args:
        size: the shape, as a keyword instead of ``sizes`` (default None).
        generator: the stream to draw from (default None: the default generator).
        dtype: float dtype of the result, float32 or float64 (default None: the default float dtype).
        device: the device to create the tensor on (default None: the default device).
        requires_grad: whether the result records autograd (default False).
        backend: the backend to create the tensor on (default None: the default backend, or the one of ``device``).

    Returns:
        A tensor of the given shape and dtype.

    Raises:
        TypeError: the shape is missing, given twice or not made of ints.
        NotImplementedError: ``dtype`` is not float32 or float64.
    """
    shape = _size(sizes, "randn", size)
    be, index = resolve(backend, device)
    dt = dtypes.as_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    arr = be.xp.reshape(_normal_array(be, math.prod(shape), dt, generator or default_generator), shape)
    return _finish(arr, be, index, requires_grad)


def _normal_array(backend: Any, n: int, dt: dtypes.dtype, gen: Generator) -> Any:
    xp = backend.xp
    u = _uniform_array(backend, 2 * n, dt, gen)
    u1, u2 = u[:n], u[n:]
    radius = xp.sqrt(xp.multiply(xp.log(xp.subtract(1.0, u1)), -2.0))  # 1 - u1 is in (0, 1]
    return xp.multiply(radius, xp.cos(xp.multiply(u2, 2.0 * math.pi)))


def _int_arg(op: str, name: str, value: Any) -> int:
    """``value`` as a Python int; a float, bool or other non-integer is PyTorch's TypeError."""
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(f"{op}(): argument '{name}' must be int, not {type(value).__name__}")
    return value.__index__()


def randint(low: int, high: int | tuple[int, ...] | None = None, size: Any = None, *, generator: Generator | None = None,
            dtype: Any = None, device: Any = None, requires_grad: bool = False, backend: Any = None) -> Tensor:
    """Return integers uniform in ``[low, high)``, as ``torch.randint``; ``randint(high, size)`` means ``low=0``.

    Args:
        low: the smallest value, or the exclusive upper bound when ``high`` is omitted.
        high: the exclusive upper bound, or the shape in the form ``randint(high, size)`` (default None).
        size: the shape of the result (a sequence of ints).
        generator: the stream to draw from (default None: the default generator).
        dtype: dtype of the result (default None: int64).
        device: the device to create the tensor on (default None: the default device).
        requires_grad: whether the result records autograd (default False).
        backend: the backend to create the tensor on (default None: the default backend, or the one of ``device``).

    Returns:
        A tensor of shape ``size``.

    Raises:
        TypeError: ``low`` or ``high`` is not an integer, or ``size`` is missing or not made of ints.
        RuntimeError: ``low >= high`` or the range is wider than 2**32.
    """
    if size is None and isinstance(high, (tuple, list)):
        low, high, size = 0, low, high  # randint(high, size), as PyTorch
    if high is None:
        low, high = 0, low
    low, high = _int_arg("randint", "low", low), _int_arg("randint", "high", high)
    if size is None:
        raise TypeError("randint() missing required argument 'size'")
    if low >= high:
        raise RuntimeError(f"randint: expected low < high, got low={low}, high={high}")
    span = high - low
    if span > 2**32:
        raise RuntimeError(f"randint: the range high - low = {span} is larger than 2**32")
    be, index = resolve(backend, device)
    shape = _size((), "randint", size)
    xp = be.xp
    u32 = be.native_dtype("uint32")
    bits = (generator or default_generator).bits(be, math.prod(shape))
    if span < 2**32:
        # NOTE: modulo has a bias of at most span / 2**32: negligible for the ranges used here
        bits = xp.remainder(bits, xp.asarray(span, dtype=u32))
    native = be.native_dtype((dtypes.as_dtype(dtype) if dtype is not None else dtypes.int64).name)
    arr = xp.add(xp.astype(bits, native), low)
    return _finish(xp.reshape(arr, shape), be, index, requires_grad)


def randperm(n: int, *, generator: Generator | None = None, dtype: Any = None, device: Any = None,
             requires_grad: bool = False, backend: Any = None) -> Tensor:
    """Return a random permutation of ``0 .. n-1``, as ``torch.randperm``.

    It is a stable argsort of random words, so it is the same on every backend for one seed.

    Args:
        n: the length of the permutation.
        generator: the stream to draw from (default None: the default generator).
        dtype: dtype of the result (default None: int64).
        device: the device to create the tensor on (default None: the default device).
        requires_grad: whether the result records autograd (default False).
        backend: the backend to create the tensor on (default None: the default backend, or the one of ``device``).

    Returns:
        A 1-d tensor of ``n`` distinct values.

    Raises:
        TypeError: ``n`` is not an integer.
        RuntimeError: ``n`` is negative.
    """
    if isinstance(n, bool) or not hasattr(n, "__index__"):
        raise TypeError(f"randperm(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    n = n.__index__()
    if n < 0:
        raise RuntimeError(f"randperm: Trying to create tensor with negative dimension {n}: [{n}]")
    be, index = resolve(backend, device)
    xp = be.xp
    bits = (generator or default_generator).bits(be, n)
    perm = xp.argsort(bits, stable=True)
    native = be.native_dtype((dtypes.as_dtype(dtype) if dtype is not None else dtypes.int64).name)
    return _finish(xp.astype(perm, native), be, index, requires_grad)


def rand_like(t: Tensor, *, generator: Generator | None = None, dtype: Any = None) -> Tensor:
    """Return samples uniform in ``[0, 1)`` of ``t``'s shape, as ``torch.rand_like``.

    Args:
        t: the tensor whose shape, dtype and backend the result takes.
        generator: the stream to draw from (default None: the default generator).
        dtype: float dtype of the result (default None: ``t``'s dtype).

    Returns:
        A new tensor on ``t``'s backend.

    Raises:
        NotImplementedError: the dtype is not float32 or float64.
    """
    return rand(tuple(t.shape), generator=generator, dtype=dtype or t.dtype, backend=t._backend)


def randn_like(t: Tensor, *, generator: Generator | None = None, dtype: Any = None) -> Tensor:
    """Return standard normal samples of ``t``'s shape, as ``torch.randn_like``.

    Args:
        t: the tensor whose shape, dtype and backend the result takes.
        generator: the stream to draw from (default None: the default generator).
        dtype: float dtype of the result (default None: ``t``'s dtype).

    Returns:
        A new tensor on ``t``'s backend.

    Raises:
        NotImplementedError: the dtype is not float32 or float64.
    """
    return randn(tuple(t.shape), generator=generator, dtype=dtype or t.dtype, backend=t._backend)


def randint_like(t: Tensor, low: int, high: int | None = None, *, dtype: Any = None) -> Tensor:
    """Return integers uniform in ``[low, high)`` of ``t``'s shape, as ``torch.randint_like``.

    Args:
        t: the tensor whose shape, dtype and backend the result takes.
        low: the smallest value, or the exclusive upper bound when ``high`` is omitted.
        high: the exclusive upper bound (default None: ``low`` is the bound and 0 the smallest value).
        dtype: dtype of the result (default None: ``t``'s dtype).

    Returns:
        A new tensor on ``t``'s backend.

    Raises:
        TypeError: ``low`` or ``high`` is not an integer.
        RuntimeError: ``low >= high`` or the range is wider than 2**32.
    """
    return randint(low, high, tuple(t.shape), dtype=dtype or t.dtype, backend=t._backend)


def bernoulli(p: Tensor, *, generator: Generator | None = None) -> Tensor:
    """Draw 0/1 samples that are 1 with probability ``p``, elementwise, as ``torch.bernoulli``.

    Not differentiable: ``p`` is read detached.

    Args:
        p: a float32 or float64 tensor of probabilities in ``[0, 1]``.
        generator: the stream to draw from (default None: the default generator).

    Returns:
        A tensor of ``p``'s shape and dtype holding 0 and 1.

    Raises:
        NotImplementedError: ``p`` is not float32 or float64.
    """
    u = rand(tuple(p.shape), generator=generator, dtype=p.dtype, backend=p._backend)
    return (u < p.detach()).to(p.dtype)


def uniform_(t: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill ``t`` in place with samples uniform in ``[a, b)``, as ``torch.Tensor.uniform_``.

    Args:
        t: the float32 or float64 tensor to overwrite.
        a: the lower bound (default 0.0).
        b: the upper bound (default 1.0).
        generator: the stream to draw from (default None: the default generator).

    Returns:
        ``t`` itself, overwritten.

    Raises:
        RuntimeError: ``a > b``.
        NotImplementedError: ``t`` is not float32 or float64.
    """
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    views.check_inplace(t, "uniform_")
    be = t._backend
    arr = _uniform_array(be, t.numel(), t.dtype, generator or default_generator)
    arr = be.xp.add(be.xp.multiply(arr, b - a), a)
    return views.assign(t, be.xp.reshape(arr, tuple(t.shape)), "uniform_")


def normal_(t: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill ``t`` in place with normal samples of mean ``mean`` and standard deviation ``std``, as ``torch.Tensor.normal_``.

    Args:
        t: the float32 or float64 tensor to overwrite.
        mean: the mean (default 0.0).
        std: the standard deviation, not negative (default 1.0).
        generator: the stream to draw from (default None: the default generator).

    Returns:
        ``t`` itself, overwritten.

    Raises:
        RuntimeError: ``std < 0``.
        NotImplementedError: ``t`` is not float32 or float64.
    """
    if std < 0:
        raise RuntimeError(f"normal_ expects std >= 0.0, but found std {std}")
    views.check_inplace(t, "normal_")
    be = t._backend
    arr = _normal_array(be, t.numel(), t.dtype, generator or default_generator)
    arr = be.xp.add(be.xp.multiply(arr, std), mean)
    return views.assign(t, be.xp.reshape(arr, tuple(t.shape)), "normal_")


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,  # noqa: A002 - PyTorch name
                generator: Generator | None = None) -> Tensor:
    """Draw ``num_samples`` category indices per row of the weights ``input`` (1-d: one
    distribution; 2-d: one per row). Weights are non-negative and need not sum to 1.

    With replacement each draw inverts the cumulative weights at a uniform number. Without
    replacement it is an exponential race: category ``i`` gets the time ``E_i / w_i`` (``E_i``
    standard exponential from the uniform stream) and the earliest ``num_samples`` win, which
    is sampling one at a time proportionally to the remaining weights; zero weights come last.
    The draws come from arraygrad's seeded stream, so they are the same on every backend for
    one seed, but not the numbers ``torch.multinomial`` draws (a different generator); the
    distribution is the same.

    Args:
        input: float weights, 1-d or 2-d.
        num_samples: draws per row.
        replacement: whether a category can be drawn more than once.
        generator: the stream to draw from (default: the global one).

    Returns:
        int64 indices of shape ``(num_samples,)`` or ``(rows, num_samples)``.

    Raises:
        TypeError: ``num_samples`` is not an integer.
        RuntimeError: weights not floating point, not 1-d/2-d, negative, inf or NaN; a row
            summing to 0; ``num_samples`` < 1, or more than the categories without replacement.
    """
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {input.dtype}")
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    num_samples = _int_arg("multinomial", "num_samples", num_samples)
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    be = input._backend
    xp = be.xp
    x = input._storage.array
    rows, categories = (1, x.shape[0]) if x.ndim == 1 else (x.shape[0], x.shape[1])
    if not replacement and num_samples > categories:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    w = xp.reshape(x, (rows, categories))
    if bool(xp.any(xp.logical_or(xp.logical_not(xp.isfinite(w)), w < 0))):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if bool(xp.any(xp.sum(w, axis=1) <= 0)):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    gen = generator or default_generator
    draw_dtype = input.dtype
    if draw_dtype not in (dtypes.float32, dtypes.float64):
        draw_dtype = dtypes.float32  # half-precision weights: draw and compare in float32
        w = xp.astype(w, be.native_dtype("float32"))
    positive = w > 0
    i64 = be.native_dtype("int64")
    if replacement:
        u = xp.reshape(_uniform_array(be, rows * num_samples, draw_dtype, gen), (rows, num_samples))
        cdf = xp.cumulative_sum(w, axis=1)
        target = xp.multiply(u, cdf[:, -1:])
        # the standard's searchsorted takes one 1-d sequence at a time
        found = xp.stack([xp.astype(xp.searchsorted(cdf[r, ...], target[r, ...], side="right"), i64) for r in range(rows)])
        # rounding can put a target at the total: the last category that has weight takes it
        flipped = xp.flip(xp.astype(positive, i64), axis=1)
        last = xp.subtract(categories - 1, xp.astype(xp.argmax(flipped, axis=1, keepdims=True), i64))
        out = xp.minimum(found, last)
    else:
        u = xp.reshape(_uniform_array(be, rows * categories, draw_dtype, gen), (rows, categories))
        arrival = xp.negative(xp.log1p(xp.negative(u)))  # standard exponential; 1 - u is in (0, 1]
        safe = xp.where(positive, w, xp.ones_like(w))
        race = xp.where(positive, xp.divide(arrival, safe), xp.full_like(w, float("inf")))
        out = xp.astype(xp.argsort(race, axis=1, stable=True)[:, :num_samples], i64)
    if x.ndim == 1:
        out = xp.reshape(out, (num_samples,))
    return Tensor._wrap(out, be)
