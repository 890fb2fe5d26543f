"""The optimizer update kernels (``Backend.sgd_update`` / ``adam_update`` / ``adamw_update``) as
SGD, Adam and AdamW use them: on numpy the parameters and their state are written in place (same
buffers, PyTorch-observable aliasing and version counters), with numbers bit-identical to the
functional path that computes new arrays (the reference, what jax runs), and close to torch."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import optim
from arraygrad.backends.reference import Backend
from arraygrad.optim import adam as adam_module
from arraygrad.optim import sgd as sgd_module

#: (optimizer, options) covering every branch of the three update rules
CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.05}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01, "maximize": True}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "maximize": True, "weight_decay": 0.02}),
    ("AdamW", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "amsgrad": True, "maximize": True, "weight_decay": 0.1}),
]
SHAPES = [(4, 3), (3,), ()]


def _ids(config: tuple[str, dict[str, Any]]) -> str:
    return config[0] + "-" + "-".join(f"{k}={v}" for k, v in config[1].items())


def _run(name: str, options: dict[str, Any], dtype: Any, steps: int = 4, in_place: bool = True,
         backend: str = "numpy") -> tuple[list[np.ndarray], list[dict[str, Any]]]:
    """Train three parameters with fixed-per-step random gradients; return the parameters and the state."""
    rng = np.random.default_rng(3)
    params = [ag.tensor(rng.normal(size=s), dtype=dtype, requires_grad=True, backend=backend) for s in SHAPES]
    opt = getattr(optim, name)(params, **options)
    saved = sgd_module.writable_in_place, adam_module.writable_in_place
    if not in_place:
        sgd_module.writable_in_place = adam_module.writable_in_place = lambda tensors: False
    try:
        for _ in range(steps):
            for p in params:
                p.grad = ag.tensor(rng.normal(size=tuple(p.shape)), dtype=dtype, backend=backend)
            opt.step()
    finally:
        sgd_module.writable_in_place, adam_module.writable_in_place = saved
    state = [{k: v.numpy().copy() if isinstance(v, ag.Tensor) else v for k, v in opt.state[p].items()} for p in params]
    return [p.detach().numpy().copy() for p in params], state


@pytest.mark.parametrize("dtype", [ag.float32, ag.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("config", CONFIGS, ids=_ids)
def test_in_place_numbers_equal_the_functional_path_bit_for_bit(config: Any, dtype: Any) -> None:
    name, options = config
    fast_params, fast_state = _run(name, options, dtype)
    ref_params, ref_state = _run(name, options, dtype, in_place=False)
    for got, want in zip(fast_params, ref_params):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    for got, want in zip(fast_state, ref_state):
        assert got.keys() == want.keys()
        for key in got:
            np.testing.assert_array_equal(got[key], want[key], err_msg=key)


@pytest.mark.parametrize("config", [CONFIGS[3], CONFIGS[5], CONFIGS[8]], ids=_ids)
def test_numpy_matches_the_strict_reference(config: Any) -> None:
    name, options = config
    got, _ = _run(name, options, ag.float64)
    want, _ = _run(name, options, ag.float64, backend="strict")
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("config", CONFIGS, ids=_ids)
def test_float32_steps_match_torch(config: Any, torch: Any) -> None:
    name, options = config
    rng = np.random.default_rng(5)
    init = [rng.normal(size=s).astype(np.float32) for s in SHAPES]
    grads = [[rng.normal(size=s).astype(np.float32) for s in SHAPES] for _ in range(5)]
    params = [ag.tensor(x, requires_grad=True) for x in init]
    tparams = [torch.tensor(x, requires_grad=True) for x in init]
    opt, topt = getattr(optim, name)(params, **options), getattr(torch.optim, name)(tparams, **options)
    for step_grads in grads:
        for p, tp, g in zip(params, tparams, step_grads):
            p.grad, tp.grad = ag.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=3e-6, atol=1e-7)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW"])
def test_step_writes_the_parameter_memory_in_place(name: str) -> None:
    w = ag.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    opt = getattr(optim, name)([w], lr=0.1, **({"momentum": 0.9} if name == "SGD" else {}))
    row = w.detach()[0]  # a view: sees the update through the shared memory, as in PyTorch
    alias = w.data
    bridge = w.detach().numpy()  # the numpy bridge shares the memory both ways
    w.grad = ag.ones(2, 3, dtype=ag.float64)
    version = w._version
    opt.step()
    opt.step()  # state made by the first step may get memory of its own at the second (SGD's buffer)
    buffer = w._storage.array
    state = {k: v for k, v in opt.state[w].items() if isinstance(v, ag.Tensor)}
    state_arrays = {k: v._storage.array for k, v in state.items()}
    state_versions = {k: v._version for k, v in state.items()}
    opt.step()
    assert w._version == version + 3  # one bump per step
    assert w._storage.array is buffer  # the same buffer, updated in place
    for k, v in state.items():
        assert v._storage.array is state_arrays[k], k
        assert v._version == state_versions[k] + 1, k
    np.testing.assert_array_equal(row.numpy(), w.detach().numpy()[0])
    np.testing.assert_array_equal(alias.numpy(), w.detach().numpy())
    np.testing.assert_array_equal(bridge, w.detach().numpy())
    assert not np.array_equal(bridge, np.arange(6.0).reshape(2, 3))


def test_first_step_copies_the_memory_it_writes() -> None:
    # a parameter built on another tensor's memory gets a buffer of its own before the first write,
    # and SGD's first momentum buffer is a copy of the gradient, never the gradient itself
    src = ag.tensor([1.0, 2.0, 3.0])
    p = src.detach().requires_grad_()
    other = ag.tensor(p._storage.array)  # shares the unpinned buffer, not the storage
    opt = optim.SGD([p], lr=0.5, momentum=0.9)
    g = ag.tensor([1.0, 1.0, 1.0])
    p.grad = g
    opt.step()
    opt.step()
    np.testing.assert_array_equal(g.numpy(), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(other.numpy(), [1.0, 2.0, 3.0])
    buf = opt.state[p]["momentum_buffer"]
    assert not np.shares_memory(buf.numpy(), g.numpy())
    np.testing.assert_allclose(buf.numpy(), [1.9, 1.9, 1.9])
    np.testing.assert_allclose(p.detach().numpy(), [1.0 - 0.5 - 0.95, 2.0 - 0.5 - 0.95, 3.0 - 0.5 - 0.95])


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_gradients_are_never_written(name: str) -> None:
    p = ag.tensor([1.0, -2.0], requires_grad=True)
    opt = getattr(optim, name)([p], lr=0.1, weight_decay=0.5, maximize=True)
    p.grad = ag.tensor([0.25, 0.5])
    opt.step()
    opt.step()
    np.testing.assert_array_equal(p.grad.numpy(), [0.25, 0.5])


def test_read_only_parameter_memory_raises_a_clear_error() -> None:
    arr = np.ones(3)
    arr.flags.writeable = False
    p = ag.from_numpy(arr).requires_grad_()
    opt = optim.Adam([p])
    p.grad = ag.ones(3, dtype=ag.float64)
    with pytest.raises(RuntimeError, match="cannot write into this tensor's memory"):
        opt.step()


def test_state_dict_is_a_snapshot_of_in_place_state() -> None:
    p = ag.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    p.grad = ag.tensor([1.0, -1.0])
    opt.step()
    saved = opt.state_dict()
    snapshot = saved["state"][0]["exp_avg"].numpy().copy()
    opt.step()
    np.testing.assert_array_equal(saved["state"][0]["exp_avg"].numpy(), snapshot)
    assert not np.array_equal(opt.state[p]["exp_avg"].numpy(), snapshot)


def test_a_group_with_parameters_on_two_backends() -> None:
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([1.0, 2.0], requires_grad=True, backend="strict")
    opt = optim.SGD([a, b], lr=0.5, momentum=0.9)
    for _ in range(2):
        a.grad, b.grad = ag.tensor([1.0, 1.0]), ag.tensor([1.0, 1.0], backend="strict")
        opt.step()
    assert b.backend.name == "strict" and opt.state[b]["momentum_buffer"].backend.name == "strict"
    np.testing.assert_array_equal(a.detach().numpy(), ag.tensor(b.detach().numpy()).numpy())


@pytest.mark.parametrize("in_place", [True, False])
def test_numpy_kernel_writes_only_when_allowed(in_place: bool) -> None:
    backend = ag.backends.get("numpy")
    p, g, m, v = np.ones(3), np.full(3, 0.5), np.zeros(3), np.zeros(3)
    before = p.copy()
    new_p, new_m, new_v, _ = backend.adam_update([p], [g], [m], [v], [None], [1], lr=0.1, beta1=0.9, beta2=0.999,
                                                 eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False,
                                                 in_place=in_place)
    want = Backend.adam_update(backend, [before], [g], [np.zeros(3)], [np.zeros(3)], [None], [1], lr=0.1, beta1=0.9,
                               beta2=0.999, eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False)
    np.testing.assert_array_equal(new_p[0], want[0][0])
    assert (new_p[0] is p and new_m[0] is m and new_v[0] is v) == in_place
    if not in_place:
        np.testing.assert_array_equal(p, before)


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("config", CONFIGS, ids=_ids)
def test_pieces_and_threads_give_the_same_bits(config: Any, threads: int, monkeypatch: Any) -> None:
    """The numpy updates cut parameters into cache-sized pieces (one thread) or equal shares (more):
    with pieces of two float64 elements and shares of any size, every update keeps its bits."""
    from arraygrad.backends import flags, numpy_parallel

    name, options = config
    ref_params, ref_state = _run(name, options, ag.float64, in_place=False)
    monkeypatch.setattr(numpy_parallel, "MIN_ELEMENTS", 1)
    monkeypatch.setattr(numpy_parallel, "CHUNK_BYTES", 16)
    monkeypatch.setattr(flags, "kernel_threads", lambda: threads)
    got_params, got_state = _run(name, options, ag.float64)
    for got, want in zip(got_params, ref_params):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(got_state, ref_state):
        for key in got:
            np.testing.assert_array_equal(got[key], want[key], err_msg=key)


def test_shares_cover_every_element_once() -> None:
    """The thread shares hold every element of every parameter exactly once, in about equal parts;
    arrays that are not C-contiguous go whole."""
    from arraygrad.backends.numpy_parallel import _shares

    arrays = [np.zeros(401), np.zeros(7), np.zeros((30, 20)).T, np.zeros(262), np.zeros(0), np.zeros(())]
    total = sum(a.size for a in arrays)
    for n in (2, 3, 5):
        shares = _shares([((a,), (i,)) for i, a in enumerate(arrays)], n, total)
        assert len(shares) <= n
        seen = {i: 0 for i in range(len(arrays))}
        for share in shares:
            for (piece,), (i,) in share:
                seen[i] += piece.size
                if i == 2:
                    assert piece is arrays[2]
        assert seen == {i: a.size for i, a in enumerate(arrays)}
        sizes = [sum(p[0][0].size for p in share) for share in shares]
        assert max(sizes) <= -(-total // n) + 600  # the one whole (30, 20).T may overfill a share
