"""``arraygrad.nn.functional``: functional forms of layers and activations, as ``torch.nn.functional``.

Activations are composites of differentiable Tensor ops, so autograd derives their gradients
(and higher-order ones). ``inplace=True`` variants overwrite the input tensor with the result,
as in PyTorch; the composite is computed on a copy so that what its backward saved is not
modified.

One submodule per family, mirroring ``arraygrad.nn.modules``: ``linear``, ``activation``,
``conv`` (with ``unfold``/``fold``), ``pooling``, ``normalization``, ``distance``, ``dropout``,
``embedding``, ``interpolation`` and ``loss``. Every public name is importable from here, which is
the path programs use (``import arraygrad.nn.functional as F``).
"""

from __future__ import annotations

import sys

from arraygrad.core import argtypes as _argtypes
from arraygrad.core.indexing import one_hot
from arraygrad.core.ops import sigmoid, softplus, tanh
from arraygrad.core.shape import pad
from arraygrad.nn.functional._erf import (
    _erf,
    _erfc,
    _erfinv,
)
from arraygrad.nn.functional._reduction import (
    _legacy_reduction,
)
from arraygrad.nn.functional.activation import (
    elu,
    elu_,
    gelu,
    hardtanh,
    hardtanh_,
    leaky_relu,
    leaky_relu_,
    log_softmax,
    mish,
    relu,
    relu6,
    relu_,
    silu,
    softmax,
)
from arraygrad.nn.functional.conv import (
    _conv,
    _conv_transpose,
    _unbatched_call,
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
    fold,
    unfold,
)
from arraygrad.nn.functional.distance import (
    cosine_similarity,
    pairwise_distance,
)
from arraygrad.nn.functional.dropout import (
    dropout,
    dropout1d,
    dropout2d,
    dropout3d,
)
from arraygrad.nn.functional.embedding import (
    embedding,
    embedding_bag,
)
from arraygrad.nn.functional.interpolation import (
    interpolate,
    upsample,
)
from arraygrad.nn.functional.linear import (
    _check_linear,
    bilinear,
    linear,
)
from arraygrad.nn.functional.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cosine_embedding_loss,
    cross_entropy,
    gaussian_nll_loss,
    hinge_embedding_loss,
    huber_loss,
    kl_div,
    l1_loss,
    margin_ranking_loss,
    mse_loss,
    multi_margin_loss,
    multilabel_margin_loss,
    nll_loss,
    poisson_nll_loss,
    smooth_l1_loss,
    soft_margin_loss,
    triplet_margin_loss,
)
from arraygrad.nn.functional.normalization import (
    _batch_norm,
    _check_trailing_shape,
    batch_norm,
    group_norm,
    instance_norm,
    layer_norm,
    normalize,
    rms_norm,
)
from arraygrad.nn.functional.pooling import (
    _adaptive_avg_pool,
    _adaptive_max_pool,
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    adaptive_max_pool3d,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    max_pool1d,
    max_pool2d,
    max_pool3d,
)

__all__ = [
    "bilinear", "elu", "elu_", "gelu", "hardtanh", "hardtanh_", "leaky_relu", "leaky_relu_", "linear",
    "log_softmax", "mish", "one_hot", "pad", "relu", "relu6", "relu_", "sigmoid", "silu", "softmax", "softplus",
    "tanh", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "unfold",
    "fold", "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d",
    "adaptive_max_pool2d", "adaptive_max_pool3d", "batch_norm", "instance_norm", "layer_norm", "group_norm",
    "rms_norm", "normalize", "cosine_similarity", "pairwise_distance", "dropout", "dropout1d", "dropout2d",
    "dropout3d", "embedding", "embedding_bag", "interpolate", "upsample", "mse_loss", "l1_loss", "smooth_l1_loss",
    "huber_loss", "cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "kl_div", "hinge_embedding_loss", "margin_ranking_loss", "cosine_embedding_loss", "multilabel_margin_loss",
    "poisson_nll_loss", "soft_margin_loss", "multi_margin_loss", "triplet_margin_loss", "gaussian_nll_loss",
]

# attention (in nn/_attention.py, which calls this package's dropout at run time)
from arraygrad.nn._attention import multi_head_attention_forward, scaled_dot_product_attention  # noqa: E402

__all__ += ["scaled_dot_product_attention", "multi_head_attention_forward"]

# PyTorch's TypeError for a list, None or number where a Tensor goes (checked only once a call has
# failed; see core/argtypes.py). The submodules wrap their own functions; this wraps the ops
# re-exported from core (pad, one_hot, softplus, ...), whose names here are what ported scripts call.
_argtypes.install(globals(), __all__)
# pickle finds a function by its ``__module__`` and name: point the wrappers made here at this package
# (a wrapper found under its own name in its module keeps it).
for _name in __all__:
    _fn = globals()[_name]
    if vars(sys.modules[_fn.__module__]).get(_name) is not _fn:
        _fn.__module__ = __name__
del _name, _fn
