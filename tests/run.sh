#!/usr/bin/env bash
# One command to install what the tests need and run the whole suite (lint, then pytest).
# On SQLite by default; on PostgreSQL when DESA_TEST_DATABASE_URL and
# DESA_TEST_MIGRATION_DATABASE_URL are set (see deploy/pg-test-db.sh and .ci/run).
# Extra arguments go to pytest, e.g. `bash tests/run.sh -m "not browser"`.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=.venv/.desa-test-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test]'
  touch "$stamp"
fi
# The browser lane drives Debian's Chromium (Playwright's own browser download does not work offline).
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests..."
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check . >/dev/null || { echo "ruff format: run '.venv/bin/ruff format .'"; exit 1; }
# Each run gets its own temporary root: pytest keeps only the three newest session folders under
# /tmp/pytest-of-<user>, so a second run started meanwhile would delete this run's databases.
tmproot=$(mktemp -d "${TMPDIR:-/tmp}/desa-tests.XXXXXX")
trap 'rm -rf "$tmproot"' EXIT
export PYTEST_DEBUG_TEMPROOT="$tmproot"
.venv/bin/pytest "$@"
