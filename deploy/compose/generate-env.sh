#!/usr/bin/env bash
# Writes .env at the repository root with a fresh random value for every secret docker-compose.yml
# requires. Refuses to overwrite an existing .env (its passwords are already in the data volumes).
set -euo pipefail
repo_root="$(cd "$(dirname "$0")/../.." && pwd)"
env_file="${1:-${repo_root}/.env}"

if [[ -e "${env_file}" ]]; then
  echo "${env_file} exists; not overwriting it" >&2
  exit 1
fi

# Hex only: the values go inside connection URLs (mongodb://user:PASSWORD@..., http://elastic:PASSWORD@...).
random_hex() { python3 -c 'import secrets, sys; print(secrets.token_hex(int(sys.argv[1])))' "$1"; }

umask 077
cat > "${env_file}" <<ENV
# The project name (docker-compose 1.x has no top-level name key): containers, network and volumes are citizeninfo_*.
COMPOSE_PROJECT_NAME=citizeninfo
ELASTIC_PASSWORD=$(random_hex 16)
MONGODB_PASSWORD=$(random_hex 16)
CITIZENINFO_JWT_SECRET=$(random_hex 32)
CITIZENINFO_VISIT_TOKEN_SECRET=$(random_hex 32)
CITIZENINFO_IDENTITY_HMAC_KEY=$(random_hex 32)
CITIZENINFO_SECRETS_AT_REST_KEYS={"k1":"$(random_hex 32)"}
CITIZENINFO_SECRETS_AT_REST_KEY_ID=k1
CITIZENINFO_ADMIN_PASSWORD=$(random_hex 12)
GRAFANA_ADMIN_PASSWORD=$(random_hex 12)
KAFKA_PIN_SERVICE_PASSWORD=$(random_hex 16)
KAFKA_NOCOPY_SERVICE_PASSWORD=$(random_hex 16)
KAFKA_FEEDBACK_SERVICE_PASSWORD=$(random_hex 16)
KAFKA_STATS_SERVICE_PASSWORD=$(random_hex 16)
KAFKA_STATS_WORKER_PASSWORD=$(random_hex 16)
KAFKA_CARD_GATEWAY_PASSWORD=$(random_hex 16)
KAFKA_COMPLAINT_SYSTEM_PASSWORD=$(random_hex 16)
# One broker: one copy of each topic, and a write acknowledged by that copy.
CITIZENINFO_KAFKA_TOPIC_REPLICATION_FACTOR=1
CITIZENINFO_KAFKA_MIN_INSYNC_REPLICAS=1
ENV
echo "wrote ${env_file}; the admin password for the gateway is in CITIZENINFO_ADMIN_PASSWORD,"
echo "the national complaint system's Kafka password (user complaint-system) in KAFKA_COMPLAINT_SYSTEM_PASSWORD"
