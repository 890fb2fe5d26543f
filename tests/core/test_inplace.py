"""In-place ops, storage aliasing (.data / .detach()) and the version counter.

arraygrad tensors refer to their array through a shared storage cell, so an in-place op
rebinds the cell and every alias sees the change -- also on jax, whose arrays are immutable.
"""

from __future__ import annotations

import pytest

import arraygrad as ag
from tests.helpers import compare_with_torch

# ---------------------------------------------------------------------- the SGD update patterns


def test_sgd_step_under_no_grad_updates_the_parameter_itself(backend) -> None:
    p = ag.tensor([1.0, 2.0], requires_grad=True)
    params = [p]
    alias = p.data  # taken before the update
    (p * p).sum().backward()
    before = id(p)
    with ag.no_grad():
        p -= 0.1 * p.grad
    assert id(p) == before and params[0] is p
    assert p.tolist() == pytest.approx([0.8, 1.6])
    assert alias.tolist() == pytest.approx([0.8, 1.6])
    assert p.requires_grad and p.is_leaf and p.grad_fn is None


def test_update_through_data_changes_the_parameter(backend) -> None:
    p = ag.tensor([1.0, 2.0], requires_grad=True)
    (p * p).sum().backward()
    p.data.sub_(p.grad.data * 0.25)
    assert p.tolist() == [0.5, 1.0]
    assert p.requires_grad and p.is_leaf


def test_data_setter_makes_the_tensor_share_the_new_storage(backend) -> None:
    # as in PyTorch: p now shares t's storage; aliases taken before keep the old values
    p = ag.tensor([1.0, 2.0], requires_grad=True)
    old_alias = p.detach()
    t = ag.tensor([5.0, 6.0])
    p.data = t
    assert p.tolist() == [5.0, 6.0] and p.requires_grad and p.is_leaf
    t.add_(1)
    assert p.tolist() == [6.0, 7.0]
    assert old_alias.tolist() == [1.0, 2.0]
    other = "numpy" if backend != "numpy" else "strict"
    p.data = ag.tensor([1.0, 1.0], backend=other)
    assert p.backend.name == other
    with pytest.raises(TypeError, match="Tensor"):
        p.data = [1.0, 2.0]


def test_parameter_update_is_seen_by_the_next_forward(backend) -> None:
    w = ag.tensor([1.0], requires_grad=True)
    for _ in range(3):
        loss = ((w - 4.0) ** 2).sum()
        loss.backward()
        with ag.no_grad():
            w -= 0.25 * w.grad
        w.grad = None
    # w_{n+1} = w_n - 0.5 (w_n - 4): 1 -> 2.5 -> 3.25 -> 3.625
    assert w.item() == pytest.approx(3.625)


def test_zeroing_grad_in_place_then_accumulating_again(backend) -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    (x + w).sum().backward()
    grad = x.grad
    x.grad.add_(1)  # x.grad and w.grad must not share storage
    assert w.grad.tolist() == [1.0, 1.0]
    x.grad.zero_()
    (x * 3).sum().backward()
    assert x.grad is grad and x.grad.tolist() == [3.0, 3.0]


# ---------------------------------------------------------------------- aliases and versions


def test_detach_shares_storage_and_version_counter(backend) -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.is_leaf
    v = x._version
    d.add_(1)
    assert x.tolist() == [2.0, 3.0]
    assert x._version == d._version == v + 1


def test_in_place_change_through_detach_is_caught_by_backward(backend) -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()  # saves its output
    y.detach().mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_clone_does_not_alias(backend) -> None:
    x = ag.tensor([1.0, 2.0])
    c = x.clone()
    c.add_(1)
    assert x.tolist() == [1.0, 2.0]


def test_every_in_place_op_bumps_the_version(backend) -> None:
    x = ag.tensor([1.0, 2.0])
    ops = [
        lambda t: t.add_(1),
        lambda t: t.sub_(1),
        lambda t: t.mul_(2),
        lambda t: t.div_(2),
        lambda t: t.clamp_(0, 1),
        lambda t: t.fill_(3),
        lambda t: t.zero_(),
        lambda t: t.copy_(ag.ones(2)),
        lambda t: t.__setitem__(0, 5.0),
    ]
    for op in ops:
        v = x._version
        op(x)
        assert x._version == v + 1


# ---------------------------------------------------------------------- values of in-place ops


def test_in_place_arithmetic(backend) -> None:
    x = ag.tensor([1.0, 2.0, 3.0])
    assert x.add_(1) is x and x.tolist() == [2.0, 3.0, 4.0]
    x.add_(ag.tensor([1.0, 1.0, 1.0]), alpha=2)
    assert x.tolist() == [4.0, 5.0, 6.0]
    x.sub_(ag.tensor([1.0, 2.0, 3.0]))
    assert x.tolist() == [3.0, 3.0, 3.0]
    x.mul_(ag.tensor([1.0, 2.0, 3.0]))
    x.div_(3)
    assert x.tolist() == [1.0, 2.0, 3.0]
    x += 1
    x -= ag.tensor([2.0, 2.0, 2.0])
    x *= 2
    x /= 4
    assert x.tolist() == [0.0, 0.5, 1.0]


def test_in_place_broadcasts_only_the_other_operand(backend) -> None:
    x = ag.zeros(2, 3)
    x.add_(ag.tensor([1.0, 2.0, 3.0]))
    assert x.tolist() == [[1.0, 2.0, 3.0]] * 2
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        ag.zeros(3).add_(ag.ones(2, 3))


def test_in_place_keeps_dtype_and_refuses_unsafe_casts(backend) -> None:
    i = ag.tensor([1, 2])
    i.add_(1)
    assert i.dtype is ag.int64 and i.tolist() == [2, 3]
    with pytest.raises(RuntimeError, match="can't be cast"):
        i.add_(0.5)
    with pytest.raises(RuntimeError, match="can't be cast"):
        i.div_(2)
    f = ag.tensor([1.0], dtype=ag.float32)
    f.add_(ag.tensor([1], dtype=ag.int64))
    assert f.dtype is ag.float32 and f.tolist() == [2.0]


def test_in_place_casts_a_wider_operand_of_the_same_kind(backend) -> None:
    f = ag.tensor([1.0], dtype=ag.float32)
    f.add_(ag.tensor([1.0], dtype=ag.float64))  # torch allows float64 -> float32 in place
    assert f.dtype is ag.float32 and f.tolist() == [2.0]
    i = ag.tensor([1], dtype=ag.int32)
    i += ag.tensor([1])
    assert i.dtype is ag.int32 and i.tolist() == [2]


def test_clamp_zero_fill_copy(backend) -> None:
    x = ag.tensor([-1.0, 0.5, 2.0])
    x.clamp_(0.0, 1.0)
    assert x.tolist() == [0.0, 0.5, 1.0]
    x.clamp_(min=0.75)
    assert x.tolist() == [0.75, 0.75, 1.0]
    x.fill_(2.5)
    assert x.tolist() == [2.5, 2.5, 2.5]
    x.zero_()
    assert x.tolist() == [0.0, 0.0, 0.0]
    x.copy_(ag.tensor([1, 2, 3]))  # converted to x's dtype
    assert x.dtype is ag.float32 and x.tolist() == [1.0, 2.0, 3.0]
    x.copy_(ag.tensor(9.0))  # broadcast
    assert x.tolist() == [9.0, 9.0, 9.0]


def test_copy_from_another_backend(backend) -> None:
    other = "jax" if backend != "jax" else "numpy"
    x = ag.zeros(2)
    x.copy_(ag.tensor([1.0, 2.0], backend=other))
    assert x.backend.name == backend and x.tolist() == [1.0, 2.0]


def test_requires_grad_and_detach_in_place(backend) -> None:
    x = ag.tensor([1.0])
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad_(False)
    assert not x.requires_grad
    y = ag.tensor([1.0], requires_grad=True) * 2
    assert y.detach_() is y and y.grad_fn is None and not y.requires_grad


# ---------------------------------------------------------------------- autograd through in-place ops


@pytest.mark.parametrize(
    "op",
    [
        lambda t: t.add_(1),
        lambda t: t.zero_(),
        lambda t: t.fill_(1.0),
        lambda t: t.mul_(2),
        lambda t: t.clamp_(0, 1),
        lambda t: t.copy_(t.detach()),
        lambda t: t.__iadd__(1),
        lambda t: t.__setitem__(0, 1.0),
    ],
)
def test_in_place_on_a_leaf_requiring_grad_is_an_error(backend, op) -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        op(x)
    assert x.tolist() == [1.0, 2.0]
    with ag.no_grad():
        op(x)  # allowed when not recording


def test_in_place_ops_on_non_leaves_against_torch(backend) -> None:
    pytest.importorskip("torch")
    import numpy as np

    def f(x, w):
        y = x * 1
        y.add_(w)
        y.mul_(w)
        y.sub_(x, alpha=2)
        y.div_(w + 3)
        y.clamp_(-0.5, 0.5)
        y += x * x
        return y

    rng = np.random.default_rng(0)
    compare_with_torch(f, [rng.standard_normal(5), rng.standard_normal(5)], rtol=1e-10)


def test_in_place_node_replaces_grad_fn(backend) -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.mul_(3)
    assert y.grad_fn.name() == "MulBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]


def test_in_place_mul_by_a_tensor_on_a_non_leaf(backend) -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    w = ag.tensor([3.0, 4.0], requires_grad=True)
    y = x * 1
    y.mul_(w)
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 4.0] and w.grad.tolist() == [1.0, 2.0]


def test_in_place_with_a_tensor_requiring_grad_joins_the_graph(backend) -> None:
    w = ag.tensor([2.0], requires_grad=True)
    y = ag.tensor([1.0])
    y.mul_(w)
    assert y.requires_grad and not y.is_leaf
    y.sum().backward()
    assert w.grad.tolist() == [1.0]


def test_copy_gradient_flows_to_the_source(backend) -> None:
    src = ag.tensor([1.0, 2.0], requires_grad=True)
    dst = ag.zeros(2)
    dst.copy_(src)
    (dst * ag.tensor([3.0, 4.0])).sum().backward()
    assert src.grad.tolist() == [3.0, 4.0]


def test_in_place_ops_that_save_nothing_of_self_work_on_non_leaves(backend) -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    w = ag.tensor([3.0, 4.0], requires_grad=True)
    y = x * w
    y.add_(x)
    y.sub_(w, alpha=2)
    y.clamp_(-100.0, 100.0)
    y += 1
    y.sum().backward()
    assert x.grad.tolist() == [4.0, 5.0]
    assert w.grad.tolist() == [-1.0, 0.0]


def test_zero_and_fill_keep_a_non_leaf_in_the_graph_with_zero_gradient(backend) -> None:
    # as in PyTorch: the overwritten values pass no gradient back, but the tensor stays tracked
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.zero_()
    y2 = x * 2
    y2.fill_(3.0)
    assert y.requires_grad and y2.requires_grad and not y.is_leaf
    assert y.tolist() == [0.0, 0.0] and y2.tolist() == [3.0, 3.0]
    (y * x + y2 * x).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
