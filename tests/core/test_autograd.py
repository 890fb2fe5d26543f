"""The autograd engine: graph bookkeeping, backward/grad, higher-order gradients, hooks,
grad mode, custom Functions, and the errors PyTorch users rely on."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from tests.helpers import BACKENDS, NOT_JAX, assert_close, backend_cases, compare_with_torch

# the engine is backend-independent Python: jax runs a sample (marked with every backend)
pytestmark = pytest.mark.backends(*NOT_JAX)

# ---------------------------------------------------------------------- micrograd's spec tests


@pytest.mark.backends(*BACKENDS)
def test_micrograd_sanity_check(backend) -> None:
    torch = pytest.importorskip("torch")

    def run(lib, x):
        z = 2 * x + 2 + x
        q = z.relu() + z * x
        h = (z * z).relu()
        y = h + q + q * x
        y.backward()
        return y

    x = ag.tensor(-4.0, dtype=ag.float64, requires_grad=True)
    tx = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
    assert run(ag, x).item() == run(torch, tx).item()
    assert x.grad.item() == tx.grad.item()


@pytest.mark.backends(*BACKENDS)
def test_micrograd_more_ops_with_inplace_updates_of_non_leaves(backend) -> None:
    torch = pytest.importorskip("torch")

    def run(lib, a, b):
        c = a + b
        d = a * b + b**3
        c += c + 1
        c += 1 + c + (-a)
        d += d * 2 + (b + a).relu()
        d += 3 * d + (b - a).relu()
        e = c - d
        f = e**2
        g = f / 2.0
        g += 10.0 / f
        g.backward()
        return g

    a, b = (ag.tensor(v, dtype=ag.float64, requires_grad=True) for v in (-4.0, 2.0))
    ta, tb = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (-4.0, 2.0))
    g, tg = run(ag, a, b), run(torch, ta, tb)
    assert g.item() == pytest.approx(tg.item(), rel=1e-12)
    assert a.grad.item() == pytest.approx(ta.grad.item(), rel=1e-12)
    assert b.grad.item() == pytest.approx(tb.grad.item(), rel=1e-12)


def test_shared_subexpressions_against_torch(backend) -> None:
    pytest.importorskip("torch")

    def f(x, w):
        h = (x @ w).tanh()
        s = h * h + h  # h feeds two paths
        return (s.exp() * x.sum(1, keepdim=True)).mean(0)

    rng = np.random.default_rng(1)
    compare_with_torch(f, [rng.standard_normal((4, 3)), rng.standard_normal((3, 5))], rtol=1e-10)


# ---------------------------------------------------------------------- graph bookkeeping


def test_requires_grad_propagates(backend) -> None:
    x = ag.tensor([1.0], requires_grad=True)
    c = ag.tensor([2.0])
    assert not (c * 2).requires_grad
    y = x * c
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
    assert x.is_leaf and c.is_leaf
    with ag.no_grad():
        z = x * 2
    assert not z.requires_grad and z.is_leaf and z.grad_fn is None


GRAD_FN_OPS = {
    "add": lambda x: x + 1,
    "sub": lambda x: x - 1,
    "mul": lambda x: x * x,
    "div": lambda x: x / 2,
    "neg": lambda x: -x,
    "pow": lambda x: x**3,
    "exp": lambda x: x.exp(),
    "log": lambda x: x.log(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(),
    "sum": lambda x: x.sum(),
    "mean": lambda x: x.mean(),
    "reshape": lambda x: x.reshape(2, 1),
    "slice": lambda x: x[0:1],
    "clone": lambda x: x.clone(),
}


@pytest.mark.parametrize("name", GRAD_FN_OPS)
def test_grad_fn_names_match_pytorch(name) -> None:
    # names come from the backend-independent Node classes: numpy is enough
    torch = pytest.importorskip("torch")
    op = GRAD_FN_OPS[name]
    ours = op(ag.tensor([1.0, 2.0], requires_grad=True)).grad_fn
    theirs = op(torch.tensor([1.0, 2.0], requires_grad=True)).grad_fn
    assert ours.name() == theirs.name()


def test_next_functions(backend) -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    c = ag.tensor([3.0, 4.0])
    y = x * c
    (n0, i0), (n1, i1) = y.grad_fn.next_functions
    assert n0.name() == "AccumulateGrad" and n0.variable is x and i0 == 0
    assert n1 is None  # c does not require grad
    z = (y + 1).sum()
    (add_edge,) = z.grad_fn.next_functions
    assert add_edge[0].name() == "AddBackward0"
    assert add_edge[0].next_functions[0][0] is y.grad_fn


def test_backward_with_gradient_argument(backend) -> None:
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    y.backward(gradient=ag.tensor([1.0, 10.0, 100.0]))
    assert x.grad.tolist() == [2.0, 40.0, 600.0]


def test_backward_gradient_shape_must_match(backend) -> None:
    y = ag.tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="shape"):
        y.backward(gradient=ag.ones(3))


def test_backward_on_non_scalar_without_gradient_is_an_error(backend) -> None:
    y = ag.tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="scalar outputs"):
        y.backward()


def test_backward_on_tensor_without_grad_is_an_error(backend) -> None:
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.tensor(1.0).backward()


def test_gradients_accumulate_across_backward_calls(backend) -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    first = x.grad
    (x * 3).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0]
    # the accumulated gradient is still the same tensor object, like PyTorch
    assert x.grad is first


def test_gradient_of_a_leaf_used_twice_sums(backend) -> None:
    x = ag.tensor([2.0], requires_grad=True)
    (x * x + x).sum().backward()
    assert x.grad.tolist() == [5.0]


def test_grad_has_leaf_backend_and_shape_with_broadcasting(backend) -> None:
    x = ag.tensor([[1.0], [2.0]], requires_grad=True)  # (2, 1)
    b = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)  # (3,)
    (x * b).sum().backward()
    assert x.grad.shape == (2, 1) and x.grad.tolist() == [[6.0], [6.0]]
    assert b.grad.shape == (3,) and b.grad.tolist() == [3.0, 3.0, 3.0]
    assert x.grad.backend.name == backend


def test_retain_grad_on_non_leaf(backend) -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    z = x * 4
    y.retain_grad()
    assert y.retains_grad and not z.retains_grad
    (y * y + z).sum().backward()
    assert y.grad.tolist() == [6.0, 12.0]
    assert z.grad is None
    assert x.grad.tolist() == [22.0, 40.0]


def test_backward_inputs_limits_accumulation(backend) -> None:
    x = ag.tensor([1.0], requires_grad=True)
    w = ag.tensor([2.0], requires_grad=True)
    (x * w).sum().backward(inputs=[w])
    assert w.grad.tolist() == [1.0]
    assert x.grad is None


def test_detach_cuts_the_graph(backend) -> None:
    x = ag.tensor([3.0], requires_grad=True)
    y = x * x
    z = y.detach() * x  # d/dx = y (treated as constant) = 9
    z.sum().backward()
    assert x.grad.tolist() == [9.0]
    y.detach_()
    assert y.is_leaf and not y.requires_grad


def test_requires_grad_of_non_leaf_cannot_be_switched_off(backend) -> None:
    y = ag.tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad = False
    y.requires_grad = True  # no-op, allowed


@pytest.mark.backends("numpy")
def test_deep_graph_does_not_hit_the_recursion_limit(backend) -> None:
    x = ag.tensor([1.0], dtype=ag.float64, requires_grad=True)
    y = x
    for _ in range(5000):  # deeper than Python's default recursion limit
        y = y * 1.001
    y.sum().backward()
    assert x.grad.item() == pytest.approx(1.001**5000, rel=1e-9)


def test_non_leaf_hook_sees_the_gradient_summed_over_paths(backend) -> None:
    x = ag.tensor([1.0], requires_grad=True)
    h = x * 1
    seen = []
    h.register_hook(lambda g: seen.append(g.item()))
    (h * 2 + h * 3).sum().backward()
    assert seen == [5.0]


# ---------------------------------------------------------------------- autograd.grad


def test_grad_returns_gradients_without_touching_dot_grad(backend) -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    w = ag.tensor([3.0, 5.0], requires_grad=True)
    gx, gw = ag.autograd.grad((x * w).sum(), [x, w])
    assert gx.tolist() == [3.0, 5.0] and gw.tolist() == [1.0, 2.0]
    assert x.grad is None and w.grad is None
    (single,) = ag.autograd.grad((x * x).sum(), x)
    assert single.tolist() == [2.0, 4.0]


def test_grad_of_a_non_leaf_input(backend) -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    (gh,) = ag.autograd.grad((h * h).sum(), h)
    assert gh.tolist() == [4.0, 8.0]


def test_grad_unused_input(backend) -> None:
    x = ag.tensor([1.0], requires_grad=True)
    unused = ag.tensor([1.0], requires_grad=True)
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="allow_unused"):
        ag.autograd.grad(y, [x, unused], retain_graph=True)
    gx, gu = ag.autograd.grad(y, [x, unused], allow_unused=True, retain_graph=True)
    assert gx.tolist() == [2.0] and gu is None
    _, gz = ag.autograd.grad(y, [x, unused], materialize_grads=True)
    assert gz.tolist() == [0.0]


def test_grad_input_must_require_grad(backend) -> None:
    x = ag.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.autograd.grad((x * 2).sum(), ag.tensor([1.0]))


def test_grad_with_grad_outputs(backend) -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (g,) = ag.autograd.grad(x * x, x, grad_outputs=ag.tensor([1.0, -1.0]))
    assert g.tolist() == [2.0, -4.0]


def test_backward_of_several_outputs(backend) -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    ag.autograd.backward([(x * 2).sum(), (x * x).sum()])
    assert x.grad.tolist() == [4.0, 6.0]


# ---------------------------------------------------------------------- higher order


@pytest.mark.backends(*BACKENDS)
def test_third_derivative_of_cube(backend) -> None:
    x = ag.tensor(2.0, dtype=ag.float64, requires_grad=True)
    (g1,) = ag.autograd.grad(x**3, x, create_graph=True)
    (g2,) = ag.autograd.grad(g1, x, create_graph=True)
    (g3,) = ag.autograd.grad(g2, x)
    assert (g1.item(), g2.item(), g3.item()) == (12.0, 12.0, 6.0)
    assert g1.requires_grad and not g3.requires_grad


HIGHER_ORDER = {
    "exp": lambda x: x.exp(),
    "cube": lambda x: x**3,
    "sigmoid": lambda x: x.sigmoid(),
    "tanh": lambda x: x.tanh(),
    "sin": lambda x: x.sin(),
    "cos": lambda x: x.cos(),
    "log": lambda x: (x * x + 1).log(),
    "sqrt": lambda x: (x * x + 1).sqrt(),
    "rsqrt": lambda x: (x * x + 1).rsqrt(),
    "reciprocal": lambda x: (x * x + 1).reciprocal(),
    "pow_tensor": lambda x: (x * x + 1) ** x,
    "div": lambda x: x / (x * x + 2),
    "softmax": lambda x: x.softmax(0) * x,
    "logsumexp": lambda x: x.logsumexp(0) * x,
    "prod": lambda x: x.prod() * x,
    "abs_mul": lambda x: x.abs() * x * x,
    "amax": lambda x: x.amax() * x * x,
    "matmul": lambda x: x @ x * x,
}


@pytest.mark.parametrize(
    ("backend", "name"), backend_cases(HIGHER_ORDER, jax_every=100, jax_always=["sigmoid"]), indirect=["backend"]
)
def test_second_and_third_derivatives_against_torch(backend, name) -> None:
    torch = pytest.importorskip("torch")
    fn = HIGHER_ORDER[name]
    data = [0.5, -1.25, 0.8]

    def derivatives(lib, x):
        out = []
        y = fn(x).sum()
        for _ in range(3):
            (y,) = lib.autograd.grad(y, x, create_graph=True)
            out.append(y)
            y = (y * lib.tensor([1.0, 2.0, 3.0], dtype=x.dtype)).sum()
        return out

    ours = derivatives(ag, ag.tensor(data, dtype=ag.float64, requires_grad=True))
    theirs = derivatives(torch, torch.tensor(data, dtype=torch.float64, requires_grad=True))
    for a, b in zip(ours, theirs):  # first, second, third derivative
        assert a.requires_grad or not b.requires_grad  # still differentiable where torch's is
        assert_close(a, b, rtol=1e-10, atol=1e-12)


def test_mixed_partial_derivative(backend) -> None:
    x = ag.tensor(1.5, dtype=ag.float64, requires_grad=True)
    y = ag.tensor(2.0, dtype=ag.float64, requires_grad=True)
    f = x * x * y  # d2f/dxdy = 2x
    (gx,) = ag.autograd.grad(f, x, create_graph=True)
    (gxy,) = ag.autograd.grad(gx, y)
    assert gxy.item() == 3.0


def test_backward_create_graph_makes_grad_differentiable(backend) -> None:
    x = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    (x**3).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad and g.tolist() == [3.0, 12.0]
    (h,) = ag.autograd.grad(g.sum(), x)
    assert h.tolist() == [6.0, 12.0]


# ---------------------------------------------------------------------- hooks


@pytest.mark.backends(*BACKENDS)
def test_leaf_hook_replaces_the_gradient_and_can_be_removed(backend) -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    handle = x.register_hook(lambda g: g * 10)
    (x * x).sum().backward()
    assert x.grad.tolist() == [20.0, 40.0]
    handle.remove()
    x.grad = None
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_non_leaf_hook_changes_what_flows_upstream(backend) -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g.tolist()))  # returns None: observes only
    handle = y.register_hook(lambda g: g + 1)
    y.sum().backward()
    assert seen == [[1.0, 1.0]]
    assert x.grad.tolist() == [6.0, 6.0]
    handle.remove()
    x.grad = None
    y = x * 3
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_hooks_run_in_registration_order(backend) -> None:
    x = ag.tensor([1.0], requires_grad=True)
    x.register_hook(lambda g: g + 1)
    x.register_hook(lambda g: g * 10)
    (x * 1).sum().backward()
    assert x.grad.tolist() == [20.0]


def test_hook_on_tensor_without_grad_is_an_error(backend) -> None:
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        ag.tensor([1.0]).register_hook(lambda g: g)


def test_hook_sees_the_accumulated_gradient_once(backend) -> None:
    x = ag.tensor([1.0], requires_grad=True)
    calls = []
    x.register_hook(lambda g: calls.append(g.item()))
    (x * 2 + x * 3).sum().backward()
    assert calls == [5.0]


# ---------------------------------------------------------------------- grad mode


def test_grad_mode_context_managers(backend) -> None:
    x = ag.tensor([1.0], requires_grad=True)
    with ag.no_grad():
        assert not ag.is_grad_enabled()
        assert not (x * 2).requires_grad
        with ag.enable_grad():
            assert ag.is_grad_enabled()
            assert (x * 2).requires_grad
        assert not ag.is_grad_enabled()
        with ag.set_grad_enabled(True):
            assert (x * 2).requires_grad
    assert ag.is_grad_enabled()
    with ag.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert ag.is_grad_enabled()


def test_set_grad_enabled_as_a_function_call() -> None:
    ag.set_grad_enabled(False)
    assert not ag.is_grad_enabled()
    ag.set_grad_enabled(True)
    assert ag.is_grad_enabled()


def test_grad_mode_decorators(backend) -> None:
    x = ag.tensor([1.0], requires_grad=True)

    @ag.no_grad()
    def frozen(t):
        return t * 2

    @ag.enable_grad()
    def tracked(t):
        return t * 2

    @ag.set_grad_enabled(False)
    def frozen_too(t):
        return t * 2

    ag.set_grad_enabled(True)  # creating set_grad_enabled(False) above switched it off
    assert not frozen(x).requires_grad
    assert ag.is_grad_enabled()
    with ag.no_grad():
        assert tracked(x).requires_grad
        assert not ag.is_grad_enabled()
    assert not frozen_too(x).requires_grad
    assert frozen.__name__ == "frozen"


def test_grad_mode_restored_after_an_exception() -> None:
    with pytest.raises(ValueError):
        with ag.no_grad():
            raise ValueError
    assert ag.is_grad_enabled()

    @ag.no_grad()
    def boom():
        raise ValueError

    with pytest.raises(ValueError):
        boom()
    assert ag.is_grad_enabled()


# ---------------------------------------------------------------------- custom Function


class Exp(ag.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


class ScaledMul(ag.autograd.Function):
    """f(a, b, k) = k * a * b with a non-tensor argument and two outputs."""

    @staticmethod
    def forward(ctx, a, b, k):
        ctx.save_for_backward(a, b)
        ctx.k = k
        return a * b * k, a + b

    @staticmethod
    def backward(ctx, g_prod, g_sum):
        a, b = ctx.saved_tensors
        ga = g_prod * b * ctx.k + g_sum if ctx.needs_input_grad[0] else None
        gb = g_prod * a * ctx.k + g_sum if ctx.needs_input_grad[1] else None
        return ga, gb, None


@pytest.mark.backends(*BACKENDS)
def test_custom_function(backend) -> None:
    x = ag.tensor([0.0, 1.0], dtype=ag.float64, requires_grad=True)
    y = Exp.apply(x)
    assert y.grad_fn.name() == "ExpBackward"
    assert y.tolist() == pytest.approx([1.0, np.e])
    y.sum().backward()
    assert x.grad.tolist() == pytest.approx([1.0, np.e])


def test_custom_function_forward_is_not_recorded(backend) -> None:
    x = ag.tensor([1.0], requires_grad=True)

    class Probe(ag.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            assert not ag.is_grad_enabled()
            return t * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    assert Probe.apply(x).grad_fn.name() == "ProbeBackward"


def test_custom_function_with_several_outputs_and_non_tensor_args(backend) -> None:
    a = ag.tensor([2.0], requires_grad=True)
    b = ag.tensor([3.0])
    prod, total = ScaledMul.apply(a, b, 10.0)
    assert prod.tolist() == [60.0] and total.tolist() == [5.0]
    (prod + total * 100).sum().backward()
    assert a.grad.tolist() == [130.0]
    assert b.grad is None


def test_custom_function_only_one_output_used(backend) -> None:
    a = ag.tensor([2.0], requires_grad=True)
    b = ag.tensor([3.0], requires_grad=True)
    prod, _ = ScaledMul.apply(a, b, 1.0)
    prod.sum().backward()  # the unused output's gradient is materialised as zeros
    assert a.grad.tolist() == [3.0] and b.grad.tolist() == [2.0]


def test_custom_function_without_grad_returns_plain_tensors(backend) -> None:
    y = Exp.apply(ag.tensor([0.0]))
    assert y.grad_fn is None and not y.requires_grad


def test_custom_function_double_backward_through_saved_input(backend) -> None:
    class Cube(ag.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            ctx.save_for_backward(t)
            return t * t * t

        @staticmethod
        def backward(ctx, g):
            (t,) = ctx.saved_tensors
            return 3 * t * t * g

    x = ag.tensor([2.0], dtype=ag.float64, requires_grad=True)
    (g,) = ag.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    (g2,) = ag.autograd.grad(g.sum(), x)
    assert (g.item(), g2.item()) == (12.0, 12.0)


def test_custom_function_double_backward_through_saved_output(backend) -> None:
    x = ag.tensor([0.5], dtype=ag.float64, requires_grad=True)
    (g,) = ag.autograd.grad(Exp.apply(x).sum(), x, create_graph=True)
    (g2,) = ag.autograd.grad(g.sum(), x)
    assert g2.item() == pytest.approx(np.exp(0.5))


def test_custom_function_backward_returning_too_few_gradients(backend) -> None:
    class Bad(ag.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    a = ag.tensor([1.0], requires_grad=True)
    b = ag.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="returned 1 gradients"):
        Bad.apply(a, b).sum().backward()


def test_custom_function_saved_tensor_version_check(backend) -> None:
    x = ag.tensor([1.0], requires_grad=True)
    h = x * 1

    class Square(ag.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            ctx.save_for_backward(t)
            return t * t

        @staticmethod
        def backward(ctx, g):
            (t,) = ctx.saved_tensors
            return 2 * t * g

    y = Square.apply(h)
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


# ---------------------------------------------------------------------- errors like PyTorch


@pytest.mark.backends(*BACKENDS)
def test_second_backward_through_a_freed_graph(backend) -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward(backend) -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]


def test_grad_frees_the_graph_too(backend) -> None:
    x = ag.tensor([1.0], requires_grad=True)
    y = (x.exp()).sum()
    ag.autograd.grad(y, x)
    with pytest.raises(RuntimeError, match="retain_graph"):
        ag.autograd.grad(y, x)


@pytest.mark.backends(*BACKENDS)
def test_modified_saved_input_is_detected(backend) -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    a = x * 2
    b = a * a  # saves a
    a.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        b.sum().backward()


def test_modified_saved_output_is_detected(backend) -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()  # saves its output
    z = y * 1
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_in_place_change_of_an_unsaved_tensor_is_fine(backend) -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    a = x * 2
    b = a + 1  # add saves nothing
    a.add_(1)
    b.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
