"""The registries cover every public op, nn layer, loss and optimizer, name only APIs that exist, and every
registered backend is one the suite declares (so none can be silently absent)."""

from __future__ import annotations

import arraygrad as ag
from conformance_tests import coverage
from conformance_tests.harness import BACKENDS


def test_no_public_op_missing_from_registry() -> None:
    missing = coverage.missing()
    assert not missing, (
        f"{len(missing)} public APIs have no registry row (add a row to conformance_tests/registry.py, or, "
        f"if it is not an op, an exclusion with its reason to conformance_tests/coverage.py): {missing}"
    )


def test_no_public_module_missing_from_module_registry() -> None:
    missing = coverage.missing_modules()
    assert not missing, (
        f"{len(missing)} public nn layers have no row in the module registry (add rows to "
        f"conformance_tests/modules.py, or, for a base class or a container without forward, an exclusion with its "
        f"reason to conformance_tests/coverage.py): {missing}"
    )


def test_no_public_loss_missing_from_loss_registry() -> None:
    missing = coverage.missing_losses()
    assert not missing, (
        f"{len(missing)} public loss layers have no row in the loss registry (add rows to "
        f"conformance_tests/losses.py): {missing}"
    )


def test_no_public_optimizer_missing_from_optimizer_registry() -> None:
    missing = coverage.missing_optimizers()
    assert not missing, (
        f"{len(missing)} public optimizers have no row in the optimizer registry (add rows to "
        f"conformance_tests/optimizers.py): {missing}"
    )


def test_optimizer_exclusions_name_existing_optimizers() -> None:
    stale = [n for n in coverage.OPTIMIZER_EXCLUDED if not isinstance(getattr(ag.optim, n, None), type)]
    assert not stale, f"optimizer coverage exclusions name classes that no longer exist: {stale}"


def test_module_exclusions_name_existing_modules() -> None:
    stale = [n for n in coverage.MODULE_EXCLUDED
             if not (isinstance(getattr(ag.nn, n, None), type) and issubclass(getattr(ag.nn, n), ag.nn.Module))]
    assert not stale, f"module coverage exclusions name nn classes that no longer exist: {stale}"


def test_registry_names_existing_apis() -> None:
    unknown = coverage.unknown_registry_apis()
    assert not unknown, f"registry rows name APIs that do not exist: {unknown}"


def test_exclusions_name_existing_apis() -> None:
    stale = [n for n in coverage.TOP_LEVEL_EXCLUDED if not hasattr(ag, n)]
    stale += [f"Tensor.{n}" for n in coverage.TENSOR_EXCLUDED if not hasattr(ag.Tensor, n)]
    assert not stale, f"coverage exclusions name APIs that no longer exist: {stale}"


def test_every_registered_backend_is_declared() -> None:
    undeclared = set(ag.backends.names()) - set(BACKENDS)
    assert not undeclared, f"backends registered in arraygrad but absent from the conformance suite: {sorted(undeclared)}"
