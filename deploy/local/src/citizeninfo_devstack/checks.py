"""Readiness of each part of the native stack, asked the way its clients ask."""

import subprocess

import httpx
from kafka import KafkaAdminClient
from pymongo import MongoClient

from citizeninfo_devstack.paths import postgres_bin
from citizeninfo_devstack.programs import (
    ELASTICSEARCH_PORT,
    GATEWAY_PORT,
    KAFKA_PORT,
    MONGODB_PORT,
    POSTGRES_PORT,
    PROMETHEUS_PORT,
    SERVICES,
    STATS_WORKER_WEB_PORT,
)

KAFKA_BOOTSTRAP = f"127.0.0.1:{KAFKA_PORT}"
ELASTICSEARCH_URL = f"http://127.0.0.1:{ELASTICSEARCH_PORT}"
MONGODB_URL = f"mongodb://127.0.0.1:{MONGODB_PORT}/"
GATEWAY_URL = f"http://127.0.0.1:{GATEWAY_PORT}"


def kafka_ready() -> list[str]:
    admin = KafkaAdminClient(bootstrap_servers=KAFKA_BOOTSTRAP, request_timeout_ms=3_000)
    try:
        return admin.list_topics()
    finally:
        admin.close()


def elasticsearch_ready() -> None:
    response = httpx.get(f"{ELASTICSEARCH_URL}/_cluster/health", params={"wait_for_status": "yellow", "timeout": "2s"})
    response.raise_for_status()
    if response.json()["status"] == "red":
        raise RuntimeError("Elasticsearch cluster is red")


def postgres_ready() -> None:

    subprocess.run(
        [f"{postgres_bin()}/pg_isready", "-q", "-h", "127.0.0.1", "-p", str(POSTGRES_PORT)], check=True, timeout=5
    )


def mongodb_ready() -> None:
    client = MongoClient(MONGODB_URL, serverSelectionTimeoutMS=2_000)
    try:
        client.admin.command("ping")
    finally:
        client.close()


def service_ready(port: int) -> None:
    httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=3).raise_for_status()


def stats_worker_ready() -> None:
    httpx.get(f"http://127.0.0.1:{STATS_WORKER_WEB_PORT}/metrics", timeout=3).raise_for_status()


def gateway_ready() -> None:
    for spec in SERVICES:
        for path in ("healthz", "readyz"):
            httpx.get(f"{GATEWAY_URL}{spec.prefix}{path}", timeout=3).raise_for_status()


def prometheus_ready() -> None:
    httpx.get(f"http://127.0.0.1:{PROMETHEUS_PORT}/-/ready", timeout=3).raise_for_status()
