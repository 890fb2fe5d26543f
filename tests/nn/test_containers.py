"""Containers (Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict), Identity,
Flatten and Unflatten."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn
from tests.helpers import assert_close


def _linears(n):
    return [nn.Linear(i + 1, i + 2) for i in range(n)]


def test_sequential_indexing_and_slicing():
    a, b, c = _linears(3)
    seq = nn.Sequential(a, nn.ReLU(), b, c)
    assert len(seq) == 4
    assert seq[0] is a and seq[-1] is c and seq[-2] is b
    with pytest.raises(IndexError, match="index 4 is out of range"):
        seq[4]
    with pytest.raises(IndexError):
        seq[-5]
    tail = seq[2:]
    assert isinstance(tail, nn.Sequential) and list(tail) == [b, c]
    assert list(tail._modules) == ["2", "3"]  # slicing keeps the keys, as in PyTorch
    assert list(seq[::-2]) == [c, seq[1]]
    seq[1] = nn.Tanh()
    assert isinstance(seq[1], nn.Tanh)


def test_sequential_forward_chains_modules():
    seq = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))
    x = ag.randn(4, 3)
    expected = seq[2](seq[1](seq[0](x)))
    assert_close(seq(x), expected)
    assert tuple(seq(x).shape) == (4, 2)


def test_sequential_mutation():
    a, b, c, d = _linears(4)
    seq = nn.Sequential(a, b)
    assert seq.append(c) is seq
    assert list(seq._modules) == ["0", "1", "2"]
    seq.insert(0, d)
    assert list(seq) == [d, a, b, c]
    seq.insert(-1, nn.ReLU())
    assert isinstance(seq[3], nn.ReLU) and seq[4] is c
    with pytest.raises(IndexError, match="Index out of range"):
        seq.insert(9, nn.ReLU())
    del seq[0]
    assert list(seq._modules) == ["0", "1", "2", "3"] and seq[0] is a  # renumbered
    assert seq.pop(1) is b
    seq.extend(nn.Sequential(nn.Tanh(), nn.Sigmoid()))
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear", "Tanh", "Sigmoid"]
    combined = nn.Sequential(a) + nn.Sequential(b)
    assert list(combined) == [a, b]
    assert len(nn.Sequential(a, b) * 2) == 4
    with pytest.raises(ValueError):
        nn.Sequential(a) + [b]
    assert "0" not in dir(seq)


def test_sequential_from_ordered_dict():
    seq = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 3)), ("act", nn.ReLU())]))
    assert list(seq._modules) == ["fc", "act"]
    assert seq.fc is seq[0]
    assert [n for n, _ in seq.named_parameters()] == ["fc.weight", "fc.bias"]


def test_module_list():
    a, b, c = _linears(3)
    ml = nn.ModuleList([a, b])
    assert len(ml) == 2 and ml[-1] is b
    ml.append(c)
    ml.extend([nn.ReLU()])
    ml.insert(1, nn.Tanh())
    assert [type(m).__name__ for m in ml] == ["Linear", "Tanh", "Linear", "Linear", "ReLU"]
    assert isinstance(ml[1:3], nn.ModuleList) and list(ml[1:3]) == [ml[1], b]
    del ml[1]
    assert list(ml._modules) == ["0", "1", "2", "3"] and ml[1] is b
    ml[0] = nn.Sigmoid()
    assert isinstance(ml[0], nn.Sigmoid)
    assert [n for n, _ in ml.named_parameters()] == ["1.weight", "1.bias", "2.weight", "2.bias"]
    with pytest.raises(TypeError, match="iterable"):
        ml.extend(3)
    with pytest.raises(NotImplementedError):
        ml(ag.ones(1))
    ml += nn.ModuleList([nn.Identity()])
    assert isinstance(ml[-1], nn.Identity)
    assert repr(nn.ModuleList()) == "ModuleList()"


def test_module_dict():
    md = nn.ModuleDict({"b": nn.Linear(1, 1), "a": nn.ReLU()})
    assert list(md.keys()) == ["b", "a"]  # insertion order
    md["c"] = nn.Tanh()
    md.update([("d", nn.Sigmoid())])
    assert "c" in md and len(md) == 4
    assert list(md) == ["b", "a", "c", "d"]
    assert isinstance(md.pop("a"), nn.ReLU) and "a" not in md
    assert [n for n, _ in md.named_parameters()] == ["b.weight", "b.bias"]
    with pytest.raises(ValueError, match="has length 3"):
        md.update([("x", nn.ReLU(), 1)])
    md.clear()
    assert len(md) == 0


def test_parameter_list_and_dict():
    pl = nn.ParameterList([ag.ones(2), nn.Parameter(ag.zeros(3))])
    pl.append(ag.ones(1, 1))
    assert len(pl) == 3 and all(isinstance(p, nn.Parameter) for p in pl)
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2"]
    assert isinstance(pl[1:], nn.ParameterList) and len(pl[1:]) == 2
    assert pl[-1].shape == (1, 1)
    with pytest.raises(TypeError):
        pl.extend(ag.ones(2))
    with pytest.raises(RuntimeError, match="should not be called"):
        pl(1)

    pd = nn.ParameterDict({"w": ag.ones(2), "b": ag.zeros(1)})
    assert list(pd) == ["b", "w"]  # a plain dict is added in sorted order, as in PyTorch
    pd["s"] = nn.Parameter(ag.ones(()))
    assert isinstance(pd["w"], nn.Parameter) and "s" in pd
    assert [n for n, _ in pd.named_parameters()] == ["b", "w", "s"]
    assert isinstance(pd.pop("b"), nn.Parameter) and len(pd) == 2
    assert pd.get("missing", 5) == 5
    merged = pd | nn.ParameterDict(OrderedDict(z=ag.ones(1)))
    assert list(merged) == ["w", "s", "z"]
    model = nn.Module()
    model.params = pl
    assert [n for n, _ in model.named_parameters()] == ["params.0", "params.1", "params.2"]


def test_parameter_list_repr_matches_torch(torch):
    ours = repr(nn.ParameterList([ag.ones(2, 3), ag.ones(4)]))
    theirs = repr(torch.nn.ParameterList([torch.ones(2, 3), torch.ones(4)]))
    assert ours == theirs.replace("torch.", "arraygrad.")


def test_identity_flatten_unflatten(torch):
    x = ag.randn(2, 3, 4, 5)
    assert nn.Identity(3, foo=1)(x) is x
    tx = torch.tensor(x.numpy())
    for args in [(), (0,), (1, 2), (2, -1), (-3, -2)]:
        assert tuple(nn.Flatten(*args)(x).shape) == tuple(torch.nn.Flatten(*args)(tx).shape)
    un = nn.Unflatten(1, (3, 1))
    assert tuple(un(x).shape) == (2, 3, 1, 4, 5)
    assert tuple(nn.Unflatten(-1, [5, 1])(x).shape) == (2, 3, 4, 5, 1)
    flat = nn.Flatten()(x)
    np.testing.assert_array_equal(nn.Unflatten(1, (3, 4, 5))(flat).numpy(), x.numpy())
    assert repr(nn.Unflatten(1, (3, 4))) == repr(torch.nn.Unflatten(1, (3, 4)))
    assert repr(nn.Flatten(0, 2)) == repr(torch.nn.Flatten(0, 2))
    with pytest.raises(TypeError, match="unflattened_size"):
        nn.Unflatten(1, 3)
