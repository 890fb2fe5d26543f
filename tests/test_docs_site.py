"""The documentation site builds under ``mkdocs build --strict`` and its API pages cover the public API.

Needs the ``docs`` extra (``pip install -e ".[docs]"``: mkdocs, mkdocs-material, mkdocstrings[python]).
"""

from __future__ import annotations

import html
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONV2D_ARGS = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias",
               "padding_mode")


def _require_mkdocs() -> None:
    missing = [m for m in ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python")
               if importlib.util.find_spec(m.split(".")[0]) is None]
    if missing:
        pytest.fail(f"the documentation tools are not installed ({', '.join(missing)}): "
                    'install the docs extra with `python -m pip install -e ".[docs]"`', pytrace=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built with ``mkdocs build --strict`` into a temporary directory."""
    _require_mkdocs()
    out = tmp_path_factory.mktemp("site")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    warnings = "\n".join(line for line in proc.stderr.splitlines() if "WARNING" in line or "ERROR" in line)
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{warnings or proc.stderr[-4000:]}"
    return out


def test_conv2d_page_lists_its_arguments(site: Path) -> None:
    page = site / "api" / "nn" / "index.html"
    assert page.is_file(), "the nn API page was not built"
    source = page.read_text(encoding="utf-8")
    start = source.find('id="arraygrad.nn.Conv2d"')
    assert start >= 0, "arraygrad.nn.Conv2d has no entry on the nn API page"
    end = source.find('id="arraygrad.nn.Conv3d"', start)
    section = " ".join(_text_of(source[start:end if end > 0 else None]).split())
    for arg in CONV2D_ARGS:
        assert arg in section, f"the Conv2d entry does not mention its argument {arg!r}"


def _text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def test_api_pages_cover_every_public_name() -> None:
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import gen_api_pages
    finally:
        sys.path.pop(0)
    for filename, namespace, title, intro in gen_api_pages.PAGES:
        path = ROOT / "docs" / "api" / filename
        assert path.read_text(encoding="utf-8") == gen_api_pages.page(namespace, title, intro), (
            f"docs/api/{filename} is out of date: run `python docs/gen_api_pages.py`")
        text = path.read_text(encoding="utf-8")
        for name in gen_api_pages.public_names(namespace):
            assert f"{namespace}.{name}" in text, f"{namespace}.{name} is missing from docs/api/{filename}"
