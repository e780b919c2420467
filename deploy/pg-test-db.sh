#!/usr/bin/env bash
# Create (or drop) a throwaway PostgreSQL database for the test suite, with its own owner role and a
# separate application role that neither owns the tables nor bypasses Row-Level Security.
#   deploy/pg-test-db.sh create NAME   -> prints the two URLs as shell exports
#   deploy/pg-test-db.sh drop NAME
set -euo pipefail
action=${1:?create or drop}
name=${2:-desa_test}
export PGOPTIONS="-c client_min_messages=warning"
PSQL=(psql -v ON_ERROR_STOP=1 -qtA -h "${PGHOST:-127.0.0.1}" -p "${PGPORT:-5432}" -U "${PGSUPERUSER:-postgres}" -d postgres)
case "$action" in
  create)
    "${PSQL[@]}" >/dev/null <<SQL
DROP DATABASE IF EXISTS ${name};
DROP ROLE IF EXISTS ${name}_app;
DROP ROLE IF EXISTS ${name}_owner;
CREATE ROLE ${name}_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE ROLE ${name}_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
CREATE DATABASE ${name} OWNER ${name}_owner;
SQL
    "${PSQL[@]}" -d "$name" -c "REVOKE CREATE ON SCHEMA public FROM PUBLIC; ALTER SCHEMA public OWNER TO ${name}_owner;" >/dev/null
    host=${PGHOST:-127.0.0.1}; port=${PGPORT:-5432}
    echo "export DESA_TEST_DATABASE_URL=postgresql+psycopg://${name}_app@${host}:${port}/${name}"
    echo "export DESA_TEST_MIGRATION_DATABASE_URL=postgresql+psycopg://${name}_owner@${host}:${port}/${name}"
    echo "export DESA_TEST_DB_APP_ROLE=${name}_app"
    ;;
  drop)
    "${PSQL[@]}" >/dev/null <<SQL
SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid();
DROP DATABASE IF EXISTS ${name};
DROP ROLE IF EXISTS ${name}_app;
DROP ROLE IF EXISTS ${name}_owner;
SQL
    ;;
  *) echo "usage: $0 create|drop NAME" >&2; exit 2 ;;
esac
