"""The national catalogue at its 2018 size: import time, and nearby-search latency beside the gateway's bare
pin-service /healthz measured in the same run with the same concurrency.

1. Writes the seeded demo catalogue (77,963 points over all 928 districts) and imports it the way
   `citizeninfo catalogue import` does (chunked NDJSON), twice:
   - a first import into an empty catalogue: a second pin-service process of the same code on a
     scratch database of its own (dropped afterwards), with Kafka unreachable so that its events stay
     in its outbox instead of reaching the running system (the write path is the same; the relay
     publishes later, which the import never waits for);
   - through the gateway into the running system, where a first run creates everything and a later
     run re-imports the same file, which the import recognises line by line and changes nothing.
2. Waits until the search index holds every point, then sends `--requests` nearby searches around real
   Thai places (GeoNames) at `--concurrency`, and as many bare `/api/pin/v1/healthz` calls.
3. Pins, in the same run and into the same catalogue: `--single-pins` points one request each
   (`POST /service-points/{id}/pins`, `--concurrency` in flight), then `--bulk-pins` other points through
   `POST /pins:batch` (500 a request, `--bulk-concurrency` in flight, as `citizeninfo demo load` sends
   them), each near a real place of its district as the demo pins it: pins a second for each, and
   the ratio. Every run stores these pins anew (a fresh idempotency key), moving the points it pins.

    .venv/bin/python bench/bench_pin.py [--points 77963] [--requests 2000] [--concurrency 8]
                                        [--single-pins 1000] [--bulk-pins 10000] [--bulk-concurrency 4]

Prints JSON and writes bench/results/pin.json. Needs the native stack (`make up`). Not a test.
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
from citizeninfo_devstack.paths import StackPaths
from citizeninfo_devstack.programs import ELASTICSEARCH_PORT, GATEWAY_PORT, common_service_environment
from pin_service.adapters.geography import thai_geography
from pin_service.adapters.search_index import SEARCH_INDEX
from pin_service.demo.catalogue import NATIONAL_POINTS_2018, generate_catalogue, write_catalogue
from pin_service.demo.gateway import Gateway, default_secrets_file, resolve_credentials
from pin_service.demo.pins import PlannedPin, plan_pins
from pymongo import MongoClient

RESULTS = Path(__file__).parent / "results" / "pin.json"
GATEWAY = f"http://127.0.0.1:{GATEWAY_PORT}"
SCRATCH_PORT = 18001


def percentiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49] * 1000, 2),
        "p95_ms": round(cuts[94] * 1000, 2),
        "p99_ms": round(cuts[98] * 1000, 2),
    }


async def latencies(paths: list[str], concurrency: int) -> tuple[list[float], int]:
    queue: asyncio.Queue[str] = asyncio.Queue()
    for path in paths:
        queue.put_nowait(path)
    samples: list[float] = []
    errors = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while not queue.empty():
            path = queue.get_nowait()
            started = time.perf_counter()
            response = await client.get(path)
            samples.append(time.perf_counter() - started)
            if response.status_code != 200:
                errors += 1

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=GATEWAY, timeout=30, limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return samples, errors


def import_catalogue(path: Path, written: int, gateway: Gateway) -> dict:
    """The same chunked import `citizeninfo catalogue import` runs."""
    started = time.perf_counter()
    summary = gateway.import_catalogue(path)
    seconds = time.perf_counter() - started
    created = sum(summary.created.values())
    return {
        "lines": written,
        "seconds": round(seconds, 1),
        "lines_per_second": round(written / seconds, 1),
        "kind": "first import" if created == written else "re-import" if not created else "partly new",
        "created": dict(summary.created),
        "updated": dict(summary.updated),
        "errors": len(summary.errors),
    }


@contextlib.contextmanager
def scratch_pin_service() -> Iterator[str]:
    """A pin-service of the same code on an empty database of its own; yields its base URL."""
    paths = StackPaths.discover()
    secrets = json.loads((paths.run / "secrets.json").read_text())
    database = f"citizeninfo_pin_bench_{uuid.uuid4().hex[:8]}"
    environment = {
        **os.environ,
        **common_service_environment(secrets),
        "CITIZENINFO_ADMIN_USER": secrets["admin_user"],
        "CITIZENINFO_ADMIN_PASSWORD": secrets["admin_password"],
        "CITIZENINFO_MONGODB_DATABASE": database,
        "CITIZENINFO_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9",  # discard port: the events stay in the outbox
        "CITIZENINFO_LOG_LEVEL": "WARNING",
    }
    command = [str(paths.venv_bin / "uvicorn"), "--factory", "pin_service.main:create_app"]
    command += ["--host", "127.0.0.1", "--port", str(SCRATCH_PORT), "--log-level", "warning"]
    server = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    base_url = f"http://127.0.0.1:{SCRATCH_PORT}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the scratch pin-service did not start")
            time.sleep(0.5)
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=30)
        with MongoClient(environment["CITIZENINFO_MONGODB_URL"]) as mongo:
            mongo.drop_database(database)


def wait_for_index(points: int, timeout: float = 900) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        count = httpx.get(f"http://127.0.0.1:{ELASTICSEARCH_PORT}/{SEARCH_INDEX}/_count").json().get("count", 0)
        if count >= points:
            return time.perf_counter() - started
        time.sleep(2)
    raise SystemExit(f"the search index holds {count} points after {timeout:.0f} s")


async def single_pins(plan: list[PlannedPin], token: str, concurrency: int) -> tuple[float, int]:
    """Pins one request each, `concurrency` in flight; returns (seconds, errors)."""
    queue: asyncio.Queue[PlannedPin] = asyncio.Queue()
    for pin in plan:
        queue.put_nowait(pin)
    errors = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while not queue.empty():
            pin = queue.get_nowait()
            response = await client.post(f"/api/pin/v1/service-points/{pin.service_point_id}/pins", json=pin.body())
            errors += response.status_code != 201

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": f"Bearer {token}"}
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=GATEWAY, timeout=60, limits=limits, headers=headers) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return time.perf_counter() - started, errors


def pin_rates(points: int, single: int, bulk: int, concurrency: int, bulk_concurrency: int) -> dict:
    """The single-pin and the bulk rate, measured one after the other on different points."""
    catalogue = [line for line in generate_catalogue(points) if line["kind"] == "service_point"]
    plan = plan_pins(catalogue, thai_geography(), seed=2018, share=1.0)[: single + bulk]
    credentials = resolve_credentials(None, None, secrets_file=default_secrets_file())
    gateway = Gateway(GATEWAY, credentials)
    token = httpx.post(
        f"{GATEWAY}/api/pin/v1/auth/token", data={"username": credentials.username, "password": credentials.password}
    ).json()["access_token"]
    single_seconds, single_errors = asyncio.run(single_pins(plan[:single], token, concurrency))
    key = f"bench-{uuid.uuid4().hex[:12]}"  # new pins each run, not repeats of the last run's
    items = [pin.item(key) for pin in plan[single:]]
    outcome = asyncio.run(gateway.send_batches("/api/pin/v1/pins:batch", items, concurrency=bulk_concurrency))
    single_rate = single / single_seconds if single_seconds else 0.0
    bulk_rate = len(items) / outcome.seconds if outcome.seconds else 0.0
    return {
        "single": {
            "pins": single,
            "concurrency": concurrency,
            "seconds": round(single_seconds, 1),
            "pins_per_second": round(single_rate, 1),
            "errors": single_errors,
        },
        "bulk": {
            "pins": len(items),
            "requests": outcome.requests,
            "concurrency": bulk_concurrency,
            "seconds": round(outcome.seconds, 1),
            "pins_per_second": round(bulk_rate, 1),
            "stored": outcome.counts["stored"],
            "errors": outcome.counts["failed"] + outcome.counts["missing"],
        },
        "bulk_vs_single": round(bulk_rate / single_rate, 1) if single_rate else None,
        "national_pins_2018_minutes_at_bulk_rate": round(39_250 / bulk_rate / 60, 1) if bulk_rate else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=NATIONAL_POINTS_2018)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--single-pins", type=int, default=1000, help="pins sent one request each (0: none)")
    parser.add_argument("--bulk-pins", type=int, default=10_000, help="pins sent through /pins:batch (0: none)")
    parser.add_argument("--bulk-concurrency", type=int, default=4)
    args = parser.parse_args()

    result: dict = {"measured_at": datetime.now(UTC).isoformat(), "points": args.points}
    if not args.skip_import:
        credentials = resolve_credentials(None, None, secrets_file=default_secrets_file())
        with tempfile.TemporaryDirectory() as scratch:
            path = Path(scratch) / "catalogue.ndjson"
            written = write_catalogue(path, count=args.points)
            with scratch_pin_service() as base_url:
                result["first_import"] = import_catalogue(path, written, Gateway(base_url, credentials, api_prefix=""))
            result["import"] = import_catalogue(path, written, Gateway(GATEWAY, credentials))
    result["index_caught_up_after_s"] = round(wait_for_index(args.points), 1)

    rng = random.Random(2018)  # noqa: S311 - reproducible places, not secrets
    geography = thai_geography()
    places = [p for code in sorted(geography.places_by_province) for p in geography.places_by_province[code]]
    nearby_paths = []
    for _ in range(args.requests):
        place = rng.choice(places)
        nearby_paths.append(
            f"/api/pin/v1/service-points/nearby?lat={place.lat:.5f}&lon={place.lon:.5f}&radius_m=10000&limit=20"
        )
    asyncio.run(latencies(nearby_paths[:100], args.concurrency))  # warm caches and connections
    baseline, baseline_errors = asyncio.run(latencies(["/api/pin/v1/healthz"] * args.requests, args.concurrency))
    nearby, nearby_errors = asyncio.run(latencies(nearby_paths, args.concurrency))
    result["baseline_healthz"] = {**percentiles(baseline), "errors": baseline_errors}
    result["nearby"] = {**percentiles(nearby), "errors": nearby_errors}
    result["nearby_p95_vs_baseline"] = round(result["nearby"]["p95_ms"] / result["baseline_healthz"]["p95_ms"], 2)
    result["goal"] = "nearby p95 <= 50 ms"
    result["goal_met"] = result["nearby"]["p95_ms"] <= 50 and nearby_errors == 0
    if args.single_pins or args.bulk_pins:
        result["pins"] = pin_rates(
            args.points, args.single_pins, args.bulk_pins, args.concurrency, args.bulk_concurrency
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
