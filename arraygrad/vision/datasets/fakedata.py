"""Random images, as ``torchvision.datasets.FakeData``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from arraygrad.core.random import Generator, randint, randn
from arraygrad.vision.datasets.vision import HOST_BACKEND, VisionDataset

__all__ = ["FakeData"]


class FakeData(VisionDataset):
    """Generate ``size`` random images with random labels, as ``torchvision.datasets.FakeData``.

    The images are PIL images made from standard-normal pixels (as torchvision's). Item ``i`` is drawn
    from arraygrad's generator seeded with ``i + random_offset``, so it is the same image and label on
    every run and every backend, and drawing items leaves the global random state alone. (torchvision
    seeds torch's generator the same way, so its pixels differ from these.)

    Args:
        size: the number of items (default 1000).
        image_size: ``(C, H, W)``; C of 1, 3 or 4 gives PIL modes L, RGB, RGBA (default ``(3, 224, 224)``).
        num_classes: labels are in ``[0, num_classes)`` (default 10).
        transform: applied to the PIL image (default None).
        target_transform: applied to the int label (default None).
        random_offset: added to every item's seed (default 0).

    Raises:
        IndexError: an index outside ``[0, size)`` (negative indices count from the end).
    """

    def __init__(self, size: int = 1000, image_size: tuple[int, int, int] = (3, 224, 224), num_classes: int = 10,
                 transform: Callable[[Any], Any] | None = None, target_transform: Callable[[Any], Any] | None = None,
                 random_offset: int = 0) -> None:
        super().__init__(transform=transform, target_transform=target_transform)
        self.size = size
        self.num_classes = num_classes
        self.image_size = image_size
        self.random_offset = random_offset

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        """``(image, target)``: a PIL image (after ``transform``) and an int label."""
        from arraygrad.vision.transforms.functional import to_pil_image

        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"{self.__class__.__name__} index out of range")
        g = Generator().manual_seed(index + self.random_offset)
        img = randn(*self.image_size, generator=g, backend=HOST_BACKEND)
        target: Any = int(randint(0, self.num_classes, (1,), generator=g, backend=HOST_BACKEND)[0])
        pil = to_pil_image(img)
        if self.transform is not None:
            pil = self.transform(pil)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return pil, target

    def __len__(self) -> int:
        return self.size
