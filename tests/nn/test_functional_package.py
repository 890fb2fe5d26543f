"""``arraygrad.nn.functional`` is a package of one submodule per family; programs import its names
from the package (``import arraygrad.nn.functional as F``) as from ``torch.nn.functional``."""

from __future__ import annotations

import importlib
import pickle
import pkgutil

import pytest

import arraygrad.nn.functional as F


def _submodules(package, prefix=""):
    """The public submodules of ``package``, those of its subpackages as ``"sub.module"``."""
    found = []
    for m in pkgutil.iter_modules(package.__path__):
        if m.name.startswith("_"):
            continue
        found.append(prefix + m.name)
        if m.ispkg:
            found += _submodules(importlib.import_module(f"{package.__name__}.{m.name}"), f"{prefix}{m.name}.")
    return found


SUBMODULES = sorted(_submodules(F))
# a subpackage (``loss``) re-exports the names of its own submodules
PACKAGES = [name for name in SUBMODULES if hasattr(importlib.import_module(f"arraygrad.nn.functional.{name}"), "__path__")]


def test_the_families_mirror_nn_modules():
    assert SUBMODULES == ["activation", "conv", "distance", "dropout", "embedding", "interpolation", "linear", "loss",
                          "loss.classification", "loss.distribution", "loss.margin", "loss.regression",
                          "normalization", "pooling"]


def test_every_subpackage_name_is_in_the_package_namespace():
    for name in PACKAGES:
        package = importlib.import_module(f"arraygrad.nn.functional.{name}")
        children = [importlib.import_module(f"{package.__name__}.{child}") for child in _submodules(package)]
        assert sorted(package.__all__) == sorted(n for child in children for n in child.__all__), name
        for public in package.__all__:
            assert getattr(F, public) is getattr(package, public), (name, public)


def test_every_submodule_name_is_in_the_package_namespace():
    seen = []
    for name in SUBMODULES:
        if name in PACKAGES:
            continue
        module = importlib.import_module(f"arraygrad.nn.functional.{name}")
        for public in module.__all__:
            assert getattr(F, public) is getattr(module, public), (name, public)
            assert getattr(module, public).__module__ == module.__name__
            seen.append(public)
    assert len(seen) == len(set(seen)), "a name is defined in two submodules"
    re_exported = {"one_hot", "pad", "sigmoid", "softplus", "tanh", "scaled_dot_product_attention",
                   "multi_head_attention_forward"}
    assert sorted(set(F.__all__) - re_exported) == sorted(seen)
    assert len(F.__all__) == len(set(F.__all__))


@pytest.mark.parametrize("name", sorted(F.__all__))
def test_public_functions_pickle_by_reference(name):
    # a module holding F.relu as an attribute must survive pickling (a DataLoader worker, torch.save)
    fn = getattr(F, name)
    assert pickle.loads(pickle.dumps(fn)) is fn


def test_mistyped_arguments_raise_pytorch_type_error_from_every_family():
    with pytest.raises(TypeError, match=r"^cross_entropy\(\): argument 'input' \(position 1\) must be Tensor, not list$"):
        F.cross_entropy([1.0], None)
    with pytest.raises(TypeError, match=r"^conv2d\(\): argument 'input' \(position 1\) must be Tensor, not list$"):
        F.conv2d([1.0], None)
    with pytest.raises(TypeError, match=r"^pad\(\): argument 'input' \(position 1\) must be Tensor, not list$"):
        F.pad([1.0], (1, 1))
