#!/usr/bin/env bash
# Screenshot the built documentation site's nn.Conv2d API entry into docs/images/api_conv2d.png.
#
#   scripts/docs_screenshot.sh [SITE_DIR]
#
# Builds the site into SITE_DIR (default: a temporary directory) unless it already holds
# api/nn/index.html, then photographs the nn page's arraygrad.nn.Conv2d entry in headless Chromium.
# Needs the docs extra (pip install -e ".[docs]") and Chromium
# (apt-get update && apt-get install -y chromium).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
site="${1:-}"
if [[ -z "$site" ]]; then
    site="$(mktemp -d)"
    trap 'rm -rf "$site"' EXIT
fi
if [[ ! -f "$site/api/nn/index.html" ]]; then
    (cd "$root" && python -m mkdocs build --strict --site-dir "$site") || {
        echo "docs_screenshot: mkdocs build --strict failed; building without --strict for the picture" >&2
        (cd "$root" && python -m mkdocs build --site-dir "$site")
    }
fi

browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [[ -z "$browser" ]]; then
    echo "docs_screenshot: no Chromium found; install it with: apt-get update && apt-get install -y chromium" >&2
    exit 1
fi

# The nn page holds every layer; a headless browser does not paint far below the top of so long a
# page, so the picture is taken of a copy of it cut to the Conv2d entry (same template, styles and scripts).
python - "$site/api/nn/index.html" "$site/api/nn/conv2d_screenshot.html" <<'PY'
import sys

page = open(sys.argv[1], encoding="utf-8").read()
start = page.rfind('<div class="doc doc-object', 0, page.index('id="arraygrad.nn.Conv2d"'))
end = page.rfind('<div class="doc doc-object', 0, page.index('id="arraygrad.nn.Conv3d"'))
intro_end = page.index("</p>", page.index("</h1>")) + len("</p>")
article_end = page.index("</article>")
with open(sys.argv[2], "w", encoding="utf-8") as f:
    f.write(page[:intro_end] + page[start:end] + page[article_end:])
PY

mkdir -p "$root/docs/images"
out="$root/docs/images/api_conv2d.png"
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1000 \
    --virtual-time-budget=5000 --screenshot="$out" "file://$site/api/nn/conv2d_screenshot.html" 2>/dev/null
[[ -s "$out" ]] || { echo "docs_screenshot: Chromium wrote no screenshot to $out" >&2; exit 1; }
echo "wrote $out"
