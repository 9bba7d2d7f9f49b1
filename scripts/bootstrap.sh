#!/usr/bin/env bash
# Create .venv with Python >= 3.12 and install huren into it (editable).
#   scripts/bootstrap.sh [extras]     e.g. scripts/bootstrap.sh test
# Safe to run again: a .venv left broken by an earlier failure is made anew, and the
# install is skipped when pyproject.toml and the extras have not changed since it last
# succeeded (so a second `make run` works offline).
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

# A .venv whose python cannot run pip (e.g. made while python3-venv was missing), or one
# made earlier with a Python older than 3.12, is no use.
if [ -e .venv ] && ! { [ -x .venv/bin/python ] && .venv/bin/python -m pip --version >/dev/null 2>&1; }; then
  echo "注意：.venv 不完整，重新创建 / note: .venv is incomplete, making it anew" >&2
  rm -rf .venv
elif [ -e .venv ] && ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
  echo "注意：.venv 的 Python 早于 3.12，重新创建 / note: .venv has a Python older than 3.12, making it anew" >&2
  rm -rf .venv
fi

if [ ! -x .venv/bin/python ]; then
  PY="$(find_python)" || {
    echo "错误：需要 Python 3.12 或更新版本（Django 6 的要求）。" >&2
    echo "error: Python 3.12 or newer is needed (Django 6 requires it). Install python3.12 (e.g. 'apt-get install python3.12 python3.12-venv' on Ubuntu 24.04, or pyenv) and run again." >&2
    exit 1
  }
  echo "using $PY ($("$PY" --version))"
  if ! "$PY" -m venv .venv; then
    rm -rf .venv
    V="$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
    echo "错误：无法创建虚拟环境；Debian/Ubuntu 上请先安装 python${V}-venv（apt-get install python${V}-venv）。" >&2
    echo "error: could not create the virtual environment; on Debian/Ubuntu install python${V}-venv first (apt-get install python${V}-venv)." >&2
    exit 1
  fi
  .venv/bin/python -m pip install -q --upgrade pip
fi

SPEC="."
if [ -n "$EXTRAS" ]; then SPEC=".[$EXTRAS]"; fi
STAMP=".venv/.huren-installed"
CK="$(cksum < pyproject.toml)"
installed() {  # this pyproject.toml with these extras (or, for none, with any) installed before
  [ -f "$STAMP" ] && .venv/bin/python -c "import huren" >/dev/null 2>&1 &&
    { grep -qxF "$CK extras=$EXTRAS" "$STAMP" || { [ -z "$EXTRAS" ] && grep -q "^$CK " "$STAMP"; }; }
}
if ! installed; then
  LOG="$(mktemp)"
  if ! .venv/bin/python -m pip install -q -e "$SPEC" >"$LOG" 2>&1; then
    cat "$LOG" >&2; rm -f "$LOG"
    echo "错误：安装依赖失败（见上文 pip 的输出） / error: installing the dependencies failed (see pip's output above)" >&2
    exit 1
  fi
  grep -v -E "^(WARNING|  Location)" "$LOG" || true
  rm -f "$LOG"
  { if [ -f "$STAMP" ]; then grep "^$CK " "$STAMP" | grep -vxF "$CK extras=$EXTRAS" || true; fi; echo "$CK extras=$EXTRAS"; } > "$STAMP.new"
  mv "$STAMP.new" "$STAMP"
fi
# PDF reports (WeasyPrint) need Pango and a Chinese font, embedded in every PDF: Debian's
# packages, installed when we can (root with apt-get); otherwise say what is missing.
if ! { command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh family 2>/dev/null | grep -q "Noto Sans CJK"; } \
   || ! ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0"; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's fonts-noto-cjk and Pango for the PDF reports"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk fontconfig libpango-1.0-0 libpangoft2-1.0-0) >/dev/null 2>&1 \
      || echo "warning: could not install fonts-noto-cjk / Pango: PDF reports will not be available" >&2
  else
    echo "注意：PDF 报告需要 fonts-noto-cjk 与 Pango（sudo apt-get install fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0） / note: PDF reports need fonts-noto-cjk and Pango" >&2
  fi
fi
# The Chinese interface: compile the message catalogs in pure Python (no gettext needed).
.venv/bin/python -m huren.web.pofile >/dev/null
.venv/bin/python -c "import huren, django; print('huren', huren.__version__, 'django', django.get_version())"
