"""Seeded random numbers: reproducible, identical on every backend, and Threefry-2x32 exactly."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag

STREAM_BACKENDS = ("numpy", "strict", "jax")


def _draws(backend_name: str, seed: int = 1234) -> dict[str, list]:
    """A mixed sequence of draws after seeding, so that counter bookkeeping between calls is
    compared too, not only the first call."""
    ag.manual_seed(seed)
    with ag.use_backend(backend_name):
        return {
            "rand": ag.rand(5).tolist(),
            "randint": ag.randint(-3, 7, (2, 3)).tolist(),
            "randn": ag.randn(3, dtype=ag.float64).tolist(),
            "rand_odd": ag.rand(3, dtype=ag.float64).tolist(),  # odd count: half a block is dropped
            "randperm": ag.randperm(10).tolist(),
            "rand_like": ag.rand_like(ag.zeros(2, 2)).tolist(),
            "bernoulli": ag.bernoulli(ag.full((6,), 0.5)).tolist(),
            "normal_": ag.zeros(4).normal_(1.0, 2.0).tolist(),
            "uniform_": ag.zeros(4).uniform_(-1.0, 1.0).tolist(),
        }


def test_the_same_seed_gives_the_same_numbers_on_every_backend() -> None:
    reference = _draws("numpy")
    for name in STREAM_BACKENDS[1:]:
        other = _draws(name)
        for kind, values in reference.items():
            if kind.startswith(("randn", "normal_")):
                # log/cos may differ in the last ulp between libraries
                np.testing.assert_allclose(other[kind], values, rtol=1e-6, err_msg=f"{name} {kind}")
            else:
                assert other[kind] == values, f"{name}: {kind} differs from numpy"


def test_manual_seed_reproduces_and_different_seeds_differ(backend) -> None:
    ag.manual_seed(0)
    a = ag.rand(8).tolist()
    b = ag.rand(8).tolist()
    ag.manual_seed(0)
    assert ag.rand(8).tolist() == a
    assert ag.rand(8).tolist() == b
    assert a != b
    ag.manual_seed(1)
    assert ag.rand(8).tolist() != a
    assert ag.initial_seed() == 1


def test_draws_do_not_overlap_across_calls(backend) -> None:
    ag.manual_seed(3)
    first, second = ag.rand(4).tolist(), ag.rand(4).tolist()
    ag.manual_seed(3)
    both = ag.rand(8).tolist()
    assert both == first + second


def test_rng_state_round_trip(backend) -> None:
    ag.manual_seed(5)
    ag.rand(3)
    state = ag.get_rng_state()
    expected = ag.rand(4).tolist()
    ag.rand(10)
    ag.set_rng_state(state)
    assert ag.rand(4).tolist() == expected


def test_generator_objects_are_independent_of_the_default(backend) -> None:
    g = ag.Generator().manual_seed(42)
    ag.manual_seed(42)
    from_default = ag.rand(4).tolist()
    assert ag.rand(4, generator=g).tolist() == from_default
    g2 = ag.Generator().manual_seed(42)
    ag.rand(100)  # advancing the default stream does not move g2
    assert ag.rand(4, generator=g2).tolist() == from_default


def test_threefry_known_answers() -> None:
    # Random123 known-answer vectors for threefry2x32 with 20 rounds
    cases = [
        ((0x00000000, 0x00000000), (0x00000000, 0x00000000), (0x6B200159, 0x99BA4EFE)),
        ((0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF), (0x1CB996FC, 0xBB002BE7)),
        ((0x13198A2E, 0x03707344), (0x243F6A88, 0x85A308D3), (0xC4923A9C, 0x483DF7A0)),
    ]
    for name in STREAM_BACKENDS:
        be = ag.backends.get(name)
        for key, (hi, lo), expected in cases:
            bits = be.random_bits(key, (hi << 32) | lo, 2)
            assert [int(v) for v in be.to_numpy(bits)] == list(expected), name


@pytest.mark.parametrize("counter", [0, 7, 2**32 - 3, 2**40 + 5])
@pytest.mark.parametrize("name", STREAM_BACKENDS)
def test_random_bits_match_jax_reference_threefry(name, counter) -> None:
    jnp = pytest.importorskip("jax.numpy")
    from jax.extend.random import threefry_2x32

    key = (0x9E3779B9, 0x7F4A7C15)
    n = 9  # odd: the last block's second word is dropped
    blocks = (n + 1) // 2
    counters = [(counter + i) % 2**64 for i in range(blocks)]
    hi = np.array([c >> 32 for c in counters], dtype=np.uint32)
    lo = np.array([c & 0xFFFFFFFF for c in counters], dtype=np.uint32)
    # jax hashes count[:half] and count[half:] as the two words and returns them concatenated
    ref = np.asarray(threefry_2x32((jnp.uint32(key[0]), jnp.uint32(key[1])), jnp.asarray(np.concatenate([hi, lo]))))
    expected = np.stack([ref[:blocks], ref[blocks:]], axis=1).reshape(-1)[:n]
    be = ag.backends.get(name)
    ours = be.to_numpy(be.random_bits(key, counter, n))
    assert ours.dtype == np.uint32
    np.testing.assert_array_equal(ours, expected)


def test_rand_is_in_the_unit_interval(backend) -> None:
    ag.manual_seed(0)
    for dtype in (ag.float32, ag.float64):
        u = ag.rand(10_000, dtype=dtype).numpy()
        assert u.dtype == np.dtype(dtype.name)
        assert u.min() >= 0.0 and u.max() < 1.0
        assert abs(u.mean() - 0.5) < 0.02
        assert len(np.unique(u)) > 9_900


def test_randn_moments(backend) -> None:
    ag.manual_seed(0)
    z = ag.randn(10_000).numpy()
    assert z.shape == (10_000,) and np.all(np.isfinite(z))
    assert abs(z.mean()) < 0.05
    assert abs(z.std() - 1.0) < 0.05
    assert 0.3 < (z > 0.5).mean() < 0.32  # P(Z > 0.5) = 0.3085


def test_randint_and_randperm(backend) -> None:
    ag.manual_seed(0)
    r = ag.randint(3, 9, (2000,))
    assert r.dtype is ag.int64
    values = r.numpy()
    assert values.min() == 3 and values.max() == 8
    assert set(np.unique(values)) == set(range(3, 9))
    p = ag.randperm(50)
    assert p.dtype is ag.int64 and sorted(p.tolist()) == list(range(50))
    assert p.tolist() != list(range(50))
    with pytest.raises(RuntimeError, match="low < high"):
        ag.randint(5, 5, (2,))


def test_randint_with_high_and_size_only(backend) -> None:
    r = ag.randint(5, (3, 4))
    assert r.shape == (3, 4) and 0 <= r.numpy().min() and r.numpy().max() < 5


def test_random_factories_take_the_usual_kwargs(backend) -> None:
    x = ag.randn(2, 3, dtype=ag.float64, requires_grad=True)
    assert x.shape == (2, 3) and x.dtype is ag.float64 and x.requires_grad and x.is_leaf
    assert ag.rand((4,), backend="numpy").backend.name == "numpy"
    assert ag.randn_like(ag.zeros(2, dtype=ag.float64)).dtype is ag.float64
    with pytest.raises(NotImplementedError, match="float32 or float64"):
        ag.rand(2, dtype=ag.int32)
