#!/usr/bin/env bash
# One command to run the platform on the embedded default (SQLite + files under ./instance):
# installs into .venv, migrates, provisions the 20 Karangasem villages, creates the demo platform
# admin (its password is printed once), fills Menanga and Bebandem with demo data, and serves
# with gunicorn beside one Celery worker and Celery beat (background jobs, notifications, schedules).
# The three stop together: Ctrl+C, a SIGTERM to this script, or any one of them ending stops the others.
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
# A demo population with letters in every state, in Menanga and Bebandem (skipped once it has
# residents); Bebandem also gets smart society's demo (social aid with a double receipt caught and
# handovers, complaints in every state, an alert, events) and smart economy's (shops, a BUMDes unit,
# products with photos), each skipped once the village has some.
.venv/bin/desa plugins demo smart_government --tenant menanga
.venv/bin/desa plugins demo smart_government --tenant bebandem
.venv/bin/desa plugins demo smart_society --tenant bebandem
.venv/bin/desa plugins demo smart_economy --tenant bebandem
# A file to try the import page with (runs as a background job with a progress bar).
sample="$DESA_INSTANCE_PATH/menanga-import-sample.csv"
[ -f "$sample" ] || .venv/bin/desa smart_government sample-file --tenant menanga --rows 5000 -o "$sample"
echo "Sample import file for Menanga: $sample (Penduduk → Impor dari berkas)"
pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT
.venv/bin/desa worker & pids+=($!)
.venv/bin/desa beat & pids+=($!)
echo "Desa Cerdas is starting on http://${DESA_BIND:-127.0.0.1:8000}/ with a worker and beat (Ctrl+C stops them)"
.venv/bin/desa serve & pids+=($!)
status=0
wait -n "${pids[@]}" || status=$?
echo "a process of the platform ended (status $status): stopping the others" >&2
exit "$status"
