"""Shape ops against PyTorch (values and gradients), and their error messages."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.core.shape import pad
from tests.helpers import NOT_JAX, backend_cases, compare_with_torch, lib_of

# shape ops are backend-independent compositions: the spec table samples jax (backend_cases)
pytestmark = pytest.mark.backends(*NOT_JAX)

RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 3, 4))
M = RNG.standard_normal((3, 4))


def _torch_pad(x, p, mode="constant", value=None):
    import torch

    if mode == "constant":
        return torch.nn.functional.pad(x, p, mode, value=0.0 if value is None else value)
    return torch.nn.functional.pad(x, p, mode)


SHAPE_CASES = {
    "reshape": lambda x: x.reshape(4, 6),
    "reshape_minus1": lambda x: x.reshape(-1, 2),
    "view": lambda x: x.view(2, 12),
    "permute": lambda x: x.permute(2, 0, 1),
    "permute_negative": lambda x: x.permute(-1, -3, -2),
    "transpose": lambda x: x.transpose(0, 2),
    "T_2d": lambda x: x[0].T,
    "mT": lambda x: x.mT,
    "t": lambda x: x[0].t(),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "unsqueeze_neg": lambda x: x.unsqueeze(-1),
    "squeeze_dim": lambda x: x[:, :1].squeeze(1),
    "squeeze_all": lambda x: x[:1, :1].squeeze(),
    "squeeze_noop": lambda x: x.squeeze(0),
    "flatten": lambda x: x.flatten(),
    "flatten_range": lambda x: x.flatten(1, 2),
    "unflatten": lambda x: x.unflatten(2, (2, 2)),
    "expand": lambda x: x[:, :1].expand(2, 5, 4),
    "expand_new_dims": lambda x: x[0, 0].expand(3, 2, 4),
    "expand_minus1": lambda x: x[:, :1].expand(-1, 3, -1),
    "expand_as": lambda x: x[:1].expand_as(x),
    "broadcast_to": lambda x: lib_of(x).broadcast_to(x[:, :, :1], (2, 3, 5)),
    "movedim": lambda x: lib_of(x).movedim(x, 0, -1),
    "movedim_multi": lambda x: lib_of(x).movedim(x, (0, 1), (2, 0)),
    "cat": lambda x: lib_of(x).cat([x, x[:, :1] * 2], dim=1),
    "cat_negative_dim": lambda x: lib_of(x).cat([x, x.exp()], dim=-1),
    "stack": lambda x: lib_of(x).stack([x[0], x[1] * 3], dim=1),
    "stack_last": lambda x: lib_of(x).stack([x, x * x], dim=-1),
    "hstack": lambda x: lib_of(x).hstack([x[0], x[1]]),
    "vstack": lambda x: lib_of(x).vstack([x[0, 0], x[1, 1]]),
    "split_int": lambda x: x.split(3, dim=2),
    "split_uneven": lambda x: x.split(2, dim=1),
    "split_sections": lambda x: x.split([1, 3], dim=-1),
    "chunk": lambda x: x.chunk(2, dim=2),
    "chunk_uneven": lambda x: x.chunk(2, dim=1),
    "tensor_split": lambda x: x.tensor_split(3, dim=2),
    "unbind": lambda x: x.unbind(1),
    "repeat": lambda x: x.repeat(1, 2, 3),
    "repeat_more_dims": lambda x: x[0].repeat(2, 1, 2),
    "tile": lambda x: x.tile((2,)),
    "tile_more_dims": lambda x: x.tile((2, 1, 1, 1)),
    "repeat_interleave": lambda x: x.repeat_interleave(2, dim=1),
    "repeat_interleave_flat": lambda x: x[0].repeat_interleave(3),
    "flip": lambda x: x.flip(0, 2) if lib_of(x).__name__ == "torch" else x.flip((0, 2)),
    "flip_one": lambda x: x.flip([-1]),
    "fliplr": lambda x: lib_of(x).fliplr(x[0]),
    "roll": lambda x: x.roll(1, 2),
    "roll_negative_multi": lambda x: x.roll((-1, 2), (0, 2)),
    "roll_flat": lambda x: x.roll(5),
    "tril": lambda x: x[0].tril(),
    "triu_k": lambda x: x[0].triu(1),
    "tril_batched_negative": lambda x: x.tril(-1),
    "pad_constant": lambda x: (pad if lib_of(x) is ag else _torch_pad)(x, (1, 2)),
    "pad_constant_value": lambda x: (pad if lib_of(x) is ag else _torch_pad)(x, (1, 0, 0, 2), "constant", 3.5),
    "pad_negative_crop": lambda x: (pad if lib_of(x) is ag else _torch_pad)(x, (-1, 2, 1, -1)),
    "pad_reflect": lambda x: (pad if lib_of(x) is ag else _torch_pad)(x, (3, 2), "reflect"),
    "pad_reflect_2d": lambda x: (pad if lib_of(x) is ag else _torch_pad)(x, (1, 2, 2, 1), "reflect"),
    "pad_replicate": lambda x: (pad if lib_of(x) is ag else _torch_pad)(x, (2, 3), "replicate"),
    "pad_replicate_2d": lambda x: (pad if lib_of(x) is ag else _torch_pad)(x, (0, 1, 3, 1), "replicate"),
    "pad_circular": lambda x: (pad if lib_of(x) is ag else _torch_pad)(x, (2, 1), "circular"),
    "pad_circular_2d": lambda x: (pad if lib_of(x) is ag else _torch_pad)(x, (1, 1, 2, 0), "circular"),
}


@pytest.mark.parametrize(("backend", "case"), backend_cases(SHAPE_CASES), indirect=["backend"])
def test_shape_op_against_torch(backend, case) -> None:
    pytest.importorskip("torch")
    compare_with_torch(SHAPE_CASES[case], [X], rtol=1e-12)


def test_split_and_chunk_sizes(backend) -> None:
    x = ag.arange(10)
    assert [p.tolist() for p in x.split(4)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert [p.shape[0] for p in x.chunk(3)] == [4, 4, 2]
    assert [p.shape[0] for p in ag.arange(6).chunk(4)] == [2, 2, 2]  # torch: fewer chunks than asked
    assert [p.shape[0] for p in x.tensor_split(3)] == [4, 3, 3]
    assert [t.tolist() for t in ag.tensor([[1, 2], [3, 4]]).unbind(1)] == [[1, 3], [2, 4]]


def test_reshape_errors(backend) -> None:
    x = ag.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"shape '\[4, 2\]' is invalid for input of size 6"):
        x.reshape(4, 2)
    with pytest.raises(RuntimeError, match="invalid"):
        x.reshape(-1, -1)
    with pytest.raises(RuntimeError, match="invalid"):
        x.reshape(-1, 4)


def test_cat_errors_name_the_shapes(backend) -> None:
    with pytest.raises(RuntimeError, match=r"\(2, 3\).*\(2, 4\)"):
        ag.cat([ag.zeros(2, 3), ag.zeros(2, 4)], dim=0)
    with pytest.raises(RuntimeError, match="same number of dimensions: got 2 and 1"):
        ag.cat([ag.zeros(2, 3), ag.zeros(3)])
    with pytest.raises(ValueError, match="non-empty"):  # PyTorch's kind for cat (stack: RuntimeError)
        ag.cat([])
    with pytest.raises(IndexError, match="Dimension out of range"):
        ag.cat([ag.zeros(2), ag.zeros(2)], dim=1)


def test_cat_promotes_dtypes(backend) -> None:
    out = ag.cat([ag.tensor([1, 2]), ag.tensor([0.5])])
    assert out.dtype is ag.float32 and out.tolist() == [1.0, 2.0, 0.5]


def test_stack_errors_name_the_shapes(backend) -> None:
    with pytest.raises(RuntimeError, match=r"\(2, 3\) at entry 0 and \(3, 2\) at entry 1"):
        ag.stack([ag.zeros(2, 3), ag.zeros(3, 2)])
    with pytest.raises(RuntimeError, match="non-empty"):
        ag.stack([])


def test_cat_and_stack_refuse_mixed_backends(backend) -> None:
    other = "numpy" if backend != "numpy" else "strict"
    with pytest.raises(RuntimeError, match=f"'{backend}'.*'{other}'"):
        ag.cat([ag.zeros(2), ag.zeros(2, backend=other)])
    with pytest.raises(RuntimeError, match=f"'{backend}'.*'{other}'"):
        ag.stack([ag.zeros(2), ag.zeros(2, backend=other)])


def test_expand_errors(backend) -> None:
    x = ag.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"expanded size of the tensor \(4\) must match the existing size \(3\)"):
        x.expand(2, 4)
    with pytest.raises(RuntimeError, match="number of sizes provided"):
        x.expand(3)


def test_other_shape_errors(backend) -> None:
    x = ag.zeros(2, 3)
    with pytest.raises(RuntimeError, match="permutation"):
        x.permute(0, 0)
    with pytest.raises(RuntimeError, match="repeat"):
        x.repeat(2)
    with pytest.raises(RuntimeError, match="split_sizes"):
        x.split([1, 3], dim=1)
    with pytest.raises(RuntimeError, match="chunks"):
        x.chunk(0)
    with pytest.raises(RuntimeError, match="start_dim"):
        ag.zeros(2, 3, 4).flatten(2, 1)
    with pytest.raises(RuntimeError, match="t\\(\\) expects"):
        ag.zeros(2, 2, 2).t()
    with pytest.raises(RuntimeError, match="same length"):
        x.roll((1, 2), 0)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.unsqueeze(3)
    # PyTorch's kinds: RuntimeError for bad amounts, NotImplementedError for an unknown mode
    with pytest.raises(RuntimeError, match="less than the corresponding input dimension"):
        pad(x, (3, 0), mode="reflect")
    with pytest.raises(NotImplementedError, match="mode"):
        pad(x, (1, 1), mode="wrap")
    with pytest.raises(RuntimeError, match="divisible by 2"):
        pad(x, (1,))


def test_reshape_to_the_same_shape_still_records(backend) -> None:
    x = ag.zeros(2, requires_grad=True)
    y = x.reshape(2)
    assert y.grad_fn is not None
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_reshape_is_a_view_when_the_memory_allows(backend) -> None:
    x = ag.zeros(4)
    v = x.reshape(2, 2)
    v.add_(1)
    assert x.tolist() == [1.0, 1.0, 1.0, 1.0]
    c = v.t().reshape(4)  # not expressible as a view: a copy, as in PyTorch
    c.add_(1)
    assert x.tolist() == [1.0, 1.0, 1.0, 1.0]
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        v.t().view(4)
