"""Datasets of files in one folder per class, as ``torchvision.datasets.ImageFolder`` / ``DatasetFolder``.

    root/dog/xxx.png
    root/dog/[...]/xxz.png
    root/cat/123.png

Classes are the sorted sub-folder names (``class_to_idx`` maps them to 0, 1, ...); samples are the
valid files below each, walked in sorted order (following links), exactly as torchvision lists them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from arraygrad.vision.datasets.vision import VisionDataset

__all__ = ["IMG_EXTENSIONS", "DatasetFolder", "ImageFolder", "default_loader", "find_classes",
           "has_file_allowed_extension", "is_image_file", "make_dataset", "pil_loader"]

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def has_file_allowed_extension(filename: str, extensions: str | tuple[str, ...]) -> bool:
    """Whether ``filename`` ends (case-insensitively) with one of ``extensions``."""
    return filename.lower().endswith(extensions if isinstance(extensions, str) else tuple(extensions))


def is_image_file(filename: str) -> bool:
    """Whether ``filename`` has one of :data:`IMG_EXTENSIONS`."""
    return has_file_allowed_extension(filename, IMG_EXTENSIONS)


def find_classes(directory: str | os.PathLike[str]) -> tuple[list[str], dict[str, int]]:
    """The sorted class folder names of ``directory`` and their indices.

    Raises:
        FileNotFoundError: ``directory`` has no sub-folder (or does not exist).
    """
    classes = sorted(entry.name for entry in os.scandir(directory) if entry.is_dir())
    if not classes:
        raise FileNotFoundError(f"Couldn't find any class folder in {directory}.")
    return classes, {name: i for i, name in enumerate(classes)}


def make_dataset(directory: str | os.PathLike[str], class_to_idx: dict[str, int] | None = None,
                 extensions: str | tuple[str, ...] | None = None, is_valid_file: Callable[[str], bool] | None = None,
                 allow_empty: bool = False) -> list[tuple[str, int]]:
    """``(path, class_index)`` for every valid file under each class folder, in sorted order.

    Args:
        directory: the root folder.
        class_to_idx: class folder name -> index (default: :func:`find_classes`).
        extensions: the allowed extensions; or
        is_valid_file: a function of a path saying whether to keep the file (exactly one of the two).
        allow_empty: accept class folders with no valid file.

    Raises:
        ValueError: an empty ``class_to_idx``, or both or neither of extensions and is_valid_file.
        FileNotFoundError: a class folder without a valid file (unless ``allow_empty``).
    """
    directory = os.path.expanduser(directory)
    if class_to_idx is None:
        _, class_to_idx = find_classes(directory)
    elif not class_to_idx:
        raise ValueError("'class_to_index' must have at least one entry to collect any samples.")
    if (extensions is None) == (is_valid_file is None):
        raise ValueError("Both extensions and is_valid_file cannot be None or not None at the same time")
    if extensions is not None:
        allowed = extensions

        def is_valid_file(x: str) -> bool:
            return has_file_allowed_extension(x, allowed)

    assert is_valid_file is not None
    instances = []
    available = set()
    for target_class in sorted(class_to_idx):
        class_index = class_to_idx[target_class]
        target_dir = os.path.join(directory, target_class)
        if not os.path.isdir(target_dir):
            continue
        for root, _, fnames in sorted(os.walk(target_dir, followlinks=True)):
            for fname in sorted(fnames):
                path = os.path.join(root, fname)
                if is_valid_file(path):
                    instances.append((path, class_index))
                    available.add(target_class)
    empty = set(class_to_idx) - available
    if empty and not allow_empty:
        msg = f"Found no valid file for the classes {', '.join(sorted(empty))}. "
        if extensions is not None:
            msg += f"Supported extensions are: {extensions if isinstance(extensions, str) else ', '.join(extensions)}"
        raise FileNotFoundError(msg)
    return instances


class DatasetFolder(VisionDataset):
    """Load samples with ``loader`` from ``root/<class>/.../<file>``, as ``torchvision.datasets.DatasetFolder``.

    Item ``i`` is ``(loader(path), class_index)`` of the ``i``-th sample, with ``transform`` and
    ``target_transform`` applied.

    Args:
        root: the root folder; each sub-folder is a class.
        loader: a function of a path returning the sample.
        extensions: the allowed file extensions; give this or ``is_valid_file`` (default None).
        transform: applied to the loaded sample (default None).
        target_transform: applied to the class index (default None).
        is_valid_file: a function of a path saying whether to keep the file; give this or
            ``extensions`` (default None).
        allow_empty: accept class folders with no valid file (default False).

    Attributes:
        classes: the sorted class names.
        class_to_idx: class name -> index.
        samples: the ``(path, class_index)`` pairs.
        targets: the class index of each sample.

    Raises:
        FileNotFoundError: ``root`` has no class folder, or a class folder has no valid file (unless
            ``allow_empty``).
        ValueError: both or neither of ``extensions`` and ``is_valid_file`` are given.
    """

    def __init__(self, root: str | os.PathLike[str], loader: Callable[[str], Any],
                 extensions: tuple[str, ...] | None = None, transform: Callable[[Any], Any] | None = None,
                 target_transform: Callable[[Any], Any] | None = None,
                 is_valid_file: Callable[[str], bool] | None = None, allow_empty: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        classes, class_to_idx = self.find_classes(self.root)  # type: ignore[arg-type]
        samples = self.make_dataset(self.root, class_to_idx=class_to_idx, extensions=extensions,  # type: ignore[arg-type]
                                    is_valid_file=is_valid_file, allow_empty=allow_empty)
        self.loader = loader
        self.extensions = extensions
        self.classes = classes
        self.class_to_idx = class_to_idx
        self.samples = samples
        self.targets = [s[1] for s in samples]

    @staticmethod
    def make_dataset(directory: str | os.PathLike[str], class_to_idx: dict[str, int],
                     extensions: tuple[str, ...] | None = None, is_valid_file: Callable[[str], bool] | None = None,
                     allow_empty: bool = False) -> list[tuple[str, int]]:
        """List the ``(path, class_index)`` samples of ``directory`` (override to read another layout).

        Args:
            directory: the root folder.
            class_to_idx: class folder name -> index; must be given.
            extensions: the allowed file extensions; give this or ``is_valid_file`` (default None).
            is_valid_file: a function of a path saying whether to keep the file (default None).
            allow_empty: accept class folders with no valid file (default False).

        Returns:
            The samples, as a list of ``(path, class_index)`` pairs, class by class in sorted order.

        Raises:
            ValueError: ``class_to_idx`` is None or empty, or both or neither of ``extensions`` and
                ``is_valid_file`` are given.
            FileNotFoundError: a class folder has no valid file (unless ``allow_empty``).
        """
        if class_to_idx is None:
            raise ValueError("The class_to_idx parameter cannot be None.")
        return make_dataset(directory, class_to_idx, extensions=extensions, is_valid_file=is_valid_file,
                            allow_empty=allow_empty)

    def find_classes(self, directory: str | os.PathLike[str]) -> tuple[list[str], dict[str, int]]:
        """Find the class folders of ``directory`` (override to choose other folders).

        Args:
            directory: the root folder.

        Returns:
            ``(classes, class_to_idx)``: the sorted sub-folder names, and a dict mapping each to its index.

        Raises:
            FileNotFoundError: ``directory`` has no sub-folder.
        """
        return find_classes(directory)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        """``(sample, target)``: the loaded (and transformed) file and its class index."""
        path, target = self.samples[index]
        sample = self.loader(path)
        if self.transform is not None:
            sample = self.transform(sample)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return sample, target

    def __len__(self) -> int:
        return len(self.samples)


def pil_loader(path: str | os.PathLike[str]) -> Any:
    """Open an image file with PIL and convert it to RGB.

    Raises:
        OSError: not an image PIL can read (PIL's ``UnidentifiedImageError``).
    """
    from arraygrad.vision.transforms.functional import _pil_image_module

    with open(path, "rb") as f:
        img = _pil_image_module().open(f)
        return img.convert("RGB")


def default_loader(path: str | os.PathLike[str]) -> Any:
    """The loader of :class:`ImageFolder`: :func:`pil_loader`."""
    return pil_loader(path)


class ImageFolder(DatasetFolder):
    """Load images from ``root/<class>/.../<file>`` as PIL RGB images, as ``torchvision.datasets.ImageFolder``.

    Files are kept when they have one of :data:`IMG_EXTENSIONS`, unless ``is_valid_file`` is given.
    Besides the attributes of :class:`DatasetFolder`, ``imgs`` is the same list as ``samples``.

    Args:
        root: the root folder; each sub-folder is a class.
        transform: applied to the PIL image (default None).
        target_transform: applied to the class index (default None).
        loader: a function of a path returning the image (default :func:`default_loader`).
        is_valid_file: a function of a path saying whether to keep the file; replaces the extension
            check (default None).
        allow_empty: accept class folders with no image (default False).

    Raises:
        FileNotFoundError: ``root`` has no class folder, or a class folder has no image (unless
            ``allow_empty``).
    """

    def __init__(self, root: str | os.PathLike[str], transform: Callable[[Any], Any] | None = None,
                 target_transform: Callable[[Any], Any] | None = None,
                 loader: Callable[[str], Any] = default_loader, is_valid_file: Callable[[str], bool] | None = None,
                 allow_empty: bool = False) -> None:
        super().__init__(root, loader, IMG_EXTENSIONS if is_valid_file is None else None, transform=transform,
                         target_transform=target_transform, is_valid_file=is_valid_file, allow_empty=allow_empty)
        self.imgs = self.samples
