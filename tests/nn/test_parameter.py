"""nn.Parameter: a leaf tensor that shares its data's storage."""

from __future__ import annotations

import copy

import pytest

import arraygrad as ag
from arraygrad import nn


def test_parameter_is_a_leaf_tensor_sharing_storage(backend):
    data = ag.tensor([1.0, 2.0])
    p = nn.Parameter(data)
    assert isinstance(p, nn.Parameter) and isinstance(p, ag.Tensor)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None and p.backend.name == backend
    with ag.no_grad():
        p.mul_(3.0)
    assert data.tolist() == [3.0, 6.0]  # no copy, as in PyTorch
    y = p * 2
    assert type(y) is ag.Tensor and y.grad_fn is not None
    assert type(p.detach()) is ag.Tensor and type(p.data) is ag.Tensor
    y.sum().backward()
    assert p.grad.tolist() == [2.0, 2.0]


def test_parameter_arguments_and_errors():
    frozen = nn.Parameter(ag.ones(2), requires_grad=False)
    assert not frozen.requires_grad
    assert nn.Parameter().shape == (0,)
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(ag.arange(3))
    assert not nn.Parameter(ag.arange(3), requires_grad=False).requires_grad
    with pytest.raises(TypeError, match="expected a Tensor"):
        nn.Parameter([1.0, 2.0])
    with pytest.raises(RuntimeError, match="leaf Variable"):
        nn.Parameter(ag.ones(1)).add_(1)


def test_parameter_deepcopy():
    p = nn.Parameter(ag.tensor([1.0, 2.0]))
    p.grad = ag.tensor([0.5, 0.5])
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q is not p and q.requires_grad
    assert q.tolist() == p.tolist() and q.grad.tolist() == [0.5, 0.5]
    with ag.no_grad():
        q.add_(1.0)
    assert p.tolist() == [1.0, 2.0]
    model = nn.Sequential(nn.Linear(2, 2))
    model.register_buffer("count", ag.tensor(3))
    clone = copy.deepcopy(model)
    assert clone[0].weight is not model[0].weight and isinstance(clone[0].weight, nn.Parameter)
    assert ag.equal(clone[0].weight, model[0].weight)
    assert clone.count.item() == 3 and clone.count is not model.count
    assert [n for n, _ in clone.named_parameters()] == ["0.weight", "0.bias"]
