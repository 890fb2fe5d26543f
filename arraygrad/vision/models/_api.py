"""Weights and the model registry of ``arraygrad.vision.models``, shaped like ``torchvision.models``.

torchvision's builders take ``weights=`` (a ``WeightsEnum`` member such as
``ResNet18_Weights.IMAGENET1K_V1``, its name as a string, or ``None``) and download the checkpoint.
arraygrad downloads nothing: ``weights=`` (or the legacy ``pretrained=``) is a path to a local file
that ``arraygrad.load`` reads into a flat ``state_dict`` -- a safetensors file written by
``safetensors.torch.save_file(model.state_dict(), path)``, or a ``torch.save``'d state_dict such as
the ``.pth`` files torchvision keeps in ``~/.cache/torch/hub/checkpoints`` -- and it is loaded with
``strict=True``. The weights enums exist so that code naming them imports and runs up to the point
where the weights are needed; there they raise an error that says how to export the file.
"""

from __future__ import annotations

import fnmatch
import os
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from arraygrad.core.tensor import Tensor
from arraygrad.nn.modules.module import Module

__all__ = ["Weights", "WeightsEnum", "get_model", "get_model_builder", "get_model_weights", "get_weight", "list_models"]

M = TypeVar("M", bound=Module)
_BuilderT = TypeVar("_BuilderT", bound=Callable[..., Any])


@dataclass(frozen=True)
class Weights:
    """Describe one set of torchvision's pretrained weights (a frozen dataclass).

    Args:
        url: where torchvision downloads the checkpoint from (arraygrad does not).
        transforms: builds the evaluation preprocessing the weights expect (an ``ImageClassification``
            preset): ``weights.transforms()``.
        meta: ``num_params``, ``min_size`` (the smallest input ``(height, width)``) and ``num_classes``
            (``None`` for feature-only weights) (default: an empty dict).
    """

    url: str
    transforms: Callable[..., Any]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def file_name(self) -> str:
        """The checkpoint's file name, as torchvision stores it in its cache."""
        return self.url.rsplit("/", 1)[-1]


class WeightsEnum(Enum):
    """The base class of the per-model weights enums (``ResNet18_Weights`` ...), as torchvision's.

    Members behave like torchvision's (``verify``, ``url``, ``transforms``, ``meta``, ``repr``), but
    ``get_state_dict`` raises: nothing is downloaded here, see the module docstring.
    """

    @classmethod
    def verify(cls, obj: Any) -> Any:
        """Turn ``obj`` into a member of this enum, as torchvision's ``WeightsEnum.verify``.

        Args:
            obj: a member, its name (``"IMAGENET1K_V1"``, ``"ResNet18_Weights.IMAGENET1K_V1"``, ``"DEFAULT"``) or None.

        Returns:
            The member, or None for None.

        Raises:
            KeyError: a string that names no member.
            TypeError: a member of another enum, or another type.
        """
        if obj is None:
            return None
        if type(obj) is str:
            return cls[obj.replace(cls.__name__ + ".", "")]
        if not isinstance(obj, cls):
            raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but received {obj.__class__.__name__}.")
        return obj

    def get_state_dict(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Refuse to download the weights: always raises, since arraygrad downloads nothing.

        The error message says how to export the weights with torchvision and pass the file to the builder.

        Args:
            *args: accepted for torchvision compatibility; ignored.
            **kwargs: accepted for torchvision compatibility; ignored.

        Returns:
            Nothing: the method never returns.

        Raises:
            RuntimeError: always.
        """
        raise RuntimeError(_export_instructions(self, _builder_of(self)))

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}.{self._name_}"

    @property
    def url(self) -> str:
        """Where torchvision downloads these weights from."""
        return self.value.url

    @property
    def transforms(self) -> Callable[..., Any]:
        """Builds the preprocessing these weights expect: ``preprocess = weights.transforms()``."""
        return self.value.transforms

    @property
    def meta(self) -> dict[str, Any]:
        """``num_params``, ``min_size`` and ``num_classes`` of these weights."""
        return self.value.meta


# ---------------------------------------------------------------------------------------- registry

_MODELS: dict[str, Callable[..., Module]] = {}
_WEIGHTS_OF: dict[str, type[WeightsEnum]] = {}


def register_model(name: str | None = None, weights: type[WeightsEnum] | None = None) -> Callable[[_BuilderT], _BuilderT]:
    """Decorator: record a model builder under ``name`` (default: the function's name) with its weights enum.

    Raises:
        ValueError: the name is already registered.
    """

    def wrapper(fn: _BuilderT) -> _BuilderT:
        key = name if name is not None else fn.__name__
        if key in _MODELS:
            raise ValueError(f"An entry is already registered under the name '{key}'.")
        _MODELS[key] = fn
        if weights is not None:
            _WEIGHTS_OF[key] = weights
        return fn

    return wrapper


def list_models(module: Any = None, include: str | Iterable[str] | None = None,
                exclude: str | Iterable[str] | None = None) -> list[str]:
    """List the sorted names of the registered model builders, as ``torchvision.models.list_models``.

    Args:
        module: only builders defined in this module or its submodules (e.g. ``arraygrad.vision.models``,
            where every builder lives); None for all (default None).
        include: a Unix shell-style pattern (``"resnet*"``) or several; a name is kept if it matches any
            (default None: keep all).
        exclude: a pattern or several; a name is dropped if it matches any (default None: drop none).

    Returns:
        The matching builder names, as a sorted list of str.

    Example:
        >>> from arraygrad.vision import models
        >>> models.list_models(include="vgg1*", exclude="*_bn")
        ['vgg11', 'vgg13', 'vgg16', 'vgg19']
    """
    names = {k for k, fn in _MODELS.items() if module is None or fn.__module__.startswith(module.__name__)}
    if include:
        patterns = [include] if isinstance(include, str) else list(include)
        names = {n for n in names if any(fnmatch.fnmatch(n, p) for p in patterns)}
    if exclude:
        patterns = [exclude] if isinstance(exclude, str) else list(exclude)
        names = {n for n in names if not any(fnmatch.fnmatch(n, p) for p in patterns)}
    return sorted(names)


def get_model_builder(name: str) -> Callable[..., Module]:
    """Look up the builder function registered under ``name``, as ``torchvision.models.get_model_builder``.

    Args:
        name: the builder's name, case-insensitive (``"resnet18"``).

    Returns:
        The builder function (``resnet18`` ...).

    Raises:
        ValueError: no builder has that name.
    """
    key = name.lower()
    if key not in _MODELS:
        raise ValueError(f"Unknown model {name}")
    return _MODELS[key]


def get_model(name: str, **config: Any) -> Module:
    """Build the model registered under ``name``, as ``torchvision.models.get_model``.

    The other keyword arguments (``config``) go to the builder: ``weights=``, ``num_classes=`` ...

    Args:
        name: the builder's name, case-insensitive (``"resnet18"``).

    Returns:
        The model the builder returns, in training mode.

    Raises:
        ValueError: no builder has that name.
    """
    return get_model_builder(name)(**config)


def get_model_weights(name: str | Callable[..., Any]) -> type[WeightsEnum]:
    """Return the weights enum of a model builder, as ``torchvision.models.get_model_weights``.

    Args:
        name: a registered builder name (case-insensitive) or the builder function itself.

    Returns:
        The builder's ``WeightsEnum`` subclass (``ResNet18_Weights`` ...).

    Raises:
        ValueError: ``name`` is no registered builder, or one without a weights enum (LeNet-5).
    """
    if isinstance(name, str):
        get_model_builder(name)
        key = name.lower()
    else:
        found = next((k for k, fn in _MODELS.items() if fn is name), None)
        if found is None:
            raise ValueError(f"{name!r} is not a registered model builder")
        key = found
    if key not in _WEIGHTS_OF:
        raise ValueError(f"The model {key!r} has no pretrained weights in torchvision")
    return _WEIGHTS_OF[key]


def get_weight(name: str) -> WeightsEnum:
    """Return the weights enum member named ``"EnumName.MEMBER"``, as ``torchvision.models.get_weight``.

    Only the enums of registered builders are searched.

    Args:
        name: the qualified member name, e.g. ``"ResNet50_Weights.IMAGENET1K_V2"``.

    Returns:
        The ``WeightsEnum`` member.

    Raises:
        ValueError: the name is not of the form ``Enum.MEMBER``, or names no known enum.
        KeyError: the enum has no such member.
    """
    try:
        enum_name, value_name = name.split(".")
    except ValueError:
        raise ValueError(f"Invalid weight name provided: '{name}'.") from None
    for enum_cls in _WEIGHTS_OF.values():
        if enum_cls.__name__ == enum_name:
            return enum_cls[value_name]
    raise ValueError(f"The weight enum '{enum_name}' for the specific method couldn't be retrieved.")


def _builder_of(member: WeightsEnum) -> str:
    return next((k for k, e in _WEIGHTS_OF.items() if e is type(member)), type(member).__name__.lower())


# ---------------------------------------------------------------------------------------- loading

def handle_legacy_pretrained(builder: str, weights: Any, kwargs: dict[str, Any], default: WeightsEnum | None,
                             stacklevel: int = 3) -> Any:
    """Fold torchvision's deprecated ``pretrained=`` keyword (popped from ``kwargs``) into ``weights``.

    ``pretrained=True`` means ``default`` (the weights torchvision used for it), ``False`` means no
    weights, and a path means that file. Warns like torchvision when ``pretrained`` is given
    (``stacklevel`` is the warning's, counted from here: 3 when called from the builder itself).

    Raises:
        ValueError: both ``weights`` and ``pretrained`` given, or ``pretrained=True`` for a model
            without weights.
    """
    if "pretrained" not in kwargs:
        return weights
    pretrained = kwargs.pop("pretrained")
    warnings.warn(
        "The parameter 'pretrained' is deprecated since 0.13 and may be removed in the future, please use 'weights' instead.",
        UserWarning, stacklevel=stacklevel,
    )
    if weights is not None:
        raise ValueError(f"{builder}(): pass either 'weights' or the deprecated 'pretrained', not both")
    if isinstance(pretrained, (str, os.PathLike)):
        return pretrained
    if pretrained:
        if default is None:
            raise ValueError(f"No weights available for model {builder}")
        return default
    return None


def ovewrite_named_param(kwargs: dict[str, Any], param: str, new_value: Any) -> None:
    """Set ``kwargs[param] = new_value`` (torchvision's helper of that name), refusing a conflicting value.

    Raises:
        ValueError: ``kwargs`` already holds another value for ``param``.
    """
    if param in kwargs:
        if kwargs[param] != new_value:
            raise ValueError(f"The parameter '{param}' expected value {new_value} but got {kwargs[param]} instead.")
    else:
        kwargs[param] = new_value


def resolve_weights(builder: str, weights: Any, enum_cls: type[WeightsEnum] | None) -> Path | None:
    """What ``weights=`` names: ``None``, or the local file to load.

    Args:
        builder: the builder's name, for messages (``"resnet18"``).
        weights: ``None``, a path (``str`` or ``os.PathLike``), or torchvision's weights (a member
            of ``enum_cls`` or its name).
        enum_cls: the builder's weights enum (``None`` when torchvision has none).

    Returns:
        ``None`` or the path of an existing file.

    Raises:
        RuntimeError: ``weights`` names torchvision's pretrained weights (nothing is downloaded;
            the message says how to export them).
        FileNotFoundError: a path that is not a file.
        TypeError: ``weights`` is neither a path, a weights enum member nor ``None``.
    """
    if weights is None:
        return None
    if isinstance(weights, WeightsEnum):
        if enum_cls is not None and not isinstance(weights, enum_cls):
            raise TypeError(f"{builder}(): invalid weights {weights!r}; expected {enum_cls.__name__} or a path")
        raise RuntimeError(_export_instructions(weights, builder))
    if isinstance(weights, str) and enum_cls is not None and not os.path.exists(weights):
        try:
            member = enum_cls.verify(weights)
        except KeyError:
            member = None
        if member is not None:
            raise RuntimeError(_export_instructions(member, builder))
    if isinstance(weights, (str, os.PathLike)):
        path = Path(weights)
        if not path.is_file():
            names = f" or one of {', '.join(enum_cls.__members__)}" if enum_cls is not None else ""
            raise FileNotFoundError(
                f"{builder}(weights={str(weights)!r}): no such file. weights= takes the path of a local safetensors "
                f"file (or a torch.save'd state_dict){names}, or None")
        return path
    raise TypeError(f"{builder}(): weights must be None, a path to a safetensors file or a weights enum member, "
                    f"got {type(weights).__name__}")


def load_weights(model: M, path: Path | None, builder: str) -> M:
    """Load the state_dict in the file ``path`` into ``model`` with ``strict=True`` (nothing if ``None``).

    Raises:
        ValueError: the file holds something other than a flat mapping of names to tensors.
        RuntimeError: missing or unexpected keys, or shapes that differ (``load_state_dict``'s message).
    """
    if path is None:
        return model
    from arraygrad.serialization import load

    state = load(path)
    if not isinstance(state, Mapping) or not all(isinstance(v, Tensor) for v in state.values()):
        raise ValueError(f"{builder}(weights={str(path)!r}): the file does not hold a flat state_dict of tensors "
                         f"(got {type(state).__name__})")
    model.load_state_dict(state, strict=True)
    return model


def _export_instructions(member: WeightsEnum, builder: str) -> str:
    return (
        f"{builder}(weights={member!r}): arraygrad does not download pretrained weights ({member.url}). "
        f"Export them once with torchvision and pass the file instead:\n"
        f"    import torchvision, safetensors.torch\n"
        f"    model = torchvision.models.{builder}(weights={str(member)!r})\n"
        f"    safetensors.torch.save_file(model.state_dict(), '{builder}.safetensors')\n"
        f"then arraygrad.vision.models.{builder}(weights='{builder}.safetensors'). The checkpoint torchvision "
        f"keeps in its cache (~/.cache/torch/hub/checkpoints/{member.value.file_name}) can be passed as is."
    )
