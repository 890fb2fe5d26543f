"""Random bits of the reference backend: Threefry-2x32 in standard array ops, the same bits on every
backend."""

from __future__ import annotations

from types import ModuleType

from arraygrad.backends.reference._types import Array

__all__ = ["RandomKernels", "threefry2x32"]

_MASK32 = 0xFFFFFFFF
# Threefry-2x32 rotation constants (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3").
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_KEY_PARITY = 0x1BD11BDA


def threefry2x32(xp: ModuleType, key: tuple[int, int], c0: Array, c1: Array) -> tuple[Array, Array]:
    """Threefry-2x32 with 20 rounds on uint32 arrays ``c0``, ``c1`` (the counter words).

    Uses only uint32 addition (which wraps modulo 2**32 in every array library), shifts,
    OR and XOR, so every backend computes the same bits.
    """
    u32 = xp.uint32
    k0, k1 = xp.asarray(key[0], dtype=u32), xp.asarray(key[1], dtype=u32)
    ks = (k0, k1, xp.bitwise_xor(xp.bitwise_xor(k0, k1), xp.asarray(_KEY_PARITY, dtype=u32)))
    shifts = {r: (xp.asarray(r, dtype=u32), xp.asarray(32 - r, dtype=u32)) for pair in _ROTATIONS for r in pair}
    x0 = xp.add(c0, ks[0])
    x1 = xp.add(c1, ks[1])
    for group in range(5):
        for r in _ROTATIONS[group % 2]:
            left, right = shifts[r]
            x0 = xp.add(x0, x1)
            x1 = xp.bitwise_or(xp.bitwise_left_shift(x1, left), xp.bitwise_right_shift(x1, right))
            x1 = xp.bitwise_xor(x1, x0)
        x0 = xp.add(x0, ks[(group + 1) % 3])
        x1 = xp.add(xp.add(x1, ks[(group + 2) % 3]), xp.asarray(group + 1, dtype=u32))
    return x0, x1


class RandomKernels:
    """The random-bits kernel of ``Backend``: counter-based, so every backend draws the same stream."""

    xp: ModuleType

    # ------------------------------------------------------------------ random bits
    def random_bits(self, key: tuple[int, int], counter: int, n: int) -> Array:
        """``n`` uint32 values: Threefry-2x32 of counters ``counter .. counter+ceil(n/2)-1``
        under ``key``. Identical on every backend."""
        xp = self.xp
        blocks = (n + 1) // 2
        lo_start = counter & _MASK32
        lo = xp.add(xp.arange(blocks, dtype=xp.uint32), xp.asarray(lo_start, dtype=xp.uint32))
        carry = xp.astype(xp.less(lo, xp.asarray(lo_start, dtype=xp.uint32)), xp.uint32)
        hi = xp.add(carry, xp.asarray((counter >> 32) & _MASK32, dtype=xp.uint32))
        x0, x1 = threefry2x32(xp, key, hi, lo)
        return xp.reshape(xp.stack([x0, x1], axis=1), (-1,))[:n]
