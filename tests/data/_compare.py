"""Compare an arraygrad batch with the batch torch.utils.data builds from the same samples."""

from __future__ import annotations

from typing import Any

import numpy as np

import arraygrad as ag


def assert_same_batch(ours: Any, theirs: Any, path: str = "batch") -> None:
    """Same nesting, container types, tensor dtypes, shapes and values; strings and other leaves equal.

    Tensors must be on the current default backend (unless they came from tensors of another one)."""
    import torch

    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, ag.Tensor), f"{path}: expected a tensor, got {type(ours).__name__}"
        assert ours.dtype.name == str(theirs.dtype).removeprefix("torch."), f"{path}: {ours.dtype} vs {theirs.dtype}"
        assert tuple(ours.shape) == tuple(theirs.shape), f"{path}: {tuple(ours.shape)} vs {tuple(theirs.shape)}"
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=path)
        return
    assert type(ours) is type(theirs), f"{path}: {type(ours).__name__} vs {type(theirs).__name__}"
    if isinstance(theirs, dict):
        assert list(ours) == list(theirs), f"{path}: keys {list(ours)} vs {list(theirs)}"
        for k in theirs:
            assert_same_batch(ours[k], theirs[k], f"{path}[{k!r}]")
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs), f"{path}: length {len(ours)} vs {len(theirs)}"
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same_batch(a, b, f"{path}[{i}]")
    else:
        assert ours == theirs, f"{path}: {ours!r} vs {theirs!r}"
