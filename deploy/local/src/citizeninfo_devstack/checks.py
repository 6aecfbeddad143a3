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


def kafka_ready(bootstrap: str = KAFKA_BOOTSTRAP, *, brokers: int = 1) -> list[str]:
    """Kafka answers, with at least `brokers` brokers registered (a cluster's nodes have joined)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3_000)
    try:
        topics = admin.list_topics()
        registered = len(admin.describe_cluster()["brokers"])
        if registered < brokers:
            raise RuntimeError(f"{registered} of {brokers} Kafka brokers registered")
        return topics
    finally:
        admin.close()


def elasticsearch_ready(url: str = ELASTICSEARCH_URL, *, nodes: int = 1) -> None:
    params = {"wait_for_status": "yellow", "wait_for_nodes": f">={nodes}", "timeout": "2s"}
    response = httpx.get(f"{url}/_cluster/health", params=params, timeout=5)
    response.raise_for_status()
    health = response.json()
    if health["status"] == "red" or health.get("timed_out"):
        raise RuntimeError(f"Elasticsearch: {health['status']}, {health['number_of_nodes']} of {nodes} nodes")


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


def stats_worker_ready(port: int = STATS_WORKER_WEB_PORT) -> None:
    httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=3).raise_for_status()


def gateway_ready() -> None:
    for spec in SERVICES:
        for path in ("healthz", "readyz"):
            httpx.get(f"{GATEWAY_URL}{spec.prefix}{path}", timeout=3).raise_for_status()


def prometheus_ready() -> None:
    httpx.get(f"http://127.0.0.1:{PROMETHEUS_PORT}/-/ready", timeout=3).raise_for_status()
