#!/usr/bin/env bash
# Create .venv with Python >= 3.12 and install huren into it (editable).
#   scripts/bootstrap.sh [extras]     e.g. scripts/bootstrap.sh test
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS="${1:-}"

find_python() {
  local c
  for c in python3.14 python3.13 python3.12 python3; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      command -v "$c"; return 0
    fi
  done
  for c in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3; do
    if [ -x "$c" ]; then echo "$c"; return 0; fi
  done
  return 1
}

if [ ! -x .venv/bin/python ]; then
  PY="$(find_python)" || {
    echo "错误：需要 Python 3.12 或更新版本（Django 6 的要求）。" >&2
    echo "error: Python 3.12 or newer is needed (Django 6 requires it). Install python3.12 (e.g. 'apt-get install python3.12 python3.12-venv' on Ubuntu 24.04, or pyenv) and run again." >&2
    exit 1
  }
  echo "using $PY ($("$PY" --version))"
  "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi
SPEC="."
if [ -n "$EXTRAS" ]; then SPEC=".[$EXTRAS]"; fi
.venv/bin/python -m pip install -q -e "$SPEC" 2>&1 | grep -v -E "^(WARNING|  Location)" || true
# The Chinese interface: compile the message catalogs in pure Python (no gettext needed).
.venv/bin/python -m huren.web.pofile >/dev/null
.venv/bin/python -c "import huren, django; print('huren', huren.__version__, 'django', django.get_version())"
