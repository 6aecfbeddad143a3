"""The national catalogue at its 2018 size: import time, and nearby-search latency beside the gateway's bare
pin-service /healthz measured in the same run with the same concurrency.

1. Writes the seeded demo catalogue (77,963 points over all 928 districts) and imports it with
   `citizeninfo catalogue import` (chunked NDJSON through the gateway). A first run creates everything; a
   later run re-imports the same file, which the import recognises line by line and changes nothing —
   the result says which it measured.
2. Waits until the search index holds every point, then sends `--requests` nearby searches around real
   Thai places (GeoNames) at `--concurrency`, and as many bare `/api/pin/v1/healthz` calls.

    .venv/bin/python bench/bench_pin.py [--points 77963] [--requests 2000] [--concurrency 8]

Prints JSON and writes bench/results/pin.json. Needs the native stack (`make up`). Not a test.
"""

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from citizeninfo_devstack.programs import ELASTICSEARCH_PORT, GATEWAY_PORT
from pin_service.adapters.geography import thai_geography
from pin_service.adapters.search_index import SEARCH_INDEX
from pin_service.demo.catalogue import NATIONAL_POINTS_2018, write_catalogue
from pin_service.demo.gateway import Gateway, default_secrets_file, resolve_credentials

RESULTS = Path(__file__).parent / "results" / "pin.json"
GATEWAY = f"http://127.0.0.1:{GATEWAY_PORT}"


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


def import_catalogue(points: int) -> dict:
    """The same chunked import `citizeninfo catalogue import` runs."""
    gateway = Gateway(GATEWAY, resolve_credentials(None, None, secrets_file=default_secrets_file()))
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "catalogue.ndjson"
        written = write_catalogue(path, count=points)
        started = time.perf_counter()
        summary = gateway.import_catalogue(path)
        seconds = time.perf_counter() - started
    created = sum(summary.created.values())
    return {
        "lines": written,
        "seconds": round(seconds, 1),
        "lines_per_second": round(written / seconds, 1),
        "kind": "first import" if created else "re-import (idempotent, nothing changed)",
        "created": dict(summary.created),
        "updated": dict(summary.updated),
        "errors": len(summary.errors),
    }


def wait_for_index(points: int, timeout: float = 900) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        count = httpx.get(f"http://127.0.0.1:{ELASTICSEARCH_PORT}/{SEARCH_INDEX}/_count").json().get("count", 0)
        if count >= points:
            return time.perf_counter() - started
        time.sleep(2)
    raise SystemExit(f"the search index holds {count} points after {timeout:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=NATIONAL_POINTS_2018)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--skip-import", action="store_true")
    args = parser.parse_args()

    result: dict = {"measured_at": datetime.now(UTC).isoformat(), "points": args.points}
    if not args.skip_import:
        result["import"] = import_catalogue(args.points)
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
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
