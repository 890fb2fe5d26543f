"""The loss registry: one row (:class:`LossSpec`) per ``arraygrad.nn`` loss class x option set x
reduction.

A loss is checked as a module with several inputs and no parameters (the module machinery of
``harness``: ``check_module_tier1`` / ``check_module_tier2``): tier 1 compares the gradients
with respect to the differentiated inputs (the prediction, and the second input of pairwise
losses; never the targets) with central finite differences on numpy float64; tier 2 compares
forward values, those gradients and the weight buffers (``weight``, ``pos_weight``) on every
backend x dtype with the numpy float64 reference. float32 tolerances are DESIGN.md's reduction
tolerances for the forward (1e-3 / 1e-4) and the gradient tolerances (2e-3 / 1e-4).

Samples are domain-aware: probabilities in (0.05, 0.95) for BCE, valid class indices (the
ignored class appears but never alone), and every hinge, kink and switch (``|x - y|`` vs
``beta``/``delta``, margins, the triplet ``swap`` choice) at least 0.15 away, so that finite
differences never straddle one. One sample per row (jax is compile-bound); shapes are shared
between rows so that jax's compiled kernels are reused.

Expected failures (``xfail``) use the module registry's keys and are strict; each has a repro in
/tmp/lossopt_conformance_bugs.md.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

import arraygrad as ag
from arraygrad import nn
from conformance_tests.modules import ModuleSpec, sub
from conformance_tests.samples import Rng, S, Sample, away_from, f32, normal, uniform

__all__ = ["LOSSES", "LossSpec", "by_id", "loss_classes"]

REDUCTIONS = ("none", "mean", "sum")
N, C = 3, 4  # batch and classes of most rows (shared shapes: jax compiles per shape)

#: float32 tolerances (DESIGN.md: forward as a reduction, gradients as gradients); float64 1e-7/1e-9
LOSS_TOL: dict[str, tuple[float, float]] = {
    "forward:float32": (1e-3, 1e-4), "grad:float32": (2e-3, 1e-4), "state:float32": (1e-4, 1e-5),
    "forward:float64": (1e-7, 1e-9), "grad:float64": (1e-7, 1e-9), "state:float64": (1e-7, 1e-9),
}


@dataclass(eq=False)
class LossSpec(ModuleSpec):
    """A loss row: a :class:`~conformance_tests.modules.ModuleSpec` whose constructor gets
    ``reduction`` (also in the id, ``Class:options-reduction``), with the loss tolerances and
    no randomised state (weights are given explicitly, positive)."""

    reduction: str = "mean"
    tol: dict[str, tuple[float, float]] = field(default_factory=lambda: dict(LOSS_TOL))
    perturb: bool = False

    def __post_init__(self) -> None:
        self.kwargs = {**self.kwargs, "reduction": self.reduction}
        self.variant = f"{self.variant}-{self.reduction}" if self.variant else self.reduction

    @cached_property
    def sample_list(self) -> list[Sample]:
        # the sample depends on the options, not on the reduction: every reduction sees the same values
        base = self.id.rsplit("-", 1)[0] if "-" in self.id else self.id.split(":")[0]
        return self.samples(np.random.default_rng(zlib.crc32(("loss " + base).encode())))


# ---------------------------------------------------------------------- sample generators


def weights(n: int, seed: int = 0) -> Any:
    """Positive float32-exact weights, a tensor built anew with each instance (a buffer)."""
    return sub(ag.tensor, f32(np.random.default_rng(seed).uniform(0.5, 1.5, n)))


def pair(points: tuple[float, ...] = (0.0,), shape: tuple[int, ...] = (N, C)) -> Callable[[Rng], list[Sample]]:
    """(input, target) with ``input - target`` at least 0.2 away from ``+-points`` (kinks)."""

    def gen(r: Rng) -> list[Sample]:
        y = normal(r, *shape)
        diff = away_from(r, *shape, points=tuple({p for q in points for p in (q, -q)}), margin=0.2)
        x = f32(y + diff)
        assert np.all(np.abs(np.abs(x - y)[..., None] - np.array(points)) > 0.15)
        return [S(x, y)]

    return gen


def signs(r: Rng, *shape: int) -> np.ndarray:
    """+-1 floats, both present."""
    s = np.where(r.random(shape) < 0.5, -1.0, 1.0)
    s.reshape(-1)[:2] = (1.0, -1.0)
    return s


def classes(r: Rng, n: int | tuple[int, ...], ignore: int | None = None) -> np.ndarray:
    """Class indices in ``[0, C)``; with ``ignore``, exactly one target (the second) is ``ignore``."""
    shape = (n,) if isinstance(n, int) else n
    allowed = [c for c in range(C) if c != ignore]
    t = r.choice(allowed, shape).astype(np.int64)
    if ignore is not None:
        t.reshape(-1)[1] = ignore
    return t


def log_softmax(x: np.ndarray, axis: int = 1) -> np.ndarray:
    z = x - x.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def logits(ignore: int | None = None, kdim: bool = False, log_probs: bool = False) -> Callable[[Rng], list[Sample]]:
    """(logits or log-probabilities, class indices): ``(N, C)``, or ``(2, C, 2, 2)`` with K-dim targets."""

    def gen(r: Rng) -> list[Sample]:
        x = normal(r, 2, C, 2, 2) if kdim else normal(r, N, C)
        if log_probs:
            x = f32(log_softmax(x))
        return [S(x, classes(r, (2, 2, 2) if kdim else N, ignore))]

    return gen


def prob_targets(r: Rng) -> list[Sample]:
    """(logits, class probabilities)."""
    return [S(normal(r, N, C), f32(np.exp(log_softmax(normal(r, N, C)))))]


def bce(logit: bool) -> Callable[[Rng], list[Sample]]:
    """(probabilities in (0.05, 0.95) or logits, soft targets in [0, 1] with a 0 and a 1)."""

    def gen(r: Rng) -> list[Sample]:
        y = uniform(r, 0.0, 1.0, N, C)
        y.reshape(-1)[:2] = (0.0, 1.0)
        return [S(normal(r, N, C) if logit else uniform(r, 0.05, 0.95, N, C), y)]

    return gen


def kl(log_target: bool) -> Callable[[Rng], list[Sample]]:
    def gen(r: Rng) -> list[Sample]:
        t = log_softmax(normal(r, N, C))
        return [S(f32(log_softmax(normal(r, N, C))), f32(t if log_target else np.exp(t)))]

    return gen


def hinge_embedding(margin: float) -> Callable[[Rng], list[Sample]]:
    """Inputs at least 0.2 from ``margin`` (the hinge of the -1 targets); +-1 float targets."""
    return lambda r: [S(away_from(r, N, C, points=(margin,), margin=0.2), signs(r, N, C))]


def margin_ranking(margin: float) -> Callable[[Rng], list[Sample]]:
    """(x1, x2, y) with ``-y (x1 - x2) + margin`` at least 0.2 from 0."""

    def gen(r: Rng) -> list[Sample]:
        y = signs(r, N)
        x2 = normal(r, N)
        hinge = away_from(r, N, margin=0.2)  # the hinge's argument
        return [S(f32(x2 + (margin - hinge) / y), x2, y)]

    return gen


def rejection(make: Callable[[Rng], tuple[Any, ...]], distance: Callable[..., float], margin: float = 0.15,
              ) -> Callable[[Rng], list[Sample]]:
    """Draw ``make(r)`` until ``distance(*arrays) > margin`` (distance of the kinks)."""

    def gen(r: Rng) -> list[Sample]:
        for _ in range(1000):
            arrays = make(r)
            if distance(*arrays) > margin:
                return [S(*arrays)]
        raise RuntimeError("no sample away from the kinks")

    return gen


def cosine_embedding(margin: float) -> Callable[[Rng], list[Sample]]:
    def cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return (a * b).sum(1) / np.sqrt((a * a).sum(1) * (b * b).sum(1))

    return rejection(lambda r: (normal(r, N, C), normal(r, N, C), signs(r, N)),
                     lambda a, b, y: float(np.abs(cos(a, b) - margin)[y < 0].min()))


def multi_margin(margin: float) -> Callable[[Rng], list[Sample]]:
    def dist(x: np.ndarray, y: np.ndarray) -> float:
        z = margin - x[np.arange(N), y][:, None] + x
        z[np.arange(N), y] = np.inf
        return float(np.abs(z).min())

    return rejection(lambda r: (normal(r, N, C), classes(r, N)), dist)


def _multilabel(r: Rng) -> tuple[np.ndarray, np.ndarray]:
    t = np.full((N, C), -1, dtype=np.int64)
    for i, k in enumerate((1, 2, 3)[:N]):  # k target classes per sample, -1 terminated
        t[i, :k] = r.permutation(C)[:k]
    return normal(r, N, C), t


def _multilabel_distance(x: np.ndarray, t: np.ndarray) -> float:
    worst = np.inf
    for i in range(N):
        labels = [c for c in t[i] if c >= 0] if -1 not in t[i] else list(t[i][: list(t[i]).index(-1)])
        others = [c for c in range(C) if c not in labels]
        for j in labels:
            for k in others:
                worst = min(worst, abs(1 - (x[i, j] - x[i, k])))
    return float(worst)


def triplet(margin: float, p: float, swap: bool) -> Callable[[Rng], list[Sample]]:
    def d(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return (np.abs(a - b + 1e-6) ** p).sum(1) ** (1 / p)

    def dist(a: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> float:
        dn = d(a, neg)
        gap = np.inf
        if swap:
            dn, gap = np.minimum(dn, d(pos, neg)), np.abs(dn - d(pos, neg)).min()
        # p=1 distances have kinks where a coordinate difference is 0
        coord = min(np.abs(a - pos).min(), np.abs(a - neg).min(), np.abs(pos - neg).min()) if p == 1 else np.inf
        return float(min(np.abs(margin + d(a, pos) - dn).min(), gap, 2 * coord))

    return rejection(lambda r: (normal(r, N, C), normal(r, N, C), normal(r, N, C)), dist)


def poisson(log_input: bool) -> Callable[[Rng], list[Sample]]:
    """(log rate or rate, counts 0..5 as floats)."""

    def gen(r: Rng) -> list[Sample]:
        x = normal(r, N, C, scale=0.5) if log_input else uniform(r, 0.5, 3.0, N, C)
        return [S(x, r.integers(0, 6, (N, C)).astype(np.float64))]

    return gen


def gaussian(var_shape: tuple[int, ...]) -> Callable[[Rng], list[Sample]]:
    """(mean, target, positive variance)."""
    return lambda r: [S(normal(r, N, C), normal(r, N, C), uniform(r, 0.3, 2.0, *var_shape))]


# ---------------------------------------------------------------------- the table


def rows(cls: type, samples: Callable[[Rng], list[Sample]], kwargs: dict[str, Any] | None = None,
         variant: str = "", reductions: tuple[str, ...] = REDUCTIONS, **extra: Any) -> list[LossSpec]:
    """One row per reduction."""
    return [LossSpec(cls, samples, (), dict(kwargs or {}), variant=variant, reduction=red, **extra)
            for red in reductions]


LOSSES: list[LossSpec] = [
    # ------------------------------------------------------------------ regression
    *rows(nn.L1Loss, pair(), grad=(0, 1)),
    *rows(nn.MSELoss, pair(), grad=(0, 1)),
    *rows(nn.SmoothL1Loss, pair((0.0, 1.0)), grad=(0, 1)),
    *rows(nn.SmoothL1Loss, pair((0.0, 0.5)), {"beta": 0.5}, "beta0.5", grad=(0, 1)),
    *rows(nn.HuberLoss, pair((0.0, 1.0)), grad=(0, 1)),
    *rows(nn.HuberLoss, pair((0.0, 0.5)), {"delta": 0.5}, "delta0.5", grad=(0, 1)),
    # ------------------------------------------------------------------ classification
    *rows(nn.CrossEntropyLoss, logits(), grad=(0,)),
    *rows(nn.CrossEntropyLoss, logits(), {"weight": weights(C)}, "weight", grad=(0,)),
    *rows(nn.CrossEntropyLoss, logits(ignore=1), {"weight": weights(C, 1), "ignore_index": 1}, "weight_ignore_index",
          grad=(0,)),
    *rows(nn.CrossEntropyLoss, logits(), {"weight": weights(C, 2), "label_smoothing": 0.2},
          "weight_label_smoothing", grad=(0,)),
    *rows(nn.CrossEntropyLoss, logits(ignore=2), {"ignore_index": 2, "label_smoothing": 0.1},
          "ignore_index_label_smoothing", grad=(0,)),
    *rows(nn.CrossEntropyLoss, prob_targets, variant="prob_targets", grad=(0,)),
    *rows(nn.CrossEntropyLoss, prob_targets, {"weight": weights(C, 3), "label_smoothing": 0.15},
          "prob_targets_weight_label_smoothing", grad=(0,)),
    *rows(nn.CrossEntropyLoss, logits(kdim=True), variant="kdim", grad=(0,)),
    *rows(nn.CrossEntropyLoss, logits(ignore=0, kdim=True), {"weight": weights(C, 4), "ignore_index": 0},
          "kdim_weight_ignore_index", grad=(0,)),
    *rows(nn.NLLLoss, logits(log_probs=True), grad=(0,)),
    *rows(nn.NLLLoss, logits(ignore=3, log_probs=True), {"weight": weights(C, 5), "ignore_index": 3},
          "weight_ignore_index", grad=(0,)),
    *rows(nn.NLLLoss, logits(kdim=True, log_probs=True), {"weight": weights(C, 6)}, "kdim_weight", grad=(0,)),
    *rows(nn.BCELoss, bce(False), grad=(0,)),
    *rows(nn.BCELoss, bce(False), {"weight": weights(C, 7)}, "weight", grad=(0,)),
    *rows(nn.BCEWithLogitsLoss, bce(True), grad=(0,)),
    *rows(nn.BCEWithLogitsLoss, bce(True), {"weight": weights(C, 8), "pos_weight": weights(C, 9)},
          "weight_pos_weight", grad=(0,)),
    *rows(nn.SoftMarginLoss, lambda r: [S(normal(r, N, C), signs(r, N, C))], grad=(0,)),
    *rows(nn.MultiMarginLoss, multi_margin(1.0), grad=(0,)),
    *rows(nn.MultiMarginLoss, multi_margin(0.5), {"p": 2, "margin": 0.5, "weight": weights(C, 10)},
          "p2_margin0.5_weight", grad=(0,)),
    *rows(nn.MultiLabelMarginLoss, rejection(_multilabel, _multilabel_distance), grad=(0,)),
    # ------------------------------------------------------------------ distributions
    *rows(nn.KLDivLoss, kl(False), grad=(0,), reductions=(*REDUCTIONS, "batchmean")),
    *rows(nn.KLDivLoss, kl(True), {"log_target": True}, "log_target", grad=(0,),
          reductions=(*REDUCTIONS, "batchmean")),
    *rows(nn.PoissonNLLLoss, poisson(True), grad=(0,)),
    *rows(nn.PoissonNLLLoss, poisson(True), {"full": True}, "full", grad=(0,)),
    *rows(nn.PoissonNLLLoss, poisson(False), {"log_input": False}, "rate_input", grad=(0,)),
    *rows(nn.GaussianNLLLoss, gaussian((N, C)), grad=(0, 2)),
    *rows(nn.GaussianNLLLoss, gaussian((N, 1)), {"full": True}, "full_var_broadcast", grad=(0, 2)),
    # ------------------------------------------------------------------ embeddings / ranking (pairwise: both inputs)
    *rows(nn.HingeEmbeddingLoss, hinge_embedding(1.0), grad=(0,)),
    *rows(nn.HingeEmbeddingLoss, hinge_embedding(0.5), {"margin": 0.5}, "margin0.5", grad=(0,)),
    *rows(nn.MarginRankingLoss, margin_ranking(0.0), grad=(0, 1)),
    *rows(nn.MarginRankingLoss, margin_ranking(0.5), {"margin": 0.5}, "margin0.5", grad=(0, 1)),
    *rows(nn.CosineEmbeddingLoss, cosine_embedding(0.0), grad=(0, 1)),
    *rows(nn.CosineEmbeddingLoss, cosine_embedding(0.3), {"margin": 0.3}, "margin0.3", grad=(0, 1)),
    *rows(nn.TripletMarginLoss, triplet(1.0, 2.0, False), grad=(0, 1, 2)),
    *rows(nn.TripletMarginLoss, triplet(0.5, 1.0, True), {"margin": 0.5, "p": 1.0, "swap": True}, "p1_swap_margin0.5",
          grad=(0, 1, 2)),
]


def by_id() -> dict[str, LossSpec]:
    """Rows by id; raises if two rows share an id."""
    table: dict[str, LossSpec] = {}
    for spec in LOSSES:
        if spec.id in table:
            raise ValueError(f"duplicate loss registry id {spec.id!r}")
        table[spec.id] = spec
    return table


def loss_classes() -> set[type]:
    """The loss classes the table exercises."""
    return {spec.cls for spec in LOSSES}
