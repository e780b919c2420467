#!/usr/bin/env bash
# The production drill: the systemd layout of deploy/README.md, run for real in a temporary folder.
#
#   bash deploy/drill.sh [--seconds N] [--clients N] [--keep]
#
# Starts, all on free loopback ports and all inside one temporary folder:
#   PostgreSQL primary + streaming replica (deploy/pg-replica.sh), the owner and application roles
#   (deploy/pg-test-db.sh), migrations, the 20 Karangasem villages with Menanga's demo data,
#   SeaweedFS S3, its own Redis (rate limits + the job broker), a Celery worker, two gunicorn app
#   servers (DESA_ENV=production, DESA_DATABASE_REPLICA_URL set) and Debian's nginx in front
#   (deploy/nginx/*.conf rendered by deploy/nginx/render.py).
# Then runs a mixed load through nginx (deploy/drill/load.py: pages, static files, token API lists,
# signed-in rollout board and regency indicators) for N seconds (default 60), and meanwhile
#   - stops app server 1 (SIGTERM: gunicorn finishes what it holds) and brings it back,
#   - restarts Redis (SHUTDOWN NOSAVE, then a new server on the same port),
# and reports requests served, errors, requests nginx retried on the other app server, and p95.
# Afterwards it proves the report pages read from the replica (the standby's transaction counters
# grow with report requests, not with village API requests) and that RLS holds there (the app role
# sees no resident without a village, only that village's with one).
# Exit status 0 only when every goal holds. Everything it started is stopped and the folder removed
# (trap), also on Ctrl+C; --keep leaves the folder (logs) in place.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SECONDS_LOAD=60
CLIENTS=6
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_LOAD=${2:?}; shift 2 ;;
    --clients) CLIENTS=${2:?}; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
PY=$ROOT/.venv/bin/python
DESA=$ROOT/.venv/bin/desa
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
REDIS_SERVER=$(command -v redis-server || command -v valkey-server || true)
for need in "$PY" "$DESA" "$NGINX" "$REDIS_SERVER" /usr/lib/postgresql/15/bin/initdb; do
  [ -n "$need" ] && [ -x "$need" ] || { echo "drill: missing $need (nginx, redis-server, PostgreSQL 15, .venv)" >&2; exit 2; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/desa-drill.XXXXXX")
chmod 755 "$WORK"
PIDS_FILE=$WORK/pids
: >"$PIDS_FILE"
log() { printf '[drill %5ss] %s\n' "$SECONDS" "$*"; }

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  log "stopping everything"
  if [ -f "$WORK/nginx/nginx.pid" ]; then kill -QUIT "$(cat "$WORK/nginx/nginx.pid")" 2>/dev/null || true; fi
  # Newest first: app servers and the worker before the services they use.
  tac "$PIDS_FILE" 2>/dev/null | while read -r pid; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 300); do
    alive=0
    while read -r pid; do kill -0 "$pid" 2>/dev/null && alive=1; done <"$PIDS_FILE"
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done <"$PIDS_FILE"
  [ -z "${REDIS_PORT:-}" ] || redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  [ -d "$WORK/pg" ] && bash "$ROOT/deploy/pg-replica.sh" stop "$WORK/pg" >/dev/null 2>&1 || true
  if [ "$KEEP" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

started() { echo "$1" >>"$PIDS_FILE"; }
free_ports() {  # N free loopback ports
  "$PY" - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}
wait_http() {  # URL SECONDS
  local end=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    [ "$SECONDS" -lt "$end" ] || { echo "drill: $1 did not answer in $2 s" >&2; return 1; }
    sleep 0.3
  done
}

read -r PG_PRIMARY PG_REPLICA REDIS_PORT APP1_PORT APP2_PORT NGINX_PORT <<<"$(free_ports 6)"

log "PostgreSQL primary :$PG_PRIMARY and streaming replica :$PG_REPLICA"
bash deploy/pg-replica.sh start "$WORK/pg" "$PG_PRIMARY" "$PG_REPLICA" >"$WORK/pg.env"
db_env=$(PGHOST=127.0.0.1 PGPORT=$PG_PRIMARY bash deploy/pg-test-db.sh create desa_drill)
eval "$db_env"

log "Redis :$REDIS_PORT"
mkdir -p "$WORK/redis"
start_redis() {
  "$REDIS_SERVER" --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$WORK/redis" --logfile "$WORK/redis/redis.log" &
  started $!
  for _ in $(seq 1 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "drill: redis did not start" >&2
  return 1
}
start_redis

log "SeaweedFS S3"
"$PY" deploy/drill/s3.py "$WORK/s3" "$WORK/s3.url" >"$WORK/s3.log" 2>&1 &
started $!

export DESA_ENV=production
export DESA_SECRET_KEY
DESA_SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')
export DESA_INSTANCE_PATH=$WORK/instance
export DESA_DATABASE_URL=$DESA_TEST_DATABASE_URL
export DESA_MIGRATION_DATABASE_URL=$DESA_TEST_MIGRATION_DATABASE_URL
export DESA_DB_APP_ROLE=$DESA_TEST_DB_APP_ROLE
export DESA_DATABASE_REPLICA_URL=postgresql+psycopg://desa_drill_app@127.0.0.1:$PG_REPLICA/desa_drill
export DESA_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
export DESA_BROKER_URL=redis://127.0.0.1:$REDIS_PORT/1
export DESA_PROXY_HOPS=1
export DESA_GUNICORN_WORKERS=2
export DESA_LOGIN_LIMIT="1000 per minute"  # every drill client signs in from 127.0.0.1
export HOME=$WORK/home  # anything that writes under ~ (gunicorn's control socket) stays in here
mkdir -p "$DESA_INSTANCE_PATH" "$HOME"
unset DESA_TEST_DATABASE_URL DESA_TEST_MIGRATION_DATABASE_URL DESA_TEST_DB_APP_ROLE

for _ in $(seq 1 900); do [ -s "$WORK/s3.url" ] && break; sleep 0.1; done
[ -s "$WORK/s3.url" ] || { echo "drill: S3 did not start (see s3.log)" >&2; cat "$WORK/s3.log" >&2; exit 1; }
export DESA_STORAGE_URL
DESA_STORAGE_URL=$(cat "$WORK/s3.url")

log "migrations, plugins, 20 villages, Menanga's demo data, users and a token"
step() {  # a setup command; its output goes to setup.log, a failure ends the drill
  echo "+ desa $*" >>"$WORK/setup.log"
  "$DESA" "$@" >>"$WORK/setup.log" 2>&1 || { tail -n 30 "$WORK/setup.log" >&2; echo "drill: desa $* failed" >&2; exit 1; }
}
step db upgrade
# The six pillars by name: --all would also take any other plugin package installed in the venv.
step plugins install smart_government smart_people smart_economy smart_society smart_environment smart_mobility
step tenants apply tenants/karangasem.toml
step plugins demo smart_government --tenant menanga
PASSWORD=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(16))')
step users create --name "Drill Operator" --email operator@drill.local --password "$PASSWORD"
step users grant operator@drill.local operator --tenant menanga
step users create --name "Drill Regency" --email regency@drill.local --password "$PASSWORD"
step users grant regency@drill.local regency_admin --area 51.07
TOKEN=$("$DESA" users token operator@drill.local --tenant menanga --name drill 2>>"$WORK/setup.log")

log "Celery worker"
"$DESA" worker >"$WORK/worker.log" 2>&1 &
started $!

start_app() {  # N PORT: one gunicorn app server; its pid goes to app-N.pid
  DESA_BIND=127.0.0.1:$2 DESA_GUNICORN_ACCESS_LOG=$WORK/app$1.access.log \
    "$DESA" serve >>"$WORK/app$1.log" 2>&1 &
  echo $! >"$WORK/app$1.pid"
  started $!
}
log "app servers :$APP1_PORT and :$APP2_PORT"
start_app 1 "$APP1_PORT"
start_app 2 "$APP2_PORT"
wait_http "http://127.0.0.1:$APP1_PORT/healthz" 90
wait_http "http://127.0.0.1:$APP2_PORT/healthz" 90

log "nginx :$NGINX_PORT"
"$PY" deploy/nginx/render.py --prefix "$WORK/nginx" --listen "127.0.0.1:$NGINX_PORT" \
  --app "127.0.0.1:$APP1_PORT" --app "127.0.0.1:$APP2_PORT" >/dev/null
"$NGINX" -t -q -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf"
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" 2>>"$WORK/nginx/error.log" &
started $!
BASE=http://127.0.0.1:$NGINX_PORT
wait_http "$BASE/healthz" 30
ready=$(curl -sS "$BASE/readyz")
log "readyz through nginx: $ready"
case "$ready" in *'"status":"ok"'*) ;; *) echo "drill: the platform is not ready" >&2; exit 1 ;; esac

load_args=(--base "$BASE" --slug menanga --token "$TOKEN" --login regency@drill.local --password "$PASSWORD")
log "mixed load: $CLIENTS clients, at least $SECONDS_LOAD s and until the events are over"
: >"$WORK/nginx/access.log"
"$PY" deploy/drill/load.py "${load_args[@]}" --until-file "$WORK/load.stop" --clients "$CLIENTS" \
  --out "$WORK/load.json" >"$WORK/load.out" 2>&1 &
LOAD_PID=$!
started $LOAD_PID
t0=$SECONDS
at() { local until=$((t0 + $1)); while [ "$SECONDS" -lt "$until" ]; do sleep 0.2; done; }
# Each event waits for the one before (a slow machine stretches the drill, never skips an event).
events=()
at $((SECONDS_LOAD * 20 / 100))
log "event: stopping app server 1 (SIGTERM)"
kill -TERM "$(cat "$WORK/app1.pid")"
for _ in $(seq 1 300); do kill -0 "$(cat "$WORK/app1.pid")" 2>/dev/null || break; sleep 0.1; done
events+=("app server 1 stopped at $((SECONDS - t0)) s")
at $((SECONDS_LOAD * 35 / 100))
log "event: starting app server 1 again"
start_app 1 "$APP1_PORT"
wait_http "http://127.0.0.1:$APP1_PORT/healthz" 120
events+=("app server 1 back at $((SECONDS - t0)) s")
at $((SECONDS_LOAD * 55 / 100))
log "event: restarting Redis"
redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
sleep 1
start_redis
events+=("redis restarted at $((SECONDS - t0)) s")
at "$SECONDS_LOAD"
sleep 5  # a quiet tail after the last event
touch "$WORK/load.stop"
wait "$LOAD_PID" || { cat "$WORK/load.out" >&2; exit 1; }

# nginx's own record: requests it sent to a second app server ("us=502, 200" / "up=a, b").
retried=$(grep -c 'up=[^ ]*, ' "$WORK/nginx/access.log" || true)
served_by=$(grep -o 'up=127.0.0.1:[0-9]*' "$WORK/nginx/access.log" | sort | uniq -c | awk '{printf "%s %s; ", $2, $1}')
nginx_5xx=$(awk '$0 ~ /" 5[0-9][0-9] / {n++} END {print n+0}' "$WORK/nginx/access.log")

# After Redis came back: the worker still takes jobs (Celery reconnects to the broker).
worker_ping=$(cd "$ROOT" && timeout 30 "$ROOT/.venv/bin/celery" -A desacerdas.jobs.worker inspect ping --timeout 10 2>&1 | grep -c 'pong' || true)
ready_after=$(curl -sS "$BASE/readyz" || true)

log "replica: report pages only, then village API only"
replica_xacts() {
  psql -X -qtA -h 127.0.0.1 -p "$PG_REPLICA" -U postgres -d postgres \
    -c "SELECT sum(xact_commit + xact_rollback) FROM pg_stat_database WHERE datname = 'desa_drill'"
}
settle() { sleep 11; }  # idle backends flush their statistics every 10 s (PostgreSQL 15)
settle
r0=$(replica_xacts)
"$PY" deploy/drill/load.py "${load_args[@]}" --only report --requests 15 --clients 2 --seconds 60 \
  --out "$WORK/report.json" >/dev/null
settle
r1=$(replica_xacts)
"$PY" deploy/drill/load.py "${load_args[@]}" --only api --requests 15 --clients 2 --seconds 60 \
  --out "$WORK/api.json" >/dev/null
settle
r2=$(replica_xacts)
replica_conns=$(psql -X -qtA -h 127.0.0.1 -p "$PG_REPLICA" -U postgres -d postgres \
  -c "SELECT count(*) FROM pg_stat_activity WHERE datname = 'desa_drill' AND usename = 'desa_drill_app'")

log "replica: RLS for the application role"
menanga_id=$(psql -X -qtA -h 127.0.0.1 -p "$PG_PRIMARY" -U postgres -d desa_drill -c "SELECT id FROM tenants WHERE slug = 'menanga'")
rls_none=$(psql -X -qtA -h 127.0.0.1 -p "$PG_REPLICA" -U desa_drill_app -d desa_drill \
  -c "SELECT count(*) FROM smart_government_residents")
rls_one=$(psql -X -qtA -h 127.0.0.1 -p "$PG_REPLICA" -U desa_drill_app -d desa_drill -c "BEGIN" \
  -c "SELECT set_config('desa.tenant_id', '$menanga_id', true)" \
  -c "SELECT count(*) || ' ' || count(*) FILTER (WHERE tenant_id <> $menanga_id) FROM smart_government_residents" -c "COMMIT" | grep -E '^[0-9]+ [0-9]+$' || true)
rls_all=$(psql -X -qtA -h 127.0.0.1 -p "$PG_PRIMARY" -U postgres -d desa_drill -c "SELECT count(*) FROM smart_government_residents")

"$PY" - "$WORK" "$retried" "$nginx_5xx" "$r0" "$r1" "$r2" "$rls_none" "$rls_one" "$rls_all" \
  "$worker_ping" "$ready_after" "$replica_conns" "$served_by" "${events[@]}" <<'PY'
import json, sys
work, retried, nginx_5xx, r0, r1, r2, rls_none, rls_one, rls_all, ping, ready, conns, served_by, *events = sys.argv[1:]
load = json.load(open(f"{work}/load.json"))
report = json.load(open(f"{work}/report.json"))
api = json.load(open(f"{work}/api.json"))
r0, r1, r2 = int(r0 or 0), int(r1 or 0), int(r2 or 0)
seen, foreign = (int(x) for x in (rls_one or "-1 -1").split())
print("== Desa Cerdas production drill ==")
for event in events:
    print(f"  {event}")
print(f"requests served: {load['requests']} in {load['seconds']} s ({load['rate']}/s), "
      f"errors: {load['errors']}, retried by nginx on the other app server: {retried}, nginx 5xx: {nginx_5xx}")
print(f"latency p50 {load['p50_ms']} ms, p95 {load['p95_ms']} ms; served by: {served_by}")
for kind, row in load["by_kind"].items():
    print(f"  {kind:<7} {row['requests']:>6} requests  {row['errors']:>3} errors  p95 {row['p95_ms']} ms")
for sample in load["error_samples"][:5]:
    print(f"  error: {sample}")
report_n, api_n = report["requests"] - report["errors"], api["requests"] - api["errors"]
print(f"replica transactions: +{r1 - r0} during {report_n} report requests, "
      f"+{r2 - r1} during {api_n} village API requests; app connections on the replica: {conns}")
print(f"replica RLS (app role): no village -> {rls_none} residents; Menanga -> {seen} of {rls_all} "
      f"({foreign} of another village)")
print(f"after the Redis restart: worker answers ping: {ping != '0'}; readyz: {ready.strip()}")
goals = {
    "no errors under load (stop/start of an app server, Redis restart)": load["errors"] == 0 and not load["failures"],
    "both app servers served requests": served_by.count("127.0.0.1:") >= 2,
    "report pages read from the replica": report_n > 0 and (r1 - r0) >= report_n,
    "village API reads the primary": (r2 - r1) < max(3, api_n // 4),
    "RLS on the replica": int(rls_none or -1) == 0 and 0 < seen < int(rls_all or 0) + 1 and foreign == 0,
    "worker alive after the Redis restart": ping != "0",
    "ready after the drill": '"status":"ok"' in ready.replace(" ", ""),
}
failed = [name for name, ok in goals.items() if not ok]
for name, ok in goals.items():
    print(f"  [{'ok' if ok else 'FAILED'}] {name}")
sys.exit(1 if failed else 0)
PY
