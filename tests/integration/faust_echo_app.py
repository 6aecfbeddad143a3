"""A one-agent Faust app the integration test runs as a real worker: it forwards every value, upper-cased."""

import os

import faust

app = faust.App(
    os.environ["ECHO_APP_ID"],
    broker=f"kafka://{os.environ['ECHO_BOOTSTRAP']}",
    store="memory://",
    # Its own one-broker throwaway Kafka: one copy whatever CITIZENINFO_KAFKA_TOPIC_REPLICATION_FACTOR says.
    topic_replication_factor=1,
    topic_partitions=1,
    web_enabled=False,
)
source = app.topic(os.environ["ECHO_SOURCE"], key_serializer="raw", value_serializer="raw", internal=False)
sink = app.topic(os.environ["ECHO_SINK"], key_serializer="raw", value_serializer="raw", internal=False)


@app.agent(source)
async def echo(stream):
    async for key, value in stream.items():
        await sink.send(key=key, value=value.upper())
