#!/bin/bash
# The mongo image's root user becomes FerretDB's setup user: created (SCRAM, in database `admin`) the
# first time FerretDB starts on an empty PostgreSQL, as mongo creates it on an empty /data/db.
# `ferretdb-entrypoint ping` logs in as that user and pings (FerretDB's own readiness probe).
set -euo pipefail
export FERRETDB_SETUP_USERNAME="${FERRETDB_SETUP_USERNAME:-${MONGO_INITDB_ROOT_USERNAME:-}}"
export FERRETDB_SETUP_PASSWORD="${FERRETDB_SETUP_PASSWORD:-${MONGO_INITDB_ROOT_PASSWORD:-}}"
if [[ -z "${FERRETDB_SETUP_USERNAME}" ]]; then
  # FerretDB requires a setup database and user together.
  unset FERRETDB_SETUP_DATABASE FERRETDB_SETUP_USERNAME FERRETDB_SETUP_PASSWORD
fi
exec /usr/local/bin/ferretdb "$@"
