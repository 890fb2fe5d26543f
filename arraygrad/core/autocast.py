"""Autocast's per-thread state and the casts of the ops on its lists (``arraygrad.amp.autocast``
is the public side).

The lists are PyTorch's (``aten/src/ATen/autocast_mode.cpp``), restricted to the ops arraygrad
has: on ``"cpu"``, matrix products and convolutions run in the lower precision and losses in
float32; ``"cuda"`` adds float32 for softmax, norms, ``exp``/``log``, sums and the like. Every
other op runs in its inputs' dtype. float64 tensors are never cast, as in PyTorch.

An op on a list starts with ``if AUTOCAST.active:`` (one attribute read of a thread-local) and
calls :func:`autocast_args` only inside a region, so code outside one pays nothing more.
"""

from __future__ import annotations

import threading
from typing import Any

from arraygrad.core import dtypes
from arraygrad.core.tensor import Tensor

#: the device types autocast knows and their default dtypes (PyTorch's)
DEFAULT_DTYPES: dict[str, dtypes.dtype] = {"cpu": dtypes.bfloat16, "cuda": dtypes.float16}

LOWER = "lower_precision_fp"
FLOAT32 = "fp32"
#: ``sum``-like ops (sum, prod, cumsum, softmax, log_softmax, norm) run in float32 only when called
#: without ``dtype=`` (PyTorch's ``fp32_set_opt_dtype``): their callers check that before casting

_CONV_AND_MATMUL = frozenset({
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "matmul", "mm", "bmm", "linear", "addmm", "baddbmm", "addbmm", "prelu", "scaled_dot_product_attention",
})
_LOSSES = frozenset({
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy", "kl_div",
    "binary_cross_entropy_with_logits", "cosine_embedding_loss", "hinge_embedding_loss", "margin_ranking_loss",
    "multilabel_margin_loss", "soft_margin_loss", "triplet_margin_loss", "multi_margin_loss", "poisson_nll_loss",
})

#: op name -> policy, per device type
POLICIES: dict[str, dict[str, str]] = {
    "cpu": {
        **dict.fromkeys(_CONV_AND_MATMUL, LOWER),
        **dict.fromkeys(_LOSSES | {"binary_cross_entropy", "prod"}, FLOAT32),
    },
    "cuda": {
        **dict.fromkeys(_CONV_AND_MATMUL | {"mv"}, LOWER),
        **dict.fromkeys(
            _LOSSES
            | {"exp", "expm1", "log", "log1p", "log2", "log10", "reciprocal", "rsqrt", "tan", "pow", "softplus",
               "layer_norm", "group_norm", "norm", "cosine_similarity", "logsumexp", "sum", "prod", "cumsum",
               "softmax", "log_softmax"},
            FLOAT32,
        ),
    },
}
#: ops PyTorch refuses inside a cuda autocast region (float16 makes them unsafe)
_BANNED = {
    "cuda": {
        "binary_cross_entropy": (
            "torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to autocast.\n"
            "Many models use a sigmoid layer right before the binary cross entropy layer.\n"
            "In this case, combine the two layers using torch.nn.functional.binary_cross_entropy_with_logits\n"
            "or torch.nn.BCEWithLogitsLoss.  binary_cross_entropy_with_logits and BCEWithLogits are\n"
            "safe to autocast."
        ),
    },
}


class _AutocastState(threading.local):
    """Per-thread autocast state: the enabled device types and their dtypes, and the cast cache."""

    def __init__(self) -> None:
        self.active = False  # whether any device type is enabled: the one read on the hot path
        self.dtypes: dict[str, dtypes.dtype] = {}  # enabled device type -> autocast dtype
        self.requested: dict[str, dtypes.dtype] = {}  # device type -> dtype, enabled or not
        self.cache_enabled = True
        self.depth = 0  # nesting of autocast regions; the cast cache is cleared when it returns to 0
        self.cache: dict[tuple[int, dtypes.dtype], tuple[Tensor, Tensor]] = {}


AUTOCAST = _AutocastState()


def _device_type(t: Tensor) -> str:
    device = t._backend.device_of(t._storage.array)
    kind = device.split(":", 1)[0]
    return "cuda" if kind in ("cuda", "gpu") else kind


def autocast_args(op: str, *args: Any) -> Any:
    """``args`` with the floating tensors cast as autocast's list for ``op`` says.

    Called by the ops on the lists when ``AUTOCAST.active``; non-tensors, float64 tensors,
    tensors on a device type without autocast and ops not on that device's list pass
    unchanged. Returns the one argument itself when given one, else a tuple.

    Raises:
        RuntimeError: ``op`` is refused inside an autocast region of that device type.
    """
    state = AUTOCAST
    out = []
    for a in args:
        if isinstance(a, Tensor):
            dt = a.dtype
            if dt.is_floating_point and dt is not dtypes.float64:
                kind = _device_type(a)
                lower = state.dtypes.get(kind)
                if lower is not None:
                    policy = POLICIES[kind].get(op)
                    if policy is None and op in _BANNED.get(kind, {}):
                        raise RuntimeError(_BANNED[kind][op])
                    target = lower if policy is LOWER else dtypes.float32 if policy is FLOAT32 else dt
                    if target is not dt and target.name in a._backend.dtypes:
                        a = _cast(a, target)
        out.append(a)
    return out[0] if len(out) == 1 else tuple(out)


def _cast(t: Tensor, target: dtypes.dtype) -> Tensor:
    from arraygrad.core.methods import to_dtype

    state = AUTOCAST
    # PyTorch caches the casts of leaf tensors that require grad (the parameters): a weight used
    # by several ops in one region is cast once
    if state.cache_enabled and t.requires_grad and t.grad_fn is None:
        key = (id(t), target)
        hit = state.cache.get(key)
        if hit is not None and hit[0] is t:
            return hit[1]
        out = to_dtype(t, target)
        state.cache[key] = (t, out)
        return out
    return to_dtype(t, target)
