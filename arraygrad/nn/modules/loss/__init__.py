"""Loss modules: thin wrappers that keep a loss's options and call ``nn.functional``.

Names, argument order, defaults and the ``weight`` / ``pos_weight`` buffers follow PyTorch's
``torch.nn.modules.loss``; the formulas, shape rules and errors are documented on the
functional forms.

Every loss takes ``reduction``: ``'none'`` (one value per element or sample), ``'mean'`` or
``'sum'``. It is checked when the loss is computed, not when the module is built.
``size_average`` and ``reduce`` are PyTorch's deprecated spelling of it: when either is not None
the constructor replaces ``reduction`` by what they mean (``reduce=False`` gives ``'none'``,
``size_average=False`` gives ``'sum'``, otherwise ``'mean'``), with a warning.

One submodule per family, as in ``nn.functional.loss``: ``regression``, ``classification``,
``margin`` and ``distribution``, over the base classes ``_Loss`` and ``_WeightedLoss`` (in
``_base``). Every name is importable from here, the path PyTorch's classes have.
"""

from __future__ import annotations

from arraygrad.nn.modules.loss._base import (
    _Loss,
    _WeightedLoss,
)
from arraygrad.nn.modules.loss.classification import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    NLLLoss,
)
from arraygrad.nn.modules.loss.distribution import (
    GaussianNLLLoss,
    KLDivLoss,
    PoissonNLLLoss,
)
from arraygrad.nn.modules.loss.margin import (
    CosineEmbeddingLoss,
    HingeEmbeddingLoss,
    MarginRankingLoss,
    MultiLabelMarginLoss,
    MultiMarginLoss,
    SoftMarginLoss,
    TripletMarginLoss,
)
from arraygrad.nn.modules.loss.regression import (
    HuberLoss,
    L1Loss,
    MSELoss,
    SmoothL1Loss,
)

__all__ = [
    "L1Loss", "MSELoss", "SmoothL1Loss", "HuberLoss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss",
    "KLDivLoss", "HingeEmbeddingLoss", "MarginRankingLoss", "CosineEmbeddingLoss", "MultiLabelMarginLoss",
    "PoissonNLLLoss", "SoftMarginLoss", "MultiMarginLoss", "TripletMarginLoss", "GaussianNLLLoss",
]
