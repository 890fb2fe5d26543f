"""Which public APIs the registries cover, and which they miss.

The public surface is enumerated, not listed by hand: every public callable of the
``arraygrad`` top-level namespace, every public Tensor method, the op properties ``T``,
``mT`` and ``H``, and the Tensor operators (dunders of the ``operator`` module and their
reflected forms). What is deliberately not an op (creation, RNG state, backend and dtype
management, autograd plumbing, metadata, host transfer) is excluded below, each group with
its reason, so a newly added op cannot slip past unnoticed.

An API counts as covered when a registry row names it (``OpSpec.apis``/``RandomSpec.apis``)
or when it is the very same object as a covered API (``Tensor.exp is ag.exp``,
``ag.clip is ag.clamp``): calling one runs exactly the code of the other.

Layers: every public ``nn.Module`` subclass in the ``arraygrad.nn`` namespace needs a row of
its own in the module registry (``conformance_tests/modules.py``; being a submodule of another
row's layer does not count), except the base classes and containers listed below.

Losses and optimizers: every public loss layer (a subclass of ``_Loss``) needs a row in the loss
registry (``conformance_tests/losses.py``), and every public ``Optimizer`` subclass of
``arraygrad.optim`` one in the optimizer registry (``conformance_tests/optimizers.py``).
"""

from __future__ import annotations

import importlib
import inspect
import operator
import types
from typing import Any

import arraygrad as ag
from conformance_tests.losses import loss_classes
from conformance_tests.modules import module_classes
from conformance_tests.optimizers import optimizer_classes
from conformance_tests.registry import OPS, RANDOM_OPS

# Top-level callables that are not tensor ops, by reason.
_TOP_LEVEL_EXCLUSIONS: dict[str, tuple[str, ...]] = {
    # create tensors from shapes/data: no tensor inputs to compare across backends
    "creation": ("tensor", "as_tensor", "from_numpy", "from_dlpack", "zeros", "ones", "empty", "full", "arange",
                 "linspace", "logspace", "eye", "zeros_like", "ones_like", "empty_like", "full_like"),
    # checkpoint file I/O, not a tensor op (tests/test_serialization.py)
    "serialization": ("save", "load"),
    # compiles functions of tensors; checked by the compiled-step tier (test_compiled_steps.py)
    "compiler": ("compile",),
    # state of the random generator (its streams are checked through RANDOM_OPS)
    "rng state": ("manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state"),
    # process-wide configuration
    "configuration": ("get_default_backend", "set_default_backend", "use_backend", "get_default_dtype",
                      "set_default_dtype", "is_grad_enabled", "is_inference_mode_enabled", "get_default_device",
                      "set_default_device"),
    # per-thread anomaly-detection switches (tests/core/test_anomaly.py checks them against PyTorch)
    "anomaly detection": ("is_anomaly_enabled", "is_anomaly_check_nan_enabled", "set_anomaly_enabled"),
    # PyTorch's global switches for library tuning (tests/test_namespaces.py checks their answers)
    "library flags": ("are_deterministic_algorithms_enabled", "use_deterministic_algorithms",
                      "is_deterministic_algorithms_warn_only_enabled", "get_float32_matmul_precision",
                      "set_float32_matmul_precision", "get_num_threads", "set_num_threads"),
    # metadata about tensors or shapes, no numerics
    "metadata": ("is_tensor", "numel", "broadcast_shapes", "is_floating_point"),
    # graph plumbing, not a computation
    "autograd plumbing": ("detach",),
    # per-thread autocast state (tests/test_amp.py checks autocast against PyTorch)
    "mixed precision state": ("get_autocast_dtype", "is_autocast_available", "is_autocast_enabled"),
    # sparse COO tensors: the registry's samples are dense; tests/core/test_sparse.py checks values and
    # gradients against PyTorch on every backend (their products are index_select/index_add, covered here)
    "sparse layout": ("sparse_coo_tensor", "spmm"),
}
TOP_LEVEL_EXCLUDED: dict[str, str] = {n: why for why, names in _TOP_LEVEL_EXCLUSIONS.items() for n in names}

# Tensor attributes that are not tensor ops, by reason.
_TENSOR_EXCLUSIONS: dict[str, tuple[str, ...]] = {
    "autograd plumbing": ("backward", "register_hook", "register_post_accumulate_grad_hook", "retain_grad",
                          "requires_grad_", "detach", "detach_"),
    "host/device transfer": ("item", "tolist", "numpy", "cpu", "cuda"),
    "metadata": ("size", "dim", "ndimension", "numel", "nelement", "element_size", "is_floating_point", "get_device",
                 "is_inference"),
    "creation": ("new_zeros", "new_ones", "new_empty", "new_full", "new_tensor", "new"),
    "conversion to a Python int": ("__index__",),
    # a rounding cast has no finite-difference derivative at 1e-6 steps, and strict has neither dtype:
    # conformance_tests/test_low_precision.py and tests/core/test_low_precision.py check it against PyTorch
    "conversion to 16-bit floats": ("half", "bfloat16"),
    # memory layout and sharing, no numerics (tests/core/test_views.py checks them against PyTorch)
    "memory layout": ("stride", "storage_offset", "is_contiguous", "data_ptr", "untyped_storage", "is_shared",
                      "share_memory_"),
    # conversion between the dense and sparse COO layouts (tests/core/test_sparse.py checks them against PyTorch)
    "sparse layout": ("to_dense", "to_sparse"),
}
TENSOR_EXCLUDED: dict[str, str] = {n: why for why, names in _TENSOR_EXCLUSIONS.items() for n in names}

#: Tensor properties that compute a new tensor; every other property (shape, dtype, grad...)
#: is metadata
OP_PROPERTIES = ("T", "mT", "H")

#: operator protocol names: the dunders of the ``operator`` module plus reflected binary forms
_BINARY = ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor", "lshift", "rshift")
OPERATOR_DUNDERS = frozenset(
    {n for n in dir(operator) if n.startswith("__") and n.endswith("__") and n not in (
        "__all__", "__builtins__", "__cached__", "__doc__", "__file__", "__loader__", "__name__", "__package__",
        "__spec__")}
    | {f"__r{b}__" for b in _BINARY}
)


def public_apis() -> dict[str, Any]:
    """Every public API that should be covered, by name, mapped to its object."""
    apis: dict[str, Any] = {}
    for name, value in vars(ag).items():
        if name.startswith("_") or name in TOP_LEVEL_EXCLUDED:
            continue
        if isinstance(value, (type, types.ModuleType)) or not callable(value):
            continue  # classes (Tensor, dtype, no_grad...), submodules, dtype objects, generator instances
        if not getattr(value, "__module__", "").startswith("arraygrad"):
            continue
        apis[name] = value
    for name in dir(ag.Tensor):
        if name in TENSOR_EXCLUDED:
            continue
        attr = inspect.getattr_static(ag.Tensor, name)
        if name.startswith("__"):
            if name in OPERATOR_DUNDERS and name in vars(ag.Tensor):
                apis[f"Tensor.{name}"] = attr
            continue
        if name.startswith("_"):
            continue
        if isinstance(attr, property):
            if name in OP_PROPERTIES:
                apis[f"Tensor.{name}"] = attr
            continue
        if callable(attr):
            apis[f"Tensor.{name}"] = attr
    return apis


def resolve(api: str) -> Any:
    """The object an API name refers to (``"exp"``, ``"Tensor.exp"``, ``"arraygrad.core.shape.pad"``).

    Raises:
        LookupError: the name does not exist.
    """
    try:
        if api.startswith("Tensor."):
            return inspect.getattr_static(ag.Tensor, api[len("Tensor."):])
        if api.startswith("arraygrad."):
            module, _, attr = api.rpartition(".")
            return getattr(importlib.import_module(module), attr)
        return getattr(ag, api)
    except (AttributeError, ImportError) as exc:
        raise LookupError(f"registry names {api!r}, which does not exist: {exc}") from None


def registry_apis() -> set[str]:
    """API names the registries declare (op rows and random-function rows)."""
    return {a for spec in OPS for a in spec.apis} | {a for spec in RANDOM_OPS for a in spec.apis}


def unknown_registry_apis() -> list[str]:
    """Registry API names that do not resolve to anything (typos would fake coverage)."""
    unknown = []
    for api in sorted(registry_apis()):
        try:
            resolve(api)
        except LookupError:
            unknown.append(api)
    return unknown


def covered() -> set[str]:
    """Public API names covered by a row directly or as the same object as a covered API."""
    declared = registry_apis()
    objects = set()
    for api in declared:
        try:
            # unwrapped: ``ag.add`` is ``ops.add`` behind the ``out=`` wrapper, ``Tensor.add`` the same function
            objects.add(id(_unwrap(resolve(api))))
        except LookupError:
            pass
    return {name for name, obj in public_apis().items() if name in declared or id(_unwrap(obj)) in objects}


def _unwrap(obj: Any) -> Any:
    """The function behind an ``out=`` wrapper or an argument-type wrapper (each runs exactly its
    code; core/out.py, core/argtypes.py); anything else as is."""
    while getattr(obj, "adds_out", False) or getattr(obj, "_checks_argument_types", False):
        obj = obj.__wrapped__
    return obj


def missing() -> list[str]:
    """Public APIs no registry row covers, sorted."""
    done = covered()
    return sorted(name for name in public_apis() if name not in done)


# ---------------------------------------------------------------------- nn modules

# Public nn.Module subclasses that need no module-registry row, by reason.
_MODULE_EXCLUSIONS: dict[str, tuple[str, ...]] = {
    # the base class of every layer: its forward is abstract
    "base class": ("Module",),
    # bases of covered layers (RNN/LSTM/GRU, RNNCell/LSTMCell/GRUCell), constructed through them
    "recurrent base classes": ("RNNBase", "RNNCellBase"),
    # hold modules or parameters for their owner but have no forward of their own
    # (Sequential, which has one, has a row)
    "containers without forward": ("ModuleList", "ModuleDict", "ParameterList", "ParameterDict"),
}
MODULE_EXCLUDED: dict[str, str] = {n: why for why, names in _MODULE_EXCLUSIONS.items() for n in names}


def _nn_module_classes() -> dict[str, type]:
    return {
        name: value for name, value in vars(ag.nn).items()
        if not name.startswith("_") and isinstance(value, type) and issubclass(value, ag.nn.Module)
    }


def _is_loss(cls: type) -> bool:
    """Loss layers (subclasses of the loss base class ``_Loss``) belong in the loss registry
    (DESIGN.md: one table each for ops, modules, losses and optimizers), not in this one."""
    from arraygrad.nn.modules.loss import _Loss

    return issubclass(cls, _Loss)


def public_modules() -> dict[str, type]:
    """Every public ``nn.Module`` subclass of the ``arraygrad.nn`` namespace that needs a
    module-registry row, by name: all but :data:`MODULE_EXCLUDED` and the loss layers."""
    return {n: c for n, c in _nn_module_classes().items() if n not in MODULE_EXCLUDED and not _is_loss(c)}


def loss_modules() -> list[str]:
    """The public loss layers (``"nn.Name"``), covered by the loss registry instead."""
    return sorted(f"nn.{n}" for n, c in _nn_module_classes().items() if _is_loss(c))


def missing_losses() -> list[str]:
    """Public loss layers (``"nn.Name"``) without a row in the loss registry, sorted."""
    done = loss_classes()
    return sorted(f"nn.{n}" for n, c in _nn_module_classes().items() if _is_loss(c) and c not in done)


#: public ``Optimizer`` subclasses that need no optimizer-registry row: the abstract base
OPTIMIZER_EXCLUDED: dict[str, str] = {"Optimizer": "base class: its step is abstract"}


def public_optimizers() -> dict[str, type]:
    """Every public ``Optimizer`` subclass of the ``arraygrad.optim`` namespace, by name, but
    :data:`OPTIMIZER_EXCLUDED`."""
    return {
        n: v for n, v in vars(ag.optim).items()
        if not n.startswith("_") and isinstance(v, type) and issubclass(v, ag.optim.Optimizer)
        and n not in OPTIMIZER_EXCLUDED
    }


def missing_optimizers() -> list[str]:
    """Public optimizers (``"optim.Name"``) without a row in the optimizer registry, sorted."""
    done = optimizer_classes()
    return sorted(f"optim.{n}" for n, c in public_optimizers().items() if c not in done)


def missing_modules() -> list[str]:
    """Public nn layers (``"nn.Name"``) without a row in the module registry, sorted."""
    done = module_classes()
    return sorted(f"nn.{name}" for name, cls in public_modules().items() if cls not in done)


def missing_all() -> list[str]:
    """Everything the registries miss: public APIs (ops), nn layers, losses and optimizers."""
    return missing() + missing_modules() + missing_losses() + missing_optimizers()
