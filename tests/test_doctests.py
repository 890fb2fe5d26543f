"""The examples in arraygrad's docstrings and in the Markdown files under ``docs/`` run as doctests
on the numpy backend, with ``ELLIPSIS`` and ``NORMALIZE_WHITESPACE``."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import arraygrad as ag

ROOT = Path(__file__).resolve().parents[1]
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
# modules that need an optional array library to import; reported, not silently dropped
OPTIONAL = {"arraygrad.backends.cupy": "cupy"}


def module_names() -> list[str]:
    """Every module of the arraygrad package."""
    return ["arraygrad"] + sorted(m.name for m in pkgutil.walk_packages(ag.__path__, "arraygrad."))


def run(test: doctest.DocTest) -> None:
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    out: list[str] = []
    with ag.use_backend("numpy"):
        runner.run(test, out=out.append)
    if runner.failures:
        pytest.fail("".join(out), pytrace=False)


@pytest.mark.parametrize("name", module_names())
def test_module_doctests(name: str) -> None:
    try:
        module = importlib.import_module(name)
    except ImportError as error:
        if name in OPTIONAL:
            pytest.skip(f"{name} needs {OPTIONAL[name]}, not installed: {error}")
        raise
    for test in doctest.DocTestFinder(exclude_empty=True).find(module, name):
        if test.examples:
            run(test)


def markdown_files() -> list[Path]:
    return sorted((ROOT / "docs").rglob("*.md"))


def test_docs_has_markdown_files() -> None:
    assert markdown_files(), "docs/ has no Markdown files to run as doctests"


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_markdown_doctests(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    test = doctest.DocTestParser().get_doctest(text, {}, str(path), str(path), 0)
    run(test)
