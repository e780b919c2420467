#!/usr/bin/env bash
# One command to run the platform on the embedded default (SQLite + files under ./instance):
# installs into .venv, migrates, provisions the 20 Karangasem villages, creates the demo platform
# admin (its password is printed once), fills Menanga with demo residents and letters, and serves
# with gunicorn.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=.venv/.desa-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e .
  touch "$stamp"
fi
export DESA_INSTANCE_PATH=${DESA_INSTANCE_PATH:-$PWD/instance}
.venv/bin/desa db upgrade
.venv/bin/desa plugins install --all
.venv/bin/desa tenants apply tenants/karangasem.toml
.venv/bin/desa users ensure-demo-admin
# A demo population with letters in every state, in Menanga only (skipped once it has residents).
.venv/bin/desa plugins demo smart_government --tenant menanga
echo "Desa Cerdas is starting on http://${DESA_BIND:-127.0.0.1:8000}/ (Ctrl+C stops it)"
exec .venv/bin/desa serve
