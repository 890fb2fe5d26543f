"""``StrictBackend``: the reference kernels on array-api-strict, and the filter for numpy's
floating-point warnings that every numpy-based backend installs."""

from __future__ import annotations

import warnings

from arraygrad.backends.reference.backend import Backend

__all__ = ["FLOATING_POINT_WARNINGS", "StrictBackend", "ignore_floating_point_warnings"]


#: numpy's RuntimeWarnings for IEEE floating-point exceptions (log(0), 0/0, overflow) and empty means
FLOATING_POINT_WARNINGS = r"(divide by zero|invalid value|overflow|underflow) encountered|Mean of empty slice"


def ignore_floating_point_warnings(module: str) -> None:
    """Ignore numpy's floating-point RuntimeWarnings raised from modules matching ``module``.

    PyTorch returns the IEEE result (``log(0) = -inf``, ``0/0 = nan``) silently, where numpy warns
    on every such op. A warnings filter keyed on the module that triggers the warning costs nothing
    per op and leaves warnings from the user's own numpy code alone.
    """
    warnings.filterwarnings("ignore", message=FLOATING_POINT_WARNINGS, category=RuntimeWarning, module=module)


class StrictBackend(Backend):
    """The reference kernels on array-api-strict: the proof that core code is standard-only."""

    name = "strict"
    low_precision_note = "array-api-strict implements only the array API standard's dtypes, which lack float16 and bfloat16"

    def __init__(self) -> None:
        import array_api_strict

        self.xp = array_api_strict
        super().__init__()
        # array-api-strict calls numpy, so its numpy warnings are raised from its own modules
        ignore_floating_point_warnings(r"array_api_strict\.")
