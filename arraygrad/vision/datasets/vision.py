"""The base class of the image datasets, as ``torchvision.datasets.VisionDataset``."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from arraygrad.data import Dataset

# the datasets keep their pixels and labels on the host backend (CPU memory, as torchvision's CPU
# tensors); ``dataset.data.to("jax")`` moves them, ``ToTensor`` makes items on the default backend
from arraygrad.data._utils import HOST_BACKEND

__all__ = ["HOST_BACKEND", "StandardTransform", "VisionDataset"]


class StandardTransform:
    """Apply ``transform`` to the input and ``target_transform`` to the target of a sample.

    Calling it with ``(input, target)`` returns the pair with each transform applied (a None transform
    leaves its part unchanged); :class:`VisionDataset` builds one from its ``transform`` and ``target_transform``.

    Args:
        transform: a function of the input (default None: identity).
        target_transform: a function of the target (default None: identity).
    """

    def __init__(self, transform: Callable[[Any], Any] | None = None,
                 target_transform: Callable[[Any], Any] | None = None) -> None:
        self.transform = transform
        self.target_transform = target_transform

    def __call__(self, input: Any, target: Any) -> tuple[Any, Any]:  # noqa: A002 - torchvision's name
        if self.transform is not None:
            input = self.transform(input)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return input, target

    @staticmethod
    def _format(transform: Any, head: str) -> list[str]:
        lines = repr(transform).splitlines()
        return [f"{head}{lines[0]}"] + [" " * len(head) + line for line in lines[1:]]

    def __repr__(self) -> str:
        body = [self.__class__.__name__]
        if self.transform is not None:
            body += self._format(self.transform, "Transform: ")
        if self.target_transform is not None:
            body += self._format(self.target_transform, "Target transform: ")
        return "\n".join(body)


class VisionDataset(Dataset[Any]):
    """Serve as the base class of the image datasets, as ``torchvision.datasets.VisionDataset``.

    Subclasses define ``__getitem__`` and ``__len__``. Pass either ``transforms`` or the pair
    ``transform`` / ``target_transform`` (which are then combined into a :class:`StandardTransform`
    stored as ``transforms``).

    Args:
        root: the dataset's directory (``~`` is expanded); only used for ``repr`` here (default None).
        transforms: a function of ``(input, target)`` returning both transformed (default None).
        transform: a function of the input, e.g. a PIL image (default None).
        target_transform: a function of the target (default None).

    Raises:
        ValueError: both ``transforms`` and ``transform``/``target_transform`` are given.
    """

    _repr_indent = 4

    def __init__(self, root: str | os.PathLike[str] | None = None, transforms: Callable[..., Any] | None = None,
                 transform: Callable[[Any], Any] | None = None,
                 target_transform: Callable[[Any], Any] | None = None) -> None:
        if isinstance(root, str):
            root = os.path.expanduser(root)
        self.root = root
        has_separate = transform is not None or target_transform is not None
        if transforms is not None and has_separate:
            raise ValueError("Only transforms or transform/target_transform can be passed as argument")
        self.transform = transform
        self.target_transform = target_transform
        if has_separate:
            transforms = StandardTransform(transform, target_transform)
        self.transforms = transforms

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def extra_repr(self) -> str:
        """Return the extra lines a subclass adds to ``repr`` (e.g. the split).

        Returns:
            The lines as one str separated by newlines; empty here.
        """
        return ""

    def __repr__(self) -> str:
        head = "Dataset " + self.__class__.__name__
        body = [f"Number of datapoints: {self.__len__()}"]
        if self.root is not None:
            body.append(f"Root location: {self.root}")
        body += self.extra_repr().splitlines()
        if self.transforms is not None:
            body += repr(self.transforms).splitlines()
        return "\n".join([head] + [" " * self._repr_indent + line for line in body])
