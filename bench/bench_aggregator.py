"""The stats aggregator (the Faust worker) draining a backlog of rating events, beside a plain
kafka-python consumer of the same topic in the same run; then end-to-end freshness under a steady
rate of ratings.

The real topics stay clean: the bench runs a second worker — the same code, `stats_service.worker.app`
— with its own consumer group, its own copies of the topics (`<topic>.bench`, same partitions,
recreated each run) and its own indices (`citizeninfo-bench-*`). Phases:

1. produce N rating events (default 200,000) to `citizeninfo.ratings.v1.bench`;
2. ceilings: a plain kafka-python consumer reads all N (no parsing, no writes); then a Faust agent
   that takes them in the aggregator's batches and does nothing (bench/faust_ceiling_app.py): the
   part of the aggregator's cost that is Faust's own;
3. aggregator: the bench worker starts on a fresh group and projects all N into Elasticsearch;
   its rate is N / (time of the last write − time of the first write), read from its /metrics;
   the documents are then counted in Elasticsearch (must be N: nothing lost, nothing doubled);
4. freshness: with the worker caught up, R ratings/s (default 200) for D seconds (default 30); a
   poller counts this phase's documents visible to searches every 50 ms, and the k-th event sent is
   taken as visible when that count first reaches k. Freshness = visible − sent (what an official
   reading the stats API would see, index refresh included).

    .venv/bin/python bench/bench_aggregator.py [--events 200000] [--rate 200] [--duration 30]

Prints JSON and writes bench/results/aggregator.json. Needs the native stack (`make up`).
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.events.ratings import RatingSubmitted
from citizeninfo_shared.topics import TOPICS, TopicName
from elasticsearch import Elasticsearch
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import UnknownTopicOrPartitionError
from stats_service.adapters.indices import StatsIndices
from stats_service.config import StatsSettings

RESULTS = Path(__file__).parent / "results" / "aggregator.json"
SUFFIX = ".bench"
INDEX_PREFIX = "citizeninfo-bench"
WEB_PORT = 6067
WORKER_TOPICS = (TopicName.CATALOGUE, TopicName.PINS, TopicName.READINESS, TopicName.RATINGS, TopicName.COMPLAINTS)
RATINGS_TOPIC = f"{TopicName.RATINGS.value}{SUFFIX}"
PROVINCES = ["10", "11", "12", "13", "20", "30", "34", "40", "41", "50", "57", "65", "80", "83", "90", "96"]


def rating_event(n: int, phase: str, points: int) -> CloudEvent:
    point = f"P{phase}{n % points:05d}"
    rating = RatingSubmitted(
        rating_id=f"{phase}-{n}",
        service_point_id=point,
        score=1 + n % 5,
        aspects={"waiting_time": 1 + n % 5, "staff": 1 + (n // 5) % 5} if n % 4 == 0 else {},
        asked_for_copy=n % 9 == 0,
        verified=n % 3 == 0,
        submitted_at=datetime.now(UTC),
    )
    data = {
        **rating.model_dump(mode="json"),
        "department_id": f"D{phase}{n % 40:02d}",
        "ministry_id": f"M{phase}{n % 8}",
        "province_code": PROVINCES[n % len(PROVINCES)],
    }
    return CloudEvent(source="urn:citizeninfo:bench", type=RatingSubmitted.event_type, subject=point, data=data)


def recreate_topics(bootstrap: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="bench-aggregator")
    names = [f"{name.value}{SUFFIX}" for name in WORKER_TOPICS]
    try:
        existing = [name for name in names if name in set(admin.list_topics())]
        if existing:
            try:
                admin.delete_topics(existing)
            except UnknownTopicOrPartitionError:
                pass
            deadline = time.monotonic() + 60
            while set(existing) & set(admin.list_topics()) and time.monotonic() < deadline:
                time.sleep(0.5)
        for name in WORKER_TOPICS:
            registry = TOPICS[name]
            new = NewTopic(f"{name.value}{SUFFIX}", registry.partitions, 1, topic_configs=registry.config())
            for _ in range(60):  # a just-deleted topic may take a moment to be creatable again
                try:
                    admin.create_topics([new])
                    break
                except Exception:
                    time.sleep(1)
    finally:
        admin.close()


def produce_backlog(bootstrap: str, events: int, phase: str) -> float:
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=20, batch_size=256 * 1024, compression_type="gzip"
    )
    started = time.monotonic()
    for n in range(events):
        event = rating_event(n, phase, points=2000)
        producer.send(RATINGS_TOPIC, key=event.key, value=event.to_json_bytes())
    producer.flush(timeout=120)
    producer.close()
    return events / (time.monotonic() - started)


def plain_consumer_rate(bootstrap: str, events: int) -> float:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    partitions = [TopicPartition(RATINGS_TOPIC, p) for p in consumer.partitions_for_topic(RATINGS_TOPIC)]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    read = 0
    started = time.monotonic()
    while read < events:
        for records in consumer.poll(timeout_ms=1000, max_records=10_000).values():
            read += len(records)
    elapsed = time.monotonic() - started
    consumer.close()
    return read / elapsed


def faust_ceiling_rate(events: int, datadir: str) -> float:
    result = Path(datadir) / "faust-ceiling.json"
    env = {
        **os.environ,
        "FAUST_CEILING_TOPIC": RATINGS_TOPIC,
        "FAUST_CEILING_EVENTS": str(events),
        "FAUST_CEILING_RESULT": str(result),
        "FAUST_CEILING_DATADIR": str(Path(datadir) / "faust-ceiling"),
    }
    app = Path(__file__).parent / "faust_ceiling_app.py"
    command = [sys.executable, str(app), "worker", "-l", "warn", "--without-web"]
    with open(Path(datadir) / "faust-ceiling.log", "wb") as log:
        subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=600, check=False)  # noqa: S603 — our own app
    if not result.exists():
        raise RuntimeError(f"the Faust ceiling app ended without a result; see {datadir}/faust-ceiling.log")
    measured = json.loads(result.read_text())
    return measured["events"] / max(measured["seconds_draining"], 1e-9)


def metric(name: str, **labels: str) -> float:
    try:
        text = httpx.get(f"http://127.0.0.1:{WEB_PORT}/metrics", timeout=2).text
    except httpx.HTTPError:
        return 0.0
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            if all(f'{k}="{v}"' in line for k, v in labels.items()):
                total += float(line.rsplit(" ", 1)[1])
    return total


def start_worker(settings: StatsSettings, run: str, datadir: str, lever: "Lever | None" = None) -> subprocess.Popen:
    lever = lever or LEVERS[0]
    env = {
        **os.environ,
        **lever.environment,
        "CITIZENINFO_FAUST_APP_ID": f"citizeninfo-stats-bench-{run}",
        "CITIZENINFO_ELASTICSEARCH_INDEX_PREFIX": INDEX_PREFIX,
        "CITIZENINFO_WORKER_TOPIC_SUFFIX": SUFFIX,
        "CITIZENINFO_FAUST_WEB_PORT": str(WEB_PORT),
        "CITIZENINFO_FAUST_DATA_DIR": datadir,
    }
    faust = Path(sys.executable).parent / "faust"
    command = [str(faust), "-A", "stats_service.worker.app:app", *lever.faust_options, "worker", "-l", "warn"]
    command += ["--web-port", str(WEB_PORT), "--web-host", "127.0.0.1"]
    log_name = f"worker-{lever.name.replace(' ', '-')}.log"
    log = open(Path(datadir) / log_name, "wb")  # kept open as long as the worker runs
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # noqa: S603 — our own worker


@dataclass(frozen=True)
class Lever:
    """One way to run the same worker: settings (environment) and faust command-line options."""

    name: str
    environment: dict[str, str] = field(default_factory=dict)
    faust_options: tuple[str, ...] = ()


CYTHON = {"CITIZENINFO_FAUST_CYTHON_OPTIMIZATIONS": "true"}
MONITOR_OFF = {"CITIZENINFO_FAUST_MONITOR_EVENTS": "false"}
BIGGER_BUFFER = {"CITIZENINFO_FAUST_STREAM_BUFFER_MAXSIZE": "16384"}
UVLOOP = ("--loop", "uvloop")
# The first is the worker as configured: each lever is measured beside it, in the same run.
LEVERS = (
    Lever("as configured"),
    Lever("cython_optimizations", CYTHON),
    Lever("uvloop", faust_options=UVLOOP),
    Lever("monitor off", MONITOR_OFF),
    Lever("stream_buffer_maxsize 16384", BIGGER_BUFFER),
    Lever("all four", {**CYTHON, **MONITOR_OFF, **BIGGER_BUFFER}, UVLOOP),
)


def stop_worker(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def lever_rates(settings: StatsSettings, run: str, datadir: str, events: int) -> list[dict]:
    """Each lever drains the first `events` of the backlog with a fresh consumer group (the documents
    it writes already exist: same ids, nothing added)."""
    rates = []
    for number, lever in enumerate(LEVERS):
        worker = start_worker(settings, f"{run}-lever{number}", datadir, lever)
        try:
            timing = drain(events, worker)
        finally:
            stop_worker(worker)
        rates.append({"lever": lever.name, "events_per_second": round(events / max(timing["seconds_draining"], 1e-9))})
    return rates


def drain(events: int, worker: subprocess.Popen) -> dict:
    processed = lambda: metric("citizeninfo_stats_events_processed_total", topic=TopicName.RATINGS.value)  # noqa: E731
    started = time.monotonic()
    first = None
    while (done := processed()) < events:
        if done > 0 and first is None:
            first = time.monotonic()
        if worker.poll() is not None:
            raise RuntimeError(f"the bench worker exited with {worker.returncode}; see its worker.log")
        if time.monotonic() - started > 900:
            raise RuntimeError(f"the bench worker processed {done} of {events} in 900 s")
        time.sleep(0.05)
    last = time.monotonic()
    first = first or last
    return {"seconds_from_start": round(last - started, 3), "seconds_draining": round(last - first, 3)}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def freshness(bootstrap: str, es: Elasticsearch, rate: int, duration: int, phase: str) -> dict:
    total = rate * duration
    sent_at: list[float] = []
    visible: list[tuple[float, int]] = []
    stop = threading.Event()
    index = f"{INDEX_PREFIX}-ratings"

    def poll() -> None:
        while not stop.is_set():
            count = es.count(index=index, query={"prefix": {"rating_id": f"{phase}-"}})["count"]
            visible.append((time.monotonic(), count))
            time.sleep(0.05)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    started = time.monotonic()
    for n in range(total):
        due = started + n / rate
        if (wait := due - time.monotonic()) > 0:
            time.sleep(wait)
        event = rating_event(n, phase, points=500)
        producer.send(RATINGS_TOPIC, key=event.key, value=event.to_json_bytes())
        sent_at.append(time.monotonic())
    producer.flush(timeout=30)
    producer.close()
    deadline = time.monotonic() + 60
    while (not visible or visible[-1][1] < total) and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    poller.join(timeout=5)

    latencies = []
    cursor = 0
    for k, sent in enumerate(sent_at, start=1):
        while cursor < len(visible) and visible[cursor][1] < k:
            cursor += 1
        if cursor == len(visible):
            break
        latencies.append(max(0.0, visible[cursor][0] - sent))
    achieved_rate = total / (sent_at[-1] - sent_at[0]) if len(sent_at) > 1 else 0.0
    return {
        "ratings_per_second_target": rate,
        "ratings_per_second_sent": round(achieved_rate, 1),
        "events": total,
        "visible": len(latencies),
        "p50_seconds": round(percentile(latencies, 0.50), 3),
        "p95_seconds": round(percentile(latencies, 0.95), 3),
        "p99_seconds": round(percentile(latencies, 0.99), 3),
        "max_seconds": round(max(latencies), 3),
        "mean_seconds": round(statistics.fmean(latencies), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--lever-events", type=int, default=100_000, help="events each Faust lever drains; 0: none")
    args = parser.parse_args()

    settings = StatsSettings()
    bootstrap = settings.kafka_bootstrap_servers
    run = uuid.uuid4().hex[:8]
    es = Elasticsearch(settings.elasticsearch_hosts, request_timeout=60)
    es.options(ignore_status=404).indices.delete(index=",".join(StatsIndices(INDEX_PREFIX).all()))
    recreate_topics(bootstrap)

    produce_rate = produce_backlog(bootstrap, args.events, f"B{run}")
    ceiling = plain_consumer_rate(bootstrap, args.events)

    with tempfile.TemporaryDirectory(prefix="bench-aggregator-") as datadir:
        faust_ceiling = faust_ceiling_rate(args.events, datadir)
        worker = start_worker(settings, run, datadir)
        try:
            timing = drain(args.events, worker)
            es.indices.refresh(index=f"{INDEX_PREFIX}-ratings")
            stored = es.count(index=f"{INDEX_PREFIX}-ratings")["count"]
            fresh = freshness(bootstrap, es, args.rate, args.duration, f"F{run}")
        finally:
            stop_worker(worker)
        levers = lever_rates(settings, run, datadir, min(args.lever_events, args.events)) if args.lever_events else []

    aggregator_rate = args.events / max(timing["seconds_draining"], 1e-9)
    result = {
        "bench": "aggregator",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "topic": RATINGS_TOPIC,
        "backlog_events": args.events,
        "producer_events_per_second": round(produce_rate),
        "plain_kafka_python_consumer_events_per_second": round(ceiling),
        "aggregator_events_per_second": round(aggregator_rate),
        "aggregator_events_per_second_incl_startup": round(args.events / timing["seconds_from_start"]),
        "aggregator_share_of_plain_consumer": round(aggregator_rate / ceiling, 3),
        "faust_agent_doing_nothing_events_per_second": round(faust_ceiling),
        "faust_agent_doing_nothing_share_of_plain_consumer": round(faust_ceiling / ceiling, 3),
        "aggregator_share_of_faust_agent_doing_nothing": round(aggregator_rate / faust_ceiling, 3),
        "goal_share": 0.25,
        "documents_in_elasticsearch": stored,
        "exact": stored == args.events,
        "freshness": fresh,
        "levers": [
            {**lever, "share_of_plain_consumer": round(lever["events_per_second"] / ceiling, 3)} for lever in levers
        ],
        "goal_freshness_p95_seconds": 2.0,
        "batch_size": settings.worker_batch_size,
        "batch_seconds": settings.worker_batch_seconds,
    }
    es.options(ignore_status=404).indices.delete(index=",".join(StatsIndices(INDEX_PREFIX).all()))
    es.close()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
