"""Drills on the replicated cluster (`make cluster-up`, then `make cluster-test`): while citizens rate,
staff pin and answer the readiness survey and officials read, one of each part is killed with SIGKILL in
turn — a Kafka broker, an Elasticsearch node, one replica of every service, a stream worker — and
supervisor brings it back. Afterwards stats counts every accepted write exactly once.

Clients behave as a real one does: a write that failed in transit (connection reset, 502/503/504) is
sent again until answered — ratings with the same Idempotency-Key; a pin or a survey again for the same
point (a point pinned twice is pinned once, the latest survey replaces the one before). Every error a
client saw is counted per drill and written to .run/cluster/drill-report.json with the recovery times
and the memory the cluster used.
"""

import asyncio
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import psutil
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from citizeninfo_devstack import checks
from citizeninfo_devstack.paths import StackPaths
from citizeninfo_devstack.programs import CLUSTER, SERVICES
from kafka import KafkaAdminClient

from tests import targets
from tests.drills import (
    TRANSIENT_STATUSES,
    RatingStream,
    department_ratings,
    department_row,
    drill_catalogue,
    import_catalogue,
    quietly,
)
from tests.integration.support import wait_until

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(1800)]

POINTS = 60  # 2 ratings of each point by each of 40 citizens: about 4.5 minutes of ratings
SECONDS_BETWEEN_POINTS = 2.5  # pins and surveys, one point at a time, over about 2.5 minutes
AFTER_RECOVERY_RATINGS = 20  # accepted after a killed part is back, before the next is killed
CATCH_UP_SECONDS = 240
STATS_GROUP = "citizeninfo-stats"
NOCOPY = "/api/nocopy/v1"
PIN = "/api/pin/v1"
REPORT = StackPaths.discover().topology(CLUSTER.run_subdirectory).run / "drill-report.json"


# ------------------------------------------------------------------------------------------ parts
def _broker_in_sync(broker: int) -> bool:
    """Every partition of every topic has all its replicas in sync again (the broker caught up)."""
    admin = KafkaAdminClient(bootstrap_servers=CLUSTER.kafka_bootstrap, request_timeout_ms=5_000)
    try:
        partitions = [p for topic in admin.describe_topics() for p in topic["partitions"]]
        return all(len(p["isr_nodes"]) == len(p["replica_nodes"]) for p in partitions) and any(
            broker in p["isr_nodes"] for p in partitions
        )
    finally:
        admin.close()


def _elasticsearch_green(port: int) -> bool:
    health = httpx.get(f"http://127.0.0.1:{port}/_cluster/health", timeout=5).json()
    return health["status"] == "green" and health["number_of_nodes"] == CLUSTER.elasticsearch_nodes


def _stats_group_members() -> list[bytes]:
    async def describe() -> list[bytes]:
        admin = AIOKafkaAdminClient(bootstrap_servers=CLUSTER.kafka_bootstrap)
        await admin.start()
        try:
            groups = (await admin.describe_consumer_groups([STATS_GROUP]))[0].to_object()["groups"]
        finally:
            await admin.close()
        group = groups[0]
        return [m["member_assignment"] for m in group["members"]] if group["state"] == "Stable" else []

    return asyncio.run(describe())


def _workers_share_the_partitions() -> bool:
    assignments = _stats_group_members()
    return len(assignments) == CLUSTER.stream_workers and all(b"citizeninfo.ratings.v1" in a for a in assignments)


def _holds(check: Callable[[], object]) -> bool:
    """check() is truthy; an exception (the part is still away) counts as not yet."""
    try:
        return bool(check())
    except Exception:
        return False


def _recovered(program: str) -> Callable[[], bool]:
    """Back and doing its job, asked as its clients ask."""
    name, _, number = program.rpartition("-")
    index = int(number) - 1
    if name == "kafka":  # the node itself answers, and every partition has all its replicas in sync
        own = f"127.0.0.1:{CLUSTER.kafka_ports()[index]}"
        return lambda: _holds(lambda: checks.kafka_ready(own, brokers=3)) and _holds(lambda: _broker_in_sync(index + 1))
    if name == "elasticsearch":  # the node itself answers, in a green cluster of all the nodes
        port = CLUSTER.elasticsearch_ports()[index]
        return lambda: _holds(lambda: _elasticsearch_green(port))
    if name == "stats-worker":
        port = CLUSTER.worker_web_ports()[index]
        return lambda: quietly(lambda: checks.stats_worker_ready(port)) and _holds(_workers_share_the_partitions)
    spec = next(s for s in SERVICES if s.name == name)
    port = CLUSTER.replica_ports(spec)[index]
    return lambda: quietly(lambda: checks.service_ready(port))


def _cluster_memory_mib() -> dict[str, float]:
    """Memory of each supervised program with its children, in MiB: proportional set size, so memory the
    processes share (PostgreSQL's shared buffers, libraries) is counted once in all, not once each."""
    paths = StackPaths.discover().topology(CLUSTER.run_subdirectory)
    from citizeninfo_devstack import supervisor

    used: dict[str, float] = {}
    for info in supervisor.supervisor_proxy(paths).supervisor.getAllProcessInfo():
        if not info["pid"]:
            continue
        try:
            process = psutil.Process(info["pid"])
            members = [process, *process.children(recursive=True)]
            used[info["name"]] = sum(p.memory_full_info().pss for p in members) / 2**20
        except psutil.NoSuchProcess:
            continue
    return used


# ---------------------------------------------------------------------------------------- clients
@dataclass
class StaffAndOfficials:
    """Staff pinning and surveying the drill's points one by one, and officials reading the card readers
    and the statistics of the department between them; retries what failed in transit."""

    gateway_headers: dict[str, str]
    drill_points: list[str]
    department: str
    service: str
    pinned: set[str] = field(default_factory=set)
    surveyed: set[str] = field(default_factory=set)
    reads: int = 0
    retries: Counter = field(default_factory=Counter)
    refused: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._work, daemon=True)

    def __enter__(self) -> "StaffAndOfficials":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._thread.join(timeout=600)  # every point pinned and surveyed (or refused) before the counts
        assert not self._thread.is_alive(), "staff are still at work"

    def _work(self) -> None:
        with httpx.Client(base_url=targets.GATEWAY_URL, timeout=10, headers=self.gateway_headers) as http:
            for n, point in enumerate(self.drill_points):
                pin = {"lat": 13.75 + n / 1000, "lon": 100.50 + n / 1000, "accuracy_m": 8}
                if self._until_answered(
                    lambda p=point, b=pin: http.post(f"{PIN}/service-points/{p}/pins", json=b), 201
                ):
                    self.pinned.add(point)
                survey = {
                    "mou_with_dopa": n % 2 == 0,
                    "card_readers": n % 3,
                    "services": [
                        {"service_id": self.service, "id_card_copy": "cancelled", "house_registration_copy": "required"}
                    ],
                }
                if self._until_answered(
                    lambda p=point, b=survey: http.put(f"{NOCOPY}/service-points/{p}/readiness", json=b), 200
                ):
                    self.surveyed.add(point)
                for read in (
                    lambda p=point: http.get("/api/card/v1/readers", params={"service_point_id": p}),
                    lambda: http.get(f"/api/stats/v1/satisfaction/departments/{self.department}"),
                    lambda: http.get(
                        "/api/pin/v1/service-points/nearby", params={"lat": 13.75, "lon": 100.5, "radius_m": 5000}
                    ),
                ):
                    if self._until_answered(read, 200):
                        self.reads += 1
                time.sleep(SECONDS_BETWEEN_POINTS)

    def _until_answered(self, send: Callable[[], httpx.Response], expected: int) -> bool:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                response = send()
            except httpx.TransportError as error:
                with self._lock:
                    self.retries[type(error).__name__] += 1
            else:
                if response.status_code == expected:
                    return True
                if response.status_code not in TRANSIENT_STATUSES:
                    request = response.request
                    self.refused.append(
                        f"{request.method} {request.url.path}: {response.status_code} {response.text[:200]}"
                    )
                    return False
                with self._lock:
                    self.retries[str(response.status_code)] += 1
            time.sleep(0.5)
        self.refused.append("no answer within 120 s")
        return False

    def errors(self) -> Counter:
        with self._lock:
            return Counter(self.retries)


# ------------------------------------------------------------------------------------------ drill
def _wait_for_nocopy(gateway: httpx.Client, headers: dict, department: str, points: int) -> None:
    def knows_every_point() -> bool:
        response = gateway.get(f"{NOCOPY}/departments/{department}/readiness", headers=headers)
        return response.status_code == 200 and len(response.json().get("items", [])) == points

    wait_until(knows_every_point, timeout=60, interval=0.5)


def test_one_of_each_part_killed_in_turn_loses_nothing_and_counts_nothing_twice(gateway, admin_headers) -> None:
    kills = [
        CLUSTER.kafka_names()[1],
        CLUSTER.elasticsearch_names()[1],
        *(CLUSTER.replica_names(spec)[0] for spec in SERVICES),
        CLUSTER.worker_names()[0],
    ]
    drill = drill_catalogue(uuid.uuid4().hex[:6].upper(), points=POINTS)
    import_catalogue(gateway, admin_headers, drill)
    _wait_for_nocopy(gateway, admin_headers, drill.department, POINTS)
    wait_until(lambda: _holds(_workers_share_the_partitions), timeout=60, interval=1)
    memory_before = _cluster_memory_mib()

    drills: list[dict] = []
    staff = StaffAndOfficials(admin_headers, drill.points, drill.department, drill.service)
    with RatingStream(drill) as ratings, staff:
        wait_until(lambda: ratings.count() >= 60, timeout=60)
        for program in kills:
            ratings_before, rating_errors_before, staff_errors_before = (
                ratings.count(),
                Counter(ratings.retries),
                staff.errors(),
            )
            killed_at, pid = time.monotonic(), targets.pid(program)
            targets.kill(program)
            # Restarted by supervisor (a new process), then back in its place (in sync, green, ready).
            wait_until(lambda pid=pid, p=program: targets.pid(p) not in (0, pid), timeout=120, interval=0.2)
            # Elasticsearch is green once the restarted node holds its replicas again: minutes here.
            wait_until(_recovered(program), timeout=420, interval=1)
            recovered = time.monotonic() - killed_at
            back_at = ratings.count()
            wait_until(lambda back_at=back_at: ratings.count() >= back_at + AFTER_RECOVERY_RATINGS, timeout=90)
            drills.append(
                {
                    "killed": program,
                    "back_and_serving_seconds": round(recovered, 1),
                    "ratings_accepted_meanwhile": ratings.count() - ratings_before,
                    "citizens_saw": dict(Counter(ratings.retries) - rating_errors_before),
                    "staff_and_officials_saw": dict(staff.errors() - staff_errors_before),
                }
            )
    memory_after = _cluster_memory_mib()

    assert not ratings.refused, ratings.refused[:5]
    assert not staff.refused, staff.refused[:5]
    expected = len(ratings.accepted)
    # Every accepted rating arrives, then nothing more (a late duplicate would show here).
    wait_until(lambda: department_ratings(gateway, drill) == expected, timeout=CATCH_UP_SECONDS, interval=1)
    wait_until(lambda: (department_row(gateway, drill) or {}).get("surveyed") == len(staff.surveyed), timeout=60)
    time.sleep(5)
    row = department_row(gateway, drill)
    report = {
        "ratings_accepted": expected,
        "ratings_counted": department_ratings(gateway, drill),
        "points": POINTS,
        "pinned_accepted": len(staff.pinned),
        "surveyed_accepted": len(staff.surveyed),
        "department_row": row,
        "reads_answered": staff.reads,
        "drills": drills,
        "memory_mib_before": round(sum(memory_before.values())),
        "memory_mib_after": round(sum(memory_after.values())),
        "memory_mib_by_program": {name: round(mib) for name, mib in sorted(memory_after.items())},
    }
    REPORT.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(json.dumps(report, indent=2, ensure_ascii=False))
    assert report["ratings_counted"] == expected
    assert row is not None and row["service_points"] == POINTS, row
    assert row["pinned"] == len(staff.pinned) == POINTS, row
    assert row["surveyed"] == len(staff.surveyed) == POINTS, row
    assert _workers_share_the_partitions(), "the killed worker did not take its share back"
