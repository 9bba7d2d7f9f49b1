#!/usr/bin/env bash
# Set up and run the whole test suite (SQLite unless DATABASE_URL is set).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh test
# The browser test drives Debian's Chromium; the PDF tests render pages with poppler's
# pdftoppm. Install them when we can.
if { ! command -v chromium >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1; } && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium and poppler-utils for the browser and PDF tests"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk poppler-utils) >/dev/null 2>&1 || echo "warning: could not install chromium / poppler-utils" >&2
fi
export HUREN_HOME="$(mktemp -d)"
trap 'rm -rf "$HUREN_HOME"' EXIT
exec .venv/bin/python -m pytest -n 2 -q "$@"
