#!/usr/bin/env bash
# Set up, migrate the embedded SQLite database, load demo data, serve on 127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export HUREN_HOME="${HUREN_HOME:-$PWD/var}"
exec .venv/bin/huren serve --demo "$@"
