"""Optimizer update kernels of the reference backend: one SGD, Adam or AdamW step for every parameter
of a group in one call (foreach style; see ``arraygrad/optim``)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from arraygrad.backends.reference._types import Array

__all__ = ["OptimizerKernels"]


class OptimizerKernels:
    """The optimizer update kernels of ``Backend`` (``sgd_update``, ``adam_update``, ``adamw_update``)."""

    xp: ModuleType

    # -- optimizer updates: one call per parameter group (foreach style; see arraygrad/optim)
    # The reference computes new arrays; ``in_place=True`` lets a backend whose arrays may be written
    # (numpy) update the given parameter and state arrays themselves and return those same objects.
    def sgd_update(self, params: list[Array], grads: list[Array], momentum_buffers: list[Array | None], *,
                   lr: Any, momentum: float, dampening: float, weight_decay: float, nesterov: bool, maximize: bool,
                   in_place: bool = False) -> tuple[list[Array], list[Array | None]]:
        """One SGD step for every parameter of a group, as ``torch.optim.SGD``.

        For each parameter: ``g = ±grad + weight_decay * param``; with momentum, ``buf = g`` on
        the first step (``momentum_buffer`` None) and ``buf = momentum * buf + (1 - dampening) * g``
        after, then ``g = g + momentum * buf`` (Nesterov) or ``g = buf``; finally
        ``param - lr * g``.

        Args:
            params: the parameters' arrays.
            grads: their gradients (same shapes and dtypes; never written).
            momentum_buffers: the momentum buffers, None for a parameter before its first step
                (all None without momentum).
            lr: the learning rate (a Python number, or a traced scalar under ``ag.compile``).
            momentum: the momentum factor (0 for plain SGD).
            dampening: the dampening of the momentum.
            weight_decay: the L2 penalty added to the gradient.
            nesterov: whether to use Nesterov momentum.
            maximize: whether to ascend the gradient instead of descending it.
            in_place: whether the arrays of ``params`` and ``momentum_buffers`` may be written;
                the reference never writes them.

        Returns:
            ``(new_params, new_momentum_buffers)``, lists in the order of ``params`` (buffers
            stay None without momentum). Where a backend updated an array in place the list
            holds that same array object.
        """
        xp = self.xp
        new_params: list[Array] = []
        new_buffers: list[Array | None] = []
        for param, grad, buf in zip(params, grads, momentum_buffers):
            if maximize:
                grad = xp.negative(grad)
            if weight_decay != 0:
                grad = xp.add(grad, xp.multiply(param, weight_decay))
            if momentum != 0:
                if buf is None:
                    buf = grad
                else:
                    scaled = grad if dampening == 0 else xp.multiply(grad, 1 - dampening)
                    buf = xp.add(xp.multiply(buf, momentum), scaled)
                grad = xp.add(grad, xp.multiply(buf, momentum)) if nesterov else buf
            new_params.append(xp.subtract(param, xp.multiply(grad, lr)))
            new_buffers.append(buf)
        return new_params, new_buffers

    def adam_update(self, params: list[Array], grads: list[Array], exp_avgs: list[Array], exp_avg_sqs: list[Array],
                    max_exp_avg_sqs: list[Array | None], steps: list[Any], *, lr: Any, beta1: float, beta2: float,
                    eps: float, weight_decay: float, amsgrad: bool, maximize: bool,
                    decoupled_weight_decay: bool = False,
                    in_place: bool = False) -> tuple[list[Array], list[Array], list[Array], list[Array | None]]:
        """One Adam step for every parameter of a group, as ``torch.optim.Adam``.

        For each parameter: ``m = m + (1 - beta1) (g - m)``, ``v = beta2 v + (1 - beta2) g^2``
        (``vmax = max(vmax, v)`` with AMSGrad, used in place of ``v``), then
        ``param - lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)`` with ``bc_i = 1 - beta_i**step``,
        computed as ``param - (lr sqrt(bc2)/bc1) * m / (sqrt(v) + eps sqrt(bc2))``. Weight decay
        adds ``weight_decay * param`` to the gradient or, decoupled (AdamW), first scales the
        parameter by ``1 - lr * weight_decay``.

        Args:
            params: the parameters' arrays.
            grads: their gradients (same shapes and dtypes; never written).
            exp_avgs: the running averages of the gradient.
            exp_avg_sqs: the running averages of the squared gradient.
            max_exp_avg_sqs: AMSGrad's running maxima of ``exp_avg_sqs`` (None entries without amsgrad).
            steps: each parameter's step number, counting from 1 (this step included).
            lr: the learning rate (a Python number, or a traced scalar under ``ag.compile``).
            beta1: the decay of the gradient's running average.
            beta2: the decay of the squared gradient's running average.
            eps: added to the denominator for numerical stability.
            weight_decay: the weight decay factor.
            amsgrad: whether to use the AMSGrad variant.
            maximize: whether to ascend the gradient instead of descending it.
            decoupled_weight_decay: whether the weight decay scales the parameter (AdamW) instead
                of entering the gradient.
            in_place: whether the parameter and state arrays may be written; the reference never
                writes them.

        Returns:
            ``(new_params, new_exp_avgs, new_exp_avg_sqs, new_max_exp_avg_sqs)``, lists in the
            order of ``params``. Where a backend updated an array in place the list holds that
            same array object.
        """
        xp = self.xp
        out: tuple[list[Array], list[Array], list[Array], list[Array | None]] = ([], [], [], [])
        for param, grad, exp_avg, exp_avg_sq, vmax, step in zip(params, grads, exp_avgs, exp_avg_sqs,
                                                                 max_exp_avg_sqs, steps):
            if maximize:
                grad = xp.negative(grad)
            if weight_decay != 0:
                if decoupled_weight_decay:
                    param = xp.multiply(param, 1 - lr * weight_decay)
                else:
                    grad = xp.add(grad, xp.multiply(param, weight_decay))
            exp_avg = xp.add(exp_avg, xp.multiply(xp.subtract(grad, exp_avg), 1 - beta1))
            exp_avg_sq = xp.add(xp.multiply(exp_avg_sq, beta2), xp.multiply(xp.multiply(grad, grad), 1 - beta2))
            second = exp_avg_sq
            if amsgrad:
                vmax = xp.maximum(vmax, exp_avg_sq)
                second = vmax
            bias_correction1 = 1 - beta1**step
            bias_correction2_sqrt = (1 - beta2**step) ** 0.5
            # m / (sqrt(v)/s + eps) == s * m / (sqrt(v) + eps * s): one array operation fewer
            denom = xp.add(xp.sqrt(second), eps * bias_correction2_sqrt)
            step_size = lr * bias_correction2_sqrt / bias_correction1
            param = xp.subtract(param, xp.multiply(xp.divide(exp_avg, denom), step_size))
            for results, value in zip(out, (param, exp_avg, exp_avg_sq, vmax)):
                results.append(value)
        return out

    def adamw_update(self, params: list[Array], grads: list[Array], exp_avgs: list[Array], exp_avg_sqs: list[Array],
                     max_exp_avg_sqs: list[Array | None], steps: list[Any], *, lr: Any, beta1: float, beta2: float,
                     eps: float, weight_decay: float, amsgrad: bool, maximize: bool,
                     in_place: bool = False) -> tuple[list[Array], list[Array], list[Array], list[Array | None]]:
        """One AdamW step for every parameter of a group, as ``torch.optim.AdamW``: ``adam_update``
        with decoupled weight decay (each parameter is first scaled by ``1 - lr * weight_decay``).

        Args:
            params: the parameters' arrays.
            grads: their gradients (same shapes and dtypes; never written).
            exp_avgs: the running averages of the gradient.
            exp_avg_sqs: the running averages of the squared gradient.
            max_exp_avg_sqs: AMSGrad's running maxima of ``exp_avg_sqs`` (None entries without amsgrad).
            steps: each parameter's step number, counting from 1 (this step included).
            lr: the learning rate (a Python number, or a traced scalar under ``ag.compile``).
            beta1: the decay of the gradient's running average.
            beta2: the decay of the squared gradient's running average.
            eps: added to the denominator for numerical stability.
            weight_decay: the decoupled weight decay factor.
            amsgrad: whether to use the AMSGrad variant.
            maximize: whether to ascend the gradient instead of descending it.
            in_place: whether the parameter and state arrays may be written.

        Returns:
            ``(new_params, new_exp_avgs, new_exp_avg_sqs, new_max_exp_avg_sqs)``, as ``adam_update``.
        """
        return self.adam_update(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, lr=lr, beta1=beta1,
                                beta2=beta2, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                                decoupled_weight_decay=True, in_place=in_place)
