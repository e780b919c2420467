#!/usr/bin/env bash
# A throwaway PostgreSQL primary and a streaming replica (hot standby made with pg_basebackup -R),
# both in DIR, for the production drill and the replica tests.
#   deploy/pg-replica.sh start DIR PRIMARY_PORT REPLICA_PORT   -> prints shell exports (eval them)
#   deploy/pg-replica.sh sync DIR [SECONDS]   -> waits until the replica has replayed the primary's WAL
#   deploy/pg-replica.sh status DIR           -> pg_stat_replication on the primary
#   deploy/pg-replica.sh stop DIR [--keep]    -> stops both (replica first); removes the data unless --keep
# Both listen on 127.0.0.1 only, trust authentication (a loopback test rig, never a real host), no
# Unix sockets (DIR may be deeper than a socket path allows). The superuser is "postgres"; create the
# owner and application roles on the primary: roles, databases and RLS policies replicate with the WAL.
# Run as root (the servers run as user postgres through runuser) or as user postgres.
set -euo pipefail
action=${1:?usage: $0 start DIR PRIMARY_PORT REPLICA_PORT | sync DIR | status DIR | stop DIR}
dir=${2:?DIR}
BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
[ -x "$BIN/initdb" ] || BIN=$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")
export PGOPTIONS="-c client_min_messages=warning"

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
psql_at() {  # psql_at PORT SQL
  "$BIN/psql" -X -qtA -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" -U postgres -d postgres -c "$2"
}
port_of() { sed -n 's/^port = \([0-9]*\).*/\1/p' "$1/postgresql.conf" "$1/postgresql.auto.conf" 2>/dev/null | tail -n1; }

# user postgres must be able to walk down to DIR: grant search (x, not read) where it is missing.
grant_traverse() {
  [ "$(id -u)" = 0 ] || return 0
  local p
  p=$(cd "$1" && pwd)
  while [ "$p" != "/" ]; do
    if ! runuser -u postgres -- test -x "$p"; then chmod o+x "$p"; fi
    p=$(dirname "$p")
  done
}

# Shutdown by the postmaster pid (works even when the path is no longer reachable by postgres):
# fast (SIGINT, a clean checkpoint) when the data is kept, immediate (SIGQUIT) when it is removed.
stop_cluster() {
  local data=$1 signal=$2 pid
  [ -f "$data/postmaster.pid" ] || return 0
  pid=$(head -n1 "$data/postmaster.pid")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "-$signal" "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -QUIT "$pid" 2>/dev/null || true
  fi
  return 0
}

case "$action" in
  start)
    pport=${3:?PRIMARY_PORT}
    rport=${4:?REPLICA_PORT}
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ ! -e "$dir/primary" ] || { echo "$dir/primary exists: stop it first" >&2; exit 1; }
    for port in "$pport" "$rport"; do
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port $port is in use" >&2; exit 1; fi
    done
    grant_traverse "$dir"
    mkdir -p "$dir/primary" "$dir/replica" "$dir/log"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir/primary" "$dir/replica" "$dir/log"
    chmod 700 "$dir/primary" "$dir/replica"
    as_pg "$BIN/initdb" -D "$dir/primary" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/log/initdb.log"
    cat >>"$dir/primary/postgresql.conf" <<CONF
# deploy/pg-replica.sh
listen_addresses = '127.0.0.1'
port = $pport
unix_socket_directories = ''
wal_level = replica
max_wal_senders = 5
max_replication_slots = 5
hot_standby = on
hot_standby_feedback = on
wal_keep_size = '128MB'
max_connections = 100
shared_buffers = '64MB'
fsync = off
synchronous_commit = off
CONF
    cat >"$dir/primary/pg_hba.conf" <<HBA
# deploy/pg-replica.sh: loopback only, trust (a test rig)
host all all 127.0.0.1/32 trust
host replication all 127.0.0.1/32 trust
HBA
    as_pg "$BIN/pg_ctl" -D "$dir/primary" -l "$dir/log/primary.log" -w -t 60 start >/dev/null
    psql_at "$pport" "SELECT pg_create_physical_replication_slot('desa_replica')" >/dev/null
    as_pg "$BIN/pg_basebackup" -h 127.0.0.1 -p "$pport" -U postgres -D "$dir/replica" -R \
      -X stream -S desa_replica -c fast --no-sync
    # The standby's own port and a name for it in pg_stat_replication on the primary.
    cat >>"$dir/replica/postgresql.auto.conf" <<CONF
port = $rport
cluster_name = 'desa_replica'
CONF
    sed -i "s/^primary_conninfo = '/primary_conninfo = 'application_name=desa_replica /" \
      "$dir/replica/postgresql.auto.conf"
    as_pg "$BIN/pg_ctl" -D "$dir/replica" -l "$dir/log/replica.log" -w -t 60 start >/dev/null
    for _ in $(seq 1 100); do
      [ "$(psql_at "$pport" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" = 1 ] && break
      sleep 0.1
    done
    [ "$(psql_at "$rport" "SELECT pg_is_in_recovery()")" = t ] || { echo "replica is not in recovery" >&2; exit 1; }
    echo "export DESA_PG_PRIMARY_PORT=$pport"
    echo "export DESA_PG_REPLICA_PORT=$rport"
    echo "export DESA_PG_PRIMARY_URL=postgresql+psycopg://postgres@127.0.0.1:$pport/postgres"
    echo "export DESA_PG_REPLICA_URL=postgresql+psycopg://postgres@127.0.0.1:$rport/postgres"
    ;;
  sync)
    timeout=${3:-30}
    pport=$(port_of "$dir/primary")
    rport=$(port_of "$dir/replica")
    # the insert position: with synchronous_commit off the last commit may not be written out yet
    target=$(psql_at "$pport" "SELECT pg_current_wal_insert_lsn()")
    end=$((SECONDS + timeout))
    until [ "$(psql_at "$rport" "SELECT pg_last_wal_replay_lsn() >= '$target'::pg_lsn")" = t ]; do
      [ "$SECONDS" -lt "$end" ] || { echo "replica did not reach $target in ${timeout}s" >&2; exit 1; }
      sleep 0.05
    done
    ;;
  status)
    pport=$(port_of "$dir/primary")
    psql_at "$pport" "SELECT application_name, state, sent_lsn, replay_lsn FROM pg_stat_replication"
    ;;
  stop)
    if [ "${3:-}" = "--keep" ]; then
      stop_cluster "$dir/replica" INT
      stop_cluster "$dir/primary" INT
    else
      stop_cluster "$dir/replica" QUIT
      stop_cluster "$dir/primary" QUIT
      rm -rf "$dir/primary" "$dir/replica" "$dir/log"
    fi
    ;;
  *) echo "usage: $0 start DIR PRIMARY_PORT REPLICA_PORT | sync DIR | status DIR | stop DIR [--keep]" >&2; exit 2 ;;
esac
