#!/bin/bash
# First start of the compose file's PostgreSQL: the tables' owner and the application role (no
# BYPASSRLS), and the database. Same layout as deploy/pg-test-db.sh, with passwords.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username postgres <<SQL
CREATE ROLE desa_owner LOGIN PASSWORD '${DB_OWNER_PASSWORD}' NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE ROLE desa_app LOGIN PASSWORD '${DB_APP_PASSWORD}' NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
CREATE DATABASE desacerdas OWNER desa_owner;
SQL
psql -v ON_ERROR_STOP=1 --username postgres -d desacerdas \
  -c "REVOKE CREATE ON SCHEMA public FROM PUBLIC; ALTER SCHEMA public OWNER TO desa_owner;"
