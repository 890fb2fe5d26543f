"""Indexing with gradients: ``x[key]``, ``x[key] = v``, gather/scatter and friends.

Every gradient of an indexing op is an indexed accumulation (repeated indices add up), done by
the backend's ``getitem_grad`` / ``index_add`` kernels; ``index_put`` is the one functional
update primitive, and gather, scatter, index_select, index_add are written with it and getitem.

One submodule per family: ``keys`` (index normalisation and bounds checks), ``subscript``
(getitem, setitem, index_put), ``gather_scatter`` (gather, scatter, index_select, index_add,
take...), ``masking`` (masked_fill, masked_select, nonzero, argwhere) and ``encoding``
(one_hot). Every name is importable from here.
"""

from __future__ import annotations

from arraygrad.core.indexing.encoding import (
    one_hot,
)
from arraygrad.core.indexing.gather_scatter import (
    _check_index_add_source,
    _dim_index_key,
    _gather_key,
    _scatter,
    check_embedding_indices,
    gather,
    index_add,
    index_select,
    scatter,
    scatter_add,
    take,
    take_along_dim,
)
from arraygrad.core.indexing.keys import (
    _BASIC,
    _index_array,
    _index_tensor,
    _is_basic,
    _mismatch,
    _split_ints,
    check_index_bounds,
    normalize_key,
)
from arraygrad.core.indexing.masking import (
    argwhere,
    masked_fill,
    masked_select,
    nonzero,
)
from arraygrad.core.indexing.subscript import (
    EmbeddingBackward0,
    GatherBackward0,
    IndexBackward0,
    IndexGradBackward0,
    IndexPutBackward0,
    IndexSelectBackward0,
    SliceBackward0,
    _wrap,
    getitem,
    getitem_normalized,
    index_grad,
    index_put,
    named_node,
    setitem,
)

__all__ = [
    "check_index_bounds", "normalize_key", "IndexBackward0", "SliceBackward0", "GatherBackward0",
    "IndexSelectBackward0", "EmbeddingBackward0", "named_node", "getitem", "IndexGradBackward0", "getitem_normalized",
    "index_grad", "IndexPutBackward0", "index_put", "setitem", "gather", "take_along_dim", "scatter", "scatter_add",
    "index_select", "index_add", "check_embedding_indices", "masked_fill", "masked_select", "take", "nonzero",
    "argwhere", "one_hot",
]
