"""One-hot encoding of integer class labels: ``one_hot``."""

from __future__ import annotations

from arraygrad.core import dtypes
from arraygrad.core.tensor import Tensor, _int_arg

__all__ = ["one_hot"]

_wrap = Tensor._wrap


def one_hot(a: Tensor, num_classes: int = -1) -> Tensor:
    """Encode the integer class labels of ``a`` as one-hot vectors, as ``torch.nn.functional.one_hot``.

    Args:
        a: an integer tensor of class labels, each in ``[0, num_classes)``.
        num_classes: the number of classes; -1 takes the largest label plus one (default -1).

    Returns:
        An int64 tensor of shape ``a.shape + (num_classes,)`` with 1 at each label's position and 0 elsewhere.

    Raises:
        TypeError: ``num_classes`` is not an integer.
        RuntimeError: ``a`` is not an integer tensor, a label is negative or not below
            ``num_classes``, or ``a`` is empty and ``num_classes`` is -1.

    Example:
        >>> import arraygrad as ag
        >>> ag.nn.functional.one_hot(ag.tensor([0, 2]), 3)
        tensor([[1, 0, 0],
                [0, 0, 1]])
    """
    num_classes = _int_arg(num_classes, "one_hot", "num_classes")
    if a.dtype.is_floating_point or a.dtype is dtypes.bool_:
        raise RuntimeError(f"one_hot is only applicable to index tensor of integer dtype, got {a.dtype}")
    backend = a._backend
    xp = backend.xp
    x = a._storage.array
    if a.numel():
        lo, hi = int(xp.min(x)), int(xp.max(x))
        if lo < 0:
            raise RuntimeError(f"one_hot: class values must be non-negative, got {lo}")
        if num_classes == -1:
            num_classes = hi + 1
        elif hi >= num_classes:
            raise RuntimeError(f"one_hot: class value {hi} is out of range for num_classes={num_classes}")
    elif num_classes == -1:
        raise RuntimeError("one_hot: can not infer total number of classes from empty tensor")
    classes = xp.arange(num_classes, dtype=x.dtype)
    hot = xp.equal(xp.expand_dims(x, axis=-1), classes)
    return _wrap(xp.astype(hot, backend.native_dtype("int64")), backend)
