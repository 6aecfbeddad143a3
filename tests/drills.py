"""Failure drills' parts, shared by the one-machine drills (tests/integration/test_zz_drills.py) and the
replicated cluster's (tests/cluster): a drill's own catalogue, citizens rating it from their own loopback
addresses as a well-made client does (an Idempotency-Key on every rating; a request that failed in transit
is sent again with the same key until answered), and the counts stats shows for it.
"""

import json
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx

from tests import targets
from tests.integration.support import wait_until

POINTS = 20
CITIZENS = 40
# One rating every ~2.2 s per citizen (the window limit is 30 a minute), ~18 ratings/s from all of them;
# twice each point, so 20 points last about 90 s.
SECONDS_BETWEEN_RATINGS = 2.2
GATEWAY = targets.GATEWAY_URL
TRANSIENT_STATUSES = {502, 503, 504}


@dataclass
class Drill:
    ministry: str
    department: str
    points: list[str]

    @property
    def service(self) -> str:
        return f"S{self.department}"


def drill_catalogue(run: str, points: int = POINTS) -> Drill:
    return Drill(f"MDRL{run}", f"DDRL{run}", [f"PDRL{run}{n}" for n in range(points)])


def import_catalogue(gateway: httpx.Client, admin_headers: dict, drill: Drill) -> None:
    lines = [
        {"kind": "ministry", "id": drill.ministry, "name_th": "กระทรวงซ้อมเหตุขัดข้อง"},
        {"kind": "department", "id": drill.department, "ministry_id": drill.ministry, "name_th": "กรมซ้อมเหตุขัดข้อง"},
        {"kind": "service", "id": drill.service, "department_id": drill.department, "name_th": "บริการซ้อม"},
        *(
            {"kind": "service_point", "id": point, "department_id": drill.department, "name_th": "จุดซ้อม",
             "province_code": "10", "district_code": "1001", "service_ids": [drill.service]}
            for point in drill.points
        ),
    ]  # fmt: skip
    body = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    response = gateway.post(
        "/api/pin/v1/catalogue:import",
        content=body.encode(),
        headers={**admin_headers, "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 200 and not response.json()["errors"], response.text

    def feedback_knows_every_point() -> bool:
        # A forged visit token is a 422 once feedback's catalogue projection has the point, 404 before.
        probe = {"score": 5, "visit_token": "not-a-token"}
        return all(
            gateway.post("/api/feedback/v1/ratings", json={**probe, "service_point_id": point}).status_code == 422
            for point in drill.points
        )

    wait_until(feedback_knows_every_point, timeout=60, interval=0.5)


@dataclass
class RatingStream:
    """Citizens rating the drill's points from their own addresses until stopped, retrying in-transit
    failures with the same Idempotency-Key."""

    drill: Drill
    accepted: set[str] = field(default_factory=set)
    retries: Counter = field(default_factory=Counter)
    refused: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        block = random.randint(1, 250)  # a fresh address block per drill
        self._addresses = [f"127.{block}.{n // 250}.{n % 250 + 1}" for n in range(CITIZENS)]
        self._threads = [threading.Thread(target=self._citizen, args=(n,), daemon=True) for n in range(CITIZENS)]
        self._lock = threading.Lock()

    def __enter__(self) -> "RatingStream":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in self._threads), "a citizen is still retrying"

    def count(self) -> int:
        with self._lock:
            return len(self.accepted)

    def _citizen(self, n: int) -> None:
        transport = httpx.HTTPTransport(local_address=self._addresses[n])
        with httpx.Client(base_url=GATEWAY, transport=transport, timeout=10) as http:
            sent = 0
            self._stop.wait(random.random() * SECONDS_BETWEEN_RATINGS)  # spread the starts
            # Each citizen rates each point at most twice (the daily cap is 3).
            while not self._stop.is_set() and sent < 2 * len(self.drill.points):
                point = self.drill.points[(n + sent) % len(self.drill.points)]
                body = {"service_point_id": point, "score": 1 + (n + sent) % 5, "asked_for_copy": sent % 4 == 0}
                rating_id = self._rate_until_answered(http, body, f"drill-{uuid.uuid4()}")
                if rating_id is not None:
                    with self._lock:
                        self.accepted.add(rating_id)
                sent += 1
                self._stop.wait(SECONDS_BETWEEN_RATINGS)

    def _rate_until_answered(self, http: httpx.Client, body: dict, key: str) -> str | None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                response = http.post("/api/feedback/v1/ratings", json=body, headers={"Idempotency-Key": key})
            except httpx.TransportError as error:
                self.retries[type(error).__name__] += 1
            else:
                if response.status_code == 202:
                    return response.json()["rating_id"]
                if response.status_code not in TRANSIENT_STATUSES:
                    self.refused.append(f"{response.status_code} {response.text[:200]}")
                    return None
                self.retries[str(response.status_code)] += 1
            time.sleep(0.5)
        self.refused.append(f"no answer within 90 s for key {key}")
        return None


def department_ratings(gateway: httpx.Client, drill: Drill) -> int | None:
    try:
        response = gateway.get(f"/api/stats/v1/satisfaction/departments/{drill.department}")
    except httpx.TransportError:
        return None
    return response.json()["windows"]["all"]["ratings"] if response.status_code == 200 else None


def department_row(gateway: httpx.Client, drill: Drill) -> dict | None:
    try:
        response = gateway.get(f"/api/stats/v1/ministries/{drill.ministry}/departments")
    except httpx.TransportError:
        return None
    return response.json()["total"] if response.status_code == 200 else None


def pin_every_point(gateway: httpx.Client, admin_headers: dict, drill: Drill) -> None:
    for n, point in enumerate(drill.points):
        pin = {"lat": 13.75 + n / 1000, "lon": 100.50 + n / 1000, "accuracy_m": 8}
        response = gateway.post(f"/api/pin/v1/service-points/{point}/pins", json=pin, headers=admin_headers)
        assert response.status_code == 201, response.text


def quietly(check) -> bool:
    try:
        check()
        return True
    except Exception:
        return False
