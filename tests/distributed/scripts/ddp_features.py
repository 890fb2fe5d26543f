"""DistributedDataParallel's behaviours on 2 ranks: no_sync, find_unused_parameters, broadcast_buffers,
overlap of communication with backward, and its errors. Run under mpiexec; prints 'ok ddp_features <rank>'."""

from __future__ import annotations

import arraygrad as ag
import arraygrad.distributed as dist
from arraygrad import nn
from arraygrad.nn.parallel import DistributedDataParallel as DDP


def gathered(t: ag.Tensor) -> list[ag.Tensor]:
    out = [ag.zeros_like(t) for _ in range(dist.get_world_size())]
    dist.all_gather(out, t.detach())
    return out


def same_on_all_ranks(t: ag.Tensor) -> bool:
    parts = gathered(t)
    return all(ag.equal(p, parts[0]) for p in parts)


class Branchy(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.trunk = nn.Linear(4, 4)
        self.extra = nn.Linear(4, 4)   # used on rank 0 only
        self.never = nn.Linear(4, 4)   # used on no rank

    def forward(self, x: ag.Tensor, use_extra: bool) -> ag.Tensor:
        h = self.trunk(x)
        return self.extra(h) if use_extra else h


def main() -> None:
    dist.init_process_group()
    r, n = dist.get_rank(), dist.get_world_size()
    ag.manual_seed(0)
    x1, x2 = ag.randn(n, 3, 6, dtype=ag.float64), ag.randn(n, 3, 6, dtype=ag.float64)

    # no_sync: gradients stay local inside the block, the next backward averages the accumulated sum
    model = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 2)).double()
    ddp = DDP(model)
    plain = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 2)).double()
    plain.load_state_dict(model.state_dict())
    with ddp.no_sync():
        ddp(x1[r]).sum().backward()
    assert not same_on_all_ranks(model[0].weight.grad), "gradients were averaged inside no_sync"
    ddp(x2[r]).sum().backward()
    plain(x1[r]).sum().backward()
    plain(x2[r]).sum().backward()
    for p, q in zip(model.parameters(), plain.parameters()):
        want = q.grad.clone()
        dist.all_reduce(want, op=dist.ReduceOp.AVG)
        assert ag.allclose(p.grad, want, rtol=1e-12, atol=0), "no_sync then sync is not the average of the sums"
    # nanoGPT's way of skipping the synchronisation: the attribute no_sync sets
    model.zero_grad()
    ddp.require_backward_grad_sync = False
    ddp(x1[r]).sum().backward()
    assert not same_on_all_ranks(model[2].weight.grad)
    ddp.require_backward_grad_sync = True

    # buckets start while backward still runs: when the first layer's gradient (one of the last to be
    # computed) arrives, a bucket holding later layers is already on its way
    wide = nn.Sequential(nn.Linear(6, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2)).double()
    launched_before_last: list[bool] = []
    # registered before DDP's own hook, so it runs first
    wide[0].weight.register_post_accumulate_grad_hook(
        lambda p: launched_before_last.append(ddp_wide._buckets[0].request is not None))
    ddp_wide = DDP(wide, bucket_cap_mb=0.01)
    ddp_wide(x1[r]).sum().backward()
    assert len(ddp_wide.bucket_sizes) >= 2 and launched_before_last == [True], \
        (ddp_wide.bucket_sizes, launched_before_last)
    assert sum(ddp_wide.bucket_sizes) == sum(p.numel() for p in wide.parameters())

    # find_unused_parameters: a parameter used on one rank gets that rank's gradient / world size; one
    # used on no rank keeps .grad None
    branchy = Branchy().double()
    ddp_b = DDP(branchy, find_unused_parameters=True)
    for _ in range(2):  # twice: the second iteration must not find the first unfinished
        branchy.zero_grad()
        ddp_b(x1[r, :, :4], use_extra=(r == 0)).sum().backward()
    assert branchy.never.weight.grad is None
    assert same_on_all_ranks(branchy.extra.weight.grad) and same_on_all_ranks(branchy.trunk.weight.grad)
    ref = Branchy().double()
    ref.load_state_dict(branchy.state_dict())
    ref(x1[0, :, :4], True).sum().backward()
    assert ag.allclose(branchy.extra.weight.grad, ref.extra.weight.grad / n, rtol=1e-12, atol=0)

    # broadcast_buffers: each forward starts from rank 0's buffers
    bn_model = nn.Sequential(nn.Linear(6, 3), nn.BatchNorm1d(3)).double()
    ddp_bn = DDP(bn_model)
    with ag.no_grad():
        bn_model[1].running_mean.fill_(float(r + 5))
    bn_model.eval()
    ddp_bn(x1[r])
    assert ag.equal(bn_model[1].running_mean, ag.full((3,), 5.0, dtype=ag.float64)), bn_model[1].running_mean
    assert list(ddp_bn.state_dict()) == ["module." + k for k in bn_model.state_dict()]
    assert ddp_bn.module is bn_model

    # models that differ across ranks are refused when wrapped
    try:
        DDP(nn.Linear(3 + r, 2))
    except RuntimeError as exc:
        assert "different parameters" in str(exc), exc
    else:
        raise AssertionError("DDP wrapped different models")

    # without find_unused_parameters, a parameter that got no gradient stops the next forward
    strict = DDP(Branchy().double())
    strict(x1[r, :, :4], use_extra=True).sum().backward()
    try:
        strict(x1[r, :, :4], use_extra=True)
    except RuntimeError as exc:
        assert "Expected to have finished reduction in the prior iteration" in str(exc), exc
    else:
        raise AssertionError("no error for a parameter without gradient")
    dist.barrier()
    print(f"ok ddp_features {r}", flush=True)


if __name__ == "__main__":
    main()
