"""The module registry: one row (:class:`ModuleSpec`) per ``arraygrad.nn`` layer configuration.

A row names the layer class, its constructor arguments (several configurations per layer:
bias on/off, strides/padding/dilation/groups, ceil_mode, training/eval, stacked and
bidirectional recurrent layers, attention masks, pre-norm...), a sample generator (one small
float32-exact sample per row: jax is compile-bound), which inputs get gradients, the
training/eval mode, tolerance overrides and expected failures. Every parameter gets
gradients; ``harness.check_module_tier1`` / ``check_module_tier2`` run the rows, and
``test_modules.py`` and ``report.py`` iterate over :data:`MODULES`.

Parameters are made once: ``harness.module_state`` builds the row's module on numpy in
float64 after ``ag.manual_seed``, takes its ``state_dict`` and loads it (converted) into
every backend x dtype instance with ``load_state_dict``.

Expected failures (``xfail={key: reason}``) use the keys of the op registry: ``"tier1"``,
``"<backend>"``, ``"<backend>:<dtype>"`` or ``"*"``; they are strict, and each has a repro in
/tmp/module_conformance_bugs.md.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from arraygrad import nn
from conformance_tests.samples import Rng, S, Sample, away_from, distinct, f32, normal

__all__ = ["MODULES", "ModuleSpec", "Sub", "by_id"]


@dataclass(frozen=True)
class Sub:
    """A submodule constructor argument, built anew with each instance:
    ``Sub(nn.Linear, 3, 4)`` becomes ``nn.Linear(3, 4)``."""

    cls: type
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def build(self) -> Any:
        return self.cls(*(_resolve(a) for a in self.args), **{k: _resolve(v) for k, v in self.kwargs.items()})


def sub(cls: type, *args: Any, **kwargs: Any) -> Sub:
    return Sub(cls, args, kwargs)


def _resolve(value: Any) -> Any:
    return value.build() if isinstance(value, Sub) else value


@dataclass(eq=False)
class ModuleSpec:
    """One module registry row.

    Attributes:
        cls: the ``arraygrad.nn`` layer class.
        samples: ``rng -> list[Sample]``: the forward's arguments (numpy arrays become tensors
            of the backend and dtype under test; integer arrays int64, boolean arrays bool).
        args, kwargs: constructor arguments (:class:`Sub` values become submodules).
        variant: distinguishes configurations of one class (the id is ``Class:variant``).
        call: ``call(module, *args, **kwargs)`` instead of ``module(*args, **kwargs)``
            (self-attention passes one tensor as query, key and value).
        grad: indices (into the sample's floating arrays) of the inputs that get gradients;
            ``None``: all of them (float masks are left out explicitly).
        train: run in training mode (default: eval).
        seed: re-seed the default generator with it before every forward (dropout in
            training); see ``harness`` on how such rows are compared.
        tol: tolerance overrides, ``{"forward:float32": (rtol, atol), "grad:...", "state:..."}``.
        xfail: expected failures ``{column key: reason}``.
        validate: ``(description, predicate(float inputs, outputs))`` checked on the numpy
            float64 outputs in tier 1 (what cross-backend agreement cannot show).
        fd_skip: ``{gradient name: (reason, entries)}``: entries (an index into the tensor,
            None for all of it) of a gradient (``"parameter weight"``, ``"input 0"``) left out
            of the finite-difference check because they are by definition not the derivative
            (``padding_idx``, ``scale_grad_by_freq``); tier 2 still compares them across backends.
        perturb: replace constant-initialised floating state by random values (see
            ``harness.module_state``).
        fd_eps: finite-difference step of tier 1.
    """

    cls: type
    samples: Callable[[Rng], list[Sample]]
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    variant: str = ""
    call: Callable[..., Any] | None = None
    grad: tuple[int, ...] | None = None
    train: bool = False
    seed: int | None = None
    tol: dict[str, tuple[float, float]] = field(default_factory=dict)
    xfail: dict[str, str] = field(default_factory=dict)
    validate: tuple[str, Callable[[list[np.ndarray], list[Any]], bool]] | None = None
    fd_skip: dict[str, tuple[str, Any]] = field(default_factory=dict)
    perturb: bool = True
    fd_eps: float | None = None

    @property
    def name(self) -> str:
        return self.cls.__name__

    @property
    def id(self) -> str:
        """Unique row id used in test ids and the report: ``Class`` or ``Class:variant``."""
        return f"{self.name}:{self.variant}" if self.variant else self.name

    def make(self) -> Any:
        """A new instance (on the default backend and dtype)."""
        return Sub(self.cls, self.args, self.kwargs).build()

    def forward(self, module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return self.call(module, *args, **kwargs) if self.call is not None else module(*args, **kwargs)

    @functools.cached_property
    def sample_list(self) -> list[Sample]:
        """The samples, generated once from a seed derived from the row id."""
        return self.samples(np.random.default_rng(zlib.crc32(("module " + self.id).encode())))

    def expected_failure(self, column: str) -> str | None:
        """The reason this row is expected to fail in ``column`` (``"tier1"`` or
        ``"backend:dtype"``), or None; keys as in the op registry."""
        if column == "tier1":
            return self.xfail.get("tier1")
        for key in (column, column.split(":")[0], "*"):
            if key in self.xfail:
                return self.xfail[key]
        return None


# ---------------------------------------------------------------------- sample helpers


def inp(*shape: int, gen: Callable[..., np.ndarray] = normal, **kwargs: Any) -> Callable[[Rng], list[Sample]]:
    """One sample: a single input of ``shape`` from ``gen`` (and forward keyword arguments)."""
    return lambda r: [S(gen(r, *shape), **kwargs)]


def inps(*shapes: tuple[int, ...], gen: Callable[..., np.ndarray] = normal) -> Callable[[Rng], list[Sample]]:
    """One sample of several inputs (positional), one per shape."""
    return lambda r: [S(*(gen(r, *s) for s in shapes))]


def kinked(*points: float) -> Callable[..., np.ndarray]:
    """Values away from the kinks of piecewise activations (finite differences must not straddle one)."""
    return lambda r, *shape: away_from(r, *shape, points=points, margin=0.2)


def causal(n: int) -> np.ndarray:
    """Boolean causal mask: True above the diagonal (not allowed to attend)."""
    return np.triu(np.ones((n, n), dtype=bool), 1)


def padding(rows: tuple[int, ...], length: int) -> np.ndarray:
    """Boolean key padding mask ``(N, length)``: the last ``rows[n]`` keys of sample n are padding
    (never all of them, so that no query attends to nothing)."""
    m = np.zeros((len(rows), length), dtype=bool)
    for n, k in enumerate(rows):
        if k:
            m[n, -k:] = True
    return m


def float_mask(r: Rng, *shape: int) -> np.ndarray:
    """An additive float attention mask: moderate random values (no -inf, no gradient)."""
    return f32(r.uniform(-1.5, 0.5, shape))


def bool_mask(seed: int, *shape: int) -> np.ndarray:
    """A random boolean attention mask (True = masked out) that leaves the first key of every
    query unmasked (a fully masked row would be NaN)."""
    m = np.random.default_rng(seed).random(shape) < 0.3
    m[..., 0] = False
    return m


def self_attention(m: Any, x: Any, **kwargs: Any) -> Any:
    """``m(x, x, x)``: one tensor as query, key and value (MultiheadAttention's packed path)."""
    return m(x, x, x, **kwargs)


def dropout_valid(p: float, channel_dims: int = 0) -> tuple[str, Callable[[list[np.ndarray], list[Any]], bool]]:
    """Outputs are 0 or ``x / (1 - p)``, both occur, and with ``channel_dims`` spatial dims
    (channel dropout) each (sample, channel) is zeroed or kept as a whole."""
    scale = 1.0 / (1.0 - p)

    def ok(inputs: list[np.ndarray], outputs: list[Any]) -> bool:
        x, y = inputs[0], outputs[0]
        zero = y == 0
        if not (zero.any() and (~zero).any()):
            return False
        if not np.allclose(y[~zero], x[~zero] * scale, rtol=1e-12, atol=0):
            return False
        if channel_dims:
            axes = tuple(range(y.ndim - channel_dims, y.ndim))
            return bool(np.all(zero.all(axis=axes) | (~zero).all(axis=axes)))
        return True

    kind = f"whole channels ({channel_dims} spatial dims)" if channel_dims else "elements"
    return f"{kind} either 0 or x / (1 - p) with p={p}, both present", ok


def embedding_bag_input(r: Rng, num: int, bags: tuple[int, ...], weights: bool = False) -> list[Sample]:
    """A flat index input with ``offsets`` for bags of the given sizes; indices distinct within
    each bag (``max`` mode would otherwise tie); optional float ``per_sample_weights``."""
    idx = np.concatenate([r.permutation(num)[:k] for k in bags]).astype(np.int64)
    offsets = np.cumsum((0, *bags[:-1])).astype(np.int64)
    kwargs: dict[str, Any] = {"per_sample_weights": normal(r, idx.size)} if weights else {}
    return [S(idx, offsets, **kwargs)]


# ---------------------------------------------------------------------- the table

# Shapes are tiny (1 sample per row): tier 2 on jax compiles every primitive per shape and dtype.
E, HEADS, FF = 4, 2, 6  # attention / transformer width, heads, feed-forward width
TX = {"dim_feedforward": FF, "dropout": 0.0}  # transformer layers: eval mode, no dropout

M = ModuleSpec

MODULES: list[ModuleSpec] = [
    # ------------------------------------------------------------------ linear, shape, containers
    M(nn.Linear, inp(2, 3, 4), (4, 5)),
    M(nn.Linear, inp(3, 4), (4, 5), {"bias": False}, variant="no_bias"),
    M(nn.Linear, inp(4), (4, 3), variant="unbatched"),
    M(nn.Bilinear, inps((3, 4), (3, 2)), (4, 2, 3)),
    M(nn.Bilinear, inps((2, 3), (2, 4)), (3, 4, 2), {"bias": False}, variant="no_bias"),
    M(nn.Identity, inp(2, 3), (5,), {"unused": True}),
    M(nn.Flatten, inp(2, 3, 2, 2)),
    M(nn.Flatten, inp(2, 3, 2, 2), (0, 2), variant="start0_end2"),
    M(nn.Unflatten, inp(2, 6), (1, (2, 3))),
    M(nn.Sequential, inp(2, 3), (sub(nn.Linear, 3, 4), sub(nn.Tanh), sub(nn.Linear, 4, 2))),
    # ------------------------------------------------------------------ activations
    M(nn.ReLU, inp(2, 5, gen=kinked(0.0))),
    M(nn.ReLU, inp(2, 5, gen=kinked(0.0)), (), {"inplace": True}, variant="inplace", call=lambda m, x: m(x * 1.0)),
    M(nn.LeakyReLU, inp(2, 5, gen=kinked(0.0)), (0.2,)),
    M(nn.Sigmoid, inp(2, 5)),
    M(nn.Tanh, inp(2, 5)),
    M(nn.Softmax, inp(2, 3, 4), (), {"dim": 1}),
    M(nn.Softmax, inp(2, 5), (), {"dim": -1}, variant="last_dim"),
    M(nn.LogSoftmax, inp(2, 3, 4), (), {"dim": 1}),
    M(nn.GELU, inp(2, 5)),
    M(nn.GELU, inp(2, 5), (), {"approximate": "tanh"}, variant="tanh"),
    M(nn.SiLU, inp(2, 5)),
    M(nn.Mish, inp(2, 5)),
    M(nn.ELU, inp(2, 5, gen=kinked(0.0)), (0.5,)),
    M(nn.Softplus, inp(2, 5, gen=kinked(0.5)), (), {"beta": 2.0, "threshold": 1.0}),
    M(nn.Hardtanh, inp(2, 5, gen=kinked(-0.5, 0.8)), (-0.5, 0.8)),
    M(nn.ReLU6, inp(2, 5, gen=lambda r, *s: away_from(r, *s, points=(0.0, 6.0), scale=4.0))),
    # ------------------------------------------------------------------ convolutions
    M(nn.Conv1d, inp(2, 2, 7), (2, 3, 3)),
    M(nn.Conv1d, inp(2, 4, 8), (4, 2, 3), {"stride": 2, "padding": 1, "dilation": 2, "groups": 2, "bias": False},
      variant="stride2_pad1_dil2_groups2_no_bias"),
    M(nn.Conv1d, inp(1, 2, 6), (2, 2, 3), {"padding": "same", "dilation": 2}, variant="padding_same"),
    M(nn.Conv1d, inp(1, 2, 6), (2, 3, 3), {"padding": 2, "padding_mode": "reflect"}, variant="reflect"),
    M(nn.Conv1d, inp(2, 5), (2, 3, 2), variant="unbatched"),
    M(nn.Conv2d, inp(2, 2, 5, 5), (2, 3, 3)),
    M(nn.Conv2d, inp(1, 4, 6, 5), (4, 4, (3, 2)), {"stride": (2, 1), "padding": (1, 2), "dilation": (1, 2),
                                                    "groups": 2, "bias": False},
      variant="stride_pad_dil_groups2_no_bias"),
    M(nn.Conv2d, inp(1, 2, 4, 4), (2, 2, 3), {"padding": 1, "padding_mode": "circular"}, variant="circular"),
    M(nn.Conv2d, inp(1, 2, 4, 4), (2, 2, 3), {"padding": 1, "padding_mode": "replicate"}, variant="replicate"),
    M(nn.Conv3d, inp(1, 2, 3, 4, 4), (2, 2, 2)),
    M(nn.Conv3d, inp(1, 2, 4, 4, 4), (2, 2, 3), {"stride": 2, "padding": 1, "groups": 2, "bias": False},
      variant="stride2_pad1_groups2_no_bias"),
    M(nn.ConvTranspose1d, inp(2, 2, 4), (2, 3, 3)),
    M(nn.ConvTranspose1d, inp(1, 4, 4), (4, 2, 3), {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2,
                                                    "dilation": 2, "bias": False},
      variant="stride2_pad1_outpad1_dil2_groups2_no_bias"),
    M(nn.ConvTranspose1d, inp(1, 2, 4), (2, 2, 3), {"stride": 2, "padding": 1}, variant="output_size",
      call=lambda m, x: m(x, output_size=[8])),
    M(nn.ConvTranspose2d, inp(1, 2, 3, 3), (2, 3, 3)),
    M(nn.ConvTranspose2d, inp(1, 4, 3, 2), (4, 2, (3, 2)), {"stride": (2, 1), "padding": (1, 0),
                                                           "output_padding": (1, 0), "groups": 2},
      variant="stride_pad_outpad_groups2"),
    M(nn.ConvTranspose3d, inp(1, 2, 2, 2, 3), (2, 2, 2)),
    M(nn.ConvTranspose3d, inp(1, 2, 2, 2, 2), (2, 2, 3), {"stride": 2, "padding": 1, "output_padding": 1,
                                                         "bias": False},
      variant="stride2_pad1_outpad1_no_bias"),
    # ------------------------------------------------------------------ pooling (distinct values: no ties)
    M(nn.MaxPool1d, inp(2, 2, 6, gen=distinct), (2,)),
    M(nn.MaxPool1d, inp(1, 2, 7, gen=distinct), (3,), {"stride": 2, "padding": 1, "dilation": 2, "ceil_mode": True},
      variant="stride2_pad1_dil2_ceil"),
    M(nn.MaxPool1d, inp(1, 2, 6, gen=distinct), (2,), {"return_indices": True}, variant="return_indices"),
    M(nn.MaxPool2d, inp(1, 2, 4, 4, gen=distinct), (2,)),
    M(nn.MaxPool2d, inp(1, 2, 5, 5, gen=distinct), (3,), {"stride": 2, "padding": 1, "ceil_mode": True,
                                                          "return_indices": True},
      variant="stride2_pad1_ceil_indices"),
    M(nn.MaxPool3d, inp(1, 1, 4, 4, 4, gen=distinct), (2,)),
    M(nn.MaxPool3d, inp(1, 1, 3, 4, 4, gen=distinct), ((2, 2, 3),), {"stride": 2, "padding": (1, 0, 1)},
      variant="stride2_pad"),
    M(nn.AvgPool1d, inp(2, 2, 6), (2,)),
    M(nn.AvgPool1d, inp(1, 2, 7), (3,), {"stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False},
      variant="stride2_pad1_ceil_exclude_pad"),
    M(nn.AvgPool2d, inp(1, 2, 4, 4), (2,)),
    M(nn.AvgPool2d, inp(1, 2, 5, 5), (3,), {"stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False},
      variant="stride2_pad1_ceil_exclude_pad"),
    M(nn.AvgPool2d, inp(1, 2, 5, 5), (3,), {"stride": 2, "padding": 1, "ceil_mode": True}, variant="pad1_ceil_include_pad"),
    M(nn.AvgPool2d, inp(1, 2, 4, 4), (2,), {"divisor_override": 3}, variant="divisor_override"),
    M(nn.AvgPool3d, inp(1, 1, 4, 4, 4), (2,)),
    M(nn.AvgPool3d, inp(1, 1, 3, 4, 4), (3,), {"stride": 2, "padding": 1, "count_include_pad": False},
      variant="stride2_pad1_exclude_pad"),
    M(nn.AdaptiveAvgPool1d, inp(2, 2, 7), (3,)),
    M(nn.AdaptiveAvgPool2d, inp(1, 2, 5, 7), ((3, 4),)),
    M(nn.AdaptiveAvgPool2d, inp(1, 2, 4, 5), ((None, 2),), variant="none_size"),
    M(nn.AdaptiveAvgPool3d, inp(1, 1, 3, 4, 5), ((2, 3, 2),)),
    M(nn.AdaptiveMaxPool1d, inp(2, 2, 7, gen=distinct), (3,)),
    M(nn.AdaptiveMaxPool2d, inp(1, 2, 5, 7, gen=distinct), ((3, 4),)),
    M(nn.AdaptiveMaxPool2d, inp(1, 2, 5, 5, gen=distinct), (2,), {"return_indices": True}, variant="return_indices"),
    M(nn.AdaptiveMaxPool3d, inp(1, 1, 3, 4, 5, gen=distinct), ((2, 3, 2),)),
    # ------------------------------------------------------------------ normalization
    M(nn.BatchNorm1d, inp(4, 3), (3,), train=True, variant="train"),
    M(nn.BatchNorm1d, inp(2, 3, 4), (3,), train=True, variant="train_3d_input"),
    M(nn.BatchNorm1d, inp(4, 3), (3,), variant="eval"),
    M(nn.BatchNorm1d, inp(4, 3), (3,), {"momentum": None}, train=True, variant="train_cumulative_average"),
    M(nn.BatchNorm1d, inp(4, 3), (3,), {"affine": False, "track_running_stats": False}, train=True,
      variant="train_no_affine_no_stats"),
    M(nn.BatchNorm1d, inp(4, 3), (3,), {"track_running_stats": False, "bias": False}, variant="eval_no_stats_no_bias"),
    M(nn.BatchNorm2d, inp(2, 3, 2, 2), (3,), train=True, variant="train"),
    M(nn.BatchNorm2d, inp(2, 3, 2, 2), (3,), variant="eval"),
    M(nn.BatchNorm3d, inp(2, 2, 2, 2, 2), (2,), {"momentum": 0.3}, train=True, variant="train"),
    M(nn.BatchNorm3d, inp(2, 2, 2, 2, 2), (2,), variant="eval"),
    M(nn.InstanceNorm1d, inp(2, 3, 4), (3,)),
    M(nn.InstanceNorm1d, inp(2, 3, 4), (3,), {"affine": True, "track_running_stats": True}, train=True,
      variant="affine_stats_train"),
    M(nn.InstanceNorm1d, inp(2, 3, 4), (3,), {"affine": True, "track_running_stats": True}, variant="affine_stats_eval"),
    M(nn.InstanceNorm1d, inp(3, 5), (3,), {"affine": True}, variant="unbatched_affine"),
    M(nn.InstanceNorm2d, inp(2, 2, 3, 3), (2,), {"affine": True}, variant="affine"),
    M(nn.InstanceNorm3d, inp(1, 2, 2, 2, 3), (2,)),
    M(nn.LayerNorm, inp(2, 3, 4), (4,)),
    M(nn.LayerNorm, inp(2, 3, 4), ((3, 4),), {"eps": 1e-3}, variant="2d_shape_eps"),
    M(nn.LayerNorm, inp(2, 4), (4,), {"elementwise_affine": False}, variant="no_affine"),
    M(nn.LayerNorm, inp(2, 4), (4,), {"bias": False}, variant="no_bias"),
    M(nn.GroupNorm, inp(2, 4, 3), (2, 4)),
    M(nn.GroupNorm, inp(2, 4, 2, 2), (4, 4), {"affine": False, "eps": 1e-3}, variant="no_affine_groups_eq_channels"),
    M(nn.RMSNorm, inp(2, 3, 4), ((4,),)),
    M(nn.RMSNorm, inp(2, 3, 4), ((3, 4),), {"eps": 1e-3}, variant="2d_shape_eps"),
    M(nn.RMSNorm, inp(2, 4), (4,), {"elementwise_affine": False}, variant="no_affine"),
    # ------------------------------------------------------------------ dropout (masks from the seeded generator)
    M(nn.Dropout, inp(4, 6), (0.5,), train=True, seed=1234, variant="train", validate=dropout_valid(0.5)),
    M(nn.Dropout, inp(4, 6), (0.25,), train=True, seed=99, variant="train_p0.25", validate=dropout_valid(0.25)),
    M(nn.Dropout, inp(4, 6), (0.5,), variant="eval"),
    M(nn.Dropout1d, inp(3, 4, 3), (0.5,), train=True, seed=7, variant="train", validate=dropout_valid(0.5, 1)),
    M(nn.Dropout2d, inp(2, 4, 2, 3), (0.5,), train=True, seed=5, variant="train", validate=dropout_valid(0.5, 2)),
    M(nn.Dropout2d, inp(3, 4, 2, 2), (0.25,), train=True, seed=11, variant="train_p0.25",
      validate=dropout_valid(0.25, 2)),
    M(nn.Dropout2d, inp(2, 4, 2, 3), (0.5,), variant="eval"),
    M(nn.Dropout3d, inp(2, 4, 2, 2, 2), (0.5,), train=True, seed=3, variant="train", validate=dropout_valid(0.5, 3)),
    # ------------------------------------------------------------------ embeddings
    M(nn.Embedding, lambda r: [S(np.array([[0, 2, 4], [4, 3, 0]], dtype=np.int64))], (5, 3)),
    M(nn.Embedding, lambda r: [S(np.array([[0, 2, 1], [1, 3, 0]], dtype=np.int64))], (5, 3), {"padding_idx": 1},
      variant="padding_idx", fd_skip={"parameter weight": ("the padding row gets no gradient by definition", 1)}),
    M(nn.Embedding, lambda r: [S(np.array([1, 2, 1, 1, 4], dtype=np.int64))], (5, 3), {"scale_grad_by_freq": True},
      variant="scale_grad_by_freq",
      fd_skip={"parameter weight": ("the gradient of row 1 (looked up 3 times) is divided by 3 by definition", 1)}),
    M(nn.EmbeddingBag, lambda r: embedding_bag_input(r, 6, (2, 3, 1)), (6, 3)),
    M(nn.EmbeddingBag, lambda r: embedding_bag_input(r, 6, (2, 3, 1), weights=True), (6, 3), {"mode": "sum"},
      variant="sum_per_sample_weights"),
    M(nn.EmbeddingBag, lambda r: embedding_bag_input(r, 6, (2, 3, 1)), (6, 3), {"mode": "max"}, variant="max"),
    M(nn.EmbeddingBag, lambda r: [S(np.array([[0, 2, 5], [4, 3, 2]], dtype=np.int64))], (6, 3), {"mode": "sum"},
      variant="sum_2d_input"),
    # ------------------------------------------------------------------ resampling
    M(nn.Upsample, inp(1, 2, 3), (), {"scale_factor": 2}),
    M(nn.Upsample, inp(1, 2, 3, 3), (), {"size": (5, 4)}, variant="nearest_size"),
    M(nn.Upsample, inp(1, 2, 3, 3), (), {"scale_factor": 1.5, "mode": "nearest-exact"}, variant="nearest_exact"),
    M(nn.Upsample, inp(1, 2, 3), (), {"scale_factor": 2, "mode": "linear"}, variant="linear"),
    M(nn.Upsample, inp(1, 2, 3), (), {"size": 5, "mode": "linear", "align_corners": True}, variant="linear_align"),
    M(nn.Upsample, inp(1, 2, 3, 3), (), {"scale_factor": 2, "mode": "bilinear"}, variant="bilinear"),
    M(nn.Upsample, inp(1, 2, 3, 2), (), {"size": (4, 5), "mode": "bilinear", "align_corners": True},
      variant="bilinear_align_size"),
    M(nn.Upsample, inp(1, 1, 2, 2, 2), (), {"scale_factor": 2, "mode": "trilinear"}, variant="trilinear"),
    M(nn.Upsample, inp(1, 2, 5, 5), (), {"size": (3, 2), "mode": "area"}, variant="area"),
    M(nn.UpsamplingNearest2d, inp(1, 2, 2, 3), (), {"scale_factor": 2}),
    M(nn.UpsamplingBilinear2d, inp(1, 2, 2, 3), (), {"size": (3, 5)}),
    # ------------------------------------------------------------------ recurrent layers (L=3, N=2)
    M(nn.RNN, inp(3, 2, 3), (3, 4)),
    M(nn.RNN, inps((3, 2, 3), (4, 2, 4)), (3, 4), {"num_layers": 2, "bidirectional": True, "nonlinearity": "relu"},
      variant="2_layers_bidirectional_relu_h0"),
    M(nn.RNN, inps((2, 3, 3), (1, 2, 4)), (3, 4), {"batch_first": True, "bias": False}, variant="batch_first_no_bias_h0"),
    M(nn.RNN, inp(3, 3), (3, 4), variant="unbatched"),
    M(nn.LSTM, inp(3, 2, 3), (3, 4)),
    M(nn.LSTM, lambda r: [S(normal(r, 3, 2, 3), (normal(r, 4, 2, 4), normal(r, 4, 2, 4)))], (3, 4),
      {"num_layers": 2, "bidirectional": True}, variant="2_layers_bidirectional_h0_c0"),
    M(nn.LSTM, lambda r: [S(normal(r, 2, 3, 3), (normal(r, 1, 2, 2), normal(r, 1, 2, 4)))], (3, 4),
      {"batch_first": True, "proj_size": 2}, variant="batch_first_proj_size"),
    M(nn.LSTM, inp(3, 3), (3, 4), {"bias": False}, variant="unbatched_no_bias"),
    M(nn.GRU, inp(3, 2, 3), (3, 4)),
    M(nn.GRU, inps((3, 2, 3), (4, 2, 4)), (3, 4), {"num_layers": 2, "bidirectional": True},
      variant="2_layers_bidirectional_h0"),
    M(nn.GRU, inps((2, 3, 3), (1, 2, 4)), (3, 4), {"batch_first": True, "bias": False}, variant="batch_first_no_bias_h0"),
    M(nn.RNNCell, inps((2, 3), (2, 4)), (3, 4)),
    M(nn.RNNCell, inp(2, 3), (3, 4), {"nonlinearity": "relu", "bias": False}, variant="relu_no_bias_no_hx"),
    M(nn.LSTMCell, lambda r: [S(normal(r, 2, 3), (normal(r, 2, 4), normal(r, 2, 4)))], (3, 4)),
    M(nn.LSTMCell, inp(3), (3, 4), {"bias": False}, variant="unbatched_no_bias_no_hx"),
    M(nn.GRUCell, inps((2, 3), (2, 4)), (3, 4)),
    M(nn.GRUCell, inp(2, 3), (3, 4), {"bias": False}, variant="no_bias_no_hx"),
    # ------------------------------------------------------------------ attention (L=3 queries, S=4 keys, N=2)
    M(nn.MultiheadAttention, inp(3, 2, E), (E, HEADS), variant="self_attention", call=self_attention),
    M(nn.MultiheadAttention, inps((3, 2, E), (4, 2, 3), (4, 2, 5)), (E, HEADS), {"kdim": 3, "vdim": 5},
      variant="cross_kdim_vdim"),
    M(nn.MultiheadAttention, lambda r: [S(normal(r, 2, 3, E), normal(r, 2, 4, E), normal(r, 2, 4, E),
                                          key_padding_mask=padding((1, 2), 4))],
      (E, HEADS), {"batch_first": True}, variant="batch_first_key_padding_mask"),
    M(nn.MultiheadAttention, inp(3, 2, E, attn_mask=causal(3)), (E, HEADS), variant="causal_bool_attn_mask",
      call=self_attention),
    M(nn.MultiheadAttention, lambda r: [S(normal(r, 3, 2, E), normal(r, 4, 2, E), normal(r, 4, 2, E),
                                          attn_mask=float_mask(r, 3, 4))],
      (E, HEADS), variant="float_attn_mask", grad=(0, 1, 2)),
    M(nn.MultiheadAttention, lambda r: [S(normal(r, 3, 2, E), normal(r, 4, 2, E), normal(r, 4, 2, E),
                                          attn_mask=bool_mask(0, 2 * HEADS, 3, 4))],
      (E, HEADS), variant="per_head_3d_bool_mask_unaveraged", call=lambda m, *a, **k: m(*a, average_attn_weights=False,
                                                                                        **k)),
    M(nn.MultiheadAttention, inps((3, 2, E), (4, 2, E), (4, 2, E)), (E, HEADS),
      {"add_bias_kv": True, "add_zero_attn": True}, variant="bias_kv_zero_attn"),
    M(nn.MultiheadAttention, inps((3, 2, E), (4, 2, E), (4, 2, E)), (E, HEADS), {"bias": False},
      variant="no_bias_no_weights", call=lambda m, *a: m(*a, need_weights=False)),
    M(nn.MultiheadAttention, inps((3, E), (4, E), (4, E)), (E, 1), variant="unbatched_one_head"),
    # ------------------------------------------------------------------ transformers (eval mode, dropout 0)
    M(nn.TransformerEncoderLayer, inp(3, 2, E, src_mask=causal(3)), (E, HEADS), TX, variant="post_norm_relu_src_mask"),
    M(nn.TransformerEncoderLayer, inp(2, 3, E, src_key_padding_mask=padding((0, 1), 3)), (E, HEADS),
      {**TX, "norm_first": True, "activation": "gelu", "batch_first": True}, variant="norm_first_gelu_key_padding"),
    M(nn.TransformerEncoderLayer, lambda r: [S(normal(r, 3, 2, E), float_mask(r, 3, 3))], (E, HEADS),
      {**TX, "bias": False, "activation": nn.functional.gelu}, variant="float_mask_no_bias_gelu_fn", grad=(0,)),
    M(nn.TransformerDecoderLayer, lambda r: [S(normal(r, 3, 2, E), normal(r, 4, 2, E), tgt_mask=causal(3))],
      (E, HEADS), TX, variant="post_norm_relu_tgt_mask"),
    M(nn.TransformerDecoderLayer, lambda r: [S(normal(r, 2, 3, E), normal(r, 2, 4, E),
                                               tgt_key_padding_mask=padding((1, 0), 3),
                                               memory_key_padding_mask=padding((0, 2), 4))],
      (E, HEADS), {**TX, "norm_first": True, "activation": "gelu", "batch_first": True},
      variant="norm_first_gelu_padding_masks"),
    M(nn.TransformerEncoder, inp(3, 2, E, mask=causal(3)),
      (sub(nn.TransformerEncoderLayer, E, HEADS, **TX), 2), {"norm": sub(nn.LayerNorm, E)}, variant="2_layers_norm"),
    M(nn.TransformerEncoder, inp(2, 3, E, src_key_padding_mask=padding((1, 0), 3)),
      (sub(nn.TransformerEncoderLayer, E, HEADS, **TX, norm_first=True, batch_first=True), 2),
      variant="2_layers_norm_first_key_padding"),
    M(nn.TransformerDecoder, lambda r: [S(normal(r, 3, 2, E), normal(r, 4, 2, E), tgt_mask=causal(3),
                                          memory_mask=bool_mask(1, 3, 4))],
      (sub(nn.TransformerDecoderLayer, E, HEADS, **TX), 2), {"norm": sub(nn.LayerNorm, E)},
      variant="2_layers_norm_masks"),
    M(nn.Transformer, lambda r: [S(normal(r, 4, 2, E), normal(r, 3, 2, E), tgt_mask=causal(3))], (),
      {"d_model": E, "nhead": HEADS, "num_encoder_layers": 1, "num_decoder_layers": 1, **TX},
      variant="1_1_layers_tgt_mask"),
    M(nn.Transformer, lambda r: [S(normal(r, 2, 4, E), normal(r, 2, 3, E), src_key_padding_mask=padding((1, 0), 4),
                                   memory_key_padding_mask=padding((1, 0), 4))], (),
      {"d_model": E, "nhead": HEADS, "num_encoder_layers": 1, "num_decoder_layers": 1, **TX, "norm_first": True,
       "activation": "gelu", "batch_first": True},
      variant="norm_first_gelu_batch_first_padding"),
]


def by_id() -> dict[str, ModuleSpec]:
    """Rows by id; raises if two rows share an id."""
    table: dict[str, ModuleSpec] = {}
    for spec in MODULES:
        if spec.id in table:
            raise ValueError(f"duplicate module registry id {spec.id!r}")
        table[spec.id] = spec
    return table


def module_classes() -> set[type]:
    """The ``arraygrad.nn`` classes the table exercises (row classes and their submodules'
    classes do not count: every public layer needs a row of its own)."""
    return {spec.cls for spec in MODULES}

