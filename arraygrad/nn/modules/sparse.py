"""Lookup-table layers: ``Embedding`` and ``EmbeddingBag`` (PyTorch's arguments, parameter
name ``weight``, ``N(0, 1)`` initialisation from the seeded generator, ``from_pretrained``)."""

from __future__ import annotations

from typing import Any

from arraygrad.core import creation
from arraygrad.core.autograd import no_grad
from arraygrad.core.tensor import Tensor
from arraygrad.nn import functional as F
from arraygrad.nn import init
from arraygrad.nn.modules.module import Module
from arraygrad.nn.parameter import Parameter

__all__ = ["Embedding", "EmbeddingBag"]


def _padding_index(padding_idx: int | None, num_embeddings: int) -> int | None:
    """A non-negative ``padding_idx`` (negative ones count from the end)."""
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise AssertionError(f"padding_idx must be within num_embeddings ({num_embeddings}), got {padding_idx}")
    return padding_idx % num_embeddings


class _EmbeddingBase(Module):
    """The ``(num_embeddings, embedding_dim)`` table shared by both layers."""

    def _init_weight(self, num_embeddings: int, embedding_dim: int, _weight: Tensor | None, freeze: bool,
                     device: Any, dtype: Any) -> None:
        if _weight is None:
            self.weight = Parameter(creation.empty((num_embeddings, embedding_dim), device=device, dtype=dtype),
                                    requires_grad=not freeze)
            self.reset_parameters()
        else:
            if list(_weight.shape) != [num_embeddings, embedding_dim]:
                raise AssertionError(
                    f"Shape of weight {tuple(_weight.shape)} does not match num_embeddings and embedding_dim "
                    f"({num_embeddings}, {embedding_dim})"
                )
            self.weight = Parameter(_weight.detach(), requires_grad=not freeze)

    def reset_parameters(self) -> None:
        """Draw the table from ``N(0, 1)`` (seeded generator) and zero the padding row."""
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self) -> None:
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0.0


class Embedding(_EmbeddingBase):
    """Look up vectors by index in a table of ``num_embeddings`` rows, as ``torch.nn.Embedding``.

    An integer input of shape ``(*)`` gives ``(*, embedding_dim)``. The private ``_weight``
    (an initial table, detached, used by ``from_pretrained``) and ``_freeze`` (the table gets no
    gradient) keyword arguments are PyTorch's as well.

    Args:
        num_embeddings: the number of rows of the table.
        embedding_dim: the size of each vector.
        padding_idx: a row that starts as zeros and gets no gradient; negative counts from the end
            (default None).
        max_norm: renormalise, in place, looked-up rows whose ``norm_type``-norm exceeds it
            (default None).
        norm_type: the p of the norm of ``max_norm`` (default 2.0).
        scale_grad_by_freq: divide each row's gradient by its count in the mini-batch
            (default False).
        sparse: accepted for PyTorch compatibility; gradients are dense (default False).
        device: where to create the table (default None: the default device).
        dtype: the dtype of the table (default None: the default dtype).

    Attributes:
        weight: ``(num_embeddings, embedding_dim)``, from ``N(0, 1)``.

    Shape:
        - Input: ``(*)`` int64 or int32 indices.
        - Output: ``(*, embedding_dim)``.

    Raises:
        AssertionError: ``padding_idx`` out of range or ``_weight`` of the wrong shape (as PyTorch).
    """

    def __init__(
        self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None, max_norm: float | None = None,
        norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False, _weight: Tensor | None = None,
        _freeze: bool = False, device: Any = None, dtype: Any = None,
    ) -> None:
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = _padding_index(padding_idx, num_embeddings)
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self._init_weight(num_embeddings, embedding_dim, _weight, _freeze, device, dtype)
        self.sparse = sparse

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Look up the rows of the table at the indices ``input``.

        Args:
            input: int64 or int32 indices in ``[0, num_embeddings)``, of any shape ``(*)``.

        Returns:
            ``(*, embedding_dim)``, in the table's dtype.

        Raises:
            RuntimeError: ``input`` not of dtype int64 or int32.
            IndexError: an index outside ``[0, num_embeddings)``.
        """
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse is not False:
            s += ", sparse=True"
        return s

    @classmethod
    def from_pretrained(
        cls, embeddings: Tensor, freeze: bool = True, padding_idx: int | None = None, max_norm: float | None = None,
        norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False,
    ) -> Embedding:
        """An ``Embedding`` whose table is ``embeddings`` (2-d; shared, not copied), frozen
        (no gradient) unless ``freeze=False``. The padding row is left as given.

        Args:
            embeddings: the (num_embeddings, embedding_dim) table.
            freeze: whether the table gets no gradient (default True).
            padding_idx: as ``Embedding``'s (default None).
            max_norm: as ``Embedding``'s (default None).
            norm_type: as ``Embedding``'s (default 2.0).
            scale_grad_by_freq: as ``Embedding``'s (default False).
            sparse: as ``Embedding``'s (default False).

        Returns:
            The new ``Embedding``.

        Raises:
            AssertionError: ``embeddings`` is not 2-d.
        """
        if embeddings.ndim != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
                   scale_grad_by_freq=scale_grad_by_freq, sparse=sparse, _weight=embeddings, _freeze=freeze)


class EmbeddingBag(_EmbeddingBase):
    """Reduce bags of embeddings by a sum, mean or max, as ``torch.nn.EmbeddingBag``.

    A ``(B, L)`` input is ``B`` bags of ``L`` indices; a flat ``(n,)`` input is cut into bags by
    ``offsets``. Either gives ``(B, embedding_dim)``. The private ``_weight`` keyword argument
    (an initial table, detached, used by ``from_pretrained``) is PyTorch's as well.

    Args:
        num_embeddings: the number of rows of the table.
        embedding_dim: the size of each embedding vector.
        max_norm: renormalise, in place, looked-up rows whose ``norm_type``-norm exceeds it
            (default None).
        norm_type: the p of the norm of ``max_norm`` (default 2.0).
        scale_grad_by_freq: divide each row's gradient by its count in the mini-batch
            (default False).
        mode: ``'sum'``, ``'mean'`` or ``'max'`` (default ``'mean'``).
        sparse: accepted for PyTorch compatibility; the gradient of the table is dense
            (default False).
        include_last_offset: ``offsets`` has B + 1 entries, the last being the end of the last
            bag (default False).
        padding_idx: a row that starts as zeros and whose entries are left out of every bag;
            negative counts from the end (default None).
        device: where to create the table (default None: the default device).
        dtype: the dtype of the table (default None: the default dtype).

    Raises:
        ValueError: an unknown mode.
        AssertionError: ``padding_idx`` out of range or ``_weight`` of the wrong shape (as PyTorch).
    """

    def __init__(
        self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None, norm_type: float = 2.0,
        scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False, _weight: Tensor | None = None,
        include_last_offset: bool = False, padding_idx: int | None = None, device: Any = None, dtype: Any = None,
    ) -> None:
        super().__init__()
        if mode not in ("sum", "mean", "max"):
            raise ValueError(f"mode has to be one of sum, mean or max, got {mode!r}")
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.padding_idx = _padding_index(padding_idx, num_embeddings)
        self._init_weight(num_embeddings, embedding_dim, _weight, False, device, dtype)
        self.mode = mode
        self.sparse = sparse
        self.include_last_offset = include_last_offset

    def forward(self, input: Tensor, offsets: Tensor | None = None,  # noqa: A002
                per_sample_weights: Tensor | None = None) -> Tensor:
        """Reduce the embeddings of each bag of indices with ``mode``.

        Args:
            input: int64 or int32 indices: ``(B, L)`` for ``B`` bags of ``L`` indices, or flat
                ``(n,)`` indices cut into bags by ``offsets``.
            offsets: for a 1-d ``input``, the ``(B,)`` start of each bag, from 0 and
                non-decreasing (``(B + 1,)`` with ``include_last_offset``); None with a 2-d
                ``input`` (default None).
            per_sample_weights: weights of the shape of ``input`` multiplying each embedding
                before the sum, with ``mode='sum'`` only (default None).

        Returns:
            ``(B, embedding_dim)``, in the table's dtype; an empty bag gives zeros.

        Raises:
            ValueError: an input that is not 1-d or 2-d, ``offsets`` with a 2-d input or missing
                (or not 1-d) with a 1-d one, malformed ``offsets``, or ``per_sample_weights`` not of
                the input's shape.
            RuntimeError: ``input`` not of dtype int64 or int32.
            NotImplementedError: ``per_sample_weights`` with a ``mode`` other than ``'sum'``.
            IndexError: an index outside ``[0, num_embeddings)``.
        """
        return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type, self.scale_grad_by_freq,
                               self.mode, self.sparse, per_sample_weights, self.include_last_offset, self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings!r}, {self.embedding_dim!r}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm!r}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type!r}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq!r}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx!r}"
        return s

    @classmethod
    def from_pretrained(
        cls, embeddings: Tensor, freeze: bool = True, max_norm: float | None = None, norm_type: float = 2.0,
        scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False, include_last_offset: bool = False,
        padding_idx: int | None = None,
    ) -> EmbeddingBag:
        """An ``EmbeddingBag`` over the 2-d table ``embeddings``, frozen unless ``freeze=False``.

        Args:
            embeddings: the (num_embeddings, embedding_dim) table (shared, not copied).
            freeze: whether the table gets no gradient (default True).
            max_norm: as ``EmbeddingBag``'s (default None).
            norm_type: as ``EmbeddingBag``'s (default 2.0).
            scale_grad_by_freq: as ``EmbeddingBag``'s (default False).
            mode: ``"sum"``, ``"mean"`` (default) or ``"max"``.
            sparse: as ``EmbeddingBag``'s (default False).
            include_last_offset: as ``EmbeddingBag``'s (default False).
            padding_idx: as ``EmbeddingBag``'s (default None).

        Returns:
            The new ``EmbeddingBag``.

        Raises:
            AssertionError: ``embeddings`` is not 2-d.
        """
        if embeddings.ndim != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        bag = cls(rows, cols, max_norm=max_norm, norm_type=norm_type, scale_grad_by_freq=scale_grad_by_freq,
                  mode=mode, sparse=sparse, _weight=embeddings, include_last_offset=include_last_offset,
                  padding_idx=padding_idx)
        bag.weight.requires_grad = not freeze
        return bag
