"""arraygrad.optim: optimizers and learning-rate schedulers, shaped like ``torch.optim``.

    opt = ag.optim.Adam(model.parameters(), lr=1e-3)
    sched = ag.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100)
    for x, y in data:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    sched.step()

Each optimizer is a small class over a pure update function on backend arrays
(``sgd_update``, ``adam_update``...), written with the array API standard only.
"""

from arraygrad.optim import lr_scheduler
from arraygrad.optim.adadelta import Adadelta, adadelta_update
from arraygrad.optim.adagrad import Adagrad, adagrad_update
from arraygrad.optim.adam import Adam, adam_update
from arraygrad.optim.adamax import Adamax, adamax_update
from arraygrad.optim.adamw import AdamW
from arraygrad.optim.asgd import ASGD, asgd_update
from arraygrad.optim.lbfgs import LBFGS
from arraygrad.optim.nadam import NAdam, nadam_update
from arraygrad.optim.optimizer import Optimizer
from arraygrad.optim.radam import RAdam, radam_update
from arraygrad.optim.rmsprop import RMSprop, rmsprop_update
from arraygrad.optim.rprop import Rprop, rprop_update
from arraygrad.optim.sgd import SGD, sgd_update

__all__ = [
    "Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
    "lr_scheduler", "sgd_update", "adam_update", "rmsprop_update", "adagrad_update", "adadelta_update",
    "adamax_update", "nadam_update", "radam_update", "LBFGS", "Rprop", "rprop_update", "ASGD", "asgd_update",
]
