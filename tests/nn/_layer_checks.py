"""The spec check of the layer tests: an arraygrad layer and the torch layer of the same
configuration, with the same (copied) parameters, must give the same outputs and the same
gradients with respect to the input and every parameter (float64)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import arraygrad as ag
from tests.helpers import assert_close, to_np

RTOL, ATOL = 1e-6, 1e-9


def copy_params(module: ag.nn.Module, torch_module: Any) -> None:
    """Copy ``module``'s parameters and floating buffers into ``torch_module`` (matched by name;
    both must have the same names)."""
    import torch

    ours = dict(module.named_parameters())
    theirs = dict(torch_module.named_parameters())
    assert sorted(ours) == sorted(theirs)
    with torch.no_grad():
        for name, p in ours.items():
            theirs[name].copy_(torch.tensor(to_np(p), dtype=theirs[name].dtype))
        their_bufs = dict(torch_module.named_buffers())
        for name, b in module.named_buffers():
            if b is not None and b.is_floating_point():
                their_bufs[name].copy_(torch.tensor(to_np(b), dtype=their_bufs[name].dtype))


def check_layer(
    module: ag.nn.Module, torch_module: Any, inputs: Sequence[np.ndarray], *,
    call: Callable[[Any, list[Any]], Any] | None = None, rtol: float = RTOL, atol: float = ATOL, seed: int = 0,
    copy: bool = True,
) -> tuple[Any, Any]:
    """Run both layers on tensors made from ``inputs`` (floating ones require grad); compare the
    outputs (a tuple's non-float entries, e.g. indices, exactly), then backpropagate
    ``sum(out * w)`` for a fixed random ``w`` and compare the gradients of the inputs and of every
    parameter. Returns both outputs."""
    import torch

    if copy and isinstance(module, ag.nn.Module):
        copy_params(module, torch_module)
    call = call or (lambda m, xs: m(*xs))
    ours = [ag.tensor(x, requires_grad=np.issubdtype(x.dtype, np.floating)) for x in inputs]
    theirs = [torch.tensor(x, requires_grad=np.issubdtype(x.dtype, np.floating)) for x in inputs]
    out, tout = call(module, ours), call(torch_module, theirs)
    outs = out if isinstance(out, tuple) else (out,)
    touts = tout if isinstance(tout, tuple) else (tout,)
    assert len(outs) == len(touts)
    rng = np.random.default_rng(seed)
    loss = tloss = None
    backend = ag.get_default_backend()
    for o, to in zip(outs, touts):
        assert o.backend.name == backend, f"output on {o.backend.name}, expected {backend}"
        if not to.dtype.is_floating_point:
            np.testing.assert_array_equal(to_np(o), to_np(to))
            continue
        assert_close(o, to, rtol, atol)
        w = rng.standard_normal(tuple(to.shape))
        term, tterm = (o * ag.tensor(w, dtype=o.dtype)).sum(), (to * torch.tensor(w, dtype=to.dtype)).sum()
        loss = term if loss is None else loss + term
        tloss = tterm if tloss is None else tloss + tterm
    if loss is None or not loss.requires_grad:
        return out, tout
    loss.backward()
    tloss.backward()
    for i, (x, tx) in enumerate(zip(ours, theirs)):
        if tx.requires_grad and tx.grad is None:
            assert x.grad is None or not np.any(to_np(x.grad)), f"input {i}: torch has no gradient, we do"
        elif tx.requires_grad:
            assert x.grad is not None, f"input {i}: no gradient"
            assert x.grad.backend.name == backend
            assert_close(x.grad, tx.grad, rtol, atol)
    if not isinstance(module, ag.nn.Module):
        return out, tout
    theirs_p = dict(torch_module.named_parameters())
    for name, p in module.named_parameters():
        tp = theirs_p[name]
        if not tp.requires_grad:
            assert p.grad is None, name
            continue
        assert p.grad is not None, f"parameter {name}: no gradient"
        assert p.grad.backend.name == backend
        np.testing.assert_allclose(to_np(p.grad), tp.grad.numpy(), rtol=rtol, atol=atol, err_msg=name)
    return out, tout


def state_dict_keys_match(module: ag.nn.Module, torch_module: Any) -> None:
    """Same state-dict keys in the same order, with the same shapes."""
    ours, theirs = module.state_dict(), torch_module.state_dict()
    assert list(ours) == list(theirs)
    for k in ours:
        assert tuple(ours[k].shape) == tuple(theirs[k].shape), k
