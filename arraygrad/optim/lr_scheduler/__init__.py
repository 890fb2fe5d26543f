"""Learning-rate schedulers: PyTorch's ``torch.optim.lr_scheduler``, formula for formula.

A scheduler changes ``group["lr"]`` of its optimizer's parameter groups each time ``step()`` is
called (once per epoch or per batch, after ``optimizer.step()``). Chainable schedulers update the
current lr recursively (several can act on one optimizer, see ``ChainedScheduler``); calling
``step(epoch)`` with an explicit epoch uses the closed form where one exists, as PyTorch does.

Learning rates here are Python floats (PyTorch also allows 0-d tensors).

One submodule per family: ``scheduler`` (the base class ``LRScheduler``), ``lambda_lr``
(``LambdaLR``, ``MultiplicativeLR``), ``decay`` (the fixed-formula schedules, from ``StepLR`` to
``CosineAnnealingLR``), ``plateau`` (``ReduceLROnPlateau``), ``cyclic`` (``CyclicLR``,
``CosineAnnealingWarmRestarts``, ``OneCycleLR``) and ``composite`` (``SequentialLR``,
``ChainedScheduler``). Every name is importable from here.
"""

from __future__ import annotations

from arraygrad.optim.lr_scheduler.composite import (
    ChainedScheduler,
    SequentialLR,
    _check_schedulers,
)
from arraygrad.optim.lr_scheduler.cyclic import (
    CosineAnnealingWarmRestarts,
    CyclicLR,
    OneCycleLR,
    _format_param,
    _set_momentum,
)
from arraygrad.optim.lr_scheduler.decay import (
    ConstantLR,
    CosineAnnealingLR,
    ExponentialLR,
    LinearLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)
from arraygrad.optim.lr_scheduler.lambda_lr import (
    LambdaLR,
    MultiplicativeLR,
    _lambdas,
    _lambdas_state,
    _load_lambdas_state,
)
from arraygrad.optim.lr_scheduler.plateau import (
    ReduceLROnPlateau,
)
from arraygrad.optim.lr_scheduler.scheduler import (
    EPOCH_DEPRECATION_WARNING,
    LRScheduler,
    _group_values,
)

__all__ = [
    "LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
    "ExponentialLR", "SequentialLR", "PolynomialLR", "CosineAnnealingLR", "ChainedScheduler", "ReduceLROnPlateau",
    "CyclicLR", "CosineAnnealingWarmRestarts", "OneCycleLR",
]
