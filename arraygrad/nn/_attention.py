"""Attention, functional: ``scaled_dot_product_attention`` and ``multi_head_attention_forward``.

Both follow PyTorch's math implementations (``torch.nn.functional``), written with Tensor ops
so that autograd derives the gradients. Mask conventions are PyTorch's, which differ between
the two functions:

- ``scaled_dot_product_attention``: a bool ``attn_mask`` is True where a query MAY attend;
  a float mask is added to the scores.
- ``multi_head_attention_forward`` (and ``nn.MultiheadAttention``): a bool ``attn_mask`` or
  ``key_padding_mask`` is True where attention is NOT allowed; a float mask is added.

Rows whose every key is masked out give zeros from ``scaled_dot_product_attention`` (as
PyTorch's safe softmax) and NaN from the weights path of ``multi_head_attention_forward``
(``need_weights=True``), again as PyTorch.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from arraygrad.core import creation, dtypes, ops, shape
from arraygrad.core.autocast import AUTOCAST
from arraygrad.core.indexing import masked_fill
from arraygrad.core.tensor import Tensor
from arraygrad.nn import functional as F  # dropout, called at run time (functional re-exports this module)

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


def _causal_mask_out(n_query: int, n_key: int, like: Tensor) -> Tensor:
    """Bool ``(n_query, n_key)``: True above the diagonal (keys after the query position)."""
    rows = shape.reshape(creation.arange(n_query, backend=like.backend), (n_query, 1))
    cols = shape.reshape(creation.arange(n_key, backend=like.backend), (1, n_key))
    return ops.gt(cols, rows)


def _safe_softmax(scores: Tensor) -> Tensor:
    """Softmax over the last dim that gives 0 (value and gradient) on rows that are all -inf."""
    dead = ops.all(ops.eq(scores, -math.inf), -1, keepdim=True)
    out = ops.softmax(ops.where(dead, 0.0, scores), -1)
    return ops.where(dead, 0.0, out)


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """``softmax(query @ key^T * scale + mask) @ value`` over the last two dims.

    Args:
        query: ``(..., L, E)``.
        key: ``(..., S, E)``.
        value: ``(..., S, Ev)``.
        attn_mask: bool (True = may attend) or float (added to the scores), broadcastable to
            ``(..., L, S)``.
        dropout_p: dropout probability on the attention weights; applied whenever > 0 (pass
            0.0 in evaluation, as with PyTorch).
        is_causal: mask out keys after each query position (top-left aligned); combined with
            ``attn_mask`` when both are given.
        scale: factor on the scores; default ``1 / sqrt(E)``.
        enable_gqa: grouped-query attention: ``key``/``value`` with fewer heads (dim -3) are
            repeated to match ``query``'s.

    Returns:
        ``(..., L, Ev)``. A query row with every key masked out gives zeros.

    Raises:
        RuntimeError: the mask dtype is neither bool nor floating, or the heads of ``query``
            are not a multiple of those of ``key`` with ``enable_gqa``.
    """
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError(
            f"scaled_dot_product_attention: expected query, key and value of at least 2 dims (..., L, E), got "
            f"shapes {tuple(query.shape)}, {tuple(key.shape)} and {tuple(value.shape)}"
        )
    if not query.dtype == key.dtype == value.dtype:
        raise RuntimeError(
            f"scaled_dot_product_attention: Expected query, key, and value to have the same dtype, but got "
            f"query.dtype: {query.dtype.name} key.dtype: {key.dtype.name} and value.dtype: {value.dtype.name} instead."
        )
    n_query, n_key = query.shape[-2], key.shape[-2]
    scale_factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        if query.shape[-3] % key.shape[-3] != 0:
            raise RuntimeError(
                f"scaled_dot_product_attention: with enable_gqa, query heads ({query.shape[-3]}) must be a multiple of "
                f"key heads ({key.shape[-3]})"
            )
        key = shape.repeat_interleave(key, query.shape[-3] // key.shape[-3], -3)
        value = shape.repeat_interleave(value, query.shape[-3] // value.shape[-3], -3)
    scores = ops.mul(ops.matmul(query, shape.transpose(key, -2, -1)), scale_factor)
    mask_out = _causal_mask_out(n_query, n_key, query) if is_causal else None
    if attn_mask is not None:
        if attn_mask.dtype is dtypes.bool_:
            allowed_not = ops.logical_not(attn_mask)
            mask_out = allowed_not if mask_out is None else ops.logical_or(mask_out, allowed_not)
        elif attn_mask.dtype.is_floating_point:
            scores = ops.add(scores, attn_mask)
        else:
            raise RuntimeError(f"scaled_dot_product_attention: attn_mask must be bool or floating, got {attn_mask.dtype}")
    if mask_out is not None:
        scores = masked_fill(scores, mask_out, -math.inf)
    weights = ops.softmax(scores, -1) if attn_mask is None and not is_causal else _safe_softmax(scores)
    if dropout_p > 0.0:
        weights = F.dropout(weights, dropout_p)
    return ops.matmul(weights, value)


# ---------------------------------------------------------------------- multi-head attention


def _canonical_mask(
    mask: Tensor | None, mask_name: str, other_type: Any, other_name: str, target_type: Any, check_other: bool = True
) -> Tensor | None:
    """A bool mask (True = masked out) as a float mask of ``target_type`` (0 / -inf); a float
    mask unchanged."""
    if mask is None:
        return None
    is_float = mask.dtype.is_floating_point
    if mask.dtype is not dtypes.bool_ and not is_float:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype is not other_type:
        warnings.warn(
            f"Support for mismatched {mask_name} and {other_name} is deprecated. Use same type for both instead.",
            stacklevel=3,
        )
    if not is_float:
        mask = masked_fill(creation.zeros_like(mask, dtype=target_type), mask, -math.inf)
    return mask


def _none_or_dtype(input: Tensor | None) -> Any:  # noqa: A002
    if input is None:
        return None
    if isinstance(input, Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or arraygrad.Tensor")


def _mha_shape_check(
    query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None, attn_mask: Tensor | None, num_heads: int
) -> bool:
    """Whether the inputs are batched (3-d query), checking the other shapes against it."""
    if query.ndim == 3:
        if key.ndim != 3 or value.ndim != 3:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                f"{key.ndim}-D and {value.ndim}-D tensors respectively"
            )
        if key_padding_mask is not None and key_padding_mask.ndim != 2:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but found "
                f"{key_padding_mask.ndim}-D tensor instead"
            )
        if attn_mask is not None and attn_mask.ndim not in (2, 3):
            raise AssertionError(
                "For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                f"{attn_mask.ndim}-D tensor instead"
            )
        return True
    if query.ndim == 2:
        if key.ndim != 2 or value.ndim != 2:
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found "
                f"{key.ndim}-D and {value.ndim}-D tensors respectively"
            )
        if key_padding_mask is not None and key_padding_mask.ndim != 1:
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D but found "
                f"{key_padding_mask.ndim}-D tensor instead"
            )
        if attn_mask is not None:
            if attn_mask.ndim not in (2, 3):
                raise AssertionError(
                    "For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                    f"{attn_mask.ndim}-D tensor instead"
                )
            expected = (num_heads, query.shape[0], key.shape[0])
            if attn_mask.ndim == 3 and tuple(attn_mask.shape) != expected:
                raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got {tuple(attn_mask.shape)}")
        return False
    raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.ndim}-D query tensor")


def _linear(x: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
    if not AUTOCAST.active:  # under autocast the matmul casts both sides itself
        F._check_linear(x, w, b)
    out = ops.matmul(x, shape.transpose(w, 0, 1))
    return out if b is None else ops.add(out, b)


def _in_projection_packed(
    q: Tensor, k: Tensor, v: Tensor, w: Tensor, b: Tensor | None
) -> tuple[Tensor, Tensor, Tensor]:
    """Project q, k, v with the packed ``(3E, E)`` weight: one matmul for self-attention."""
    e = q.shape[-1]
    if q is k and k is v:
        proj = _linear(q, w, b)
        return shape.split(proj, e, -1)  # type: ignore[return-value]
    w_q, w_k, w_v = shape.split(w, e, 0)
    b_q, b_k, b_v = (None, None, None) if b is None else shape.split(b, e, 0)
    return _linear(q, w_q, b_q), _linear(k, w_k, b_k), _linear(v, w_v, b_v)


def _check_key_padding_mask(key_padding_mask: Tensor, src_len: int, bsz: int) -> None:
    if tuple(key_padding_mask.shape) != (bsz, src_len):
        raise AssertionError(
            f"expecting key_padding_mask shape of {(bsz, src_len)}, but got {tuple(key_padding_mask.shape)}"
        )


def multi_head_attention_forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    embed_dim_to_check: int,
    num_heads: int,
    in_proj_weight: Tensor | None,
    in_proj_bias: Tensor | None,
    bias_k: Tensor | None,
    bias_v: Tensor | None,
    add_zero_attn: bool,
    dropout_p: float,
    out_proj_weight: Tensor,
    out_proj_bias: Tensor | None,
    training: bool = True,
    key_padding_mask: Tensor | None = None,
    need_weights: bool = True,
    attn_mask: Tensor | None = None,
    use_separate_proj_weight: bool = False,
    q_proj_weight: Tensor | None = None,
    k_proj_weight: Tensor | None = None,
    v_proj_weight: Tensor | None = None,
    static_k: Tensor | None = None,
    static_v: Tensor | None = None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
) -> tuple[Tensor, Tensor | None]:
    """Compute multi-head attention from sequence-first inputs, as ``torch.nn.functional.multi_head_attention_forward``.

    This is the forward of ``nn.MultiheadAttention``: project ``query``, ``key`` and ``value``,
    split them into ``num_heads`` heads of ``E / num_heads`` features, take
    ``softmax(q k^T / sqrt(head_dim) + mask) v`` per head, concatenate the heads and apply the
    output projection.

    Args:
        query: ``(L, N, E)``, or unbatched ``(L, E)``.
        key: ``(S, N, E_k)``, or unbatched ``(S, E_k)``; ``E_k`` is ``E`` unless
            ``use_separate_proj_weight``.
        value: ``(S, N, E_v)``, or unbatched ``(S, E_v)``; ``E_v`` is ``E`` unless
            ``use_separate_proj_weight``.
        embed_dim_to_check: the expected ``E``, the last dim of ``query``.
        num_heads: the number of heads; it divides ``E``.
        in_proj_weight: the packed ``(3E, E)`` projection weights of q, k and v; used (and
            required) unless ``use_separate_proj_weight``.
        in_proj_bias: the packed ``(3E,)`` projection biases of q, k and v, or None.
        bias_k: a ``(1, 1, E)`` bias appended to the keys as one more position, or None; given
            together with ``bias_v``.
        bias_v: a ``(1, 1, E)`` bias appended to the values as one more position, or None; given
            together with ``bias_k``.
        add_zero_attn: append a zero key and a zero value to every head.
        dropout_p: the dropout probability on the attention weights, applied only when
            ``training``.
        out_proj_weight: the ``(E_out, E)`` weight of the output projection.
        out_proj_bias: the ``(E_out,)`` bias of the output projection, or None.
        training: whether dropout is applied (default True).
        key_padding_mask: ``(N, S)`` (``(S,)`` unbatched): bool True (or float -inf) marks keys to
            ignore; a float mask is added to the scores (default None).
        need_weights: also return the attention weights (default True).
        attn_mask: ``(L, S)`` or ``(N * num_heads, L, S)``; bool True = masked out, or a float
            mask added to the scores (default None).
        use_separate_proj_weight: project with ``q_proj_weight``, ``k_proj_weight`` and
            ``v_proj_weight`` instead of ``in_proj_weight`` (default False).
        q_proj_weight: the ``(E, E)`` projection weight of the query, used with
            ``use_separate_proj_weight`` (default None).
        k_proj_weight: the ``(E, E_k)`` projection weight of the key, used with
            ``use_separate_proj_weight`` (default None).
        v_proj_weight: the ``(E, E_v)`` projection weight of the value, used with
            ``use_separate_proj_weight`` (default None).
        static_k: ``(N * num_heads, S, E / num_heads)`` keys used as given instead of the
            projected ``key`` (default None).
        static_v: ``(N * num_heads, S, E / num_heads)`` values used as given instead of the
            projected ``value`` (default None).
        average_attn_weights: average the returned weights over the heads (default True).
        is_causal: a hint that ``attn_mask`` is the causal mask; the mask must still be given
            (default False).

    Returns:
        ``(attn_output, attn_weights)``: the output is ``(L, N, E_out)`` (``(L, E_out)``
        unbatched); the weights are ``(N, L, S)`` when averaged, else ``(N, num_heads, L, S)``
        (without ``N`` unbatched), or None when ``need_weights`` is False. ``S`` counts the
        appended ``bias_k`` and zero positions.

    Raises:
        AssertionError: inconsistent shapes or arguments: dims of ``query``, ``key``, ``value``
            or the masks, ``E`` other than ``embed_dim_to_check`` or not divisible by
            ``num_heads``, a missing or misshapen projection weight, a mask of another dtype than
            bool or floating, or only one of ``bias_k`` and ``bias_v`` (PyTorch's exception type).
        RuntimeError: ``is_causal`` without ``attn_mask``, a non-positive ``num_heads``, an
            ``in_proj_weight``, ``in_proj_bias``, output projection or ``attn_mask`` of the wrong
            shape, or projection weights of another dtype than the inputs.
    """
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = shape.unsqueeze(query, 1), shape.unsqueeze(key, 1), shape.unsqueeze(value, 1)
        if key_padding_mask is not None:
            key_padding_mask = shape.unsqueeze(key_padding_mask, 0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(
        key_padding_mask, "key_padding_mask", _none_or_dtype(attn_mask), "attn_mask", query.dtype
    )
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. You may use the Transformer module method "
            "`generate_square_subsequent_mask` to create this mask."
        )
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the scaled-dot-product path builds the causal mask itself
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    if num_heads <= 0:
        raise RuntimeError(f"multi_head_attention_forward: num_heads must be positive, got {num_heads}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(
                f"key's sequence and batch dims {tuple(key.shape[:2])} do not match value's {tuple(value.shape[:2])}"
            )
    elif tuple(key.shape) != tuple(value.shape):
        raise AssertionError(f"key shape {tuple(key.shape)} does not match value shape {tuple(value.shape)}")

    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        # PyTorch splits the packed projections with shape checks of its own (RuntimeError)
        if tuple(in_proj_weight.shape) != (3 * embed_dim, embed_dim):
            raise RuntimeError(
                f"multi_head_attention_forward: in_proj_weight must have shape {(3 * embed_dim, embed_dim)}, got "
                f"{tuple(in_proj_weight.shape)}"
            )
        if in_proj_bias is not None and tuple(in_proj_bias.shape) != (3 * embed_dim,):
            raise RuntimeError(
                f"multi_head_attention_forward: in_proj_bias must have shape {(3 * embed_dim,)}, got "
                f"{tuple(in_proj_bias.shape)}"
            )
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    else:
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            missing = [n for n, w in (("q", q_proj_weight), ("k", k_proj_weight), ("v", v_proj_weight)) if w is None]
            raise AssertionError(f"use_separate_proj_weight is True but {missing[0]}_proj_weight is None")
        b_q, b_k, b_v = (None, None, None) if in_proj_bias is None else shape.split(in_proj_bias, embed_dim, 0)
        for name, w, width in (("query", q_proj_weight, embed_dim), ("key", k_proj_weight, key.shape[-1]),
                               ("value", v_proj_weight, value.shape[-1])):
            if tuple(w.shape) != (embed_dim, width):
                raise AssertionError(f"expecting {name} weights shape of {(embed_dim, width)}, but got {tuple(w.shape)}")
        q = _linear(query, q_proj_weight, b_q)
        k = _linear(key, k_proj_weight, b_k)
        v = _linear(value, v_proj_weight, b_v)

    if attn_mask is not None:
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(
                    f"The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, but should be {(tgt_len, src_len)}."
                )
            attn_mask = shape.unsqueeze(attn_mask, 0)
        elif attn_mask.ndim == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(
                    f"The shape of the 3D attn_mask is {tuple(attn_mask.shape)}, but should be "
                    f"{(bsz * num_heads, tgt_len, src_len)}."
                )
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")

    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = shape.cat([k, shape.expand(bias_k, (1, bsz, embed_dim))])
        v = shape.cat([v, shape.expand(bias_v, (1, bsz, embed_dim))])
        if attn_mask is not None:
            attn_mask = shape.pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = shape.pad(key_padding_mask, (0, 1))
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")

    # (len, N, E) -> (N * heads, len, head_dim)
    q = shape.transpose(shape.reshape(q, (tgt_len, bsz * num_heads, head_dim)), 0, 1)
    if static_k is None:
        k = shape.transpose(shape.reshape(k, (k.shape[0], bsz * num_heads, head_dim)), 0, 1)
    else:
        if static_k.shape[0] != bsz * num_heads or static_k.shape[2] != head_dim:
            raise AssertionError(
                f"expecting static_k of shape ({bsz * num_heads}, S, {head_dim}), but got {tuple(static_k.shape)}"
            )
        k = static_k
    if static_v is None:
        v = shape.transpose(shape.reshape(v, (v.shape[0], bsz * num_heads, head_dim)), 0, 1)
    else:
        if static_v.shape[0] != bsz * num_heads or static_v.shape[2] != head_dim:
            raise AssertionError(
                f"expecting static_v of shape ({bsz * num_heads}, S, {head_dim}), but got {tuple(static_v.shape)}"
            )
        v = static_v

    if add_zero_attn:
        zeros = creation.zeros((bsz * num_heads, 1, head_dim), dtype=k.dtype, backend=k.backend)
        k = shape.cat([k, zeros], 1)
        v = shape.cat([v, zeros], 1)
        if attn_mask is not None:
            attn_mask = shape.pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = shape.pad(key_padding_mask, (0, 1))

    src_len = k.shape[1]
    if key_padding_mask is not None:
        _check_key_padding_mask(key_padding_mask, src_len, bsz)
        key_padding_mask = shape.reshape(
            shape.expand(shape.reshape(key_padding_mask, (bsz, 1, 1, src_len)), (bsz, num_heads, 1, src_len)),
            (bsz * num_heads, 1, src_len),
        )
        attn_mask = key_padding_mask if attn_mask is None else ops.add(attn_mask, key_padding_mask)

    if not training:
        dropout_p = 0.0

    if need_weights:
        q_scaled = ops.mul(q, math.sqrt(1.0 / float(head_dim)))
        if is_causal and attn_mask is None:
            raise AssertionError("FIXME: is_causal not implemented for need_weights")
        weights = ops.matmul(q_scaled, shape.transpose(k, -2, -1))
        if attn_mask is not None:
            weights = ops.add(weights, attn_mask)
        weights = ops.softmax(weights, -1)
        if dropout_p > 0.0:
            weights = F.dropout(weights, dropout_p)
        out = ops.matmul(weights, v)  # (N * heads, L, head_dim)
        out = shape.reshape(shape.transpose(out, 0, 1), (tgt_len * bsz, embed_dim))
        out = shape.reshape(_linear(out, out_proj_weight, out_proj_bias), (tgt_len, bsz, out_proj_weight.shape[0]))
        weights = shape.reshape(weights, (bsz, num_heads, tgt_len, src_len))
        if average_attn_weights:
            weights = ops.mean(weights, 1)
        if not is_batched:
            out, weights = shape.squeeze(out, 1), shape.squeeze(weights, 0)
        return out, weights

    if attn_mask is not None:
        if attn_mask.shape[0] == 1 and attn_mask.ndim == 3:
            attn_mask = shape.unsqueeze(attn_mask, 0)
        else:
            attn_mask = shape.reshape(attn_mask, (bsz, num_heads, -1, src_len))
    q = shape.reshape(q, (bsz, num_heads, tgt_len, head_dim))
    k = shape.reshape(k, (bsz, num_heads, src_len, head_dim))
    v = shape.reshape(v, (bsz, num_heads, src_len, head_dim))
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = shape.reshape(shape.permute(out, (2, 0, 1, 3)), (bsz * tgt_len, embed_dim))
    out = shape.reshape(_linear(out, out_proj_weight, out_proj_bias), (tgt_len, bsz, out_proj_weight.shape[0]))
    if not is_batched:
        out = shape.squeeze(out, 1)
    return out, None
