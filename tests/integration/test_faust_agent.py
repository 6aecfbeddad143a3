"""A real Faust worker (faust-streaming on aiokafka) consumes from and produces to our Kafka."""

import os
import subprocess
import sys
import time
import uuid

import pytest
from citizeninfo_shared.kafka import create_producer
from kafka import KafkaAdminClient, KafkaConsumer
from kafka.admin import NewTopic

# native_only: creates and deletes scratch topics, which no Kafka user reachable from the host may do in compose.
pytestmark = [pytest.mark.integration, pytest.mark.native_only]


def test_faust_agent_forwards_every_message(infrastructure, tmp_path):
    run = uuid.uuid4().hex[:8]
    source, sink = f"citizeninfo.test.echo-in.{run}", f"citizeninfo.test.echo-out.{run}"
    admin = KafkaAdminClient(bootstrap_servers=infrastructure.kafka_bootstrap)
    admin.create_topics([NewTopic(source, 1, 1), NewTopic(sink, 1, 1)])
    environment = {
        **os.environ,
        "ECHO_APP_ID": f"citizeninfo-test-echo-{run}",
        "ECHO_BOOTSTRAP": infrastructure.kafka_bootstrap,
        "ECHO_SOURCE": source,
        "ECHO_SINK": sink,
        "PYTHONPATH": os.path.dirname(__file__),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "faust", "-A", "faust_echo_app:app", "worker", "-l", "warn", "--without-web"],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        producer = create_producer(infrastructure.kafka_bootstrap, client_id="test-faust")
        for i in range(5):
            producer.send(source, key=f"P{i}".encode(), value=f"point-{i}".encode())
        producer.flush(10)
        producer.close()
        consumer = KafkaConsumer(
            sink, bootstrap_servers=infrastructure.kafka_bootstrap, auto_offset_reset="earliest", group_id=None
        )
        received: dict[bytes, bytes] = {}
        deadline = time.monotonic() + 90  # the worker's first rebalance takes a while
        while len(received) < 5 and time.monotonic() < deadline:
            assert worker.poll() is None, worker.stdout.read().decode(errors="replace")[-3000:]
            for batch in consumer.poll(timeout_ms=500).values():
                received.update({m.key: m.value for m in batch})
        consumer.close()
        assert received == {f"P{i}".encode(): f"POINT-{i}".encode() for i in range(5)}
    finally:
        worker.terminate()
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            worker.kill()
        admin.delete_topics([source, sink])
        admin.close()
