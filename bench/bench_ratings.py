"""Ratings accepted per second through the gateway, beside the gateway's bare feedback /healthz.

Both phases run in the same process with the same fixed concurrency for the same time (default 20 s
each): first `GET /api/feedback/v1/healthz`, then `POST /api/feedback/v1/ratings` — the real path:
catalogue check, three rate-limit counters, the insert with its outbox event, the relay to Kafka.

How it stays clear of the rate limits without switching them off: every request comes from one of
`--clients` simulated citizens, each a distinct loopback source address (127.x.y.z, a fresh random
block per run), so the gateway and the service see distinct clients exactly as in production. Each
client rates each of `--points` bench service points at most once per run and stays under the
per-client window limit; with the defaults (1,000 clients, 200 points) the design peak of 1,000
ratings/s for 20 s is 20 ratings per client (limit 30 a minute) and 100 per point (limit 600). Any
429 counts as an error.

The bench catalogue (ministry MBENCHFB, 200 points) is imported through the admin API (idempotent: a
second run creates nothing). Prints JSON and writes bench/results/ratings.json.

    .venv/bin/python bench/bench_ratings.py [--duration 20] [--concurrency 64]

Needs the native stack (`make up`). Not a test: figures depend on the machine.
"""

import argparse
import asyncio
import json
import random
import ssl
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from citizeninfo_devstack.paths import StackPaths
from citizeninfo_devstack.programs import GATEWAY_PORT

RESULTS = Path(__file__).parent / "results" / "ratings.json"
MINISTRY, DEPARTMENT, SERVICE = "MBENCHFB", "DBENCHFB", "SBENCHFB"
HEALTHZ = "/api/feedback/v1/healthz"
RATINGS = "/api/feedback/v1/ratings"
# Real DOPA province codes (the import checks them).
PROVINCES = ["10", "11", "12", "13", "20", "30", "34", "40", "41", "50", "57", "65", "80", "83", "90", "96"]
COMMENTS = ["บริการดีมาก", "รอนานไปหน่อย", "ยังขอสำเนาบัตรอยู่ โทร 0812345678", None, None]


def bench_point(index: int) -> str:
    return f"PBENCHFB{index:04d}"


def catalogue_ndjson(points: int) -> str:
    records = [
        {"kind": "ministry", "id": MINISTRY, "name_th": "กระทรวงทดสอบสมรรถนะ", "name_en": "Benchmark ministry"},
        {"kind": "department", "id": DEPARTMENT, "ministry_id": MINISTRY, "name_th": "กรมทดสอบสมรรถนะ"},
        {"kind": "service", "id": SERVICE, "department_id": DEPARTMENT, "name_th": "บริการทดสอบ"},
    ]
    records += [
        {
            "kind": "service_point",
            "id": bench_point(i),
            "department_id": DEPARTMENT,
            "name_th": f"จุดบริการทดสอบ {i}",
            "province_code": PROVINCES[i % len(PROVINCES)],
            "service_ids": [SERVICE],
        }
        for i in range(points)
    ]
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n"


def import_catalogue(base_url: str, points: int) -> tuple[dict, list[str]]:
    """Imports the bench catalogue; returns the import report and the points feedback-service lacks.

    A point the projection lacks after 30 s (e.g. its database was replaced after it consumed the
    event) is left out of the run rather than counted as a 404 error; the result lists them.
    """
    secrets = json.loads((StackPaths.discover().run / "secrets.json").read_text())
    with httpx.Client(base_url=base_url, timeout=120) as http:
        signed_in = http.post(
            "/api/pin/v1/auth/token", data={"username": secrets["admin_user"], "password": secrets["admin_password"]}
        )
        signed_in.raise_for_status()
        headers = {
            "Authorization": f"Bearer {signed_in.json()['access_token']}",
            "Content-Type": "application/x-ndjson",
        }
        imported = http.post("/api/pin/v1/catalogue:import", content=catalogue_ndjson(points), headers=headers)
        imported.raise_for_status()
        # feedback-service learns points from the catalogue topic; an invalid visit token for a known
        # point is a 422 (checked after the point, before any limit or write), for an unknown one 404.
        deadline = time.monotonic() + 30
        unknown = {bench_point(i) for i in range(points)}
        while unknown and time.monotonic() < deadline:
            probe = {"score": 3, "visit_token": "x"}
            unknown = {
                p for p in unknown if http.post(RATINGS, json={**probe, "service_point_id": p}).status_code != 422
            }
            time.sleep(0.5 if unknown else 0)
        return imported.json(), sorted(unknown)


def client_addresses(count: int) -> list[str]:
    """Distinct loopback addresses in a random block, so runs do not share rate-limit counters."""
    second, third = random.randint(1, 254), random.randint(0, 255)  # noqa: S311 - not security
    addresses = []
    for i in range(count):
        offset = third * 254 + i
        addresses.append(f"127.{second}.{(offset // 254) % 256}.{offset % 254 + 1}")
    return addresses


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    elapsed: float = 0.0

    def summary(self, ok_status: int) -> dict:
        ordered = sorted(self.latencies)
        cuts = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else [0.0] * 99
        ok = self.statuses.get(ok_status, 0)
        return {
            "requests": len(self.latencies),
            "ok": ok,
            "errors": len(self.latencies) - ok + sum(self.errors.values()),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "exceptions": dict(self.errors),
            "duration_seconds": round(self.elapsed, 2),
            "ok_per_second": round(ok / self.elapsed, 1) if self.elapsed else 0.0,
            "latency_ms": {
                "p50": round(cuts[49] * 1000, 1),
                "p95": round(cuts[94] * 1000, 1),
                "p99": round(cuts[98] * 1000, 1),
                "max": round(ordered[-1] * 1000, 1) if ordered else 0.0,
            },
        }


class SimulatedCitizens:
    """One keep-alive HTTP client per simulated citizen, each bound to its own source address."""

    def __init__(self, base_url: str, addresses: list[str]) -> None:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        # One TLS context for all (never used over plain HTTP; building one per client took 20 ms each).
        tls = ssl.create_default_context()
        self.clients = [
            httpx.AsyncClient(
                base_url=base_url,
                transport=httpx.AsyncHTTPTransport(local_address=address, limits=limits, verify=tls),
                timeout=30,
            )
            for address in addresses
        ]
        self.ratings_sent = [0] * len(addresses)

    async def close(self) -> None:
        await asyncio.gather(*(c.aclose() for c in self.clients))


async def run_phase(name: str, citizens: SimulatedCitizens, concurrency: int, duration: float, make_request) -> Phase:
    phase = Phase(name)
    stop_at = time.perf_counter() + duration

    async def worker(index: int) -> None:
        mine = list(range(index, len(citizens.clients), concurrency))
        turn = 0
        while time.perf_counter() < stop_at:
            citizen = mine[turn % len(mine)]
            turn += 1
            started = time.perf_counter()
            try:
                response = await make_request(citizen)
                phase.statuses[response.status_code] += 1
            except httpx.HTTPError as error:
                phase.errors[type(error).__name__] += 1
                continue
            finally:
                phase.latencies.append(time.perf_counter() - started)

    began = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    phase.elapsed = time.perf_counter() - began
    return phase


async def bench(args: argparse.Namespace) -> dict:
    base_url = f"http://127.0.0.1:{GATEWAY_PORT}"
    imported, unknown = await asyncio.to_thread(import_catalogue, base_url, args.points)
    known = [i for i in range(args.points) if bench_point(i) not in set(unknown)]
    citizens = SimulatedCitizens(base_url, client_addresses(args.clients))
    point_offset = [random.randrange(args.points) for _ in citizens.clients]  # noqa: S311

    async def healthz(citizen: int) -> httpx.Response:
        return await citizens.clients[citizen].get(HEALTHZ)

    async def rate(citizen: int) -> httpx.Response:
        # Each citizen walks the points from its own offset: no point twice from one citizen per run.
        sent = citizens.ratings_sent[citizen]
        citizens.ratings_sent[citizen] += 1
        body = {
            "service_point_id": bench_point(known[(point_offset[citizen] + sent) % len(known)]),
            "service_id": SERVICE,
            "score": 1 + (citizen + sent) % 5,
            "asked_for_copy": (citizen + sent) % 3 == 0,
        }
        comment = COMMENTS[(citizen + sent) % len(COMMENTS)]
        if comment:
            body["comment"] = comment
        return await citizens.clients[citizen].post(RATINGS, json=body)

    try:
        # Open every citizen's connection before measuring (a first request costs a TCP handshake).
        gate = asyncio.Semaphore(args.concurrency)

        async def warm(citizen: int) -> None:
            async with gate:
                await healthz(citizen)

        await asyncio.gather(*(warm(c) for c in range(len(citizens.clients))))
        health = await run_phase("healthz", citizens, args.concurrency, args.duration, healthz)
        ratings = await run_phase("ratings", citizens, args.concurrency, args.duration, rate)
    finally:
        await citizens.close()

    health_summary, ratings_summary = health.summary(200), ratings.summary(202)
    ratio = ratings_summary["ok_per_second"] / health_summary["ok_per_second"] if health_summary["ok_per_second"] else 0
    return {
        "benchmark": "feedback ratings through the gateway vs bare /healthz",
        "at": datetime.now(UTC).isoformat(),
        "settings": {
            "duration_seconds": args.duration,
            "concurrency": args.concurrency,
            "simulated_clients": args.clients,
            "bench_points": len(known),
            "bench_points_unknown_to_feedback": unknown,
            "max_ratings_per_client": max(citizens.ratings_sent),
            "catalogue_import": imported,
        },
        "healthz": health_summary,
        "ratings": ratings_summary,
        "ratings_to_healthz_throughput": round(ratio, 3),
        "goals": {
            "throughput_at_least_half_of_healthz": ratio >= 0.5,
            "p99_at_most_250_ms": ratings_summary["latency_ms"]["p99"] <= 250,
            "zero_errors": ratings_summary["errors"] == 0,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per phase")
    parser.add_argument("--concurrency", type=int, default=64, help="requests in flight")
    parser.add_argument("--clients", type=int, default=1000, help="simulated citizens (source addresses)")
    parser.add_argument("--points", type=int, default=200, help="bench service points")
    args = parser.parse_args()
    result = asyncio.run(bench(args))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, ensure_ascii=False))  # one line: bench/run.py reads the last JSON line


if __name__ == "__main__":
    main()
