"""Transformer layers: ``TransformerEncoderLayer``, ``TransformerDecoderLayer``, the stacks
``TransformerEncoder`` / ``TransformerDecoder``, and ``Transformer`` (as ``torch.nn``).

Submodule names (``self_attn``, ``multihead_attn``, ``linear1``, ``linear2``, ``norm1``...),
so state-dict keys, are PyTorch's. Only PyTorch's math path exists here: its fused inference
fast path and nested tensors compute the same values.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from arraygrad.core import creation, ops, shape
from arraygrad.core.tensor import Tensor
from arraygrad.nn import functional as F
from arraygrad.nn import init
from arraygrad.nn._attention import _canonical_mask, _none_or_dtype
from arraygrad.nn.modules.activation import GELU, ReLU
from arraygrad.nn.modules.attention import MultiheadAttention
from arraygrad.nn.modules.container import ModuleList
from arraygrad.nn.modules.dropout import Dropout
from arraygrad.nn.modules.linear import Linear
from arraygrad.nn.modules.module import Module
from arraygrad.nn.modules.normalization import LayerNorm

__all__ = ["Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer", "TransformerDecoderLayer"]

Activation = str | Callable[[Tensor], Tensor]


def _generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
    return shape.triu(creation.full((sz, sz), float("-inf"), dtype=dtype, device=device), diagonal=1)


def _get_activation_fn(activation: str) -> Callable[[Tensor], Tensor]:
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


def _get_clones(module: Module, n: int) -> ModuleList:
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


class TransformerEncoderLayer(Module):
    """Self-attention and a feed-forward block, each with a residual connection and LayerNorm:
    ``x = norm1(x + sa(x)); x = norm2(x + ff(x))``, or with ``norm_first``
    ``x = x + sa(norm1(x)); x = x + ff(norm2(x))``, where ``ff(x) = linear2(dropout(act(linear1(x))))``.

    Args:
        d_model: features of the input.
        nhead: attention heads.
        dim_feedforward: hidden size of the feed-forward block.
        dropout: dropout probability (attention weights, feed-forward, residual branches).
        activation: ``"relu"``, ``"gelu"`` or a callable (a module becomes a submodule).
        layer_norm_eps: LayerNorm epsilon.
        batch_first: inputs are ``(N, S, E)`` instead of ``(S, N, E)``.
        norm_first: pre-norm instead of post-norm.
        bias: biases in the linear layers and the LayerNorms.
        device: where to create the parameters.
        dtype: the dtype of the parameters.

    Raises:
        RuntimeError: an activation name other than relu/gelu.
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Activation = F.relu,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        factory: dict[str, Any] = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, **factory)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        if isinstance(activation, str):
            activation = _get_activation_fn(activation)
        # PyTorch's flag for its fused path: 1 relu, 2 gelu, 0 other
        if activation is F.relu or isinstance(activation, ReLU):
            self.activation_relu_or_gelu = 1
        elif activation is F.gelu or isinstance(activation, GELU):
            self.activation_relu_or_gelu = 2
        else:
            self.activation_relu_or_gelu = 0
        self.activation = activation

    def forward(
        self, src: Tensor, src_mask: Tensor | None = None, src_key_padding_mask: Tensor | None = None,
        is_causal: bool = False,
    ) -> Tensor:
        """Args:
            src: ``(S, N, E)`` (``(N, S, E)`` with ``batch_first``) or unbatched ``(S, E)``.
            src_mask: ``(S, S)`` or ``(N * nhead, S, S)`` attention mask (bool True = masked out,
                or float added to the scores).
            src_key_padding_mask: ``(N, S)``: True (or -inf) marks padding positions.
            is_causal: hint that ``src_mask`` is the causal mask.

        Returns:
            A tensor shaped like ``src``.
        """
        src_key_padding_mask = _canonical_mask(
            src_key_padding_mask, "src_key_padding_mask", _none_or_dtype(src_mask), "src_mask", src.dtype
        )
        src_mask = _canonical_mask(src_mask, "src_mask", None, "", src.dtype, check_other=False)
        x = src
        if self.norm_first:
            x = ops.add(x, self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal=is_causal))
            x = ops.add(x, self._ff_block(self.norm2(x)))
        else:
            x = self.norm1(ops.add(x, self._sa_block(x, src_mask, src_key_padding_mask, is_causal=is_causal)))
            x = self.norm2(ops.add(x, self._ff_block(x)))
        return x

    def _sa_block(self, x: Tensor, attn_mask: Tensor | None, key_padding_mask: Tensor | None, is_causal: bool = False) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                           is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout2(x)


class TransformerDecoderLayer(Module):
    """Self-attention, attention over the encoder output (``memory``) and a feed-forward block,
    each with a residual connection and LayerNorm (``norm1``..``norm3``; pre-norm with
    ``norm_first``).

    Args:
        d_model: features of the input.
        nhead: attention heads.
        dim_feedforward: hidden size of the feed-forward block (default 2048).
        dropout: dropout probability (attention weights, feed-forward, residual branches; default 0.1).
        activation: ``"relu"``, ``"gelu"`` or a callable (a module becomes a submodule; default relu).
        layer_norm_eps: LayerNorm epsilon (default 1e-5).
        batch_first: inputs are ``(N, S, E)`` instead of ``(S, N, E)`` (default False).
        norm_first: pre-norm instead of post-norm (default False).
        bias: biases in the linear layers and the LayerNorms (default True).
        device: where to create the parameters.
        dtype: the dtype of the parameters.

    Raises:
        RuntimeError: an activation name other than relu/gelu.
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Activation = F.relu,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        factory: dict[str, Any] = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=batch_first, bias=bias, **factory)
        self.multihead_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, batch_first=batch_first, bias=bias, **factory
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _get_activation_fn(activation) if isinstance(activation, str) else activation

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """Run self-attention over ``tgt``, attention to ``memory`` and the feed-forward block.

        Args:
            tgt: the target sequence, ``(T, N, E)`` (``(N, T, E)`` with ``batch_first``) or
                unbatched ``(T, E)``.
            memory: the encoder output, ``(S, N, E)`` (``(N, S, E)`` with ``batch_first``) or
                unbatched ``(S, E)``.
            tgt_mask: the self-attention mask, ``(T, T)`` or ``(N * nhead, T, T)``; bool True =
                masked out, or float added to the scores (default None).
            memory_mask: the mask of the attention to ``memory``, ``(T, S)`` or
                ``(N * nhead, T, S)``; bool True = masked out, or float added to the scores
                (default None).
            tgt_key_padding_mask: ``(N, T)`` (``(T,)`` unbatched); True (or -inf) marks padding
                positions of ``tgt`` (default None).
            memory_key_padding_mask: ``(N, S)`` (``(S,)`` unbatched); True (or -inf) marks padding
                positions of ``memory`` (default None).
            tgt_is_causal: a hint that ``tgt_mask`` is the causal mask; the mask must still be
                given (default False).
            memory_is_causal: a hint that ``memory_mask`` is the causal mask; the mask must still
                be given (default False).

        Returns:
            A tensor shaped like ``tgt``.

        Raises:
            AssertionError: inconsistent dims or shapes of the inputs and masks, features other
                than ``d_model``, or a mask of another dtype than bool or floating (raised by
                ``MultiheadAttention``).
            RuntimeError: a causal hint without its mask, a mask of the wrong shape, or, with
                ``norm_first``, features other than ``d_model`` (raised by the first LayerNorm).
        """
        x = tgt
        if self.norm_first:
            x = ops.add(x, self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = ops.add(x, self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal))
            x = ops.add(x, self._ff_block(self.norm3(x)))
        else:
            x = self.norm1(ops.add(x, self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal)))
            x = self.norm2(ops.add(x, self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal)))
            x = self.norm3(ops.add(x, self._ff_block(x)))
        return x

    def _sa_block(self, x: Tensor, attn_mask: Tensor | None, key_padding_mask: Tensor | None, is_causal: bool = False) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, is_causal=is_causal,
                           need_weights=False)[0]
        return self.dropout1(x)

    def _mha_block(
        self, x: Tensor, mem: Tensor, attn_mask: Tensor | None, key_padding_mask: Tensor | None, is_causal: bool = False
    ) -> Tensor:
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                is_causal=is_causal, need_weights=False)[0]
        return self.dropout2(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout3(x)


class TransformerEncoder(Module):
    """``num_layers`` deep copies of ``encoder_layer`` applied in turn, then ``norm``.

    Args:
        encoder_layer: the layer to copy (its parameters are copied, not shared).
        num_layers: number of copies.
        norm: optional final normalisation module.
        enable_nested_tensor: accepted for compatibility; there are no nested
            tensors here (PyTorch's nested-tensor path computes the same values).
        mask_check: accepted for compatibility; there are no nested
            tensors here (PyTorch's nested-tensor path computes the same values).
    """

    def __init__(
        self, encoder_layer: Module, num_layers: int, norm: Module | None = None, enable_nested_tensor: bool = True,
        mask_check: bool = True,
    ) -> None:
        super().__init__()
        self.layers = _get_clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = False
        self.mask_check = mask_check

    def forward(
        self, src: Tensor, mask: Tensor | None = None, src_key_padding_mask: Tensor | None = None,
        is_causal: bool | None = None,
    ) -> Tensor:
        """Args:
            src: ``(S, N, E)`` (``(N, S, E)`` with ``batch_first``) or unbatched ``(S, E)``.
            mask: ``(S, S)`` or ``(N * nhead, S, S)`` attention mask.
            src_key_padding_mask: ``(N, S)`` padding mask.
            is_causal: hint that ``mask`` is the causal mask.

        Returns:
            A tensor shaped like ``src``.
        """
        src_key_padding_mask = _canonical_mask(
            src_key_padding_mask, "src_key_padding_mask", _none_or_dtype(mask), "mask", src.dtype
        )
        mask = _canonical_mask(mask, "mask", None, "", src.dtype, check_other=False)
        # NOTE: PyTorch compares ``mask`` with the causal mask when ``is_causal`` is None, only to
        # pick a faster kernel; the explicit mask gives the same values without a host sync.
        output = src
        for mod in self.layers:
            output = mod(output, src_mask=mask, is_causal=bool(is_causal), src_key_padding_mask=src_key_padding_mask)
        if self.norm is not None:
            output = self.norm(output)
        return output


class TransformerDecoder(Module):
    """Apply ``num_layers`` deep copies of ``decoder_layer`` in turn, then ``norm``, as ``torch.nn.TransformerDecoder``.

    Args:
        decoder_layer: the layer to copy, usually a ``TransformerDecoderLayer`` (its parameters
            are copied, not shared).
        num_layers: the number of copies, kept in the ``layers`` ``ModuleList``.
        norm: an optional final normalisation module applied to the output of the last layer
            (default None).
    """

    def __init__(self, decoder_layer: Module, num_layers: int, norm: Module | None = None) -> None:
        super().__init__()
        self.layers = _get_clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """Decode ``tgt`` with every layer in turn, each attending to the same ``memory``.

        Args:
            tgt: the target sequence, ``(T, N, E)`` (``(N, T, E)`` with ``batch_first``) or
                unbatched ``(T, E)``.
            memory: the encoder output, ``(S, N, E)`` (``(N, S, E)`` with ``batch_first``) or
                unbatched ``(S, E)``.
            tgt_mask: the self-attention mask, ``(T, T)`` or ``(N * nhead, T, T)``; bool True =
                masked out, or float added to the scores (default None).
            memory_mask: the mask of the attention to ``memory``, ``(T, S)`` or
                ``(N * nhead, T, S)`` (default None).
            tgt_key_padding_mask: ``(N, T)``; True (or -inf) marks padding positions of ``tgt``
                (default None).
            memory_key_padding_mask: ``(N, S)``; True (or -inf) marks padding positions of
                ``memory`` (default None).
            tgt_is_causal: a hint that ``tgt_mask`` is the causal mask; None counts as False
                (default None).
            memory_is_causal: a hint that ``memory_mask`` is the causal mask (default False).

        Returns:
            A tensor shaped like ``tgt``.

        Raises:
            AssertionError: inconsistent dims or shapes of the inputs and masks, features other
                than ``d_model``, or a mask of another dtype than bool or floating (raised by
                the layers' ``MultiheadAttention``).
            RuntimeError: a causal hint without its mask, a mask of the wrong shape, or, with
                ``norm_first``, features other than ``d_model`` (raised by the first LayerNorm).
        """
        output = tgt
        for mod in self.layers:
            output = mod(
                output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask, tgt_key_padding_mask=tgt_key_padding_mask,
                memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=bool(tgt_is_causal),
                memory_is_causal=memory_is_causal,
            )
        if self.norm is not None:
            output = self.norm(output)
        return output


class Transformer(Module):
    """The encoder-decoder model of "Attention Is All You Need": ``num_encoder_layers``
    encoder layers with a final LayerNorm, ``num_decoder_layers`` decoder layers with a final
    LayerNorm. Every parameter with more than one dimension is re-drawn xavier-uniform.

    Args:
        d_model: features of the input.
        nhead: attention heads.
        dim_feedforward: hidden size of the feed-forward block (default 2048).
        dropout: dropout probability (attention weights, feed-forward, residual branches; default 0.1).
        activation: ``"relu"``, ``"gelu"`` or a callable (a module becomes a submodule; default relu).
        layer_norm_eps: LayerNorm epsilon (default 1e-5).
        batch_first: inputs are ``(N, S, E)`` instead of ``(S, N, E)`` (default False).
        norm_first: pre-norm instead of post-norm (default False).
        bias: biases in the linear layers and the LayerNorms (default True).
        device: where to create the parameters.
        dtype: the dtype of the parameters.
        num_encoder_layers: depths of the two stacks.
        num_decoder_layers: depths of the two stacks.
        custom_encoder: modules used instead of the default stacks.
        custom_decoder: modules used instead of the default stacks.
    """

    def __init__(
        self,
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Activation = F.relu,
        custom_encoder: Module | None = None,
        custom_decoder: Module | None = None,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        factory: dict[str, Any] = {"device": device, "dtype": dtype}
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            encoder_layer = TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                                                    batch_first, norm_first, bias, **factory)
            encoder_norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
            self.encoder = TransformerEncoder(encoder_layer, num_encoder_layers, encoder_norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            decoder_layer = TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                                                    batch_first, norm_first, bias, **factory)
            decoder_norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
            self.decoder = TransformerDecoder(decoder_layer, num_decoder_layers, decoder_norm)
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(
        self,
        src: Tensor,
        tgt: Tensor,
        src_mask: Tensor | None = None,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        src_is_causal: bool | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """Encode ``src``, then decode ``tgt`` attending to the encoding.

        Args:
            src: ``(S, N, E)`` (``(N, S, E)`` with ``batch_first``) or unbatched ``(S, E)``.
            tgt: ``(T, N, E)`` likewise.
            src_mask: ``(S, S)``, ``(T, T)``, ``(T, S)`` attention masks
                (or per batch-and-head 3-d masks); bool True = masked out, or float added.
            tgt_mask: ``(S, S)``, ``(T, T)``, ``(T, S)`` attention masks
                (or per batch-and-head 3-d masks); bool True = masked out, or float added.
            memory_mask: ``(S, S)``, ``(T, T)``, ``(T, S)`` attention masks
                (or per batch-and-head 3-d masks); bool True = masked out, or float added.
            src_key_padding_mask: ``(N, S)``,
                ``(N, T)``, ``(N, S)`` padding masks.
            tgt_key_padding_mask: ``(N, S)``,
                ``(N, T)``, ``(N, S)`` padding masks.
            memory_key_padding_mask: ``(N, S)``,
                ``(N, T)``, ``(N, S)`` padding masks.
            src_is_causal: hints that the masks are causal.
            tgt_is_causal: hints that the masks are causal.
            memory_is_causal: hints that the masks are causal.

        Returns:
            ``(T, N, E)`` (the layout of ``tgt``).

        Raises:
            RuntimeError: batch sizes of ``src`` and ``tgt`` differ, or their features are not
                ``d_model``.
        """
        is_batched = src.ndim == 3
        batch_dim = 0 if self.batch_first else 1
        if is_batched and src.shape[batch_dim] != tgt.shape[batch_dim]:
            raise RuntimeError("the batch number of src and tgt must be equal")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(
            tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask, tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal,
        )

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
        """The ``(sz, sz)`` float causal mask: ``-inf`` above the diagonal, 0 elsewhere.

        Args:
            sz: the sequence length.
            device: the device of the mask (default: the current default).
            dtype: its floating dtype (default: the default dtype).

        Returns:
            The mask, for ``mask=`` / ``tgt_mask=`` of the transformer layers.
        """
        return _generate_square_subsequent_mask(sz, device=device, dtype=dtype)

    def _reset_parameters(self) -> None:
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)
