"""Image utilities, as ``torchvision.utils``: ``make_grid``, ``save_image`` and ``draw_bounding_boxes``.

The outputs equal torchvision's on the same inputs. ``make_grid`` is built from tensor ops (no
in-place writes), so it runs on every backend and inside autograd. ``save_image`` and
``draw_bounding_boxes`` go through Pillow.
"""

from __future__ import annotations

import math
import os
import warnings
from typing import IO, Any

from arraygrad.core import dtypes
from arraygrad.core.autograd import no_grad
from arraygrad.core.shape import cat, stack
from arraygrad.core.tensor import Tensor

__all__ = ["make_grid", "save_image", "draw_bounding_boxes"]

Color = str | tuple[int, int, int]


def _require_pil(op: str) -> Any:
    try:
        from PIL import Image
    except ImportError as exc:  # pragma: no cover - Pillow comes with matplotlib
        raise ImportError(f"{op} needs Pillow: pip install pillow") from exc
    return Image


def _norm_range(img: Tensor, low: float, high: float) -> Tensor:
    """``img`` clamped to ``[low, high]`` and mapped onto ``[0, 1]`` (torchvision's ``norm_ip``)."""
    return img.clamp(min=low, max=high).sub(low).div(max(high - low, 1e-5))


def make_grid(tensor: Tensor | list[Tensor], nrow: int = 8, padding: int = 2, normalize: bool = False,
              value_range: tuple[float, float] | None = None, scale_each: bool = False, pad_value: float = 0.0) -> Tensor:
    """Tile a batch of images into one image, row by row.

    Args:
        tensor: a ``(B, C, H, W)`` batch, a list of same-sized ``(C, H, W)`` images, or one image
            ``(C, H, W)`` / ``(H, W)``. Single-channel images are repeated to 3 channels.
        nrow: images per row; the grid has ``ceil(B / nrow)`` rows.
        padding: pixels of ``pad_value`` around and between the images.
        normalize: map the values onto ``[0, 1]``: clamp to ``value_range`` (default: the minimum
            and maximum of the batch, or of each image with ``scale_each``), subtract the low end
            and divide by the range.
        value_range: ``(min, max)`` for ``normalize``.
        scale_each: normalize each image by its own minimum and maximum.
        pad_value: the value of the padding pixels.

    Returns:
        ``(C, (H + padding) * rows + padding, (W + padding) * min(nrow, B) + padding)``, or the
        (3-channel, normalized) image itself when the batch holds one image. Same dtype and backend
        as the input.

    Raises:
        TypeError: not a tensor or a list of tensors; ``value_range`` not a tuple.
        ValueError: a tensor with other than 2, 3 or 4 dimensions, ``nrow < 1`` or ``padding < 0``.
    """
    if not isinstance(tensor, Tensor):
        if isinstance(tensor, list):
            for t in tensor:
                if not isinstance(t, Tensor):
                    raise TypeError(f"tensor or list of tensors expected, got a list containing {type(t)}")
        else:
            raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    if isinstance(nrow, bool) or not isinstance(nrow, int) or nrow < 1:
        raise ValueError(f"make_grid: nrow must be a positive int, got {nrow!r}")
    if isinstance(padding, bool) or not isinstance(padding, int) or padding < 0:
        raise ValueError(f"make_grid: padding must be a non-negative int, got {padding!r}")
    if isinstance(tensor, list):
        if not tensor:
            raise ValueError("make_grid: got an empty list of images")
        tensor = stack(tensor, dim=0)
    if tensor.ndim not in (2, 3, 4):
        raise ValueError(f"make_grid: expected a (B, C, H, W) batch or a (C, H, W) or (H, W) image, "
                         f"got a tensor of shape {tuple(tensor.shape)}")
    if tensor.ndim == 2:
        tensor = tensor.unsqueeze(0)
    if tensor.ndim == 3:
        if tensor.shape[0] == 1:
            tensor = cat((tensor, tensor, tensor), 0)
        tensor = tensor.unsqueeze(0)
    if tensor.shape[1] == 1:
        tensor = cat((tensor, tensor, tensor), 1)

    if normalize is True:
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")

        def norm(t: Tensor) -> Tensor:
            if value_range is not None:
                return _norm_range(t, value_range[0], value_range[1])
            return _norm_range(t, float(t.min().item()), float(t.max().item()))

        tensor = stack([norm(t) for t in tensor.unbind(0)]) if scale_each is True else norm(tensor)

    if tensor.shape[0] == 1:
        return tensor.squeeze(0)

    nmaps, num_channels, h, w = (int(s) for s in tensor.shape)
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))

    def fill(*shape: int) -> Tensor:
        return tensor.new_full(shape, pad_value)

    # every cell is an image with `padding` rows above and columns to its left; empty cells are all padding
    cells = tensor if nmaps == ymaps * xmaps else cat((tensor, fill(ymaps * xmaps - nmaps, num_channels, h, w)), 0)
    cells = cells.reshape(ymaps, xmaps, num_channels, h, w)
    if padding:
        cells = cat((fill(ymaps, xmaps, num_channels, h, padding), cells), 4)
        cells = cat((fill(ymaps, xmaps, num_channels, padding, w + padding), cells), 3)
    grid = cells.permute(2, 0, 3, 1, 4).reshape(num_channels, ymaps * (h + padding), xmaps * (w + padding))
    if padding:
        grid = cat((grid, fill(num_channels, ymaps * (h + padding), padding)), 2)
        grid = cat((grid, fill(num_channels, padding, xmaps * (w + padding) + padding)), 1)
    return grid


def save_image(tensor: Tensor | list[Tensor], fp: str | os.PathLike[str] | IO[bytes], format: str | None = None,  # noqa: A002
               **kwargs: Any) -> None:
    """Write an image, or a batch tiled by ``make_grid``, to a file (PNG, JPEG ... by Pillow).

    Values in ``[0, 1]`` become bytes as ``round(255 * x)`` (clamped to ``[0, 255]``), as torchvision does.
    The other keyword arguments are ``make_grid``'s options (``nrow``, ``padding``, ``normalize`` ...).

    Args:
        tensor: what ``make_grid`` takes (a batch, a list of images, or one image).
        fp: a file name or a binary file object.
        format: Pillow's format name (``"PNG"``); needed for a file object, else taken from the extension
            (default None).

    Raises:
        TypeError: not a tensor or a list of tensors, or a ``value_range`` that is not a tuple (from ``make_grid``).
        ValueError: a tensor with other than 2, 3 or 4 dimensions, ``nrow < 1`` or ``padding < 0`` (from
            ``make_grid``), or a channel count Pillow cannot store (1, 3 and 4 work).
        OSError: the file cannot be written.
    """
    image = _require_pil("save_image")
    with no_grad():
        grid = make_grid(tensor, **kwargs).detach()
        grid = grid.mul(255).add(0.5).clamp(0, 255).permute(1, 2, 0).to(dtypes.uint8)
    array = grid.cpu().numpy()
    if array.shape[-1] == 1:
        array = array[..., 0]
    try:
        im = image.fromarray(array)
    except TypeError as exc:
        raise ValueError(f"save_image: cannot store an image with {array.shape[-1]} channels "
                         f"(shape {tuple(grid.shape)}); use 1, 3 or 4") from exc
    im.save(fp, format=format)


# ---------------------------------------------------------------------------------------- bounding boxes

def _generate_color_palette(num_objects: int) -> list[tuple[int, int, int]]:
    palette = (2**25 - 1, 2**15 - 1, 2**21 - 1)
    return [tuple((i * p) % 255 for p in palette) for i in range(num_objects)]  # type: ignore[misc]


def _parse_colors(colors: Color | list[Color] | None, *, num_objects: int) -> list[tuple[int, ...]]:
    """A list of ``num_objects`` RGB tuples from torchvision's color specifications.

    Raises:
        ValueError: fewer colors than objects; a tuple that is not an RGB triplet; another type.
    """
    from PIL import ImageColor

    if colors is None:
        items: list[Any] = list(_generate_color_palette(num_objects))
    elif isinstance(colors, list):
        if len(colors) < num_objects:
            raise ValueError(f"Number of colors must be equal or larger than the number of objects, "
                             f"but got {len(colors)} < {num_objects}.")
        items = list(colors)
    elif not isinstance(colors, (tuple, str)):
        raise ValueError(f"colors must be a tuple or a string, or a list thereof, but got {colors}.")
    elif isinstance(colors, tuple) and len(colors) != 3:
        raise ValueError(f"If passed as tuple, colors should be an RGB triplet, but got {colors}.")
    else:
        items = [colors] * num_objects
    return [ImageColor.getrgb(c) if isinstance(c, str) else tuple(int(v) for v in c) for c in items]


def _dashed_line(draw: Any, xy: list[tuple[float, float]], fill: Any, width: int, dash_length: float = 5,
                 space_length: float = 5) -> None:
    """Draw the polyline ``xy`` dashed (torchvision marks the first edge of an oriented box this way)."""
    current_dash = True
    for i in range(1, len(xy)):
        x1, y1 = xy[i - 1]
        x2, y2 = xy[i]
        segment_length = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
        while segment_length > 0:
            step = min(segment_length, dash_length if current_dash else space_length)
            angle = math.atan2(y2 - y1, x2 - x1)
            end_x, end_y = x1 + math.cos(angle) * step, y1 + math.sin(angle) * step
            if current_dash:
                draw.line([(x1, y1), (end_x, end_y)], fill, width, None)
            segment_length -= step
            x1, y1 = end_x, end_y
            current_dash = not current_dash


def _oriented_rectangle(draw: Any, xy: list[int], fill: Any, outline: Any, width: int) -> None:
    _dashed_line(draw, [(xy[0], xy[1]), (xy[2], xy[3])], fill=outline, width=width)
    for i in range(2, len(xy), 2):
        draw.line(((xy[i], xy[i + 1]), (xy[(i + 2) % len(xy)], xy[(i + 3) % len(xy)])), width=width, fill=outline)
    draw.polygon(xy, fill=fill, outline=None, width=0)


def draw_bounding_boxes(image: Tensor, boxes: Tensor, labels: list[str] | None = None,
                        colors: Color | list[Color] | None = None, fill: bool | None = False, width: int = 1,
                        font: str | None = None, font_size: int | None = None,
                        label_colors: Color | list[Color] | None = None,
                        label_background_colors: Color | list[Color] | None = None,
                        fill_labels: bool = False) -> Tensor:
    """Draw boxes (and their labels) on an RGB or grayscale image, as torchvision does.

    Args:
        image: ``(C, H, W)`` with ``C`` 1 or 3, uint8 in ``[0, 255]`` or float in ``[0, 1]``.
        boxes: ``(N, 4)`` absolute ``(xmin, ymin, xmax, ymax)``, or ``(N, 8)`` corners
            ``(x1, y1, ..., x4, y4)`` of oriented boxes (first edge dashed). Truncated to ints.
        labels: one string per box, drawn inside its top-left corner.
        colors: one color (a Pillow name like ``"red"``, ``"#FF00FF"`` or an RGB tuple) or a list
            with one per box; default: torchvision's generated palette.
        fill: fill the boxes with their color at alpha 100 (save the result as PNG).
        width: outline width in pixels.
        font: a TrueType font file for the labels (default: Pillow's built-in font).
        font_size: the font's size in points (default 10; ignored, with a warning, without ``font``).
        label_colors: text colors (default: the box colors, or black with ``fill_labels``).
        label_background_colors: label box colors with ``fill_labels`` (default: the box colors).
        fill_labels: draw each label on a filled box.

    Returns:
        A new ``(3, H, W)`` image, uint8 (or the input's float dtype, in ``[0, 1]``), on the
        image's backend. With no boxes the image itself is returned (with a warning).

    Raises:
        TypeError: ``image`` is not a tensor.
        ValueError: a wrong dtype, not one image, not 1 or 3 channels, boxes not ``(N, 4)`` or
            ``(N, 8)``, ``xmin > xmax`` or ``ymin > ymax``, or as many labels or colors as boxes missing.
    """
    from PIL import ImageDraw, ImageFont

    image_module = _require_pil("draw_bounding_boxes")
    if not isinstance(image, Tensor):
        raise TypeError(f"Tensor expected, got {type(image)}")
    if not (image.dtype is dtypes.uint8 or image.is_floating_point()):
        raise ValueError(f"The image dtype must be uint8 or float, got {image.dtype}")
    if image.ndim != 3:
        raise ValueError("Pass individual images, not batches")
    if image.shape[0] not in {1, 3}:
        raise ValueError("Only grayscale and RGB images are supported")
    if not isinstance(boxes, Tensor) or boxes.ndim != 2 or boxes.shape[-1] not in (4, 8):
        shape = tuple(boxes.shape) if isinstance(boxes, Tensor) else type(boxes).__name__
        raise ValueError(f"draw_bounding_boxes: boxes must be a (N, 4) or (N, 8) tensor, got {shape}")
    if boxes.shape[-1] == 4 and ((boxes[:, 0] > boxes[:, 2]).any().item() or (boxes[:, 1] > boxes[:, 3]).any().item()):
        raise ValueError("Boxes need to be in (xmin, ymin, xmax, ymax) format. Use torchvision.ops.box_convert to convert them")
    num_boxes = int(boxes.shape[0])
    if num_boxes == 0:
        warnings.warn("boxes doesn't contain any box. No box was drawn", stacklevel=2)
        return image
    if labels is None:
        box_labels: list[str | None] = [None] * num_boxes
    elif len(labels) != num_boxes:
        raise ValueError(f"Number of boxes ({num_boxes}) and labels ({len(labels)}) mismatch. "
                         "Please specify labels for each box.")
    else:
        box_labels = list(labels)
    box_colors = _parse_colors(colors, num_objects=num_boxes)
    if label_colors or fill_labels:
        text_colors = _parse_colors(label_colors if label_colors else "black", num_objects=num_boxes)
    else:
        text_colors = list(box_colors)
    if fill_labels and label_background_colors:
        background_colors = _parse_colors(label_background_colors, num_objects=num_boxes)
    else:
        background_colors = list(box_colors)
    if font is None:
        if font_size is not None:
            warnings.warn("Argument 'font_size' will be ignored since 'font' is not set.", stacklevel=2)
        txt_font = ImageFont.load_default()
    else:
        txt_font = ImageFont.truetype(font=font, size=font_size or 10)

    with no_grad():
        pixels = image.detach()
        if pixels.shape[0] == 1:
            pixels = pixels.tile((3, 1, 1))
        original_dtype = pixels.dtype
        if pixels.is_floating_point():
            pixels = pixels.mul(255 + 1.0 - 1e-3).to(dtypes.uint8)  # torchvision's float -> uint8 scaling
        height, width_px = int(pixels.shape[1]), int(pixels.shape[2])
        img_to_draw = image_module.fromarray(pixels.permute(1, 2, 0).cpu().numpy())
    img_boxes = boxes.to(dtypes.int64).tolist()
    draw = ImageDraw.Draw(img_to_draw, "RGBA" if fill else None)
    for bbox, color, label, text_color, background in zip(img_boxes, box_colors, box_labels, text_colors,
                                                          background_colors):
        fill_color = (*color, 100) if fill else None
        if len(bbox) > 4:
            _oriented_rectangle(draw, bbox, fill=fill_color, outline=color, width=width)
        else:
            draw.rectangle(bbox, width=width, outline=color, fill=fill_color)
        if label is not None:
            box_margin = 1
            margin = width + box_margin
            if fill_labels:
                left, top, right, bottom = draw.textbbox((bbox[0] + margin, bbox[1] + margin), label, font=txt_font)
                draw.rectangle((left - box_margin, top - box_margin, right + box_margin, bottom + box_margin),
                               fill=background)
            draw.text((bbox[0] + margin, bbox[1] + margin), label, fill=text_color, font=txt_font)

    values = memoryview(img_to_draw.convert("RGB").tobytes()).tolist()
    out = image.new_tensor(values, dtype=dtypes.uint8).reshape(height, width_px, 3).permute(2, 0, 1).contiguous()
    if original_dtype.is_floating_point:
        out = out.to(original_dtype).mul(1.0 / 255)
    return out
