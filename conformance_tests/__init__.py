"""arraygrad's cross-backend conformance suite.

* ``registry.py``: the op table (and the seeded random functions), ``samples.py``: inputs.
* ``harness.py``: tier 1 (gradients vs finite differences), tier 2 (every backend x dtype vs
  the numpy float64 reference) and the random-stream check; ``kernels.py``: backend kernel
  overrides vs the reference ``Backend``; ``coverage.py``: public APIs the registry misses.
* ``test_*.py``: pytest front end (``--require-backends=numpy,strict,jax`` turns skips of
  those backends into failures); ``report.py``: Markdown matrix
  (``python -m conformance_tests.report --out conformance_report.md``).

Run with ``JAX_ENABLE_X64=1`` so the jax float64 column runs (else it is skipped with the reason).
"""
