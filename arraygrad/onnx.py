"""``arraygrad.onnx``: PyTorch's ONNX entry points, so that scripts which export at the end fail
with a clear message instead of an AttributeError. arraygrad records no graph that ONNX could
take (its graph exists only for autograd, per call), so exporting is not supported."""

from __future__ import annotations

from typing import Any

__all__ = ["export", "is_in_onnx_export"]


def export(model: Any, args: Any = (), f: Any = None, *rest: Any, **kwargs: Any) -> Any:
    """Not supported: always raises.

    Raises:
        NotImplementedError: arraygrad cannot export models to ONNX.
    """
    raise NotImplementedError(
        "arraygrad.onnx.export is not supported: arraygrad has no traced graph to write as ONNX; "
        "save the weights with arraygrad.save(model.state_dict(), path) and export from PyTorch or JAX if you need ONNX"
    )


def is_in_onnx_export() -> bool:
    """Always False: arraygrad never runs code under an ONNX export."""
    return False
