#!/usr/bin/python3
"""Starts the broker the way apache/kafka's image does: KAFKA_* variables become server.properties.

KAFKA_LISTENER_NAME_INTERNAL_SCRAM___SHA___512_SASL_JAAS_CONFIG → listener.name.internal.scram-sha-512.sasl.jaas.config
(strip KAFKA_, lower-case, `___` → `-`, `__` → `_`, `_` → `.`). CLUSTER_ID formats the log dirs once (KRaft).
"""

import os
import subprocess
import sys
from pathlib import Path

PROPERTIES = Path("/opt/kafka/config/server.properties")
CLASSPATH = "/opt/kafka/libs/*"
# Variables the official image reads for the JVM or itself, never as broker settings.
NOT_SETTINGS = {
    "KAFKA_VERSION", "KAFKA_HOME", "KAFKA_HEAP_OPTS", "KAFKA_OPTS", "KAFKA_JVM_PERFORMANCE_OPTS",
    "KAFKA_GC_LOG_OPTS", "KAFKA_LOG4J_OPTS", "KAFKA_JMX_OPTS", "KAFKA_JMX_PORT", "KAFKA_JMX_HOSTNAME",
    "KAFKA_LOG4J_ROOT_LOGLEVEL", "KAFKA_LOG4J_LOGGERS", "KAFKA_TOOLS_LOG4J_LOGLEVEL",
}  # fmt: skip


def setting_name(variable: str) -> str:
    name = variable.removeprefix("KAFKA_").lower()
    # A NUL stands in for the `__` → `_` result so the single-underscore rule cannot touch it.
    return name.replace("___", "-").replace("__", "\0").replace("_", ".").replace("\0", "_")


def settings(environ: dict[str, str]) -> dict[str, str]:
    return {
        setting_name(key): value
        for key, value in sorted(environ.items())
        if key.startswith("KAFKA_") and key not in NOT_SETTINGS
    }


def java(*arguments: str) -> list[str]:
    heap = os.environ.get("KAFKA_HEAP_OPTS", "").split()
    extra = os.environ.get("KAFKA_OPTS", "").split()
    return [
        f"{os.environ['JAVA_HOME']}/bin/java", *heap, "-XX:+UseG1GC", "-Djava.awt.headless=true",
        "-Dlog4j2.configurationFile=/opt/kafka/log4j2.yaml", *extra, "-cp", CLASSPATH, *arguments,
    ]  # fmt: skip


def main() -> None:
    config = settings(dict(os.environ))
    if "process.roles" not in config:
        sys.exit("kafka-entrypoint: set KAFKA_PROCESS_ROLES, KAFKA_NODE_ID, KAFKA_LISTENERS, … (KRaft only)")
    PROPERTIES.write_text("".join(f"{key}={value}\n" for key, value in config.items()))
    if "log.dirs" not in config:
        sys.exit("kafka-entrypoint: set KAFKA_LOG_DIRS (a volume: KRaft formats it once)")
    log_dirs = config["log.dirs"].split(",")
    if not all((Path(d) / "meta.properties").exists() for d in log_dirs):
        cluster_id = os.environ.get("CLUSTER_ID")
        if not cluster_id:
            sys.exit("kafka-entrypoint: CLUSTER_ID is required to format the log dirs")
        # `--cluster-id=ID` as one word: a base64url id may start with "-" (see stack.py).
        command = java("kafka.tools.StorageTool", "format", f"--cluster-id={cluster_id}", "-c", str(PROPERTIES))
        subprocess.run([*command, "--ignore-formatted"], check=True)  # noqa: S603 - the image's own java
    os.execv(java()[0], [*java("kafka.Kafka", str(PROPERTIES)), *sys.argv[1:]])  # noqa: S606 - replaces this process


if __name__ == "__main__":
    main()
