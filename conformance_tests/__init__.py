"""arraygrad's cross-backend conformance suite.

* ``registry.py``: the op table (and the seeded random functions), ``samples.py``: inputs.
* ``harness.py``: tier 1 (gradients vs finite differences), tier 2 (every backend x dtype vs
  the numpy float64 reference) and the random-stream check; ``kernels.py``: backend kernel
  overrides vs the reference ``Backend``; ``coverage.py``: public APIs the registry misses.
* ``test_*.py``: pytest front end (``--require-backends=numpy,strict,jax`` turns skips of
  those backends into failures); ``report.py``: Markdown matrix
  (``python -m conformance_tests.report --out conformance_report.md``).

jax needs 64-bit mode for float64 and for PyTorch's int64 indices; the suite turns it on unless
``JAX_ENABLE_X64`` is set explicitly (``JAX_ENABLE_X64=0`` skips the jax float64 column with the reason).
"""

import os

os.environ.setdefault("JAX_ENABLE_X64", "1")
