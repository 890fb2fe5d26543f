"""Transforms built from other callables: ``Compose`` chains them, ``RandomApply`` applies them
all or none with a probability, ``Lambda`` wraps a user function."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from arraygrad.core.random import Generator
from arraygrad.data._utils import host_rand
from arraygrad.vision.transforms.transforms._utils import _Transform

__all__ = ["Compose", "Lambda", "RandomApply"]


class Compose:
    """Apply transforms one after the other: ``Compose([ToTensor(), Normalize(m, s)])(img)``.

    Calling the object passes the image through each transform in order and returns the last result.

    Args:
        transforms: the callables to apply, first to last (copied into a list).
    """

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{self.__class__.__name__}({body}\n)"


class Lambda(_Transform):
    """Wrap a user function as a transform: calling it returns ``lambd(img)``.

    Args:
        lambd: the callable applied to each image.

    Raises:
        TypeError: ``lambd`` is not callable.
    """

    def __init__(self, lambd: Callable[[Any], Any]) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def forward(self, img: Any) -> Any:
        """Apply the wrapped function to ``img``.

        Args:
            img: the input, of whatever kind the function takes.

        Returns:
            What ``lambd(img)`` returns.
        """
        return self.lambd(img)


class RandomApply(_Transform):
    """Apply a list of transforms, all or none, with probability ``p``.

    Args:
        transforms: the callables applied in order when the draw succeeds (copied into a list).
        p: probability of applying them (default 0.5).
        generator: where the coin comes from (default None: the default generator).
    """

    def __init__(self, transforms: Sequence[Callable[[Any], Any]], p: float = 0.5,
                 generator: Generator | None = None) -> None:
        self.transforms = list(transforms)
        self.p = p
        self.generator = generator

    def forward(self, img: Any) -> Any:
        """Pass ``img`` through every transform with probability ``p``, else return it unchanged.

        Args:
            img: the input image, of whatever kind the transforms take.

        Returns:
            The output of the last transform, or ``img`` itself.
        """
        if self.p < host_rand(1, self.generator)[0]:
            return img
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{self.__class__.__name__}(\n    p={self.p}{body}\n)"
