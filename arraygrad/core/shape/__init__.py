"""Differentiable shape ops: reshape, permute, expand, cat, flip, roll, pad and their composites.

The ops PyTorch makes views (``view``, ``reshape`` where the memory allows, ``permute``,
``transpose``, ``expand``, ``squeeze``, ``split``, ``narrow``, ``diagonal``...) return views
here too (``arraygrad.core.views``): writes through them change the tensor they were taken of.

One submodule per family: ``reshaping`` (reshape, view, squeeze, flatten...), ``transposing``
(permute, transpose, movedim...), ``broadcasting`` (expand, broadcast_to...), ``joining`` (cat,
stack...), ``splitting`` (split, chunk, unbind...), ``reordering`` (flip, roll), ``repeating``
(repeat, tile, repeat_interleave), ``padding``, ``copying`` (clone, contiguous), ``slicing``
(narrow, select) and ``diagonals`` (diagonal, tril, triu). Every name is importable from here.
"""

from __future__ import annotations

from arraygrad.core.shape._utils import (
    _make_view,
    _shape_arg,
    _wrap,
)
from arraygrad.core.shape.broadcasting import (
    ExpandBackward0,
    broadcast_shapes,
    broadcast_tensors,
    broadcast_to,
    expand,
    expand_as,
)
from arraygrad.core.shape.copying import (
    CloneBackward0,
    clone,
    contiguous,
)
from arraygrad.core.shape.diagonals import (
    DiagonalBackward0,
    DiagonalEmbedBackward0,
    _diagonal_embed,
    diagonal,
    tril,
    triu,
)
from arraygrad.core.shape.joining import (
    CatBackward0,
    _nonempty_list,
    _tensor_list,
    cat,
    concat,
    concatenate,
    hstack,
    stack,
    vstack,
)
from arraygrad.core.shape.padding import (
    ConstantPadNdBackward0,
    _constant_pad,
    pad,
)
from arraygrad.core.shape.reordering import (
    FlipBackward0,
    RollBackward0,
    flip,
    fliplr,
    flipud,
    roll,
)
from arraygrad.core.shape.repeating import (
    _own_memory,
    _repeat_each,
    repeat,
    repeat_interleave,
    tile,
)
from arraygrad.core.shape.reshaping import (
    SqueezeBackward0,
    SqueezeBackward1,
    UnsqueezeBackward0,
    ViewBackward0,
    _reshape,
    _view_node,
    flatten,
    ravel,
    reshape,
    squeeze,
    unflatten,
    unsqueeze,
    view,
)
from arraygrad.core.shape.slicing import (
    narrow,
    select,
)
from arraygrad.core.shape.splitting import (
    SplitBackward0,
    builtins_sum,
    chunk,
    split,
    tensor_split,
    unbind,
)
from arraygrad.core.shape.transposing import (
    PermuteBackward0,
    TBackward0,
    TransposeBackward0,
    _permute,
    moveaxis,
    movedim,
    permute,
    swapaxes,
    swapdims,
    t,
    transpose,
)

__all__ = [
    "ViewBackward0", "UnsqueezeBackward0", "SqueezeBackward0", "SqueezeBackward1", "reshape", "view",
    "PermuteBackward0", "TransposeBackward0", "TBackward0", "permute", "transpose", "swapaxes", "swapdims", "t",
    "movedim", "moveaxis", "ExpandBackward0", "expand", "broadcast_to", "expand_as", "broadcast_shapes",
    "broadcast_tensors", "squeeze", "unsqueeze", "flatten", "unflatten", "ravel", "CatBackward0", "cat", "concat",
    "concatenate", "stack", "hstack", "vstack", "SplitBackward0", "split", "builtins_sum", "chunk", "tensor_split",
    "unbind", "FlipBackward0", "flip", "fliplr", "flipud", "RollBackward0", "roll", "repeat", "tile",
    "repeat_interleave", "ConstantPadNdBackward0", "pad", "CloneBackward0", "clone", "contiguous", "narrow", "select",
    "DiagonalBackward0", "DiagonalEmbedBackward0", "diagonal", "tril", "triu",
]
