# ruff: noqa: E501
"""Rows expected to fail: ``"<backend>:<row id>": reason``.

Each entry runs as its own ``xfail(strict=True)`` test, so a row that gets fixed fails until its
entry is removed. ``python -m tests.fuzz.report --known-failures tests/fuzz/known_failures.py``
writes the entries for the rows failing today.
"""

KNOWN_FAILURES: dict[str, str] = {
}
