"""``MultiheadAttention``, as ``torch.nn.MultiheadAttention`` (its math path; PyTorch's fused
fast path computes the same values)."""

from __future__ import annotations

from typing import Any

from arraygrad.core import creation, shape
from arraygrad.core.tensor import Tensor
from arraygrad.nn import init
from arraygrad.nn._attention import _canonical_mask, _none_or_dtype, multi_head_attention_forward
from arraygrad.nn.modules.linear import NonDynamicallyQuantizableLinear
from arraygrad.nn.modules.module import Module
from arraygrad.nn.parameter import Parameter

__all__ = ["MultiheadAttention"]


class MultiheadAttention(Module):
    """Attention from ``query`` to ``key``/``value`` over ``num_heads`` parallel heads:
    ``out_proj(concat_h softmax(q_h k_h^T / sqrt(head_dim) + mask) v_h)``.

    Args:
        embed_dim: model dimension ``E`` (of the query and the output).
        num_heads: number of heads; must divide ``embed_dim``.
        dropout: dropout probability on the attention weights (training only).
        bias: add biases to the input and output projections.
        add_bias_kv: learn ``bias_k``/``bias_v`` (``(1, 1, E)``) appended to keys and values.
        add_zero_attn: append a zero key and value.
        kdim: feature sizes of ``key`` and ``value`` (default ``embed_dim``); when they
            differ from ``embed_dim`` the projections are separate ``q/k/v_proj_weight``.
        vdim: feature sizes of ``key`` and ``value`` (default ``embed_dim``); when they
            differ from ``embed_dim`` the projections are separate ``q/k/v_proj_weight``.
        batch_first: inputs and outputs are ``(N, L, E)`` instead of ``(L, N, E)``.
        device: where to create the parameters.
        dtype: the dtype of the parameters.

    Attributes:
        in_proj_weight: ``(3E, E)`` packed q/k/v projection (xavier uniform), or None.
        q_proj_weight, k_proj_weight, v_proj_weight: ``(E, E)``, ``(E, kdim)``, ``(E, vdim)``
            when ``kdim``/``vdim`` differ from ``E``, else None.
        in_proj_bias: ``(3E,)`` zeros, or None without ``bias``.
        out_proj: the ``Linear(E, E)`` output projection (bias zeroed).

    Raises:
        ValueError: ``embed_dim`` or ``num_heads`` not positive.
        AssertionError: ``embed_dim`` not divisible by ``num_heads`` (as PyTorch).
    """

    bias_k: Parameter | None
    bias_v: Parameter | None

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(
                f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                f"num_heads={num_heads} instead"
            )
        super().__init__()
        factory: dict[str, Any] = {"device": device, "dtype": dtype}
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(creation.empty((embed_dim, embed_dim), **factory))
            self.k_proj_weight = Parameter(creation.empty((embed_dim, self.kdim), **factory))
            self.v_proj_weight = Parameter(creation.empty((embed_dim, self.vdim), **factory))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(creation.empty((3 * embed_dim, embed_dim), **factory))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(creation.empty(3 * embed_dim, **factory))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **factory)
        if add_bias_kv:
            self.bias_k = Parameter(creation.empty((1, 1, embed_dim), **factory))
            self.bias_v = Parameter(creation.empty((1, 1, embed_dim), **factory))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None = None,
        need_weights: bool = True,
        attn_mask: Tensor | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """Attend from ``query`` to ``key``/``value``.

        Args:
            query: ``(L, N, E)`` (``(N, L, E)`` with ``batch_first``) or unbatched ``(L, E)``.
            key: ``(S, N, kdim)`` (``(N, S, kdim)`` with ``batch_first``) or unbatched ``(S, kdim)``.
            value: ``(S, N, vdim)`` (``(N, S, vdim)`` with ``batch_first``) or unbatched ``(S, vdim)``.
            key_padding_mask: ``(N, S)`` (or ``(S,)`` unbatched): bool True marks keys to
                ignore; a float mask is added to the scores (default None).
            need_weights: also return the attention weights (default True).
            attn_mask: ``(L, S)`` or ``(N * num_heads, L, S)``: bool True = not allowed to
                attend; a float mask is added to the scores (default None).
            average_attn_weights: average the returned weights over the heads (default True).
            is_causal: hint that ``attn_mask`` is the causal mask (``attn_mask`` is still
                required) (default False).

        Returns:
            ``(attn_output, attn_weights)``: the output has the query's layout with ``E``
            features; the weights are ``(N, L, S)`` (``(N, num_heads, L, S)`` without
            averaging; no ``N`` unbatched), or None when ``need_weights`` is False.

        Raises:
            AssertionError: inconsistent dims or shapes of the inputs and masks, a query whose
                features are not ``embed_dim``, or a mask of another dtype than bool or floating.
            RuntimeError: ``is_causal`` without ``attn_mask``, an ``attn_mask`` of the wrong shape,
                or inputs of another dtype than the parameters.
        """
        is_batched = query.ndim == 3
        key_padding_mask = _canonical_mask(
            key_padding_mask, "key_padding_mask", _none_or_dtype(attn_mask), "attn_mask", query.dtype
        )
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        if self.batch_first and is_batched:
            # keep identities: the packed projection does one matmul for self-attention
            if key is value:
                if query is key:
                    query = key = value = shape.transpose(query, 1, 0)
                else:
                    query, key = (shape.transpose(x, 1, 0) for x in (query, key))
                    value = key
            else:
                query, key, value = (shape.transpose(x, 1, 0) for x in (query, key, value))
        attn_output, attn_weights = multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight, self.in_proj_bias,
            self.bias_k, self.bias_v, self.add_zero_attn, self.dropout, self.out_proj.weight, self.out_proj.bias,
            training=self.training, key_padding_mask=key_padding_mask, need_weights=need_weights,
            attn_mask=attn_mask, use_separate_proj_weight=not self._qkv_same_embed_dim,
            q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight, v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights, is_causal=is_causal,
        )
        if self.batch_first and is_batched:
            attn_output = shape.transpose(attn_output, 1, 0)
        return attn_output, attn_weights
