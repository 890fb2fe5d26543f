"""pytest setup shared by tests/ and conformance_tests/ (here so that it applies whichever
paths are given on the command line)."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--require-backends",
        default="",
        metavar="NAMES",
        help="comma-separated backends (e.g. numpy,strict,jax) that must run in the conformance suite: a "
        "skip of one of them (library missing, no device, jax float64 without JAX_ENABLE_X64) fails instead",
    )
