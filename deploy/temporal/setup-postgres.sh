#!/bin/sh
# Creates and migrates Temporal's two databases, `temporal` and `temporal_visibility`, with temporal-sql-tool from
# temporalio/admin-tools: the layout of temporalio/samples-server compose/scripts/setup-postgres.sh, which replaced
# the deprecated auto-setup image. Safe on every `docker compose up`: `create` ignores an existing database,
# `setup-schema -v 0.0` leaves a versioned schema alone, and `update-schema` applies only the versions this
# admin-tools release ships that the database lacks (which is how a Temporal upgrade migrates its schema).
# The password comes from SQL_PASSWORD, which temporal-sql-tool reads itself, so it never shows in a process list.
set -eu

: "${POSTGRES_SEEDS:?POSTGRES_SEEDS is required}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
: "${SQL_PASSWORD:?SQL_PASSWORD is required}"
DB_PORT="${DB_PORT:-5432}"
SCHEMA_ROOT=/etc/temporal/schema/postgresql/v12

echo "waiting for PostgreSQL at ${POSTGRES_SEEDS}:${DB_PORT}"
nc -z -w 10 "$POSTGRES_SEEDS" "$DB_PORT"

sql_tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -u "$POSTGRES_USER" -p "$DB_PORT" "$@"
}

setup_database() {
  database=$1
  schema_dir=$2
  echo "schema of ${database}"
  sql_tool --db "$database" create
  sql_tool --db "$database" setup-schema -v 0.0
  sql_tool --db "$database" update-schema -d "$schema_dir"
}

setup_database temporal "$SCHEMA_ROOT/temporal/versioned"
setup_database temporal_visibility "$SCHEMA_ROOT/visibility/versioned"
echo 'Temporal schema is up to date'
