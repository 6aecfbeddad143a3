#!/bin/bash
# Initialises PGDATA once (the official image's POSTGRES_* variables), makes sure POSTGRES_DB exists and
# carries the GIN-twin trigger (idempotent, like `make up`), then runs the server given as arguments.
set -euo pipefail
: "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
user="${POSTGRES_USER:-postgres}"
database="${POSTGRES_DB:-${user}}"

if [[ ! -s "${PGDATA}/PG_VERSION" ]]; then
  password_file="$(mktemp)"
  printf '%s' "${POSTGRES_PASSWORD}" > "${password_file}"
  # Password (SCRAM) over TCP; trust only on the socket inside this container, as the official image.
  initdb -D "${PGDATA}" -U "${user}" --pwfile="${password_file}" --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 > /dev/null
  rm -f "${password_file}"
  # initdb allows TCP from loopback only; FerretDB connects from another container.
  echo "host all all all scram-sha-256" >> "${PGDATA}/pg_hba.conf"
fi

# Socket only while preparing: nothing outside sees the server (or its health check passes) before it is ready.
pg_ctl -D "${PGDATA}" -o "-c listen_addresses= -k /var/run/postgresql" -w -s start
psql=(psql -h /var/run/postgresql -U "${user}" -v ON_ERROR_STOP=1 -q)
if [[ -z "$("${psql[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '${database}'")" ]]; then
  "${psql[@]}" -d postgres -c "CREATE DATABASE \"${database}\""
fi
"${psql[@]}" -d "${database}" -f /usr/local/share/citizeninfo/postgres-ferretdb.sql
pg_ctl -D "${PGDATA}" -m fast -w -s stop

exec "$@"
