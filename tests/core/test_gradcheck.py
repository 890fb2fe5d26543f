"""gradcheck / gradgradcheck: passing ops, the errors of a wrong backward, the options PyTorch
has, and the numeric core (Jacobians) against PyTorch's."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.core import gradcheck as core
from tests.helpers import NOT_JAX, assert_close

pytestmark = pytest.mark.backends(*NOT_JAX)

gradcheck, gradgradcheck, GradcheckError = ag.autograd.gradcheck, ag.autograd.gradgradcheck, ag.autograd.GradcheckError


def _double(*shape: int, seed: int = 0) -> ag.Tensor:
    data = np.random.default_rng(seed).standard_normal(shape)
    return ag.tensor(data, dtype=ag.float64, requires_grad=True)


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


class WrongSquare(ag.autograd.Function):
    """x * x with a backward missing the factor 2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x


class DetachedSin(ag.autograd.Function):
    """sin with a correct first derivative whose own derivative is lost (the backward detaches)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sin()

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.detach().cos()


def test_gradcheck_passes_on_correct_ops(backend) -> None:
    x, w = _double(3, 4), _double(4, 2, seed=1)
    assert gradcheck(lambda a, b: a @ b, (x, w))
    assert gradcheck(lambda a: a.sigmoid(), (x,))
    assert gradcheck(lambda a: a.sum(), x)
    assert gradcheck(Exp.apply, (x,))


@pytest.mark.backends("jax")
def test_a_sample_on_jax(backend) -> None:
    x = _double(3)
    assert gradcheck(lambda a: a.sigmoid(), (x,))
    assert gradgradcheck(lambda a: a.tanh(), (x,))
    assert not gradcheck(WrongSquare.apply, (x,), raise_exception=False)


def test_fast_mode() -> None:
    torch = pytest.importorskip("torch")
    x, w = _double(3, 4), _double(4, 2, seed=1)
    assert gradcheck(lambda a, b: a @ b, (x, w), fast_mode=True)
    assert gradcheck(lambda a: (a.sigmoid(), a.sum()), (x,), fast_mode=True)
    assert gradgradcheck(lambda a: a.tanh(), (x,), fast_mode=True)
    assert not gradgradcheck(DetachedSin.apply, (x,), fast_mode=True, raise_exception=False)
    y = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    with pytest.raises(GradcheckError) as ours:
        gradcheck(WrongSquare.apply, (y,), fast_mode=True)

    class TorchWrongSquare(torch.autograd.Function):
        forward = WrongSquare.forward
        backward = WrongSquare.backward

    ty = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError) as theirs:
        torch.autograd.gradcheck(TorchWrongSquare.apply, (ty,), fast_mode=True)
    # the random vectors differ; the slow-mode explanation of the failing pair is the same
    explanation = str(theirs.value).split("Numerical:\n")[1].replace("torch.", "arraygrad.")
    assert str(ours.value).startswith("Jacobian mismatch for output 0 with respect to input 0,\nnumerical:")
    assert str(ours.value).split("Numerical:\n")[1] == explanation


def test_gradcheck_with_several_outputs_and_non_tensor_arguments() -> None:
    x = _double(2, 3)
    assert gradcheck(lambda a, k: (a * k, a.sum(dim=1), a.max(dim=0).values), (x, 3.0))


def test_wrong_backward_raises_a_gradcheck_error_like_pytorch(backend) -> None:
    torch = pytest.importorskip("torch")
    x = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(WrongSquare.apply, (x,))
    assert isinstance(info.value, RuntimeError)
    assert gradcheck(WrongSquare.apply, (x,), raise_exception=False) is False

    class TorchWrongSquare(torch.autograd.Function):
        forward = WrongSquare.forward
        backward = WrongSquare.backward

    tx = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError) as theirs:
        torch.autograd.gradcheck(TorchWrongSquare.apply, (tx,))
    assert type(theirs.value).__name__ == "GradcheckError"
    # the same message, up to the dtype's printed module
    assert str(info.value).replace("arraygrad.", "torch.") == str(theirs.value)
    assert str(info.value).startswith("Jacobian mismatch for output 0 with respect to input 0,\nnumerical:")


def test_mismatch_names_the_output_and_input() -> None:
    a, b = _double(2), _double(2, seed=1)
    with pytest.raises(GradcheckError, match="^Jacobian mismatch for output 1 with respect to input 1,"):
        gradcheck(lambda x, y: (x * 2, x + WrongSquare.apply(y)), (a, b))


def test_gradgradcheck(backend) -> None:
    x, w = _double(2, 3), _double(3, 2, seed=1)
    assert gradgradcheck(lambda a: a.tanh(), (x,))
    assert gradgradcheck(lambda a, b: a @ b, (x, w))
    with pytest.raises(GradcheckError, match="^Jacobian mismatch for output 0 with respect to input 0,"):
        gradgradcheck(DetachedSin.apply, (x,))
    assert gradgradcheck(DetachedSin.apply, (x,), raise_exception=False) is False
    assert gradcheck(DetachedSin.apply, (x,))  # its first derivative is right


def test_gradgradcheck_with_given_grad_outputs() -> None:
    x = _double(3)
    g = ag.tensor([0.5, -1.0, 2.0], dtype=ag.float64, requires_grad=True)
    assert gradgradcheck(lambda a: a.sin() * a, (x,), grad_outputs=(g,))
    assert gradgradcheck(lambda a: a.sin() * a, (x,), grad_outputs=g.detach())


def test_jacobians_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(3).standard_normal((2, 3))
    weight = np.random.default_rng(4).standard_normal((3, 4))
    x = ag.tensor(data, dtype=ag.float64, requires_grad=True)
    w = ag.tensor(weight, dtype=ag.float64)

    def fn(a):
        return (a @ w).tanh()

    out = fn(x)
    (numerical,) = core.numerical_jacobian(fn, [x], [0], 1e-6)[0]
    (analytical,) = core.analytical_jacobian([out], [x])[0]
    # PyTorch's full Jacobian has shape output + input; gradcheck's layout is (input numel, output numel)
    want = torch.autograd.functional.jacobian(
        lambda a: (a @ torch.tensor(weight)).tanh(), torch.tensor(data)
    ).reshape(8, 6).T
    assert tuple(numerical.shape) == tuple(analytical.shape) == (6, 8)
    assert_close(analytical, want, rtol=1e-12, atol=1e-14)
    assert_close(numerical, want, rtol=1e-6, atol=1e-8)


def test_central_difference_along_a_direction() -> None:
    x = _double(3)
    u = ag.tensor([1.0, -2.0, 0.5], dtype=ag.float64)
    (d,) = core.central_difference(lambda a: (a * a).sum(), [x], [u], 1e-6)
    assert_close(d, (2 * x * u).sum().reshape(1), rtol=1e-7, atol=1e-9)


def test_warns_for_inputs_that_are_not_double() -> None:
    torch = pytest.importorskip("torch")
    messages = []
    for lib in (ag, torch):
        x = lib.randn(3, requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.autograd.gradcheck(lib.sin, (x,), raise_exception=False)
        messages.append([str(w.message) for w in caught if "double precision" in str(w.message)])
        if lib is ag:
            assert caught[0].filename == __file__  # points at the caller
    assert messages[0] == messages[1] and len(messages[0]) == 1


def test_no_input_requiring_grad_is_an_error() -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError) as theirs:
        torch.autograd.gradcheck(torch.sin, (torch.zeros(2, dtype=torch.float64),))
    with pytest.raises(ValueError) as ours:
        gradcheck(ag.sin, (ag.zeros(2, dtype=ag.float64),))
    assert str(ours.value) == str(theirs.value)


def test_signatures_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for ours, theirs in ((gradcheck, torch.autograd.gradcheck), (gradgradcheck, torch.autograd.gradgradcheck)):
        mine, torch_params = inspect.signature(ours).parameters, inspect.signature(theirs).parameters
        assert list(mine) == list(torch_params)
        for name, param in torch_params.items():
            assert mine[name].default == param.default, name
            assert mine[name].kind == param.kind, name


@pytest.mark.parametrize(
    ("check", "option"),
    [
        (gradcheck, "check_batched_grad"), (gradcheck, "check_batched_forward_grad"),
        (gradcheck, "check_forward_ad"), (gradgradcheck, "check_fwd_over_rev"), (gradgradcheck, "check_batched_grad"),
    ],
)
def test_options_that_cannot_be_honoured_say_so(check, option) -> None:
    x = _double(2)
    with pytest.raises(NotImplementedError, match=option):
        check(ag.sin, (x,), **{option: True})
    check(ag.sin, (x,), **{option: False})  # the default value is accepted


def test_nondeterministic_backward_is_reported() -> None:
    class Noisy(ag.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * (2 * x + 1e-9 * ag.rand(x.shape, dtype=x.dtype))

    x = _double(3)
    with pytest.raises(GradcheckError, match="^Backward is not reentrant"):
        gradcheck(Noisy.apply, (x,))
    assert gradcheck(Noisy.apply, (x,), nondet_tol=1e-6)


def test_backward_must_cope_with_an_output_that_gets_no_gradient() -> None:
    torch = pytest.importorskip("torch")

    def make(lib, materialize: bool):
        class Pair(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(materialize)
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, g1, g2):
                return g1 * 2 + g2 * 3  # fails when one of them is None

        return Pair

    x = _double(2)
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    assert gradcheck(make(ag, True).apply, (x,))
    # as in PyTorch, each output's Jacobian is built without a gradient for the others, so the
    # backward's own error comes out
    for lib, inp in ((ag, x), (torch, tx)):
        with pytest.raises(TypeError, match="NoneType"):
            lib.autograd.gradcheck(make(lib, False).apply, (inp,))


def test_output_not_requiring_grad_must_have_zero_numerical_gradient() -> None:
    torch = pytest.importorskip("torch")
    x = _double(2)
    tx = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    with pytest.raises(GradcheckError) as ours:
        gradcheck(lambda a: a.detach() * 2, (x,))
    with pytest.raises(RuntimeError) as theirs:
        torch.autograd.gradcheck(lambda a: a.detach() * 2, (tx,))
    assert str(ours.value) == str(theirs.value)
    assert gradcheck(lambda a: (a * 0).detach(), (x,))
