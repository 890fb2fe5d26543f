"""nn.Module: registration, traversal, state dicts, modes, conversion, hooks and repr."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn
from tests.helpers import assert_close


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.register_buffer("running", ag.zeros(4))
        self.register_buffer("scratch", ag.ones(2), persistent=False)
        self.scale = nn.Parameter(ag.ones(()))
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.fc(x)) * self.scale


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.block = Block()
        self.layers = nn.Sequential(nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 2))
        self.register_buffer("steps", ag.tensor(0))

    def forward(self, x):
        return self.layers(self.block(x))


# ---------------------------------------------------------------------- registration


def test_registration_order_and_dotted_names():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "block.scale", "block.fc.weight", "block.fc.bias",
        "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias",
    ]
    assert [n for n, _ in net.named_buffers()] == ["steps", "block.running", "block.scratch"]
    assert [n for n, _ in net.named_children()] == ["block", "layers"]
    assert [n for n, _ in net.named_modules()] == [
        "", "block", "block.fc", "block.act", "layers", "layers.0", "layers.1", "layers.2",
    ]
    assert [n for n, _ in net.named_parameters(prefix="model", recurse=False)] == []
    assert [n for n, _ in net.block.named_parameters(recurse=False)] == ["scale"]
    assert all(isinstance(p, nn.Parameter) for p in net.parameters())
    assert len(list(net.buffers())) == 3


def test_shared_parameters_are_listed_once_unless_asked():
    a, b = nn.Linear(2, 2), nn.Linear(2, 2)
    b.weight = a.weight
    seq = nn.Sequential(a, b)
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias", "1.bias"]
    assert [n for n, _ in seq.named_parameters(remove_duplicate=False)] == ["0.weight", "0.bias", "1.weight", "1.bias"]
    shared = nn.Sequential(a, a)
    assert len(list(shared.modules())) == 2
    assert len(list(shared.modules(remove_duplicate=False))) == 3


def test_attribute_assignment_rules():
    m = nn.Linear(2, 3)
    with pytest.raises(TypeError, match="cannot assign 'arraygrad.Tensor' as parameter 'weight'"):
        m.weight = ag.zeros(3, 2)
    m.bias = None
    assert m.bias is None and "bias" in m._parameters
    block = Block()
    block.running = ag.ones(4)  # assigning a tensor to a buffer name replaces the buffer
    assert "running" in block._buffers and block.running.tolist() == [1.0] * 4
    with pytest.raises(TypeError, match="as buffer 'running'"):
        block.running = 3
    m.extra = ag.zeros(1)  # a plain tensor attribute is neither parameter nor buffer
    assert "extra" not in dict(m.named_parameters()) and "extra" not in dict(m.named_buffers())
    m.sub = nn.ReLU()
    assert m.get_submodule("sub") is m.sub
    m.sub = nn.Parameter(ag.ones(1))  # re-registering under another kind removes the old entry
    assert "sub" not in m._modules and "sub" in m._parameters
    del m.sub
    assert not hasattr(m, "sub")
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'nope'"):
        _ = m.nope
    with pytest.raises(ValueError, match="Cannot assign non-leaf Tensor"):
        m.register_parameter("w2", _non_leaf_parameter())


def _non_leaf_parameter():
    p = nn.Parameter(ag.ones(2))
    p.grad_fn = (p * 2).grad_fn  # simulate a parameter that is not a leaf
    return p


def test_registration_errors():
    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(ag.ones(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()
    m = nn.Module()
    with pytest.raises(KeyError, match="contain"):
        m.add_module("a.b", nn.ReLU())
    with pytest.raises(KeyError, match="empty string"):
        m.register_buffer("", ag.zeros(1))
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("x", 3)
    with pytest.raises(TypeError, match="cannot assign 'int' object to buffer"):
        m.register_buffer("x", 3)
    m.plain = 1
    with pytest.raises(KeyError, match="attribute 'plain' already exists"):
        m.register_parameter("plain", None)
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        m(ag.ones(1))


def test_get_submodule_parameter_buffer():
    net = Net()
    assert net.get_submodule("layers.2") is net.layers[2]
    assert net.get_parameter("block.fc.weight") is net.block.fc.weight
    assert net.get_buffer("block.running") is net.block.running
    with pytest.raises(AttributeError, match="Sequential has no attribute `7`"):
        net.get_submodule("layers.7")
    with pytest.raises(AttributeError, match="`running` is not an nn.Parameter"):
        net.get_parameter("block.running")
    with pytest.raises(AttributeError, match="is not an nn.Module"):
        net.get_submodule("block.scale")
    net.set_submodule("layers.1", nn.ReLU())
    assert isinstance(net.layers[1], nn.ReLU)


def test_dir_lists_registered_names():
    names = dir(Net().block)
    for n in ("fc", "running", "scale", "forward", "training"):
        assert n in names


# ---------------------------------------------------------------------- state dict


def test_state_dict_keys_values_and_sharing():
    net = Net()
    sd = net.state_dict()
    assert isinstance(sd, OrderedDict)
    assert list(sd) == [
        "steps", "block.scale", "block.running", "block.fc.weight", "block.fc.bias",
        "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias",
    ]  # own parameters, then own persistent buffers, then children; "scratch" is not persistent
    w = sd["block.fc.weight"]
    assert not isinstance(w, nn.Parameter) and not w.requires_grad and w.grad_fn is None
    with ag.no_grad():
        net.block.fc.weight.add_(1.0)  # state-dict values share storage with the parameters, as in PyTorch
    assert ag.equal(w, net.block.fc.weight.detach())
    assert net.state_dict(keep_vars=True)["block.fc.weight"] is net.block.fc.weight


@pytest.mark.parametrize("target", ["numpy", "strict", "jax"])
def test_state_dict_round_trip_across_backends(target):
    def make():
        return nn.Sequential(OrderedDict(enc=nn.Sequential(nn.Linear(3, 4), nn.ReLU()), head=nn.Linear(4, 2)))

    ag.manual_seed(0)
    src = make()
    src[0].register_buffer("stats", ag.arange(4))
    sd = src.state_dict()
    assert list(sd) == ["enc.stats", "enc.0.weight", "enc.0.bias", "head.weight", "head.bias"]
    ag.manual_seed(1)
    dst = make().to(target)  # built from other random values, then moved (init on jax is tested elsewhere)
    dst[0].register_buffer("stats", ag.zeros(4, dtype=ag.int64, backend=target))
    params_before = {n: id(p) for n, p in dst.named_parameters()}
    result = dst.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    for name, value in dst.state_dict().items():
        assert value.backend.name == target, name
        np.testing.assert_array_equal(value.numpy(), sd[name].numpy())
    assert {n: id(p) for n, p in dst.named_parameters()} == params_before  # copied in place
    assert all(p.requires_grad and p.is_leaf for p in dst.parameters())
    x = ag.randn(2, 3)
    with ag.use_backend(target):
        out = dst(x.to(target))
    np.testing.assert_allclose(out.detach().numpy(), src(x).detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("target", ["numpy", "strict", "jax"])
def test_load_state_dict_0d_across_backends(target):
    src = Net()
    with ag.no_grad():
        src.steps.fill_(7)
        src.block.scale.fill_(0.5)
    dst = Net().to(target)
    dst.load_state_dict(src.state_dict())
    assert dst.steps.item() == 7 and dst.block.scale.item() == 0.5
    assert dst.steps.shape == () and dst.block.scale.backend.name == target


def test_load_state_dict_converts_dtype():
    src = nn.Linear(3, 2).double()
    dst = nn.Linear(3, 2)
    dst.load_state_dict(src.state_dict())
    assert dst.weight.dtype is ag.float32
    assert_close(dst.weight, src.weight.float(), rtol=1e-7)


def test_load_state_dict_strict_errors():
    net = Net()
    sd = net.state_dict()
    del sd["layers.0.bias"]
    sd["layers.9.weight"] = ag.zeros(1)
    sd["block.extra"] = ag.zeros(1)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(sd)
    assert str(info.value) == (
        "Error(s) in loading state_dict for Net:\n"
        '\tMissing key(s) in state_dict: "layers.0.bias". \n'
        '\tUnexpected key(s) in state_dict: "block.extra", "layers.9.weight". '
    )
    result = net.load_state_dict(sd, strict=False)  # not strict: reported, not raised (as PyTorch)
    assert result.missing_keys == ["layers.0.bias"]
    assert result.unexpected_keys == ["block.extra", "layers.9.weight"]


def test_load_state_dict_shape_mismatch_names_key_and_shapes():
    net = nn.Sequential(nn.Linear(3, 2))
    bad = nn.Sequential(nn.Linear(4, 2)).state_dict()
    for strict in (True, False):
        with pytest.raises(RuntimeError) as info:
            net.load_state_dict(bad, strict=strict)
        assert (
            "size mismatch for 0.weight: copying a param with shape arraygrad.Size([2, 4]) from checkpoint, "
            "the shape in current model is arraygrad.Size([2, 3])."
        ) in str(info.value)
    with pytest.raises(TypeError, match="dict-like"):
        net.load_state_dict([1, 2])


def test_load_state_dict_assign_and_arrays():
    net = nn.Linear(2, 2)
    new_w = ag.ones(2, 2)
    net.load_state_dict({"weight": new_w, "bias": np.zeros(2, dtype=np.float32)}, assign=True)
    assert isinstance(net.weight, nn.Parameter) and net.weight.requires_grad
    assert ag.equal(net.weight, new_w) and ag.equal(net.bias, ag.zeros(2))


def test_extra_state_round_trip():
    class WithExtra(nn.Linear):
        def get_extra_state(self):
            return {"note": self.note}

        def set_extra_state(self, state):
            self.note = state["note"]

    a, b = WithExtra(1, 1), WithExtra(1, 1)
    a.note, b.note = "hello", None
    sd = a.state_dict()
    assert sd["_extra_state"] == {"note": "hello"}
    b.load_state_dict(sd)
    assert b.note == "hello"


# ---------------------------------------------------------------------- modes, gradients, conversion


def test_train_eval_propagate():
    net = Net()
    assert net.training and net.block.act.training
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.layers.train()
    assert net.layers[1].training and not net.block.training
    with pytest.raises(ValueError, match="boolean"):
        net.train("yes")


def test_zero_grad_and_requires_grad():
    net = Net()
    net(ag.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    grads = [p.grad for p in net.parameters()]
    assert all(g is not None and not g.numpy().any() for g in grads)
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_to_dtype_keeps_parameter_identity():
    net = Net()
    params = list(net.parameters())
    net(ag.randn(2, 3)).sum().backward()
    assert net.to(ag.float64) is net
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    assert all(p.dtype is ag.float64 and p.grad.dtype is ag.float64 for p in net.parameters())
    assert all(isinstance(p, nn.Parameter) and p.requires_grad and p.is_leaf for p in net.parameters())
    assert net.steps.dtype is ag.int64  # integer buffers are not cast
    assert net.block.running.dtype is ag.float64 and net.block.scratch.dtype is ag.float64
    out = net(ag.randn(2, 3, dtype=ag.float64))
    assert out.dtype is ag.float64
    net.float()
    assert all(p.dtype is ag.float32 for p in net.parameters())
    with pytest.raises(TypeError, match="only accepts floating point or complex dtypes"):
        net.to(ag.int64)


def test_to_backend_moves_parameters_grads_and_buffers():
    ag.manual_seed(3)
    net = Net()
    x = ag.randn(2, 3)
    expected = net(x).detach().numpy()
    net(x).sum().backward()
    opt_view = list(net.parameters())
    net.to("jax")
    assert all(p.backend.name == "jax" and p.grad.backend.name == "jax" for p in net.parameters())
    assert all(b.backend.name == "jax" for b in net.buffers())
    assert [id(p) for p in net.parameters()] == [id(p) for p in opt_view]
    out = net(x.to("jax"))
    assert out.backend.name == "jax"
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-6)
    out.sum().backward()  # gradients accumulate on the new backend
    net.to(ag.ones(1, dtype=ag.float64, backend="strict"))
    assert all(p.backend.name == "strict" and p.dtype is ag.float64 for p in net.parameters())


def test_apply_visits_children_first():
    net = Net()
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "ReLU", "Block", "Linear", "Tanh", "Linear", "Sequential", "Net"]

    def init_linear(m):
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.bias)

    net.apply(init_linear)
    assert not any(m.bias.detach().numpy().any() for m in net.modules() if isinstance(m, nn.Linear))


# ---------------------------------------------------------------------- hooks


def test_forward_pre_hook_and_forward_hook():
    lin = nn.Linear(2, 2)
    x = ag.randn(3, 2)
    calls = []

    def pre(module, args):
        calls.append(("pre", module))
        return (args[0] * 2,)

    def post(module, args, output):
        calls.append(("post", args[0]))
        return output + 100

    h1 = lin.register_forward_pre_hook(pre)
    h2 = lin.register_forward_hook(post)
    out = lin(x)
    assert_close(out, nn.functional.linear(x * 2, lin.weight, lin.bias) + 100, rtol=1e-6)
    assert calls[0] == ("pre", lin)
    assert_close(calls[1][1], x * 2)  # forward hooks see the (replaced) args
    h1.remove()
    h2.remove()
    h2.remove()  # removing twice is harmless
    assert_close(lin(x), nn.functional.linear(x, lin.weight, lin.bias), rtol=1e-6)
    assert not lin._forward_hooks and not lin._forward_pre_hooks


def test_hooks_with_kwargs_and_prepend():
    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    m = Scale()
    order = []
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"factor": 3.0}), with_kwargs=True)
    m.register_forward_hook(lambda mod, args, kwargs, out: order.append(("kw", kwargs["factor"])), with_kwargs=True)
    m.register_forward_hook(lambda mod, args, out: order.append("first"), prepend=True)
    assert m(ag.ones(1)).item() == 3.0
    assert order == ["first", ("kw", 3.0)]
    with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple"):
        m.register_forward_pre_hook(lambda mod, args, kwargs: 5, with_kwargs=True)
        m(ag.ones(1))


def test_full_backward_hook_matches_torch(torch, copy_to_torch):
    ag.manual_seed(0)
    lin = nn.Linear(3, 2).double()
    tlin = torch.nn.Linear(3, 2).double()
    copy_to_torch(lin, tlin)
    got, ref = {}, {}
    handle = lin.register_full_backward_hook(lambda m, gi, go: got.update(gi=gi, go=go, m=m))
    tlin.register_full_backward_hook(lambda m, gi, go: ref.update(gi=gi, go=go))
    xn = np.random.default_rng(0).standard_normal((4, 3))
    x = ag.tensor(xn, requires_grad=True)
    tx = torch.tensor(xn, requires_grad=True)
    (lin(x) ** 2).sum().backward()
    (tlin(tx) ** 2).sum().backward()
    assert got["m"] is lin and len(got["gi"]) == 1 and len(got["go"]) == 1
    assert_close(got["gi"][0], ref["gi"][0])
    assert_close(got["go"][0], ref["go"][0])
    assert_close(x.grad, tx.grad)
    assert_close(lin.weight.grad, tlin.weight.grad)
    handle.remove()
    got.clear()
    lin(x).sum().backward()
    assert not got


def test_full_backward_hook_replaces_grad_input_and_pre_hook_grad_output():
    m = nn.Identity()
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 10,))
    x = ag.ones(3, requires_grad=True)
    (m(x) * 2).sum().backward()
    assert x.grad.tolist() == [20.0, 20.0, 20.0]
    seen = {}
    m2 = nn.Identity()
    m2.register_full_backward_pre_hook(lambda mod, go: (go[0] + 1,))
    m2.register_full_backward_hook(lambda mod, gi, go: seen.update(go=go[0].tolist(), gi=gi[0].tolist()))
    y = ag.ones(2, requires_grad=True)
    m2(y).sum().backward()
    assert seen == {"go": [2.0, 2.0], "gi": [2.0, 2.0]}
    assert y.grad.tolist() == [2.0, 2.0]


def test_full_backward_hook_without_input_grads_and_tuple_outputs():
    class Split(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(ag.ones(2))

        def forward(self, x, y):
            return x * self.w, y * 0 + 1.0, 5

    m = Split()
    seen = []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go)))
    a, b, five = m(ag.ones(2), ag.ones(2))
    assert five == 5
    (a * 3).sum().backward()
    (gi, go), = seen
    assert gi == (None, None)  # no input requires grad: the hook runs once grad_output is known
    assert go[0].tolist() == [3.0, 3.0] and go[1] is None
    assert m.w.grad.tolist() == [3.0, 3.0]


def test_global_forward_and_backward_hooks():
    from arraygrad.nn.modules import module as module_mod

    names, grads = [], []
    h1 = module_mod.register_module_forward_hook(lambda m, args, out: names.append(type(m).__name__))
    h2 = module_mod.register_module_full_backward_hook(lambda m, gi, go: grads.append(type(m).__name__))
    h3 = module_mod.register_module_forward_pre_hook(lambda m, args: None)
    try:
        net = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
        net(ag.randn(1, 2, requires_grad=True)).sum().backward()
    finally:
        h1.remove()
        h2.remove()
        h3.remove()
    assert names == ["Linear", "ReLU", "Sequential"]
    assert grads == ["ReLU", "Linear", "Sequential"]  # each fires once its input gradients are complete
    names.clear()
    net(ag.randn(1, 2))
    assert names == []


def test_handle_as_context_manager():
    lin = nn.Linear(1, 1)
    with lin.register_forward_hook(lambda m, a, o: o * 0):
        assert lin(ag.ones(1, 1)).item() == 0.0
    assert lin._forward_hooks == {}


# ---------------------------------------------------------------------- repr


def _custom(nn_mod):
    class Custom(nn_mod.Module):
        def __init__(self):
            super().__init__()
            self.proj = nn_mod.Linear(4, 4, bias=False)
            self.heads = nn_mod.ModuleList([nn_mod.Linear(4, 2) for _ in range(3)] + [nn_mod.Identity()])
            self.table = nn_mod.ModuleDict({"act": nn_mod.GELU(approximate="tanh"), "norm": nn_mod.Softmax(dim=-1)})
            self.empty = nn_mod.ModuleList()

        def extra_repr(self):
            return "custom=True\nsecond line"

    return Custom()


def _architecture(nn_mod):
    return nn_mod.Sequential(
        OrderedDict([
            ("stem", nn_mod.Sequential(nn_mod.Flatten(), nn_mod.Linear(8, 4), nn_mod.ReLU(inplace=True))),
            ("body", _custom(nn_mod)),
            ("acts", nn_mod.Sequential(
                nn_mod.LeakyReLU(0.2), nn_mod.ELU(alpha=0.5, inplace=True), nn_mod.Softplus(beta=2.0),
                nn_mod.Hardtanh(-2.0, 2.0), nn_mod.ReLU6(), nn_mod.SiLU(), nn_mod.Mish(), nn_mod.Sigmoid(),
                nn_mod.Tanh(), nn_mod.LogSoftmax(dim=1), nn_mod.GELU(), nn_mod.Unflatten(1, (2, 2)),
                nn_mod.Bilinear(2, 3, 4), nn_mod.Identity(),
            )),
            ("params", nn_mod.ParameterList([nn_mod.Parameter(ag_or_torch_ones(nn_mod, 2, 3))])),
        ])
    )


def ag_or_torch_ones(nn_mod, *shape):
    if nn_mod is nn:
        return ag.ones(*shape)
    import torch

    return torch.ones(*shape)


def test_repr_matches_torch(torch):
    ours = repr(_architecture(nn))
    theirs = repr(_architecture(torch.nn)).replace("torch.float32", "arraygrad.float32")
    assert ours == theirs
    assert "(0-2): 3 x Linear(in_features=4, out_features=2, bias=True)" in ours


def test_parameter_repr_matches_torch(torch):
    assert repr(nn.Parameter(ag.tensor([1.0, 2.5]))) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.5])))
