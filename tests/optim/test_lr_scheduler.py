"""Learning-rate schedulers against torch.optim.lr_scheduler: the same lr (and momentum/beta1)
sequences for 40 steps, closed forms of StepLR, ExponentialLR and CosineAnnealingLR,
ReduceLROnPlateau on made-up metric sequences, and state_dict round trips."""

from __future__ import annotations

import math
import warnings

import pytest

import arraygrad as ag
from arraygrad import optim
from arraygrad.optim import lr_scheduler as ag_sched

STEPS = 40
LRS = (0.1, 0.02)

# each factory gets the scheduler module (arraygrad's or torch's) and an optimizer with two groups
SCHEDULERS = {
    "step": lambda m, o: m.StepLR(o, step_size=7, gamma=0.5),
    "multistep": lambda m, o: m.MultiStepLR(o, milestones=[5, 12, 12, 25], gamma=0.3),
    "exponential": lambda m, o: m.ExponentialLR(o, gamma=0.9),
    "cosine": lambda m, o: m.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
    "cosine-odd-period": lambda m, o: m.CosineAnnealingLR(o, T_max=7),
    "lambda": lambda m, o: m.LambdaLR(o, lambda e: 0.95**e),
    "lambda-per-group": lambda m, o: m.LambdaLR(o, [lambda e: 0.95**e, lambda e: 1 / (1 + e)]),
    "multiplicative": lambda m, o: m.MultiplicativeLR(o, lambda e: 0.97 if e % 2 else 0.99),
    "linear-warmup": lambda m, o: m.LinearLR(o, start_factor=0.25, total_iters=8),
    "linear-decay": lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=20),
    "constant": lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=6),
    "polynomial": lambda m, o: m.PolynomialLR(o, total_iters=20, power=2.0),
    "onecycle-cos": lambda m, o: m.OneCycleLR(o, max_lr=[0.5, 0.1], total_steps=STEPS),
    "onecycle-linear-three-phase": lambda m, o: m.OneCycleLR(
        o, max_lr=0.5, epochs=4, steps_per_epoch=10, pct_start=0.25, anneal_strategy="linear", three_phase=True),
    "onecycle-no-momentum": lambda m, o: m.OneCycleLR(
        o, max_lr=0.5, total_steps=STEPS, cycle_momentum=False, div_factor=10.0, final_div_factor=100.0),
    "cyclic-triangular": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4, step_size_down=6),
    "cyclic-triangular2": lambda m, o: m.CyclicLR(
        o, base_lr=[0.01, 0.001], max_lr=[0.1, 0.05], step_size_up=5, mode="triangular2"),
    "cyclic-exp-range": lambda m, o: m.CyclicLR(
        o, base_lr=0.01, max_lr=0.1, step_size_up=3, mode="exp_range", gamma=0.95, base_momentum=0.7),
    "cyclic-custom-scale": lambda m, o: m.CyclicLR(
        o, 0.01, 0.1, step_size_up=4, scale_fn=lambda x: 1 / (1 + x), scale_mode="iterations", cycle_momentum=False),
    "warm-restarts": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.01),
    "warm-restarts-constant-period": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=6),
    "sequential": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.1, total_iters=5), m.CosineAnnealingLR(o, T_max=20)], milestones=[5]),
    "sequential-three": lambda m, o: m.SequentialLR(
        o, [m.ConstantLR(o, factor=0.5, total_iters=4), m.ExponentialLR(o, gamma=0.9), m.StepLR(o, 3, 0.5)],
        milestones=[6, 15]),
    "chained": lambda m, o: m.ChainedScheduler([m.ConstantLR(o, factor=0.5, total_iters=6), m.ExponentialLR(o, 0.95)]),
    "chained-warmup-cosine": lambda m, o: m.ChainedScheduler(
        [m.LinearLR(o, start_factor=0.2, total_iters=5), m.CosineAnnealingLR(o, T_max=12, eta_min=0.005)]),
}
#: cases run with Adam, whose beta1 the cyclic schedulers move
ADAM_CASES = {
    "onecycle-adam": lambda m, o: m.OneCycleLR(o, max_lr=0.01, total_steps=STEPS, base_momentum=0.8),
    "cyclic-adam": lambda m, o: m.CyclicLR(o, base_lr=0.001, max_lr=0.01, step_size_up=5),
}
ALL_CASES = {**SCHEDULERS, **ADAM_CASES}


def make_optimizer(lib, case: str):
    """SGD with momentum (or Adam for ADAM_CASES) over two groups with lrs LRS."""
    name = "Adam" if case in ADAM_CASES else "SGD"
    kwargs = {} if name == "Adam" else {"momentum": 0.9}
    if lib == "torch":
        import torch

        params = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
        cls = getattr(torch.optim, name)
    else:
        params = [ag.zeros(2, requires_grad=True), ag.zeros(3, requires_grad=True)]
        cls = getattr(optim, name)
    return cls([{"params": [params[0]]}, {"params": [params[1]], "lr": LRS[1]}], lr=LRS[0], **kwargs)


def snapshot(sched, opt) -> tuple:
    momenta = [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]
    return list(sched.get_last_lr()), [g["lr"] for g in opt.param_groups], momenta


def history(lib: str, case: str, steps: int = STEPS) -> list[tuple]:
    module = ag_sched
    if lib == "torch":
        import torch

        module = torch.optim.lr_scheduler
    opt = make_optimizer(lib, case)
    sched = ALL_CASES[case](module, opt)
    out = [snapshot(sched, opt)]
    for _ in range(steps):
        opt.step()
        sched.step()
        out.append(snapshot(sched, opt))
    return out


def assert_sequences_close(ours, theirs, rel: float = 1e-13) -> None:
    assert len(ours) == len(theirs)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for part, x, y in zip(("get_last_lr", "group lr", "momentum"), a, b):
            assert len(x) == len(y)
            assert all(math.isclose(u, v, rel_tol=rel, abs_tol=1e-15) for u, v in zip(x, y)), (step, part, x, y)


@pytest.mark.parametrize("case", list(ALL_CASES))
def test_lr_sequence_matches_torch(torch, case):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither library should warn on this (correct) usage
        assert_sequences_close(history("arraygrad", case), history("torch", case))


# ---------------------------------------------------------------------- closed forms


def lrs_of(case_factory, steps: int = STEPS) -> list[list[float]]:
    opt = make_optimizer("arraygrad", "")
    sched = case_factory(ag_sched, opt)
    out = [sched.get_last_lr()]
    for _ in range(steps):
        opt.step()
        sched.step()
        out.append(sched.get_last_lr())
    return out


def test_step_lr_closed_form():
    for epoch, lrs in enumerate(lrs_of(SCHEDULERS["step"])):
        expected = [base * 0.5 ** (epoch // 7) for base in LRS]
        assert all(math.isclose(a, b, rel_tol=1e-14) for a, b in zip(lrs, expected)), epoch


def test_exponential_lr_closed_form():
    for epoch, lrs in enumerate(lrs_of(SCHEDULERS["exponential"])):
        expected = [base * 0.9**epoch for base in LRS]
        assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(lrs, expected)), epoch


@pytest.mark.parametrize("t_max, eta_min", [(10, 0.001), (7, 0.0), (13, 0.01)])
def test_cosine_annealing_recursion_follows_its_closed_form(t_max, eta_min):
    # 40 steps cover several half-periods, including the special case at the bottom of each
    lrs = lrs_of(lambda m, o: m.CosineAnnealingLR(o, T_max=t_max, eta_min=eta_min))
    for epoch, values in enumerate(lrs):
        expected = [eta_min + (base - eta_min) * (1 + math.cos(math.pi * epoch / t_max)) / 2 for base in LRS]
        assert all(math.isclose(a, b, rel_tol=1e-10, abs_tol=1e-14) for a, b in zip(values, expected)), epoch


def test_step_with_an_epoch_uses_the_closed_form_and_warns():
    opt = make_optimizer("arraygrad", "")
    sched = ag_sched.StepLR(opt, step_size=7, gamma=0.5)
    opt.step()
    with pytest.warns(UserWarning, match="epoch parameter"):
        sched.step(17)
    assert sched.last_epoch == 17
    assert sched.get_last_lr() == [LRS[0] * 0.25, LRS[1] * 0.25]


def test_warm_restarts_with_fractional_epochs_match_torch(torch):
    results = []
    for module, opt in ((ag_sched, make_optimizer("arraygrad", "")), (torch.optim.lr_scheduler,
                                                                      make_optimizer("torch", ""))):
        sched = module.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2, eta_min=0.001)
        seen = []
        for epoch in range(20):
            for batch in range(5):
                opt.step()
                sched.step(epoch + batch / 5)
                seen.append(([g["lr"] for g in opt.param_groups], sched.T_cur, sched.T_i))
        results.append(seen)
    ours, theirs = results
    for a, b in zip(ours, theirs):
        assert all(math.isclose(x, y, rel_tol=1e-13, abs_tol=1e-15) for x, y in zip(a[0], b[0]))
        assert math.isclose(a[1], b[1], rel_tol=1e-13, abs_tol=1e-15) and a[2] == b[2]
    # the restarts: back to the initial lr at epochs 4 and 12 (periods 4, 8, 16)
    lr_at = {i / 5: lrs[0] for i, (lrs, _, _) in enumerate(ours)}
    assert lr_at[0.0] == LRS[0] and math.isclose(lr_at[4.0], LRS[0]) and math.isclose(lr_at[12.0], LRS[0])
    assert lr_at[2.0] < lr_at[1.0] < LRS[0]
    with pytest.raises(ValueError, match="non-negative epoch"):
        ag_sched.CosineAnnealingWarmRestarts(make_optimizer("arraygrad", ""), T_0=4).step(-1)


# ---------------------------------------------------------------------- ReduceLROnPlateau

METRICS = [1.0, 0.9, 0.95, 0.95, 0.9, 0.8999, 0.85, 0.86, 0.87, 0.88, 0.89, 0.84, 0.83, 0.9, 0.9, 0.9, 0.9,
           0.9, 0.9, 0.9, 0.7, 0.71, 0.72, 0.73, 0.74, 0.75, 0.76, 0.77, 0.78, 0.79]
PLATEAU_CASES = {
    "min-rel": {"patience": 2},
    "min-abs-cooldown": {"patience": 1, "threshold": 0.02, "threshold_mode": "abs", "cooldown": 2, "factor": 0.5},
    "max-rel-min-lr": {"mode": "max", "patience": 1, "min_lr": [0.05, 0.001], "factor": 0.3},
    "max-abs-eps": {"mode": "max", "threshold_mode": "abs", "patience": 0, "factor": 0.9, "eps": 0.005},
}


@pytest.mark.parametrize("case", list(PLATEAU_CASES))
def test_reduce_on_plateau_matches_torch(torch, case):
    sequences = []
    for lib, module in (("arraygrad", ag_sched), ("torch", torch.optim.lr_scheduler)):
        opt = make_optimizer(lib, "")
        sched = module.ReduceLROnPlateau(opt, **PLATEAU_CASES[case])
        seq = []
        for metric in METRICS:
            opt.step()
            sched.step(metric)
            seq.append((sched.get_last_lr(), sched.best, sched.num_bad_epochs, sched.cooldown_counter))
        sequences.append(seq)
    assert sequences[0] == sequences[1]
    assert sequences[0][-1][0] != list(LRS)  # the sequence did reduce the lr


def test_reduce_on_plateau_by_hand():
    opt = make_optimizer("arraygrad", "")
    sched = ag_sched.ReduceLROnPlateau(opt, patience=1, factor=0.5)
    seen = []
    for _ in range(5):
        sched.step(ag.tensor(1.0))  # a 1-element tensor is a metric too
        seen.append(sched.get_last_lr()[0])
    # epoch 1 sets best; epochs 2, 3 are bad: the second bad epoch exceeds patience 1
    assert seen == [0.1, 0.1, 0.05, 0.05, 0.025]
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        ag_sched.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode sideways is unknown"):
        ag_sched.ReduceLROnPlateau(opt, mode="sideways")
    with pytest.raises(ValueError, match="expected 2 min_lrs"):
        ag_sched.ReduceLROnPlateau(opt, min_lr=[0.1])


# ---------------------------------------------------------------------- state_dict


@pytest.mark.parametrize("case", ["step", "cosine", "lambda", "onecycle-cos", "cyclic-exp-range", "warm-restarts",
                                  "sequential", "chained-warmup-cosine", "onecycle-adam", "plateau"])
def test_state_dict_round_trip_resumes_the_same_sequence(case):
    def build():
        opt = make_optimizer("arraygrad", case)
        if case == "plateau":
            return opt, ag_sched.ReduceLROnPlateau(opt, patience=1, factor=0.5)
        return opt, ALL_CASES[case](ag_sched, opt)

    def advance(opt, sched, epochs):
        out = []
        for epoch in epochs:
            opt.step()
            sched.step(METRICS[epoch]) if case == "plateau" else sched.step()
            out.append(snapshot(sched, opt))
        return out

    straight = advance(*build(), range(30))
    opt, sched = build()
    first = advance(opt, sched, range(12))
    saved_sched, saved_opt = sched.state_dict(), opt.state_dict()
    assert "optimizer" not in saved_sched
    # as in PyTorch: make the scheduler first, then load its state and the optimizer's
    opt2, sched2 = build()
    sched2.load_state_dict(saved_sched)
    opt2.load_state_dict(saved_opt)
    rest = advance(opt2, sched2, range(12, 30))
    assert_sequences_close(first + rest, straight, rel=0)


# ---------------------------------------------------------------------- misuse


def test_warns_when_the_scheduler_steps_before_the_optimizer():
    opt = make_optimizer("arraygrad", "")
    sched = ag_sched.ExponentialLR(opt, gamma=0.5)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()


def test_get_lr_outside_step_warns():
    sched = ag_sched.StepLR(make_optimizer("arraygrad", ""), step_size=2)
    with pytest.warns(UserWarning, match="get_last_lr"):
        sched.get_lr()


def test_scheduler_errors():
    opt = make_optimizer("arraygrad", "")
    with pytest.raises(TypeError, match="is not an Optimizer"):
        ag_sched.StepLR(object(), step_size=2)
    with pytest.raises(KeyError, match="initial_lr"):
        ag_sched.StepLR(opt, step_size=2, last_epoch=5)
    with pytest.raises(ValueError, match="total_steps OR"):
        ag_sched.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="pct_start"):
        ag_sched.OneCycleLR(opt, max_lr=0.1, total_steps=10, pct_start=1)
    with pytest.raises(ValueError, match="max_lr must have the same length"):
        ag_sched.OneCycleLR(opt, max_lr=[0.1], total_steps=10)
    with pytest.raises(ValueError, match="Starting multiplicative factor"):
        ag_sched.LinearLR(opt, start_factor=0)
    with pytest.raises(ValueError, match="Expected positive integer T_0"):
        ag_sched.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="number of milestones"):
        ag_sched.SequentialLR(opt, [ag_sched.StepLR(opt, 2), ag_sched.StepLR(opt, 3)], milestones=[])
    plateau = ag_sched.ReduceLROnPlateau(opt)
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        ag_sched.ChainedScheduler([ag_sched.StepLR(opt, 2), plateau])
    other = make_optimizer("arraygrad", "")
    with pytest.raises(ValueError, match="same optimizer"):
        ag_sched.ChainedScheduler([ag_sched.StepLR(opt, 2), ag_sched.StepLR(other, 2)])
    no_momentum = optim.Adagrad([ag.zeros(2, requires_grad=True)])
    with pytest.raises(ValueError, match="momentum or beta1"):
        ag_sched.CyclicLR(no_momentum, 0.01, 0.1)
    one_cycle = ag_sched.OneCycleLR(optim.SGD([ag.zeros(2, requires_grad=True)], momentum=0.9), 0.1, total_steps=3)
    one_cycle.optimizer.step()
    for _ in range(3):
        one_cycle.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        one_cycle.step()
