"""Results that PyTorch gives memory or a dtype of their own: repeats copy, no-op views are new
tensors, pad/masked_fill/tril keep the input's dtype, narrow and movedim reject what PyTorch rejects."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.nn.functional as F

torch = pytest.importorskip("torch")

REPEATS = {
    "repeat_1": (lambda x: x.repeat(1, 1), lambda x: x.repeat(1, 1)),
    "repeat_size1_dim": (lambda x: x[:, :1].repeat(1, 3), lambda x: x[:, :1].repeat(1, 3)),
    "tile_1": (lambda x: x.tile((1,)), lambda x: x.tile((1,))),
    "repeat_interleave_1": (lambda x: x.repeat_interleave(1), lambda x: x.repeat_interleave(1)),
    "repeat_interleave_dim_1": (lambda x: x.repeat_interleave(1, dim=0), lambda x: x.repeat_interleave(1, dim=0)),
}


@pytest.mark.parametrize("name", sorted(REPEATS))
def test_repeats_write_to_memory_of_their_own(name):
    ours, theirs = REPEATS[name]
    x, tx = ag.arange(6.0).reshape(2, 3), torch.arange(6.0).reshape(2, 3)
    y, ty = ours(x), theirs(tx)
    y.view(-1)[0] = 100.0
    ty.reshape(-1)[0] = 100.0
    np.testing.assert_array_equal(x.numpy(), tx.numpy())
    np.testing.assert_array_equal(y.numpy(), ty.numpy())


VIEWS = {
    "t_1d": lambda x: x.t(),
    "transpose_1d": lambda x: x.transpose(0, 0),
    "expand_same": lambda x: x.expand(4),
    "expand_as_same": lambda x: x.expand_as(x),
    "broadcast_to_same": lambda x: x.broadcast_to((4,)),
}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_a_view_of_the_same_shape_is_a_new_tensor(name):
    x, tx = ag.arange(4.0), torch.arange(4.0)
    y, ty = VIEWS[name](x), VIEWS[name](tx)
    assert (y is x) == (ty is tx) is False
    assert y._is_view() == ty._is_view() is True
    y[0] = 7.0  # still a view: the write shows through
    assert x[0].item() == 7.0
    y.requires_grad_()  # a flag of the result's own
    assert not x.requires_grad


def test_broadcast_tensors_of_one_shape_are_new_tensors():
    x = ag.arange(3.0)
    a, b = ag.broadcast_tensors(x, ag.ones(3))
    assert a is not x and a._is_view()


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_by_nothing_is_a_copy(mode):
    x, tx = ag.arange(4.0).reshape(1, 4), torch.arange(4.0).reshape(1, 4)
    y, ty = F.pad(x, (0, 0), mode=mode), torch.nn.functional.pad(tx, (0, 0), mode=mode)
    assert y is not x and not y._is_view() and not ty._is_view()
    y[0, 0] = 9.0
    assert x[0, 0].item() == 0.0


@pytest.mark.parametrize("values, value", [([1, 2], None), ([1, 2], 0.7), ([1, 2], 3), ([True, False], None),
                                           ([True, False], 2.0), ([1.5, 2.5], 1)])
def test_constant_pad_keeps_the_dtype(values, value):
    kw = {} if value is None else {"value": value}
    y, ty = F.pad(ag.tensor(values), (1, 1), **kw), torch.nn.functional.pad(torch.tensor(values), (1, 1), **kw)
    assert y.dtype.name == str(ty.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(y.numpy(), ty.numpy())


@pytest.mark.parametrize("values, value", [([True, False, True], 0), ([True, False, True], 2.5), ([1, 2, 3], 0.7),
                                           ([1, 2, 3], -1.9), ([1.0, 2.0, 3.0], 4)])
def test_masked_fill_keeps_the_dtype(values, value):
    mask = [True, False, False]
    y = ag.tensor(values).masked_fill(ag.tensor(mask), value)
    ty = torch.tensor(values).masked_fill(torch.tensor(mask), value)
    assert y.dtype.name == str(ty.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(y.numpy(), ty.numpy())


@pytest.mark.parametrize("fn", ["tril", "triu"])
def test_tril_triu_keep_bool(fn):
    y, ty = getattr(ag, fn)(ag.ones(3, 3, dtype=ag.bool)), getattr(torch, fn)(torch.ones(3, 3, dtype=torch.bool))
    assert y.dtype is ag.bool
    np.testing.assert_array_equal(y.numpy(), ty.numpy())


def test_narrow_at_the_end():
    x = ag.arange(4.0)
    assert x.narrow(0, 4, 0).shape == (0,)
    with pytest.raises(RuntimeError, match=r"start \(4\) \+ length \(2\) exceeds dimension size \(4\)"):
        x.narrow(0, 4, 2)
    assert x.narrow(0, -4, 2).tolist() == [0.0, 1.0]


@pytest.mark.parametrize("source, destination, message", [((0,), (1, 2), "same number of dims"),
                                                         ((0, 1), (1, 1), "repeated dim in `destination`"),
                                                         ((0, 0), (1, 2), "repeated dim in `source`")])
def test_movedim_rejects_what_pytorch_rejects(source, destination, message):
    with pytest.raises(RuntimeError, match=message):
        torch.movedim(torch.zeros(2, 3, 4), source, destination)
    with pytest.raises(RuntimeError, match=message):
        ag.movedim(ag.zeros(2, 3, 4), source, destination)


@pytest.mark.parametrize("value", [5, 0])
def test_nonzero_of_a_0d_tensor(value):
    assert tuple(ag.nonzero(ag.tensor(value)).shape) == tuple(torch.nonzero(torch.tensor(value)).shape)
    assert tuple(ag.argwhere(ag.tensor(value)).shape) == tuple(torch.argwhere(torch.tensor(value)).shape)
    ours, theirs = ag.nonzero(ag.tensor(value), as_tuple=True), torch.nonzero(torch.tensor(value), as_tuple=True)
    assert [t.tolist() for t in ours] == [t.tolist() for t in theirs]


def test_take_along_dim_needs_indices_of_the_input_rank():
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        torch.take_along_dim(torch.arange(6.0).reshape(2, 3), torch.tensor([0]), 1)
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        ag.take_along_dim(ag.arange(6.0).reshape(2, 3), ag.tensor([0]), 1)


@pytest.mark.parametrize("fn, args", [("relu6", ()), ("hardtanh", ()), ("hardtanh", (-2.5, 4.7))])
def test_clamping_activations_keep_integer_dtypes(fn, args):
    values = [-7, -1, 0, 3, 9]
    y = getattr(F, fn)(ag.tensor(values), *args)
    ty = getattr(torch.nn.functional, fn)(torch.tensor(values), *args)
    assert y.dtype is ag.int64
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    x, tx = ag.tensor(values), torch.tensor(values)
    F.hardtanh_(x)
    torch.nn.functional.hardtanh_(tx)
    np.testing.assert_array_equal(x.numpy(), tx.numpy())
