"""The Faust ceiling for bench_aggregator.py: an agent that takes the bench's rating events in the
aggregator's batch size and does nothing with them. What it costs is Faust's own path from the fetch
to the agent, with nothing of ours in it: no parsing, no Elasticsearch.

    python bench/faust_ceiling_app.py worker -l warn --without-web

Environment: FAUST_CEILING_TOPIC, FAUST_CEILING_EVENTS (how many to take), FAUST_CEILING_RESULT (a
file: the JSON result is written there, then the process exits), FAUST_CEILING_DATADIR,
CITIZENINFO_KAFKA_BOOTSTRAP_SERVERS.
"""

import json
import os
import time
from pathlib import Path

import faust
from stats_service.config import StatsSettings
from stats_service.worker.app import kafka_broker_urls

settings = StatsSettings()
TOPIC = os.environ["FAUST_CEILING_TOPIC"]
EVENTS = int(os.environ["FAUST_CEILING_EVENTS"])
RESULT = Path(os.environ["FAUST_CEILING_RESULT"])

app = faust.App(
    f"citizeninfo-bench-faust-ceiling-{os.getpid()}",
    broker=kafka_broker_urls(settings.kafka_bootstrap_servers),
    store="memory://",
    consumer_auto_offset_reset="earliest",
    topic_disable_leader=True,
    web_enabled=False,
    datadir=os.environ["FAUST_CEILING_DATADIR"],
)
topic = app.topic(TOPIC, key_serializer="raw", value_serializer="raw")
taken = {"events": 0, "first_batch_at": 0.0}


@app.agent(topic)
async def take_and_drop(stream: faust.StreamT) -> None:
    async for events in stream.take_events(settings.worker_batch_size, within=settings.worker_batch_seconds):
        if not taken["events"]:
            taken["first_batch_at"] = time.monotonic()
        taken["events"] += len(events)
        if taken["events"] >= EVENTS:
            seconds = time.monotonic() - taken["first_batch_at"]
            RESULT.write_text(json.dumps({"events": taken["events"], "seconds_draining": seconds}))  # noqa: ASYNC240 - once, at the end
            os._exit(0)  # the measurement is written; a clean Faust shutdown adds nothing


if __name__ == "__main__":
    app.main()
