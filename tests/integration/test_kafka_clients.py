"""Both Kafka client families talk to the broker we run: kafka-python (tests, admin) and aiokafka (the
services' outbox producer, their consumers, Faust)."""

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer
from citizeninfo_shared.kafka import create_async_producer, create_consumer, create_producer
from kafka import KafkaAdminClient
from kafka.admin import NewTopic

# native_only: creates and deletes scratch topics, which no Kafka user reachable from the host may do in compose.
pytestmark = [pytest.mark.integration, pytest.mark.native_only]


@pytest.fixture
def scratch_topic(infrastructure):
    name = f"citizeninfo.test.{uuid.uuid4().hex[:10]}"
    admin = KafkaAdminClient(bootstrap_servers=infrastructure.kafka_bootstrap)
    admin.create_topics([NewTopic(name, 3, 1)])
    yield name
    admin.delete_topics([name])
    admin.close()


def test_kafka_python_round_trip_with_the_safe_producer(infrastructure, scratch_topic):
    producer = create_producer(infrastructure.kafka_bootstrap, client_id="test-kafka-python")
    sent = {f"k{i}".encode(): f"value-{i}".encode() for i in range(20)}
    for key, value in sent.items():
        producer.send(scratch_topic, key=key, value=value)
    producer.flush(10)
    producer.close()
    assert producer.config["acks"] == -1 and producer.config["enable_idempotence"] is True

    consumer = create_consumer(
        infrastructure.kafka_bootstrap,
        scratch_topic,
        group_id=f"g-{uuid.uuid4().hex}",
        client_id="t",
        consumer_timeout_ms=8000,
    )
    received = {}
    for message in consumer:
        received[message.key] = message.value
        if len(received) == len(sent):
            break
    consumer.commit()
    consumer.close()
    assert received == sent


async def test_aiokafka_round_trip(infrastructure, scratch_topic):
    producer = create_async_producer(infrastructure.kafka_bootstrap, client_id="test-aiokafka")  # the relay's
    await producer.start()
    try:
        for i in range(10):
            await producer.send_and_wait(scratch_topic, f"aio-{i}".encode(), key=b"point-1")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        scratch_topic,
        bootstrap_servers=infrastructure.kafka_bootstrap,
        auto_offset_reset="earliest",
        group_id=f"g-{uuid.uuid4().hex}",
    )
    await consumer.start()
    values = []
    try:
        async with asyncio.timeout(20):
            async for message in consumer:
                values.append(message.value.decode())
                if len(values) == 10:
                    break
    finally:
        await consumer.stop()
    # One key, one partition: the order is kept.
    assert values == [f"aio-{i}" for i in range(10)]
