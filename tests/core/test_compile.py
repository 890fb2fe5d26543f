"""``ag.compile``: a compiled training step equals the eager one.

On jax a compiled function is one XLA program per key, with the state it reaches (parameters,
buffers, grads, optimizer state, learning rates, step counters, the random counter) threaded in
and out through the tensors' storage cells; numpy and strict run it eagerly. These tests compare
compiled and eager runs, count recompiles, and check the memory semantics (donation, views,
in-place writes), the errors for host reads and failed value checks, and ``OptimizedModule``.
"""

from __future__ import annotations

import threading
import warnings
import weakref
from typing import Any

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn
from arraygrad.core import compiled as compiled_module
from arraygrad.core import tracing
from tests.helpers import to_np

IN, HID, OUT = 8, 16, 4
BATCH = 6
F32 = {"rtol": 2e-5, "atol": 1e-6}
F64 = {"rtol": 1e-9, "atol": 1e-12}


# ---------------------------------------------------------------------------------- helpers


def make_model(seed: int = 0, dtype: Any = None, dropout: float = 0.25, batchnorm: bool = False) -> nn.Module:
    """Linear 8->16 (BatchNorm) ReLU (Dropout) Linear 16->4, seeded. Before BatchNorm the Linear
    has no bias, as usual: BatchNorm removes it, so its gradient is rounding noise that Adam's
    normalised update would turn into +-lr steps (no two summation orders agree on it)."""
    ag.manual_seed(seed)
    layers: list[nn.Module] = [nn.Linear(IN, HID, bias=not batchnorm)]
    if batchnorm:
        layers.append(nn.BatchNorm1d(HID))
    layers.append(nn.ReLU())
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(HID, OUT))
    model = nn.Sequential(*layers)
    return model.to(dtype) if dtype is not None else model


def make_opt(kind: str, model: nn.Module) -> ag.optim.Optimizer:
    if kind == "sgd":
        return ag.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-3)
    return ag.optim.Adam(model.parameters(), lr=1e-2)


def batches(n: int, batch: int = BATCH, dtype: Any = None, seed: int = 1) -> list[tuple[ag.Tensor, ag.Tensor]]:
    """``n`` (input, class target) pairs from a numpy generator (so the arraygrad stream is untouched)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        x = ag.tensor(rng.standard_normal((batch, IN)), dtype=dtype or ag.float32)
        y = ag.tensor(rng.integers(0, OUT, batch))
        out.append((x, y))
    return out


def make_step(model: nn.Module, opt: ag.optim.Optimizer, sched: Any = None) -> Any:
    loss_fn = nn.CrossEntropyLoss()

    def step(x: ag.Tensor, y: ag.Tensor) -> ag.Tensor:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        return loss

    return step


def _host(v: Any) -> Any:
    if isinstance(v, ag.Tensor):
        return to_np(v)
    if isinstance(v, dict):
        return {k: _host(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_host(x) for x in v]
    return v


def snapshot(model: nn.Module, opt: ag.optim.Optimizer | None = None) -> dict[str, Any]:
    """Host copies of everything a step changes."""
    return {
        "model": {k: to_np(v) for k, v in model.state_dict().items()},
        "grads": [None if p.grad is None else to_np(p.grad) for p in model.parameters()],
        "opt": None if opt is None else _host(opt.state_dict()),
        "rng": ag.get_rng_state(),
    }


def assert_same(actual: Any, expected: Any, path: str = "", rtol: float = 0.0, atol: float = 0.0) -> None:
    """Recursive comparison of host structures (exact unless a tolerance is given)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and set(actual) == set(expected), f"{path}: keys {actual} != {expected}"
        for k in expected:
            assert_same(actual[k], expected[k], f"{path}[{k!r}]", rtol, atol)
    elif isinstance(expected, (list, tuple)):
        assert isinstance(actual, (list, tuple)) and len(actual) == len(expected), f"{path}: {actual} != {expected}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_same(a, e, f"{path}[{i}]", rtol, atol)
    elif isinstance(expected, np.ndarray):
        assert isinstance(actual, np.ndarray), f"{path}: {type(actual)} is not an array"
        assert actual.shape == expected.shape and actual.dtype == expected.dtype, f"{path}: layout differs"
        if rtol == 0 and atol == 0:
            np.testing.assert_array_equal(actual, expected, err_msg=path)
        else:
            np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=path)
    elif isinstance(expected, float) and (rtol or atol):
        assert type(actual) is float, f"{path}: {type(actual)} is not a float"
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=path)
    else:
        assert type(actual) is type(expected) and actual == expected, f"{path}: {actual!r} != {expected!r}"


def run_steps(step: Any, data: list[tuple[ag.Tensor, ag.Tensor]]) -> list[Any]:
    return [to_np(step(x, y)) for x, y in data]


def eager_and_compiled(build: Any, data: list[Any], tol: dict[str, float] | None = None) -> tuple[Any, Any]:
    """Build (model, opt, step) twice from the same seed, run the data eagerly and compiled,
    compare losses and snapshots; returns both (model, opt, step) triples."""
    eager = build()
    losses_e = run_steps(eager[2], data)
    snap_e = snapshot(eager[0], eager[1])
    comp = build()
    cf = ag.compile(comp[2])
    losses_c = run_steps(cf, data)
    snap_c = snapshot(comp[0], comp[1])
    tol = tol or {}
    assert_same(losses_c, losses_e, "losses", **tol)
    assert_same(snap_c, snap_e, "state", **tol)
    return eager, (comp[0], comp[1], cf)


def jax_arrays(model: nn.Module) -> list[Any]:
    return [p._storage.array for p in model.parameters()]


pytestmark = pytest.mark.filterwarnings("error::UserWarning")


# ---------------------------------------------------------------------------------- eager == compiled


@pytest.mark.backends("jax")
@pytest.mark.parametrize("kind", ["sgd", "adam"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_training_step_equals_eager(backend: str, kind: str, dtype: str) -> None:
    dt = getattr(ag, dtype)
    data = batches(5, dtype=dt)

    def build() -> Any:
        model = make_model(dtype=dt)
        opt = make_opt(kind, model)
        return model, opt, make_step(model, opt)

    _, (_, _, cf) = eager_and_compiled(build, data, F32 if dtype == "float32" else F64)
    assert cf.compiles == 2  # the first call creates the optimizer state lazily


@pytest.mark.backends("numpy", "strict")
@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_eager_backends_run_eagerly_and_exactly(backend: str, kind: str) -> None:
    data = batches(3)

    def build() -> Any:
        model = make_model()
        opt = make_opt(kind, model)
        sched = ag.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
        return model, opt, make_step(model, opt, sched)

    _, (_, _, cf) = eager_and_compiled(build, data)
    assert cf.compiles == 0


@pytest.mark.backends("numpy", "strict")
def test_eager_backends_allow_host_reads(backend: str) -> None:
    """Eagerly run functions may read values (nothing is traced)."""

    @ag.compile
    def f(x: ag.Tensor) -> Any:
        return x.sum().item() + 1.0

    assert f(ag.ones(3)) == 4.0
    assert f.compiles == 0


# ---------------------------------------------------------------------------------- recompiles


@pytest.fixture
def jax_step(backend: str) -> Any:
    """(model, opt, compiled step) on jax, SGD with momentum; dropout in the model."""
    model = make_model()
    opt = make_opt("sgd", model)
    return model, opt, ag.compile(make_step(model, opt))


@pytest.mark.backends("jax")
def test_same_shapes_do_not_recompile(jax_step: Any) -> None:
    _, _, cf = jax_step
    for x, y in batches(5):
        cf(x, y)
    assert cf.compiles == 2


@pytest.mark.backends("jax")
def test_new_input_shape_compiles_once_more(jax_step: Any) -> None:
    _, _, cf = jax_step
    for x, y in batches(3):
        cf(x, y)
    assert cf.compiles == 2
    for x, y in batches(2, batch=3):
        cf(x, y)
    assert cf.compiles == 3
    for x, y in batches(2):  # the first shape again: cached
        cf(x, y)
    assert cf.compiles == 3


@pytest.mark.backends("jax")
def test_train_eval_switch_compiles_once_each_way(jax_step: Any) -> None:
    model, _, cf = jax_step
    data = batches(8)
    for x, y in data[:3]:
        cf(x, y)
    assert cf.compiles == 2
    model.eval()
    cf(*data[3])
    assert cf.compiles == 3
    model.train()
    cf(*data[4])
    assert cf.compiles == 3
    model.eval()
    cf(*data[5])
    model.train()
    cf(*data[6])
    assert cf.compiles == 3


@pytest.mark.backends("jax")
def test_eval_mode_step_equals_eager(backend: str) -> None:
    """In eval mode dropout is off: compiled and eager agree, and the random stream is untouched."""
    data = batches(3)

    def build() -> Any:
        model = make_model()
        model.eval()
        opt = make_opt("adam", model)
        return model, opt, make_step(model, opt)

    eager_and_compiled(build, data, F32)


def _lr_schedule_run(step_factory: Any, compiled: bool, data: list[Any], lrs: list[float]) -> tuple[Any, Any]:
    model = make_model()
    opt = make_opt("sgd", model)
    step = step_factory(model, opt)
    fn = ag.compile(step) if compiled else step
    losses = []
    for (x, y), lr in zip(data, lrs):
        opt.param_groups[0]["lr"] = lr
        losses.append(to_np(fn(x, y)))
    return losses, snapshot(model, opt), fn


@pytest.mark.backends("jax")
def test_lr_changed_by_hand_is_honoured_without_recompile(backend: str) -> None:
    data = batches(5)
    lrs = [0.05, 0.05, 0.2, 0.01, 0.5]
    losses_e, snap_e, _ = _lr_schedule_run(make_step, False, data, lrs)
    losses_c, snap_c, cf = _lr_schedule_run(make_step, True, data, lrs)
    assert_same(losses_c, losses_e, "losses", **F32)
    assert_same(snap_c, snap_e, "state", **F32)
    assert cf.compiles == 2


@pytest.mark.backends("jax")
def test_lr_change_has_an_effect(backend: str) -> None:
    """The lr is an input of the program, not a constant baked in at the first trace."""
    data = batches(3)
    _, snap_a, _ = _lr_schedule_run(make_step, True, data, [0.05, 0.05, 0.05])
    _, snap_b, _ = _lr_schedule_run(make_step, True, data, [0.05, 0.05, 0.5])
    assert not np.allclose(snap_a["model"]["0.weight"], snap_b["model"]["0.weight"])


@pytest.mark.backends("jax")
@pytest.mark.parametrize("where", ["inside", "outside"])
@pytest.mark.parametrize("sched_kind", ["step", "cosine"])
def test_scheduler_is_honoured_without_recompile(backend: str, where: str, sched_kind: str) -> None:
    data = batches(6)

    def run(compiled: bool) -> tuple[Any, Any, list[float], Any]:
        model = make_model()
        opt = make_opt("adam", model)
        if sched_kind == "step":
            sched = ag.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        else:
            sched = ag.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=5)
        step = make_step(model, opt, sched if where == "inside" else None)
        fn = ag.compile(step) if compiled else step
        losses, lrs = [], []
        for x, y in data:
            losses.append(to_np(fn(x, y)))
            if where == "outside":
                sched.step()
            lrs.append(opt.param_groups[0]["lr"])
        assert sched.last_epoch == len(data)
        assert sched.get_last_lr() == [lrs[-1]]
        return losses, snapshot(model, opt), lrs, fn

    losses_e, snap_e, lrs_e, _ = run(False)
    losses_c, snap_c, lrs_c, cf = run(True)
    assert lrs_c == lrs_e
    assert all(type(lr) is float for lr in lrs_c)
    assert_same(losses_c, losses_e, "losses", **F32)
    assert_same(snap_c, snap_e, "state", **F32)
    assert cf.compiles == 2


@pytest.mark.backends("jax")
def test_requires_grad_flip_recompiles_and_freezes(jax_step: Any) -> None:
    model, _, cf = jax_step
    data = batches(4)
    for x, y in data[:2]:
        cf(x, y)
    assert cf.compiles == 2
    frozen = model[0].weight
    frozen.requires_grad_(False)
    before = to_np(frozen)
    cf(*data[2])
    assert cf.compiles == 3
    np.testing.assert_array_equal(to_np(frozen), before)
    frozen.requires_grad_(True)
    # unfrozen, its .grad is still None (zero_grad set it so and no backward filled it) while its
    # momentum buffer exists: a state structure not seen before
    cf(*data[3])
    assert cf.compiles == 4
    assert not np.array_equal(to_np(frozen), before)
    cf(*data[0])  # .grad is a tensor again: the second key of the first round
    assert cf.compiles == 4


@pytest.mark.backends("jax")
def test_new_param_group_recompiles_and_trains_it(backend: str) -> None:
    def run(compiled: bool) -> tuple[Any, Any]:
        model = make_model(dropout=0)
        scale = nn.Parameter(ag.ones(OUT))
        opt = ag.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        loss_fn = nn.CrossEntropyLoss()

        def step(x: ag.Tensor, y: ag.Tensor) -> ag.Tensor:
            opt.zero_grad()
            loss = loss_fn(model(x) * scale, y)
            loss.backward()
            opt.step()
            return loss

        fn = ag.compile(step) if compiled else step
        data = batches(5)
        losses = [to_np(fn(*b)) for b in data[:2]]
        opt.add_param_group({"params": [scale], "lr": 0.1})
        losses += [to_np(fn(*b)) for b in data[2:]]
        return losses + [to_np(scale)], fn

    eager, _ = run(False)
    comp, cf = run(True)
    assert_same(comp, eager, "losses and scale", **F32)
    assert not np.allclose(comp[-1], 1.0)
    assert cf.compiles == 4  # 2 for the first group, 2 more once the new group's state is created


@pytest.mark.backends("jax")
def test_non_lifted_hyperparameter_change_recompiles_and_is_honoured(backend: str) -> None:
    data = batches(4)

    def run(compiled: bool) -> tuple[Any, Any]:
        model = make_model(dropout=0)
        opt = ag.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        step = make_step(model, opt)
        fn = ag.compile(step) if compiled else step
        for i, b in enumerate(data):
            if i == 2:
                opt.param_groups[0]["momentum"] = 0.5
            fn(*b)
        return snapshot(model, opt), fn

    snap_e, _ = run(False)
    snap_c, cf = run(True)
    assert_same(snap_c, snap_e, "state", **F32)
    assert cf.compiles == 3


@pytest.mark.backends("jax")
def test_warns_once_after_many_compiles_with_the_reason(backend: str) -> None:
    @ag.compile
    def double(x: ag.Tensor) -> ag.Tensor:
        return x * 2

    n = compiled_module.WARN_AFTER
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for size in range(1, n + 1):
            double(ag.ones(size))
        assert not [w for w in caught if issubclass(w.category, UserWarning)]
        for size in range(n + 1, n + 4):
            double(ag.ones(size))
    assert double.compiles == n + 3
    user = [w for w in caught if issubclass(w.category, UserWarning)]
    assert len(user) == 1, [str(w.message) for w in user]
    message = str(user[0].message)
    assert "double" in message and "shape" in message
    assert f"({n},)" in message and f"({n + 1},)" in message
    assert user[0].filename == __file__  # points at the call, not at arraygrad


# ---------------------------------------------------------------------------------- dropout


@pytest.mark.backends("jax")
def test_dropout_draws_new_masks_and_follows_the_eager_stream(backend: str) -> None:
    model = make_model(dropout=0.5)
    x = batches(1)[0][0]
    state = ag.get_rng_state()

    with ag.no_grad():
        eager = [to_np(model(x)) for _ in range(3)]
        state_e = ag.get_rng_state()
        ag.set_rng_state(state)
        forward = ag.compile(lambda t: model(t))
        comp = [to_np(forward(x)) for _ in range(3)]
    assert not np.allclose(comp[0], comp[1])
    assert not np.allclose(comp[1], comp[2])
    assert_same(comp, eager, "outputs", **F32)
    assert ag.get_rng_state() == state_e
    assert forward.compiles == 1


@pytest.mark.backends("jax")
def test_random_ops_inside_follow_the_eager_stream(backend: str) -> None:
    def noise(x: ag.Tensor) -> ag.Tensor:
        return x + ag.randn(3) + ag.rand(3)

    state = ag.get_rng_state()
    eager = [to_np(noise(ag.zeros(3))) for _ in range(3)]
    state_e = ag.get_rng_state()
    ag.set_rng_state(state)
    cf = ag.compile(noise)
    comp = [to_np(cf(ag.zeros(3))) for _ in range(3)]
    assert_same(comp, eager, "noise", **F32)
    assert ag.get_rng_state() == state_e
    ag.manual_seed(123)
    first = to_np(cf(ag.zeros(3)))
    ag.manual_seed(123)
    np.testing.assert_array_equal(to_np(cf(ag.zeros(3))), first)  # manual_seed is honoured
    assert cf.compiles == 1


# ---------------------------------------------------------------------------------- host reads


def _read_item(loss: ag.Tensor, out: ag.Tensor) -> Any:
    loss.item()
    return loss


def _read_tolist(loss: ag.Tensor, out: ag.Tensor) -> Any:
    out.tolist()
    return loss


def _read_numpy(loss: ag.Tensor, out: ag.Tensor) -> Any:
    out.detach().numpy()
    return loss


def _read_float(loss: ag.Tensor, out: ag.Tensor) -> Any:
    float(loss)
    return loss


def _read_if(loss: ag.Tensor, out: ag.Tensor) -> Any:
    if loss > 0:
        return loss
    return loss * 2


def _read_mask(loss: ag.Tensor, out: ag.Tensor) -> Any:
    return loss + out[out > 0].sum()


def _read_nonzero(loss: ag.Tensor, out: ag.Tensor) -> Any:
    return loss + ag.nonzero(out).sum()


HOST_READS = {
    "item": (_read_item, "loss.item()"),
    "tolist": (_read_tolist, "out.tolist()"),
    "numpy": (_read_numpy, "out.detach().numpy()"),
    "float": (_read_float, "float(loss)"),
    "if": (_read_if, "if loss > 0:"),
    "mask": (_read_mask, "out[out > 0].sum()"),
    "nonzero": (_read_nonzero, "ag.nonzero(out).sum()"),
}


def _reading_step(model: nn.Module, opt: ag.optim.Optimizer, read: Any) -> Any:
    loss_fn = nn.CrossEntropyLoss()

    def step(x: ag.Tensor, y: ag.Tensor) -> Any:
        opt.zero_grad()
        out = model(x)
        loss = loss_fn(out, y)
        loss.backward()
        opt.step()  # the read comes after the state changed: the error must put it back
        return read(loss, out.detach())

    return step


@pytest.mark.backends("jax")
@pytest.mark.parametrize("warm", [False, True], ids=["first-call", "after-warm-up"])
@pytest.mark.parametrize("name", list(HOST_READS))
def test_host_read_raises_compile_error_naming_the_line(backend: str, name: str, warm: bool) -> None:
    read, source = HOST_READS[name]
    model = make_model()
    opt = make_opt("adam", model)
    data = batches(3)
    if warm:
        warm_step = ag.compile(make_step(model, opt))
        for b in data[:2]:
            warm_step(*b)
    before = snapshot(model, opt)
    cf = ag.compile(_reading_step(model, opt, read))
    with pytest.raises(ag.CompileError) as info:
        cf(*data[2])
    message = str(info.value)
    assert __file__ in message
    assert source in message
    assert cf.compiles == 0
    assert_same(snapshot(model, opt), before, "state after the error")
    # nothing holds a placeholder: an eager step works and changes the state
    make_step(model, opt)(*data[2])
    after = snapshot(model, opt)
    assert not np.allclose(after["model"]["0.weight"], before["model"]["0.weight"])


@pytest.mark.backends("jax")
def test_returning_a_python_number_raises_compile_error(backend: str) -> None:
    model = make_model()
    opt = make_opt("sgd", model)
    step = make_step(model, opt)
    before = snapshot(model, opt)

    @ag.compile
    def fn(x: ag.Tensor, y: ag.Tensor) -> Any:
        step(x, y)
        return 1.5

    with pytest.raises(ag.CompileError, match="float"):
        fn(*batches(1)[0])
    assert_same(snapshot(model, opt), before, "state after the error")


@pytest.mark.backends("jax")
def test_compile_error_is_a_runtime_error(backend: str) -> None:
    assert issubclass(ag.CompileError, RuntimeError)
    assert ag.CompileError is compiled_module.CompileError


# ---------------------------------------------------------------------------------- value checks


class EmbedNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(10, IN)
        self.head = nn.Linear(IN, OUT)

    def forward(self, idx: ag.Tensor) -> ag.Tensor:
        return self.head(self.emb(idx).mean(1))


def _embedding_case() -> tuple[nn.Module, Any, Any, Any]:
    ag.manual_seed(0)
    model = EmbedNet()
    good = (ag.tensor([[1, 2, 3], [4, 5, 6]]), ag.tensor([0, 3]))
    bad = (ag.tensor([[1, 2, 3], [4, 12, 6]]), ag.tensor([0, 3]))

    def loss(model: nn.Module, x: ag.Tensor, y: ag.Tensor) -> ag.Tensor:
        return nn.functional.cross_entropy(model(x), y)

    return model, good, bad, loss


def _gather_case() -> tuple[nn.Module, Any, Any, Any]:
    model = make_model(dropout=0)
    x = batches(1, batch=2)[0][0]
    good = (x, ag.tensor([[0, 1], [2, 3]]))
    bad = (x, ag.tensor([[0, 1], [2, 9]]))

    def loss(model: nn.Module, x: ag.Tensor, idx: ag.Tensor) -> ag.Tensor:
        return model(x).gather(1, idx).sum()

    return model, good, bad, loss


def _target_case() -> tuple[nn.Module, Any, Any, Any]:
    model = make_model(dropout=0)
    x = batches(1, batch=3)[0][0]
    good = (x, ag.tensor([0, 3, 1]))
    bad = (x, ag.tensor([0, 7, 1]))

    def loss(model: nn.Module, x: ag.Tensor, y: ag.Tensor) -> ag.Tensor:
        return nn.functional.cross_entropy(model(x), y)

    return model, good, bad, loss


VALUE_CASES = {"embedding": (_embedding_case, "12"), "gather": (_gather_case, "9"), "target": (_target_case, "7")}


@pytest.mark.backends("jax")
@pytest.mark.parametrize("warm", [False, True], ids=["first-call", "after-warm-up"])
@pytest.mark.parametrize("case", list(VALUE_CASES))
def test_value_check_raises_like_eager_and_changes_nothing(backend: str, case: str, warm: bool) -> None:
    make_case, bad_value = VALUE_CASES[case]
    # eager: the exception to expect
    model, good, bad, loss_of = make_case()
    opt = ag.optim.Adam(model.parameters(), lr=1e-2)
    with pytest.raises((IndexError, RuntimeError)) as eager_info:
        loss_of(model, *bad).backward()
    eager_type = type(eager_info.value)
    assert bad_value in str(eager_info.value)
    opt.zero_grad()

    model, good, bad, loss_of = make_case()
    opt = ag.optim.Adam(model.parameters(), lr=1e-2)

    def step(a: ag.Tensor, b: ag.Tensor) -> ag.Tensor:
        opt.zero_grad()
        loss = loss_of(model, a, b)
        loss.backward()
        opt.step()
        return loss

    cf = ag.compile(step)
    if warm:
        cf(*good)
        cf(*good)
    before = snapshot(model, opt)
    with pytest.raises(eager_type) as info:
        cf(*bad)
    assert type(info.value) is eager_type
    assert bad_value in str(info.value)
    assert_same(snapshot(model, opt), before, "state after the failed call")
    # a following valid call works and equals the eager step from the same state
    ref_model, _, _, _ = make_case()
    ref_model.load_state_dict(model.state_dict())
    ref_opt = ag.optim.Adam(ref_model.parameters(), lr=1e-2)
    ref_opt.load_state_dict(opt.state_dict())
    ref_opt.zero_grad()
    ref_loss = loss_of(ref_model, *good)
    ref_loss.backward()
    ref_opt.step()
    loss = cf(*good)
    np.testing.assert_allclose(to_np(loss), to_np(ref_loss), **F32)
    assert_same(snapshot(model, opt)["model"], snapshot(ref_model, ref_opt)["model"], "model", **F32)


@pytest.mark.backends("jax")
def test_integer_division_by_zero_raises_like_eager(backend: str) -> None:
    def f(a: ag.Tensor, b: ag.Tensor) -> ag.Tensor:
        return a // b

    a, good, bad = ag.tensor([4, 6]), ag.tensor([2, 3]), ag.tensor([2, 0])
    with pytest.raises(Exception) as eager_info:
        f(a, bad)
    cf = ag.compile(f)
    np.testing.assert_array_equal(to_np(cf(a, good)), [2, 2])
    with pytest.raises(type(eager_info.value)):
        cf(a, bad)
    np.testing.assert_array_equal(to_np(cf(a, good)), [2, 2])


# ---------------------------------------------------------------------------------- donation and views


@pytest.mark.backends("jax")
def test_previous_parameter_arrays_are_donated(jax_step: Any) -> None:
    model, _, cf = jax_step
    data = batches(3)
    for b in data[:2]:
        cf(*b)
    old = [weakref.ref(a) for a in jax_arrays(model)]
    cf(*data[2])
    # nothing else held the previous arrays: donated, they are gone (freed, or deleted if still referenced)
    assert all(r() is None or r().is_deleted() for r in old)
    assert all(not a.is_deleted() for a in jax_arrays(model))
    # and XLA reused their buffers for the new values: parameters, momentum buffers and grads alias inputs
    program = next(reversed(cf._cache.values()))
    state_bytes = 3 * sum(a.size * a.dtype.itemsize for a in jax_arrays(model))
    assert program.run.memory_analysis().alias_size_in_bytes >= state_bytes


@pytest.mark.backends("jax")
def test_clone_and_state_dict_taken_before_stay_valid(jax_step: Any) -> None:
    model, opt, cf = jax_step
    data = batches(3)
    for b in data[:2]:
        cf(*b)
    weight = model[0].weight
    clone = weight.clone()  # shares the array on jax
    copied = {k: v.clone() for k, v in model.state_dict().items()}
    aliased = model.state_dict()  # PyTorch: state_dict tensors alias the parameters
    buf = opt.state[weight]["momentum_buffer"].clone()
    old_weight, old_buf = to_np(clone), to_np(buf)
    old_all = {k: to_np(v) for k, v in copied.items()}
    cf(*data[2])
    assert not np.allclose(to_np(weight), old_weight)
    np.testing.assert_array_equal(to_np(clone), old_weight)
    np.testing.assert_array_equal(to_np(buf), old_buf)
    assert_same({k: to_np(v) for k, v in copied.items()}, old_all, "cloned state_dict")
    assert_same({k: to_np(v) for k, v in aliased.items()}, {k: to_np(v) for k, v in model.state_dict().items()},
                "aliased state_dict")
    # the clone is still usable in computations, and the next step still works
    (clone * 2).sum()
    cf(*batches(1, seed=7)[0])


@pytest.mark.backends("jax")
def test_view_of_a_parameter_sees_the_new_values(backend: str) -> None:
    def run(compiled: bool) -> Any:
        model = make_model(dropout=0)
        opt = make_opt("sgd", model)
        lin = model[0]
        w_row, w_t, bias_tail = lin.weight[0], lin.weight.t(), lin.bias[4:]
        step = make_step(model, opt)
        fn = ag.compile(step) if compiled else step
        for b in batches(3):
            fn(*b)
            np.testing.assert_array_equal(to_np(w_row), to_np(lin.weight)[0])
            np.testing.assert_array_equal(to_np(w_t), to_np(lin.weight).T)
            np.testing.assert_array_equal(to_np(bias_tail), to_np(lin.bias)[4:])
        return to_np(w_row)

    np.testing.assert_allclose(run(True), run(False), **F32)


@pytest.mark.backends("jax")
def test_in_place_writes_to_arguments_are_visible(backend: str) -> None:
    @ag.compile
    def bump(x: ag.Tensor, row: ag.Tensor) -> ag.Tensor:
        x.add_(1)
        row.mul_(10)
        return x.sum()

    base = ag.zeros(2, 3)
    x = ag.zeros(3)
    row = base[1]  # a view of a tensor the function never sees
    for i in range(1, 4):
        total = bump(x, row)
        np.testing.assert_array_equal(to_np(x), [i] * 3)
        assert float(total) == 3 * i
    np.testing.assert_array_equal(to_np(base), [[0, 0, 0], [0, 0, 0]])  # zeros times 10
    base2 = ag.ones(2, 3)
    bump(ag.zeros(3), base2[1])
    np.testing.assert_array_equal(to_np(base2), [[1, 1, 1], [10, 10, 10]])
    assert bump.compiles == 1
    assert x._version == 3


@pytest.mark.backends("jax")
def test_in_place_write_to_a_closed_over_tensor_is_visible(backend: str) -> None:
    counter = ag.zeros(())
    history = ag.zeros(4)

    @ag.compile
    def tick(x: ag.Tensor) -> ag.Tensor:
        counter.add_(1)
        history[1:3] = x
        return counter * 1

    for i in range(1, 4):
        out = tick(ag.full((2,), float(i)))
        assert float(out) == i and float(counter) == i
        np.testing.assert_array_equal(to_np(history), [0, i, i, 0])
    assert tick.compiles == 1


# ---------------------------------------------------------------------------------- returned values


@pytest.mark.backends("jax")
def test_returned_structures(backend: str) -> None:
    lin = nn.Linear(3, 2)

    @ag.compile
    def many(x: ag.Tensor) -> Any:
        y = lin(x)
        return y, {"sum": y.sum(), "nothing": None, "pair": [x * 2, (x + 1,)]}, None, "tag", True

    x = ag.ones(4, 3)
    for _ in range(2):
        y, d, none, tag, flag = many(x)
        np.testing.assert_allclose(to_np(y), to_np(lin(x)), **F32)
        assert set(d) == {"sum", "nothing", "pair"} and d["nothing"] is None
        np.testing.assert_allclose(float(d["sum"]), float(lin(x).sum()), rtol=1e-5)
        assert isinstance(d["pair"], list) and isinstance(d["pair"][1], tuple)
        np.testing.assert_array_equal(to_np(d["pair"][1][0]), np.full((4, 3), 2.0))
        assert none is None and tag == "tag" and flag is True
    assert many.compiles == 1

    @ag.compile
    def nothing(x: ag.Tensor) -> None:
        x.add_(1)

    assert nothing(x) is None
    np.testing.assert_array_equal(to_np(x), np.full((4, 3), 2.0))


@pytest.mark.backends("jax")
def test_returning_a_parameter_returns_the_same_object(backend: str) -> None:
    lin = nn.Linear(3, 2)
    opt = ag.optim.SGD(lin.parameters(), lr=0.1)

    @ag.compile
    def step(x: ag.Tensor) -> Any:
        opt.zero_grad()
        lin(x).sum().backward()
        opt.step()
        return lin.weight, lin.bias.grad

    x = ag.ones(4, 3)
    for _ in range(3):
        w, g = step(x)
        assert w is lin.weight
        assert g is lin.bias.grad
    np.testing.assert_allclose(to_np(g), [4.0, 4.0])


# ---------------------------------------------------------------------------------- OptimizedModule


@pytest.mark.backends("jax")
def test_optimized_module_state_dict_and_attributes(backend: str) -> None:
    model = make_model()
    model.some_attr = 42
    compiled = ag.compile(model)
    assert type(compiled).__name__ == "OptimizedModule"
    assert compiled._orig_mod is model
    keys = list(model.state_dict())
    assert list(compiled.state_dict()) == [f"_orig_mod.{k}" for k in keys]
    assert compiled.some_attr == 42
    with pytest.raises(TypeError):
        compiled[0]  # noqa: B018  # as in PyTorch: dunder methods do not fall through (use _orig_mod)
    assert compiled._orig_mod[0] is model[0]
    assert [id(p) for p in compiled.parameters()] == [id(p) for p in model.parameters()]
    with pytest.raises(AttributeError):
        compiled.no_such_attribute  # noqa: B018
    # loading a state dict with the prefix works
    other = ag.compile(make_model(seed=3))
    other.load_state_dict(compiled.state_dict())
    assert_same({k: to_np(v) for k, v in other._orig_mod.state_dict().items()},
                {k: to_np(v) for k, v in model.state_dict().items()}, "loaded")


@pytest.mark.backends("jax")
@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_optimized_module_backward_outside_equals_eager(backend: str, dropout: float) -> None:
    data = batches(4)

    def build() -> Any:
        model = make_model(dropout=dropout)
        opt = make_opt("adam", model)
        compiled = ag.compile(model)
        loss_fn = nn.CrossEntropyLoss()

        def step_with(net: nn.Module) -> Any:
            def step(x: ag.Tensor, y: ag.Tensor) -> ag.Tensor:
                opt.zero_grad()
                loss = loss_fn(net(x), y)
                loss.backward()
                opt.step()
                return loss

            return step

        return model, opt, step_with(model), step_with(compiled), compiled

    model_e, opt_e, step_e, _, _ = build()
    losses_e = run_steps(step_e, data)
    snap_e = snapshot(model_e, opt_e)
    model_c, opt_c, _, step_c, compiled = build()
    losses_c = run_steps(step_c, data)
    snap_c = snapshot(model_c, opt_c)
    assert_same(losses_c, losses_e, "losses", **F32)
    assert_same(snap_c, snap_e, "state", **F32)
    assert compiled._compiled_call.compiles == 1


@pytest.mark.backends("jax")
def test_optimized_module_two_forwards_then_one_backward(backend: str) -> None:
    model = make_model(dropout=0.3)
    compiled = ag.compile(model)
    (x1, _), (x2, _) = batches(2)
    state = ag.get_rng_state()
    (model(x1).sum() + (model(x2) ** 2).sum()).backward()
    eager = [to_np(p.grad) for p in model.parameters()]
    model.zero_grad()
    ag.set_rng_state(state)
    (compiled(x1).sum() + (compiled(x2) ** 2).sum()).backward()
    assert_same([to_np(p.grad) for p in model.parameters()], eager, "grads", **F32)


@pytest.mark.backends("jax")
def test_optimized_module_input_gradient(backend: str) -> None:
    model = make_model(dropout=0)
    compiled = ag.compile(model)
    x = batches(1)[0][0]
    xe = x.detach().requires_grad_(True)
    (model(xe) ** 2).sum().backward()
    xc = x.detach().requires_grad_(True)
    (compiled(xc) ** 2).sum().backward()
    np.testing.assert_allclose(to_np(xc.grad), to_np(xe.grad), **F32)


@pytest.mark.backends("jax")
def test_optimized_module_eval_and_train_switch(backend: str) -> None:
    model = make_model(dropout=0.5)
    compiled = ag.compile(model)
    x = batches(1)[0][0]
    compiled.eval()
    assert not model.training and not model[3].training
    with ag.no_grad():
        out = compiled(x)
        np.testing.assert_allclose(to_np(out), to_np(model(x)), **F32)
        assert not out.requires_grad
        np.testing.assert_array_equal(to_np(compiled(x)), to_np(out))  # no dropout in eval
    compiled.train()
    assert model.training
    with ag.no_grad():
        a, b = to_np(compiled(x)), to_np(compiled(x))
    assert not np.allclose(a, b)
    assert compiled._compiled_call.compiles == 2
    compiled.eval()
    with ag.no_grad():
        compiled(x)
    assert compiled._compiled_call.compiles == 2


@pytest.mark.backends("jax")
def test_optimized_module_batchnorm_buffers(backend: str) -> None:
    data = batches(3)

    def run(compiled: bool) -> Any:
        model = make_model(dropout=0, batchnorm=True)
        opt = make_opt("sgd", model)
        net = ag.compile(model) if compiled else model
        for x, y in data:
            opt.zero_grad()
            nn.functional.cross_entropy(net(x), y).backward()
            opt.step()
        return snapshot(model, opt)

    assert_same(run(True), run(False), "state", **F32)


# ---------------------------------------------------------------------------------- forms


@pytest.mark.backends("jax")
def test_decorator_forms(backend: str) -> None:
    @ag.compile
    def plain(x: ag.Tensor) -> ag.Tensor:
        return x * 2

    @ag.compile(fullgraph=True)
    def full(x: ag.Tensor) -> ag.Tensor:
        return x + 1

    @ag.compile(dynamic=True, mode="reduce-overhead")
    def other(x: ag.Tensor) -> ag.Tensor:
        return x - 1

    x = ag.ones(3)
    np.testing.assert_array_equal(to_np(plain(x)), [2, 2, 2])
    np.testing.assert_array_equal(to_np(full(x)), [2, 2, 2])
    np.testing.assert_array_equal(to_np(other(x)), [0, 0, 0])
    assert plain.compiles == full.compiles == other.compiles == 1
    assert plain.__name__ == "plain" and plain.__wrapped__ is not None
    with pytest.raises(TypeError):
        ag.compile(3)


@pytest.mark.backends("jax")
@pytest.mark.parametrize("how", ["disable", "eager-backend", "decorator-disable"])
def test_disabled_compile_runs_eagerly(backend: str, how: str) -> None:
    def read(x: ag.Tensor) -> Any:
        return (x * 2).sum().item()  # a host read: only possible eagerly

    if how == "disable":
        fn = ag.compile(read, disable=True)
    elif how == "eager-backend":
        fn = ag.compile(read, backend="eager")
    else:
        fn = ag.compile(disable=True)(read)
    assert fn(ag.ones(3)) == 6.0
    assert fn.compiles == 0
    model = ag.compile(make_model(dropout=0), backend="eager")
    x = batches(1)[0][0]
    assert model(x).grad_fn is not None and model(x).grad_fn.name() != "CompiledFunctionBackward"
    assert model._compiled_call.compiles == 0


class Trainer:
    def __init__(self, kind: str) -> None:
        self.model = make_model()
        self.opt = make_opt(kind, self.model)
        self.loss_fn = nn.CrossEntropyLoss()
        self.steps = 0

    def step(self, x: ag.Tensor, y: ag.Tensor) -> ag.Tensor:
        self.opt.zero_grad()
        loss = self.loss_fn(self.model(x), y)
        loss.backward()
        self.opt.step()
        return loss

    compiled_step = ag.compile(step)

    @ag.compile
    def evaluate(self, x: ag.Tensor) -> ag.Tensor:
        with ag.no_grad():
            return self.model(x).argmax(1)


@pytest.mark.backends("jax")
def test_compiled_methods(backend: str) -> None:
    data = batches(4)
    eager = Trainer("adam")
    losses_e = [to_np(eager.step(*b)) for b in data]
    snap_e = snapshot(eager.model, eager.opt)
    comp = Trainer("adam")
    losses_c = [to_np(comp.compiled_step(*b)) for b in data]
    assert_same(losses_c, losses_e, "losses", **F32)
    assert_same(snapshot(comp.model, comp.opt), snap_e, "state", **F32)
    assert Trainer.compiled_step.compiles == 2
    comp.model.eval()
    eager.model.eval()
    np.testing.assert_array_equal(to_np(comp.evaluate(data[0][0])), to_np(eager.model(data[0][0]).argmax(1)))
    # a second instance: its own state, not the first one's
    third = Trainer("adam")
    before = snapshot(comp.model, comp.opt)
    third.compiled_step(*data[0])
    assert_same(snapshot(comp.model, comp.opt)["model"], before["model"], "first instance untouched")
    np.testing.assert_allclose(to_np(third.compiled_step(*data[1])), losses_e[1], **F32)


# ---------------------------------------------------------------------------------- BatchNorm


@pytest.mark.backends("jax")
@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_batchnorm_buffers_equal_eager(backend: str, kind: str) -> None:
    data = batches(4)

    def build() -> Any:
        model = make_model(batchnorm=True)
        opt = make_opt(kind, model)
        return model, opt, make_step(model, opt)

    _, (model, _, cf) = eager_and_compiled(build, data, F32)
    assert int(model[1].num_batches_tracked) == 4
    assert model[1].num_batches_tracked.dtype == ag.int64
    assert cf.compiles == 2


# ---------------------------------------------------------------------------------- threads


@pytest.mark.backends("jax")
def test_tracing_on_one_thread_leaves_eager_code_on_another_alone(backend: str) -> None:
    inside, release = threading.Event(), threading.Event()
    results: dict[str, Any] = {}

    def traced_body(x: ag.Tensor) -> ag.Tensor:
        results["trace_seen"] = tracing.current() is not None
        inside.set()
        release.wait(30)
        return x * 2

    cf = ag.compile(traced_body)
    x = ag.ones(3)  # made here: the default backend is per thread, and the worker's is numpy

    def worker() -> None:
        try:
            results["out"] = to_np(cf(x))
        except BaseException as exc:  # noqa: BLE001 - reported on the main thread
            results["error"] = exc

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert inside.wait(30)
        # this thread is eager while the other one traces
        assert tracing.current() is None
        t = ag.arange(4.0)
        assert (t * 2).sum().item() == 12.0
        with pytest.raises(IndexError):
            t[ag.tensor([7])]
        with pytest.raises(IndexError):
            nn.functional.cross_entropy(ag.zeros(2, 3), ag.tensor([0, 5]))
    finally:
        release.set()
        thread.join(60)
    assert "error" not in results, results.get("error")
    assert results["trace_seen"] is True
    np.testing.assert_array_equal(results["out"], [2, 2, 2])


# ---------------------------------------------------------------------------------- what a call reads back


@pytest.mark.backends("jax")
def test_a_standard_step_reads_no_numbers_back(backend: str) -> None:
    model = make_model()
    opt = make_opt("adam", model)
    cf = ag.compile(make_step(model, opt))
    for b in batches(3):
        cf(*b)
    program = next(reversed(cf._cache.values()))
    # lr is unchanged; Adam's step counts and the dropout stream's counter move by known amounts
    assert program.scalar_out == []
    assert {k for _, k, _ in program.increments} == {"step", ("attr", "_counter")}
    assert all(type(s["step"]) is int and s["step"] == 3 for s in opt.state.values())


OPTIMIZERS = {
    "radam": lambda ps: ag.optim.RAdam(ps, lr=1e-2),  # its two update rules switch at step 6
    "radamw": lambda ps: ag.optim.RAdam(ps, lr=1e-2, weight_decay=0.1, decoupled_weight_decay=True),
    "asgd": lambda ps: ag.optim.ASGD(ps, lr=1e-2, t0=3),  # averaging starts after step 3
    "nadam": lambda ps: ag.optim.NAdam(ps, lr=1e-2),
    "adamw": lambda ps: ag.optim.AdamW(ps, lr=1e-2, amsgrad=True),
    "adamax": lambda ps: ag.optim.Adamax(ps, lr=1e-2),
    "adagrad": lambda ps: ag.optim.Adagrad(ps, lr=1e-2),
    "adadelta": lambda ps: ag.optim.Adadelta(ps),
    "rmsprop": lambda ps: ag.optim.RMSprop(ps, lr=1e-3, momentum=0.5, centered=True),
    "rprop": lambda ps: ag.optim.Rprop(ps, lr=1e-2),
}


@pytest.mark.backends("jax")
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_compiles_once_and_equals_eager(backend: str, name: str) -> None:
    data = batches(8, dtype=ag.float64)

    def build() -> Any:
        model = make_model(dtype=ag.float64, dropout=0.0)
        opt = OPTIMIZERS[name](model.parameters())
        return model, opt, make_step(model, opt)

    _, (_, _, cf) = eager_and_compiled(build, data, F64)
    assert cf.compiles == 2  # the first step (state created) and every later one


@pytest.mark.backends("jax")
def test_zero_grad_at_the_end_of_a_compiled_step_clears_on_every_call(backend: str) -> None:
    loss_fn = nn.CrossEntropyLoss()

    def build() -> Any:
        model = make_model(dropout=0.0)
        opt = make_opt("sgd", model)

        def accumulate(x: ag.Tensor, y: ag.Tensor) -> ag.Tensor:
            loss = loss_fn(model(x), y)
            loss.backward()
            return loss

        def step(x: ag.Tensor, y: ag.Tensor) -> ag.Tensor:
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            opt.zero_grad()  # at the end: the next call starts from no gradients
            return loss

        return model, opt, accumulate, step

    data = batches(6)
    model_e, opt_e, acc_e, step_e = build()
    model_c, opt_c, acc_c, step_c = build()
    acc_c, step_c = ag.compile(acc_c), ag.compile(step_c)
    for i, (x, y) in enumerate(data):
        (acc_e if i % 2 == 0 else step_e)(x, y)
        (acc_c if i % 2 == 0 else step_c)(x, y)
        assert [p.grad is None for p in model_c.parameters()] == [p.grad is None for p in model_e.parameters()]
    assert_same(snapshot(model_c, opt_c), snapshot(model_e, opt_e), "state", **F32)
