"""Bad-argument cases for every public op, with PyTorch as the oracle.

The table is built in three steps, all deterministic:

1. **Ops.** :func:`public_ops` lists the public callables: the functions in ``arraygrad.__all__``,
   ``arraygrad.nn.functional.__all__`` and the Tensor methods that are not top-level functions.
   Names that are not ops (switches, RNG state, I/O) are in :data:`EXCLUDED` with the reason.
2. **Baselines.** For each op, the first few argument patterns of :data:`PATTERNS` (or the
   op's own entry in :data:`BASELINES`) that PyTorch *accepts* become its good calls.
3. **Rows.** Generic recipes (:func:`mutations`) turn each good call into bad ones: a list or
   None where a tensor goes, the wrong dtype, too few or too many dimensions, an empty tensor,
   a mismatched shape, a dim out of range, negative or float sizes, a tensor on another backend.
   :data:`HAND_ROWS` adds the calls generic recipes cannot make (conv stride 0, embedding
   index -1, integer division by zero ...). A candidate becomes a row only if PyTorch raises on
   it; the row records PyTorch's exception class.

The materialised rows (and the good calls they came from) are checked in as ``table.py``
(``python -m tests.fuzz.cases --write`` rewrites it, e.g. after adding a public op);
``test_bad_arguments.py`` checks that the file is what this module generates, runs the rows, and
reads the rows still expected to fail from ``known_failures.py``. ``python -m tests.fuzz.report``
prints every verdict as a table grouped by the arraygrad file that raised.

Arguments are written as backend-neutral specs (:class:`T` a tensor, :class:`DT` a dtype,
plain Python values otherwise) so one row can be built for PyTorch and for each backend.
"""

from __future__ import annotations

import argparse
import functools
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

import arraygrad as ag
import arraygrad.nn.functional as F

# ------------------------------------------------------------------------------ argument specs


@dataclass(frozen=True)
class T:
    """A tensor spec: ``shape`` and ``dtype`` name; values are deterministic.

    Floating values are eighths in (0, 1) (valid for log, sqrt, probabilities; exact in every
    float dtype, so the table reads well; increasing for the first 7); integer values are
    0 and 1 (valid indices into any non-empty dim); bool values alternate. ``other_backend``
    puts the tensor on a backend different from the one under test (PyTorch: another device).
    """

    shape: tuple[int, ...]
    dtype: str = "float32"
    other_backend: bool = False

    def values(self) -> np.ndarray:
        """The tensor's values as a numpy array (the same for every library)."""
        n = int(np.prod(self.shape, dtype=np.int64))
        base = np.arange(n, dtype=np.int64)
        if self.dtype == "bool":
            out = base % 2 == 0
        elif self.dtype.startswith("int"):
            out = (base % 2).astype(self.dtype)
        else:
            out = ((base % 7 + 1) / 8).astype(self.dtype)
        return out.reshape(self.shape)

    def __repr__(self) -> str:
        parts = [repr(tuple(self.shape))]
        if self.dtype != "float32":
            parts.append(repr(self.dtype))
        if self.other_backend:
            parts.append("other_backend=True")
        return f"T({', '.join(parts)})"

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def is_float(self) -> bool:
        return self.dtype.startswith("float")


@dataclass(frozen=True)
class DT:
    """A dtype spec: ``DT("float64")`` is ``torch.float64`` / ``arraygrad.float64``."""

    name: str

    def __repr__(self) -> str:
        return f"DT({self.name!r})"


#: the backend a ``T(..., other_backend=True)`` tensor goes to, per backend under test
OTHER_BACKEND = {"numpy": "strict", "strict": "numpy", "jax": "numpy"}


def to_torch(spec: Any) -> Any:
    """Build ``spec`` for PyTorch (tensors from the same values and dtype)."""
    import torch

    if isinstance(spec, T):
        return torch.tensor(spec.values(), dtype=getattr(torch, spec.dtype))
    if isinstance(spec, DT):
        return getattr(torch, spec.name)
    if isinstance(spec, list):
        return [to_torch(s) for s in spec]
    if isinstance(spec, tuple):
        return tuple(to_torch(s) for s in spec)
    if isinstance(spec, dict):
        return {k: to_torch(v) for k, v in spec.items()}
    return spec


def to_arraygrad(spec: Any, backend: str) -> Any:
    """Build ``spec`` for arraygrad on ``backend``."""
    if isinstance(spec, T):
        where = OTHER_BACKEND[backend] if spec.other_backend else backend
        with ag.use_backend(where):
            return ag.tensor(spec.values(), dtype=getattr(ag, spec.dtype))
    if isinstance(spec, DT):
        return getattr(ag, spec.name)
    if isinstance(spec, list):
        return [to_arraygrad(s, backend) for s in spec]
    if isinstance(spec, tuple):
        return tuple(to_arraygrad(s, backend) for s in spec)
    if isinstance(spec, dict):
        return {k: to_arraygrad(v, backend) for k, v in spec.items()}
    return spec


# ------------------------------------------------------------------------------ the ops

#: public names that are not ops taking arguments a caller can get wrong, with the reason
EXCLUDED: dict[str, str] = {
    # global switches and state: no tensor arguments, and their bad values are covered by their own tests
    "are_deterministic_algorithms_enabled": "global switch query, takes no arguments",
    "get_autocast_dtype": "autocast query, takes a device name, no tensors",
    "get_default_backend": "query, takes no arguments",
    "get_default_device": "query, takes no arguments",
    "get_default_dtype": "query, takes no arguments",
    "get_float32_matmul_precision": "query, takes no arguments",
    "get_num_threads": "query, takes no arguments",
    "get_rng_state": "RNG state query, takes no arguments",
    "initial_seed": "RNG query, takes no arguments",
    "is_autocast_available": "autocast query, takes a device name, no tensors",
    "is_autocast_enabled": "autocast query, no tensors",
    "is_deterministic_algorithms_warn_only_enabled": "query, takes no arguments",
    "is_grad_enabled": "query, takes no arguments",
    "is_inference_mode_enabled": "query, takes no arguments",
    "manual_seed": "RNG seeding, no tensors",
    "seed": "RNG seeding, takes no arguments",
    "set_default_backend": "global switch, no tensors (arraygrad-only)",
    "set_default_device": "global switch, no tensors",
    "set_default_dtype": "global switch, no tensors",
    "set_float32_matmul_precision": "global switch, no tensors",
    "set_num_threads": "global switch, no tensors",
    "set_rng_state": "RNG state restore, tested with the RNG",
    "use_backend": "context manager selecting a backend (arraygrad-only)",
    "use_deterministic_algorithms": "global switch, no tensors",
    # file and interchange I/O: the arguments are files and foreign arrays
    "load": "reads a file; its bad inputs are covered by tests/test_serialization.py",
    "save": "writes a file; its bad inputs are covered by tests/test_serialization.py",
    "compile": "compiles a function; its errors are covered by tests/core/test_compile.py",
    "from_dlpack": "takes a foreign array object, not a tensor",
    "from_numpy": "takes a numpy array, not a tensor",
    # Tensor methods that are not ops: introspection, storage, hooks, conversions out of arraygrad
    "Tensor.backward": "autograd entry point; covered by the autograd tests",
    "Tensor.data_ptr": "storage introspection, takes no arguments",
    "Tensor.dim": "introspection, takes no arguments",
    "Tensor.ndimension": "introspection, takes no arguments",
    "Tensor.nelement": "introspection, takes no arguments",
    "Tensor.element_size": "introspection, takes no arguments",
    "Tensor.get_device": "introspection, takes no arguments",
    "Tensor.is_contiguous": "introspection; takes only a memory format",
    "Tensor.is_inference": "introspection, takes no arguments",
    "Tensor.is_shared": "introspection, takes no arguments",
    "Tensor.storage_offset": "introspection, takes no arguments",
    "Tensor.untyped_storage": "storage access, takes no arguments",
    "Tensor.share_memory_": "storage sharing, takes no arguments",
    "Tensor.numpy": "conversion out of arraygrad, takes no tensor arguments",
    "Tensor.tolist": "conversion out of arraygrad, takes no arguments",
    "Tensor.register_hook": "takes a callable, not tensors",
    "Tensor.register_post_accumulate_grad_hook": "takes a callable, not tensors",
    "Tensor.retain_grad": "autograd bookkeeping, takes no arguments",
    "Tensor.requires_grad_": "autograd flag, takes a bool",
    "Tensor.detach_": "autograd bookkeeping, takes no arguments",
    "Tensor.contiguous": "layout no-op; takes only a memory format",
    "Tensor.to_dense": "sparse layout conversion, covered by the sparse tests",
    "Tensor.to_sparse": "sparse layout conversion, covered by the sparse tests",
    "is_tensor": "accepts any object and answers True or False",
    "is_anomaly_enabled": "query, takes no arguments",
    "is_anomaly_check_nan_enabled": "query, takes no arguments",
    "set_anomaly_enabled": "global switch, no tensors",
    "Tensor.zero_": "takes no arguments and accepts every tensor",
    # arraygrad names PyTorch does not have, so there is no oracle
    "to": "arraygrad-only function form of Tensor.to; the method is covered",
    "Tensor.maximum_": "arraygrad-only in-place form (PyTorch has no Tensor.maximum_)",
    "Tensor.minimum_": "arraygrad-only in-place form (PyTorch has no Tensor.minimum_)",
    "sparse_coo_tensor": "sparse constructor, covered by the sparse tests",
    "spmm": "sparse product, covered by the sparse tests",
}

#: Tensor methods checked beyond the named ones (operators a ported script uses directly)
DUNDER_METHODS = ("__getitem__", "__setitem__", "__matmul__", "__add__", "__mul__", "__truediv__")


def public_ops() -> list[str]:
    """Every public op name: ``"add"``, ``"nn.functional.conv2d"``, ``"Tensor.view"``."""
    names = []
    for name in ag.__all__:
        obj = getattr(ag, name)
        if inspect.isroutine(obj):
            names.append(name)
    for name in F.__all__:
        if inspect.isroutine(getattr(F, name)):
            names.append(f"nn.functional.{name}")
    for name in sorted(dir(ag.Tensor)):
        if name.startswith("_") or name in ag.__all__:
            continue
        if callable(getattr(ag.Tensor, name, None)) and not isinstance(getattr(ag.Tensor, name), property):
            names.append(f"Tensor.{name}")
    names.extend(f"Tensor.{name}" for name in DUNDER_METHODS)
    return names


def resolve(op: str, lib: str) -> Callable[..., Any]:
    """The callable named ``op`` in ``lib`` (``"torch"`` or ``"arraygrad"``). A ``Tensor.``
    method becomes a function of the tensor and the remaining arguments."""
    if op.startswith("Tensor."):
        method = op.split(".", 1)[1]
        return lambda self, *args, **kwargs: getattr(self, method)(*args, **kwargs)
    if lib == "torch":
        import torch

        module: Any = torch
    else:
        module = ag
    for part in op.split("."):
        module = getattr(module, part)
    return module


def has_torch_counterpart(op: str) -> bool:
    import torch

    if op.startswith("Tensor."):
        return hasattr(torch.Tensor, op.split(".", 1)[1])
    module: Any = torch
    for part in op.split("."):
        if not hasattr(module, part):
            return False
        module = getattr(module, part)
    return True


# ------------------------------------------------------------------------------ good calls

F23 = T((2, 3))
I23 = T((2, 3), "int64")
B23 = T((2, 3), "bool")

#: generic argument patterns, tried in order; the first three PyTorch accepts are an op's good calls
PATTERNS: list[tuple[Any, ...]] = [
    (F23,),
    (F23, 1),
    (F23, F23),
    (F23, T((3, 2))),
    (F23, 1, 0),
    (F23, 1, 0, 2),
    (F23, (3, 2)),
    (F23, 3, 2),
    (T((3,)), T((3,))),
    (F23, T((3,))),
    (T((2, 2, 3)), T((2, 3, 2))),
    (T((2, 2)), F23, T((3, 2))),
    (F23, 1, I23),
    (F23, 1, I23, F23),
    (F23, 1, T((2,), "int64")),
    (F23, 1, T((2,), "int64"), T((2, 2))),
    (F23, B23, 0.5),
    (F23, B23),
    (B23, F23, F23),
    (F23, F23, F23),
    (I23,),
    (I23, I23),
    (B23,),
    (B23, B23),
    (2, 3),
    (3,),
    (0.0, 1.0, 5),
    ((2, 3), 0.5),
    ([F23, F23],),
    ([F23, F23], 1),
    (T((3,)),),
    (T((3,), "int64"),),
    (F23, 2),
    (T((4,)), T((2,))),
    (F23, DT("float64")),
    (F23, [0.5]),
    (F23, (2, 3), 0.5),
    (T((1, 3)), 2, 3),
    (T((1, 3)), F23),
    (F23, 2, 1),
    (F23, 0.5),
    (F23, F23, 0.5),
    (F23, (0,), F23),
    (T((1,)),),
    (F23, slice(0, 1)),
    (F23, (0, 1)),
    (F23, 0),
]

#: good calls written per op (replacing the generic patterns) where the generic ones do not fit
BASELINES: dict[str, list[tuple[Any, ...]]] = {
    "nn.functional.conv1d": [(T((1, 2, 5)), T((3, 2, 3))), (T((1, 2, 5)), T((3, 2, 3)), T((3,)), 1, 1)],
    "nn.functional.conv2d": [(T((1, 2, 5, 5)), T((3, 2, 3, 3))), (T((1, 2, 5, 5)), T((4, 1, 3, 3)), T((4,)), 1, 1, 1, 2)],
    "nn.functional.conv3d": [(T((1, 2, 4, 4, 4)), T((3, 2, 3, 3, 3)))],
    "nn.functional.conv_transpose1d": [(T((1, 2, 5)), T((2, 3, 3))), (T((1, 2, 5)), T((2, 3, 3)), T((3,)), 2)],
    "nn.functional.conv_transpose2d": [(T((1, 2, 5, 5)), T((2, 3, 3, 3))), (T((1, 2, 5, 5)), T((2, 3, 3, 3)), T((3,)), 2)],
    "nn.functional.conv_transpose3d": [(T((1, 2, 4, 4, 4)), T((2, 3, 3, 3, 3)))],
    "nn.functional.max_pool1d": [(T((1, 2, 4)), 2), (T((1, 2, 5)), 3, 2, 1)],
    "nn.functional.max_pool2d": [(T((1, 2, 4, 4)), 2), (T((1, 2, 5, 5)), 3, 2, 1)],
    "nn.functional.max_pool3d": [(T((1, 2, 4, 4, 4)), 2)],
    "nn.functional.avg_pool1d": [(T((1, 2, 4)), 2), (T((1, 2, 5)), 3, 2, 1)],
    "nn.functional.avg_pool2d": [(T((1, 2, 4, 4)), 2), (T((1, 2, 5, 5)), 3, 2, 1)],
    "nn.functional.avg_pool3d": [(T((1, 2, 4, 4, 4)), 2)],
    "nn.functional.adaptive_avg_pool1d": [(T((1, 2, 4)), 2)],
    "nn.functional.adaptive_avg_pool2d": [(T((1, 2, 4, 4)), 2), (T((1, 2, 4, 4)), (2, 3))],
    "nn.functional.adaptive_avg_pool3d": [(T((1, 2, 4, 4, 4)), 2)],
    "nn.functional.adaptive_max_pool1d": [(T((1, 2, 4)), 2)],
    "nn.functional.adaptive_max_pool2d": [(T((1, 2, 4, 4)), 2)],
    "nn.functional.adaptive_max_pool3d": [(T((1, 2, 4, 4, 4)), 2)],
    "nn.functional.unfold": [(T((1, 2, 4, 4)), 2)],
    "nn.functional.fold": [(T((1, 8, 9)), (4, 4), 2)],
    "nn.functional.batch_norm": [(F23, T((3,)), T((3,))), (F23, T((3,)), T((3,)), T((3,)), T((3,)))],
    "nn.functional.instance_norm": [(T((1, 2, 4)),), (T((1, 2, 4, 4)), None, None, T((2,)), T((2,)))],
    "nn.functional.layer_norm": [(F23, (3,)), (F23, (3,), T((3,)), T((3,)))],
    "nn.functional.rms_norm": [(F23, (3,)), (F23, (3,), T((3,)))],
    "nn.functional.group_norm": [(T((2, 4, 3)), 2), (T((2, 4, 3)), 2, T((4,)), T((4,)))],
    "nn.functional.embedding": [(I23, T((4, 3)))],
    "nn.functional.embedding_bag": [(I23, T((4, 3)))],
    "nn.functional.one_hot": [(I23,), (I23, 3)],
    "nn.functional.linear": [(F23, T((4, 3))), (F23, T((4, 3)), T((4,)))],
    "nn.functional.bilinear": [(F23, F23, T((4, 3, 3))), (F23, F23, T((4, 3, 3)), T((4,)))],
    "nn.functional.interpolate": [(T((1, 2, 4)), 8), (T((1, 2, 4, 4)), None, 2.0)],
    "nn.functional.upsample": [(T((1, 2, 4)), 8)],
    "nn.functional.pad": [(F23, (1, 1)), (F23, (1, 1, 1, 1), "constant", 0.5)],
    "nn.functional.cross_entropy": [(F23, T((2,), "int64")), (F23, F23)],
    "nn.functional.nll_loss": [(F23, T((2,), "int64"))],
    "nn.functional.multi_margin_loss": [(F23, T((2,), "int64"))],
    "nn.functional.multilabel_margin_loss": [(F23, I23)],
    "nn.functional.margin_ranking_loss": [(T((3,)), T((3,)), T((3,)))],
    "nn.functional.cosine_embedding_loss": [(F23, F23, T((2,)))],
    "nn.functional.triplet_margin_loss": [(F23, F23, F23)],
    "nn.functional.gaussian_nll_loss": [(F23, F23, F23)],
    "nn.functional.scaled_dot_product_attention": [(T((1, 2, 3)), T((1, 2, 3)), T((1, 2, 3)))],
    "nn.functional.multi_head_attention_forward": [
        # (query, key, value, embed_dim, num_heads, in_proj_weight, in_proj_bias, bias_k, bias_v,
        #  add_zero_attn, dropout_p, out_proj_weight, out_proj_bias)
        (T((2, 1, 4)), T((2, 1, 4)), T((2, 1, 4)), 4, 2, T((12, 4)), T((12,)), None, None, False, 0.0, T((4, 4)), T((4,))),
    ],
    "multinomial": [(T((3,)), 2)],
    "narrow": [(F23, 1, 0, 2)],
    "select": [(F23, 1, 0)],
    "index_add": [(F23, 1, T((2,), "int64"), T((2, 2)))],
    "index_put": [(F23, (T((2,), "int64"),), T((2, 3)))],
    "addmm": [(T((2, 2)), F23, T((3, 2)))],
    "bucketize": [(F23, T((4,)))],
    "searchsorted": [(T((4,)), F23)],
    "tril_indices": [(3, 3), (3, 3, 1)],
    "triu_indices": [(3, 3), (3, 3, 1)],
    "randint": [(0, 3, (2, 3)), (3, (2, 3))],
    "randint_like": [(F23, 3), (F23, 0, 3)],
    "full": [((2, 3), 0.5)],
    "arange": [(3,), (0, 3), (0, 3, 1)],
    "linspace": [(0.0, 1.0, 5)],
    "logspace": [(0.0, 1.0, 5)],
    "eye": [(3,), (2, 3)],
    "tensor": [([0.5, 1.5],)],
    "as_tensor": [([0.5, 1.5],)],
    "Tensor.new_tensor": [(F23, [0.5, 1.5])],
    "Tensor.new_full": [(F23, (2, 3), 0.5)],
    "Tensor.__setitem__": [(F23, 0, 0.5), (F23, (0, 1), 0.5), (F23, B23, 0.5)],
    "Tensor.__getitem__": [(F23, 0), (F23, (0, 1)), (F23, I23)],
    "Tensor.lerp_": [(F23, F23, 0.5)],
    "Tensor.addcdiv_": [(F23, F23, F23)],
    "Tensor.addcmul_": [(F23, F23, F23)],
    "Tensor.index_add_": [(F23, 1, T((2,), "int64"), T((2, 2)))],
    "Tensor.scatter_": [(F23, 1, I23, F23)],
    "Tensor.scatter_add_": [(F23, 1, I23, F23)],
    "Tensor.masked_fill_": [(F23, B23, 0.5)],
    "Tensor.item": [(T((1,)),)],
    "Tensor.normal_": [(F23,), (F23, 0.0, 1.0)],
    "Tensor.uniform_": [(F23,), (F23, 0.0, 1.0)],
    "Tensor.type": [(F23, DT("float64"))],
    "Tensor.new": [(F23, 2, 3)],
    # PyTorch also accepts quirks the patterns would pick first (alpha or p passed positionally,
    # dunders called without an operand, where(x) meaning nonzero); these use the ordinary forms
    "add": [(F23, F23), (F23, 1), (F23, T((3,)))],
    "sub": [(F23, F23), (F23, 1), (F23, T((3,)))],
    "subtract": [(F23, F23), (F23, 1)],
    "Tensor.add_": [(F23, F23), (F23, 1)],
    "Tensor.sub_": [(F23, F23), (F23, 1)],
    "bernoulli": [(F23,)],
    "broadcast_shapes": [((2, 3), (3,))],
    "repeat_interleave": [(F23, 2), (F23, 2, 1)],
    "sign": [(F23,), (I23,)],
    "tensor_split": [(F23, 2), (F23, 2, 1)],
    "where": [(B23, F23, F23), (B23, F23, 0.5)],
    "nn.functional.elu_": [(F23,), (F23, 1.0)],
    "nn.functional.hardtanh_": [(F23,), (F23, -0.5, 0.5)],
    "nn.functional.dropout3d": [(T((1, 2, 2, 2)),), (T((1, 2, 2, 2)), 0.5)],
    "nn.functional.soft_margin_loss": [(F23, F23)],
    "Tensor.copy_": [(F23, F23)],
    "Tensor.__matmul__": [(F23, T((3, 2)))],
    "Tensor.__add__": [(F23, F23), (F23, 1)],
    "Tensor.__mul__": [(F23, F23), (F23, 1)],
    "Tensor.__truediv__": [(F23, F23), (F23, 1)],
    "Tensor.fill_": [(F23, 0.5)],
    "unflatten": [(F23, 1, (3, 1))],
    "broadcast_to": [(T((1, 3)), (2, 3))],
}

#: candidate calls written by hand: ``(op, label, args, kwargs)``; kept where PyTorch raises
HAND_ROWS: list[tuple[str, str, tuple[Any, ...], dict[str, Any]]] = [
    # convolution
    ("nn.functional.conv1d", "stride=0", (T((1, 2, 5)), T((3, 2, 3))), {"stride": 0}),
    ("nn.functional.conv2d", "stride=0", (T((1, 2, 5, 5)), T((3, 2, 3, 3))), {"stride": 0}),
    ("nn.functional.conv2d", "stride=-1", (T((1, 2, 5, 5)), T((3, 2, 3, 3))), {"stride": -1}),
    ("nn.functional.conv2d", "padding=-1", (T((1, 2, 5, 5)), T((3, 2, 3, 3))), {"padding": -1}),
    ("nn.functional.conv2d", "dilation=0", (T((1, 2, 5, 5)), T((3, 2, 3, 3))), {"dilation": 0}),
    ("nn.functional.conv2d", "groups=0", (T((1, 2, 5, 5)), T((3, 2, 3, 3))), {"groups": 0}),
    ("nn.functional.conv2d", "groups=2 vs 3 out channels", (T((1, 2, 5, 5)), T((3, 1, 3, 3))), {"groups": 2}),
    ("nn.functional.conv2d", "kernel larger than input", (T((1, 2, 2, 2)), T((3, 2, 3, 3))), {}),
    ("nn.functional.conv2d", "channels mismatch", (T((1, 3, 5, 5)), T((3, 2, 3, 3))), {}),
    ("nn.functional.conv2d", "bias wrong length", (T((1, 2, 5, 5)), T((3, 2, 3, 3)), T((2,))), {}),
    ("nn.functional.conv2d", "padding='bad'", (T((1, 2, 5, 5)), T((3, 2, 3, 3))), {"padding": "bad"}),
    ("nn.functional.conv2d", "padding=same, stride 2", (T((1, 2, 5, 5)), T((3, 2, 3, 3))), {"padding": "same", "stride": 2}),
    ("nn.functional.conv2d", "stride=(1,)", (T((1, 2, 5, 5)), T((3, 2, 3, 3))), {"stride": (1,)}),
    ("nn.functional.conv3d", "stride=0", (T((1, 2, 4, 4, 4)), T((3, 2, 3, 3, 3))), {"stride": 0}),
    ("nn.functional.conv_transpose2d", "stride=0", (T((1, 2, 5, 5)), T((2, 3, 3, 3))), {"stride": 0}),
    ("nn.functional.conv_transpose2d", "output_padding >= stride", (T((1, 2, 5, 5)), T((2, 3, 3, 3))), {"output_padding": 1}),
    ("nn.functional.conv_transpose1d", "stride=0", (T((1, 2, 5)), T((2, 3, 3))), {"stride": 0}),
    # pooling
    ("nn.functional.max_pool2d", "kernel larger than input", (T((1, 2, 4, 4)), 5), {}),
    ("nn.functional.max_pool2d", "stride=0", (T((1, 2, 4, 4)), 2), {"stride": 0}),
    ("nn.functional.max_pool2d", "kernel=0", (T((1, 2, 4, 4)), 0), {}),
    ("nn.functional.max_pool2d", "padding > kernel/2", (T((1, 2, 4, 4)), 2), {"padding": 2}),
    ("nn.functional.max_pool2d", "dilation=0", (T((1, 2, 4, 4)), 2), {"dilation": 0}),
    ("nn.functional.max_pool1d", "kernel larger than input", (T((1, 2, 4)), 5), {}),
    ("nn.functional.max_pool1d", "stride=0", (T((1, 2, 4)), 2), {"stride": 0}),
    ("nn.functional.max_pool3d", "kernel larger than input", (T((1, 2, 4, 4, 4)), 5), {}),
    ("nn.functional.avg_pool2d", "kernel larger than input", (T((1, 2, 4, 4)), 5), {}),
    ("nn.functional.avg_pool2d", "stride=0", (T((1, 2, 4, 4)), 2), {"stride": 0}),
    ("nn.functional.avg_pool2d", "padding > kernel/2", (T((1, 2, 4, 4)), 2), {"padding": 2}),
    ("nn.functional.avg_pool1d", "kernel larger than input", (T((1, 2, 4)), 5), {}),
    ("nn.functional.avg_pool3d", "kernel larger than input", (T((1, 2, 4, 4, 4)), 5), {}),
    ("nn.functional.adaptive_avg_pool2d", "output_size=-1", (T((1, 2, 4, 4)), -1), {}),
    ("nn.functional.adaptive_max_pool2d", "output_size=-1", (T((1, 2, 4, 4)), -1), {}),
    ("nn.functional.unfold", "kernel larger than input", (T((1, 2, 4, 4)), 5), {}),
    ("nn.functional.unfold", "stride=0", (T((1, 2, 4, 4)), 2), {"stride": 0}),
    ("nn.functional.fold", "blocks do not match", (T((1, 8, 7)), (4, 4), 2), {}),
    # embeddings and indexing
    ("nn.functional.embedding", "index -1", (T((2,), "int64"), T((4, 3))), {}),
    ("nn.functional.embedding", "index 4 of 4", (T((4,), "int64"), T((4, 3))), {}),
    ("nn.functional.embedding", "float weight 1-d", (I23, T((4,))), {}),
    ("nn.functional.one_hot", "num_classes too small", (T((3,), "int64"),), {"num_classes": 1}),
    ("nn.functional.one_hot", "negative class", (T((3,), "int64"),), {"num_classes": -2}),
    ("gather", "index -1", (F23, 1, I23), {}),
    ("gather", "index 3 of 3", (F23, 1, I23), {}),
    ("index_select", "index out of range", (F23, 1, T((4,), "int64")), {}),
    ("take", "index out of range", (F23, T((2,), "int64")), {}),
    ("Tensor.__getitem__", "index 5 of 2", (F23, 5), {}),
    ("Tensor.__getitem__", "too many indices", (F23, (0, 0, 0)), {}),
    ("Tensor.__getitem__", "float index", (F23, 0.5), {}),
    ("Tensor.__setitem__", "index 5 of 2", (F23, 5, 0.5), {}),
    ("Tensor.__setitem__", "value shape mismatch", (F23, 0, T((4,))), {}),
    # integer arithmetic
    ("floor_divide", "int by zero", (I23, T((2, 3), "int64")), {}),
    ("remainder", "int by zero", (I23, T((2, 3), "int64")), {}),
    ("fmod", "int by zero", (I23, T((2, 3), "int64")), {}),
    ("div", "rounding_mode='bad'", (F23, F23), {"rounding_mode": "bad"}),
    ("div", "int floor by zero", (I23, T((2, 3), "int64")), {"rounding_mode": "floor"}),
    ("pow", "int to negative int", (I23, -1), {}),
    ("clamp", "neither min nor max", (F23,), {}),
    # shapes
    ("reshape", "incompatible size", (F23, (4,)), {}),
    ("reshape", "two -1", (F23, (-1, -1)), {}),
    ("Tensor.view", "incompatible size", (F23, 4), {}),
    ("Tensor.expand", "size 3 to 2", (F23, 2, 2), {}),
    ("Tensor.repeat", "fewer dims than tensor", (F23, 2), {}),
    ("permute", "repeated dim", (F23, (0, 0)), {}),
    ("permute", "too few dims", (F23, (0,)), {}),
    ("movedim", "repeated dim", (F23, (0, 0), (1, 0)), {}),
    ("split", "size 0", (F23, 0), {}),
    ("split", "sizes do not sum", (F23, [1, 3]), {}),
    ("chunk", "chunks 0", (F23, 0), {}),
    ("unflatten", "sizes do not multiply", (F23, 1, (2, 2)), {}),
    ("narrow", "past the end", (F23, 1, 2, 2), {}),
    ("tensor_split", "sections 0", (F23, 0), {}),
    ("cat", "empty list", ([],), {}),
    ("stack", "shapes differ", ([F23, T((3, 2))],), {}),
    ("broadcast_to", "incompatible", (F23, (2, 4)), {}),
    ("broadcast_shapes", "incompatible", ((2, 3), (2, 4)), {}),
    ("tile", "negative reps", (F23, (-1,)), {}),
    ("roll", "shifts and dims lengths", (F23, (1, 1), (0,)), {}),
    ("flatten", "start after end", (F23, 1, 0), {}),
    ("diagonal", "same dims", (F23, 0, 0, 0), {}),
    ("repeat_interleave", "negative repeats", (F23, -1), {}),
    ("repeat_interleave", "repeats length mismatch", (F23, T((3,), "int64")), {"dim": 0}),
    # selection and sorting
    ("topk", "k larger than dim", (F23, 4), {}),
    ("kthvalue", "k=0", (F23, 0), {}),
    ("kthvalue", "k larger than dim", (F23, 4), {}),
    ("multinomial", "more samples than categories", (T((3,)), 4), {}),
    ("multinomial", "num_samples=0", (T((3,)), 0), {}),
    ("bincount", "negative values", (T((3,), "int64"),), {"minlength": -1}),
    # creation
    ("arange", "step 0", (0, 3, 0), {}),
    ("arange", "wrong direction", (3, 0, 1), {}),
    ("linspace", "negative steps", (0.0, 1.0, -1), {}),
    ("eye", "negative n", (-1,), {}),
    ("full", "negative size", ((-1, 3), 0.5), {}),
    ("zeros", "negative size", (-1, 3), {}),
    ("ones", "negative size", (2, -3), {}),
    ("empty", "negative size", (-1,), {}),
    ("rand", "negative size", (-1,), {}),
    ("randn", "negative size", (-1,), {}),
    ("randperm", "negative n", (-1,), {}),
    ("randint", "low >= high", (3, 3, (2,)), {}),
    ("tril_indices", "negative rows", (-1, 3), {}),
    ("triu_indices", "negative rows", (-1, 3), {}),
    ("tensor", "ragged list", ([[1.0, 2.0], [3.0]],), {}),
    ("tensor", "string data", ("abc",), {}),
    ("as_tensor", "ragged list", ([[1.0, 2.0], [3.0]],), {}),
    ("Tensor.new_tensor", "ragged list", (F23, [[1.0, 2.0], [3.0]]), {}),
    ("Tensor.fill_", "value with 1 dim", (F23, T((3,))), {}),
    ("Tensor.type", "unknown type name", (F23, "bad"), {}),
    # normalisation, dropout, resampling, padding
    ("nn.functional.layer_norm", "shape mismatch", (F23, (2,)), {}),
    ("nn.functional.group_norm", "groups do not divide channels", (T((2, 4, 3)), 3), {}),
    ("nn.functional.batch_norm", "one value per channel in training", (T((1, 3)), None, None), {"training": True}),
    ("nn.functional.batch_norm", "running stats wrong length", (F23, T((2,)), T((2,))), {}),
    ("nn.functional.dropout", "p=1.5", (F23,), {"p": 1.5}),
    ("nn.functional.dropout", "p=-0.5", (F23,), {"p": -0.5}),
    ("nn.functional.dropout2d", "p=1.5", (T((1, 2, 4, 4)),), {"p": 1.5}),
    ("nn.functional.interpolate", "size and scale_factor", (T((1, 2, 4)),), {"size": 8, "scale_factor": 2.0}),
    ("nn.functional.interpolate", "neither size nor scale_factor", (T((1, 2, 4)),), {}),
    ("nn.functional.interpolate", "mode='bad'", (T((1, 2, 4)), 8), {"mode": "bad"}),
    ("nn.functional.interpolate", "bilinear on 3-d", (T((1, 2, 4)), 8), {"mode": "bilinear"}),
    ("nn.functional.pad", "odd pad length", (F23, (1,)), {}),
    ("nn.functional.pad", "mode='bad'", (F23, (1, 1)), {"mode": "bad"}),
    ("nn.functional.pad", "reflect pad >= dim", (T((1, 2, 3)), (3, 3)), {"mode": "reflect"}),
    ("nn.functional.pad", "too many pads", (F23, (1, 1, 1, 1, 1, 1)), {}),
    ("nn.functional.softmax", "dim out of range", (F23, 2), {}),
    ("nn.functional.log_softmax", "dim out of range", (F23, -3), {}),
    ("nn.functional.normalize", "dim out of range", (F23,), {"dim": 2}),
    ("nn.functional.cosine_similarity", "dim out of range", (F23, F23), {"dim": 2}),
    # losses
    ("nn.functional.cross_entropy", "class index 3 of 3", (F23, T((2,), "int64")), {"ignore_index": 0}),
    ("nn.functional.cross_entropy", "target batch mismatch", (F23, T((3,), "int64")), {}),
    ("nn.functional.cross_entropy", "label_smoothing=2", (F23, T((2,), "int64")), {"label_smoothing": 2.0}),
    ("nn.functional.cross_entropy", "reduction='bad'", (F23, T((2,), "int64")), {"reduction": "bad"}),
    ("nn.functional.cross_entropy", "weight wrong length", (F23, T((2,), "int64")), {"weight": T((2,))}),
    ("nn.functional.nll_loss", "target batch mismatch", (F23, T((3,), "int64")), {}),
    ("nn.functional.nll_loss", "reduction='bad'", (F23, T((2,), "int64")), {"reduction": "bad"}),
    ("nn.functional.mse_loss", "reduction='bad'", (F23, F23), {"reduction": "bad"}),
    ("nn.functional.l1_loss", "reduction='bad'", (F23, F23), {"reduction": "bad"}),
    ("nn.functional.binary_cross_entropy", "reduction='bad'", (F23, F23), {"reduction": "bad"}),
    ("nn.functional.binary_cross_entropy_with_logits", "reduction='bad'", (F23, F23), {"reduction": "bad"}),
    ("nn.functional.binary_cross_entropy_with_logits", "pos_weight mismatch", (F23, F23), {"pos_weight": T((4,))}),
    ("nn.functional.kl_div", "reduction='bad'", (F23, F23), {"reduction": "bad"}),
    ("nn.functional.smooth_l1_loss", "beta=-1", (F23, F23), {"beta": -1.0}),
    ("nn.functional.huber_loss", "delta=-1", (F23, F23), {"delta": -1.0}),
    ("nn.functional.gaussian_nll_loss", "negative var", (F23, F23, T((2, 3)) ), {"eps": -1.0}),
    ("nn.functional.scaled_dot_product_attention", "dims mismatch",
     (T((1, 2, 3)), T((1, 2, 4)), T((1, 2, 3))), {}),
    ("nn.functional.scaled_dot_product_attention", "scale='bad'", (T((1, 2, 3)), T((1, 2, 3)), T((1, 2, 3))), {"scale": "bad"}),
]


# ------------------------------------------------------------------------------ generic recipes

BAD_INTS = (7, -7, -1, 2.5)


def _with(args: tuple[Any, ...], index: int, value: Any) -> tuple[Any, ...]:
    return args[:index] + (value,) + args[index + 1 :]


def _tensor_count(args: tuple[Any, ...]) -> int:
    count = 0
    for a in args:
        if isinstance(a, T):
            count += 1
        elif isinstance(a, (list, tuple)):
            count += _tensor_count(tuple(a))
    return count


def mutations(op: str, args: tuple[Any, ...]) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """Bad variants of the good call ``args``: ``(label, args)``, labels naming the change."""
    is_method = op.startswith("Tensor.")
    n_tensors = _tensor_count(args)
    float_dtypes = {a.dtype for a in args if isinstance(a, T) and a.is_float}
    for i, a in enumerate(args):
        where = f"arg{i}"
        if isinstance(a, T):
            if not (is_method and i == 0):
                yield f"{where}=list", _with(args, i, a.values().tolist())
                yield f"{where}=None", _with(args, i, None)
            if a.is_float:
                yield f"{where}=int64", _with(args, i, replace(a, dtype="int64"))
                if i > 0 and a.dtype == "float32" and "float32" in float_dtypes:
                    yield f"{where}=float64", _with(args, i, replace(a, dtype="float64"))
            else:
                yield f"{where}=float32", _with(args, i, replace(a, dtype="float32"))
            if a.dtype == "int64":
                yield f"{where}=bool", _with(args, i, replace(a, dtype="bool"))
            if a.ndim >= 1:
                yield f"{where}=0d", _with(args, i, replace(a, shape=()))
                yield f"{where}=+dim", _with(args, i, replace(a, shape=(*a.shape, 2)))
                yield f"{where}=empty", _with(args, i, replace(a, shape=(0, *a.shape[1:])))
            if a.ndim >= 2:
                yield f"{where}=1d", _with(args, i, replace(a, shape=(3,)))
            if n_tensors >= 2 and a.ndim >= 1:
                yield f"{where}=shape+1", _with(args, i, replace(a, shape=(*a.shape[:-1], a.shape[-1] + 1)))
        elif isinstance(a, bool) or a is None:
            continue
        elif isinstance(a, int):
            for bad in BAD_INTS:
                if bad != a:
                    yield f"{where}={bad!r}", _with(args, i, bad)
        elif isinstance(a, float):
            for bad in (-1.0, 1.5):
                yield f"{where}={bad!r}", _with(args, i, bad)
        elif isinstance(a, tuple) and a and all(isinstance(x, int) and not isinstance(x, bool) for x in a):
            for bad in (-1, 0, 2.5):
                yield f"{where}[0]={bad!r}", _with(args, i, (bad, *a[1:]))
            yield f"{where}=()", _with(args, i, ())
        elif isinstance(a, list) and a and all(isinstance(x, T) for x in a):
            yield f"{where}=[]", _with(args, i, [])
            last = a[-1]
            yield f"{where}[-1]=0d", _with(args, i, [*a[:-1], replace(last, shape=())])
            yield f"{where}[-1]=+dim", _with(args, i, [*a[:-1], replace(last, shape=(*last.shape, 2))])
            yield f"{where}[-1]=shape+1", _with(args, i, [*a[:-1], replace(last, shape=(*last.shape[:-1], last.shape[-1] + 1))])


#: ops whose second tensor may live elsewhere in PyTorch: they read only its shape or dtype, or
#: copy across devices on purpose, or take indices from the CPU
CROSS_DEVICE_OK = frozenset(
    {"Tensor.copy_", "Tensor.reshape_as", "Tensor.view_as", "Tensor.expand_as", "Tensor.type_as",
     "Tensor.__getitem__", "Tensor.__setitem__"}
)


def wrong_backend_variants(op: str, args: tuple[Any, ...]) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """Each tensor after the first moved to another backend (PyTorch: another device)."""
    if op in CROSS_DEVICE_OK:
        return
    seen_first = False
    for i, a in enumerate(args):
        if isinstance(a, T):
            if seen_first:
                yield f"arg{i}=other backend", _with(args, i, replace(a, other_backend=True))
            seen_first = True
        elif isinstance(a, list) and a and all(isinstance(x, T) for x in a):
            if len(a) >= 2:
                yield f"arg{i}[-1]=other backend", _with(args, i, [*a[:-1], replace(a[-1], other_backend=True)])
            seen_first = True


# ------------------------------------------------------------------------------ the oracle


def torch_outcome(op: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str | None:
    """The name of the exception PyTorch raises on this call, or None if it returns."""
    import warnings

    fn = resolve(op, "torch")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn(*to_torch(args), **to_torch(kwargs))
    except Exception as exc:  # noqa: BLE001 - any exception is PyTorch's verdict
        return builtin_base(type(exc)).__name__
    return None


def builtin_base(cls: type) -> type:
    """The first built-in exception class in ``cls``'s MRO (torch's own classes are
    subclasses of RuntimeError, ValueError, ...)."""
    for base in cls.__mro__:
        if base.__module__ == "builtins":
            return base
    return Exception


#: PyTorch raises RuntimeError when tensors of one call are on different devices
CROSS_DEVICE_ERROR = "RuntimeError"


@functools.cache
def good_calls(op: str) -> list[tuple[Any, ...]]:
    """An op's good calls: its :data:`BASELINES` entry or the first three accepted patterns."""
    if op in BASELINES:
        return BASELINES[op]
    found = []
    for pattern in PATTERNS:
        if torch_outcome(op, pattern, {}) is None:
            found.append(pattern)
            if len(found) == 3:
                break
    return found


def all_good_calls() -> list[tuple[str, tuple[Any, ...]]]:
    """``(op, args)`` for every good call of every covered op, in a fixed order."""
    return [
        (op, call)
        for op in public_ops()
        if op not in EXCLUDED and has_torch_counterpart(op)
        for call in good_calls(op)
    ]


def generate() -> list[tuple[str, str, tuple[Any, ...], dict[str, Any], str]]:
    """All rows ``(op, label, args, kwargs, torch_error)``, in a fixed order."""
    rows: list[tuple[str, str, tuple[Any, ...], dict[str, Any], str]] = []
    seen: set[tuple[str, str]] = set()

    def add(op: str, label: str, args: tuple[Any, ...], kwargs: dict[str, Any], error: str | None) -> None:
        if error is None:
            return
        key = (op, repr((args, kwargs)))
        if key in seen:
            return
        seen.add(key)
        rows.append((op, label, args, kwargs, error))

    for op in public_ops():
        if op in EXCLUDED or not has_torch_counterpart(op):
            continue
        calls = good_calls(op)
        for k, call in enumerate(calls):
            if torch_outcome(op, call, {}) is not None:
                raise AssertionError(f"{op}: the good call {call!r} raises in PyTorch")
            prefix = f"call{k}:" if len(calls) > 1 else ""
            for label, bad in mutations(op, call):
                add(op, prefix + label, bad, {}, torch_outcome(op, bad, {}))
            for label, bad in wrong_backend_variants(op, call):
                add(op, prefix + label, bad, {}, CROSS_DEVICE_ERROR)
    for op, label, args, kwargs in HAND_ROWS:
        add(op, label, args, kwargs, torch_outcome(op, args, kwargs))
    return rows


def ops_without_torch() -> list[str]:
    return [op for op in public_ops() if op not in EXCLUDED and not has_torch_counterpart(op)]


# ------------------------------------------------------------------------------ the checked-in table

TABLE_PATH = Path(__file__).with_name("table.py")

HEADER = '''# ruff: noqa: E501
"""Generated by ``python -m tests.fuzz.cases --write``; do not edit by hand.

``ROWS``: one row per bad-argument call PyTorch refuses, ``(op, label, args, kwargs, torch_error)``;
``GOOD_CALLS``: the accepted calls the rows were made from. See ``cases.py`` for how.
"""

from tests.fuzz.cases import DT, T  # noqa: F401

ROWS = '''


def render(rows: list[Any], good: list[Any]) -> str:
    lines = [HEADER + "["]
    lines.extend(f"    {row!r}," for row in rows)
    lines += ["]", "", "#: the good calls the rows were made from: ``(op, args)``, each accepted by PyTorch", "GOOD_CALLS = ["]
    lines.extend(f"    {call!r}," for call in good)
    lines.append("]")
    return "\n".join(lines) + "\n"


def render_current() -> str:
    """The text ``table.py`` should have."""
    return render(generate(), all_good_calls())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite table.py")
    options = parser.parse_args()
    text = render_current()
    if options.write:
        TABLE_PATH.write_text(text)
        print(f"wrote {TABLE_PATH} ({text.count(chr(10))} lines)")
    else:
        print(text)


if __name__ == "__main__":
    main()
