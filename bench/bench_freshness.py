"""Freshness while a catalogue import runs: how soon a pin shows in nearby search, and a rating in the
department's statistics, quiet (the baseline) and during an import through the gateway.

    .venv/bin/python bench/bench_freshness.py [--import-lines 5000] [--samples 8]

Needs the running stack (`make up`). Each sample pins one point (or rates one), then polls nearby search
(or stats) every 100 ms until it shows. The contract promises 5 s; issue 20 asks p95 ≤ 2 s during a
national import. Ratings come from distinct loopback addresses (as the drills do), so no per-client
limit is reached.
"""

import argparse
import json
import statistics
import threading
import time
import uuid
from pathlib import Path

import httpx
from citizeninfo_devstack.paths import StackPaths
from citizeninfo_devstack.programs import GATEWAY_PORT

RESULTS = Path(__file__).parent / "results" / "freshness.json"
GATEWAY = f"http://127.0.0.1:{GATEWAY_PORT}"
NDJSON = {"Content-Type": "application/x-ndjson"}


def _import(http: httpx.Client, headers: dict, lines: list[dict]) -> float:
    body = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines).encode()
    started = time.monotonic()
    response = http.post("/api/pin/v1/catalogue:import", content=body, headers={**headers, **NDJSON}, timeout=1200)
    response.raise_for_status()
    return time.monotonic() - started


def _until(check, timeout: float = 120.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return time.monotonic() - started
        time.sleep(0.1)
    return float("inf")


class Probe:
    def __init__(self, http: httpx.Client, headers: dict, run: str, points: list[str], department: str) -> None:
        self.http, self.headers, self.run, self.points, self.department = http, headers, run, points, department
        self.pinned = 0
        self.rated = 0

    def pin_to_search(self) -> float:
        point = self.points[self.pinned]
        self.pinned += 1
        lat, lon = 14.0 + self.pinned / 100, 100.0 + self.pinned / 100
        response = self.http.post(
            f"/api/pin/v1/service-points/{point}/pins",
            json={"lat": lat, "lon": lon, "accuracy_m": 5},
            headers=self.headers,
        )
        response.raise_for_status()

        def found() -> bool:
            params = {"lat": lat, "lon": lon, "radius_m": 300, "limit": 10, "department_id": self.department}
            answer = self.http.get("/api/pin/v1/service-points/nearby", params=params)
            return answer.status_code == 200 and any(i["id"] == point for i in answer.json()["items"])

        return _until(found)

    def rating_to_stats(self) -> float:
        before = self._ratings()
        self.rated += 1
        address = f"127.77.{self.rated // 250}.{self.rated % 250 + 1}"
        with httpx.Client(base_url=GATEWAY, transport=httpx.HTTPTransport(local_address=address), timeout=30) as c:
            body = {"service_point_id": self.points[0], "score": 4}
            c.post(
                "/api/feedback/v1/ratings", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
            ).raise_for_status()
        return _until(lambda: self._ratings() > before)

    def _ratings(self) -> int:
        response = self.http.get(f"/api/stats/v1/satisfaction/departments/{self.department}")
        return response.json()["windows"]["all"]["ratings"] if response.status_code == 200 else 0


def _summary(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "p50_s": round(statistics.median(ordered), 2),
        "p95_s": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
        "max_s": round(ordered[-1], 2),
        "samples": len(ordered),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--import-lines", type=int, default=5000)
    parser.add_argument("--samples", type=int, default=8)
    arguments = parser.parse_args()
    run = uuid.uuid4().hex[:6].upper()
    ministry, department, flooded = f"MFRS{run}", f"DFRS{run}", f"DFRF{run}"
    secrets = json.loads(StackPaths.discover().secrets_file.read_text())
    user, password = secrets["admin_user"], secrets["admin_password"]
    with httpx.Client(base_url=GATEWAY, timeout=60) as http:
        token = http.post("/api/pin/v1/auth/token", data={"username": user, "password": password}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        points = [f"PFRS{run}{n}" for n in range(2 * arguments.samples + 2)]
        _import(
            http,
            headers,
            [
                {"kind": "ministry", "id": ministry, "name_th": "กระทรวงวัดความสด"},
                {"kind": "department", "id": department, "ministry_id": ministry, "name_th": "กรมวัดความสด"},
                {"kind": "department", "id": flooded, "ministry_id": ministry, "name_th": "กรมนำเข้า"},
                *(
                    {"kind": "service_point", "id": p, "department_id": department, "name_th": "จุดวัดความสด",
                     "province_code": "10", "district_code": "1001"}
                    for p in points
                ),
            ],
        )  # fmt: skip
        probe = Probe(http, headers, run, points, department)
        _until(lambda: http.post("/api/feedback/v1/ratings", json={"service_point_id": points[0], "score": 5,
                                                                   "visit_token": "x"}).status_code == 422)  # fmt: skip
        quiet = {"pin_to_search": [probe.pin_to_search() for _ in range(arguments.samples // 2)]}
        quiet["rating_to_stats"] = [probe.rating_to_stats() for _ in range(arguments.samples // 2)]

        flood = [
            {"kind": "service_point", "id": f"PFRF{run}{n}", "department_id": flooded,
             "name_th": f"สำนักงานทดสอบการนำเข้า {n}", "province_code": "10", "district_code": "1001"}
            for n in range(arguments.import_lines)
        ]  # fmt: skip
        took: dict[str, float] = {}
        importer = threading.Thread(target=lambda: took.update(seconds=_import(http, headers, flood)), daemon=True)
        importer.start()
        time.sleep(3)  # the import is under way
        during: dict[str, list[float]] = {"pin_to_search": [], "rating_to_stats": []}
        while importer.is_alive() and len(during["pin_to_search"]) < arguments.samples:
            during["pin_to_search"].append(probe.pin_to_search())
            during["rating_to_stats"].append(probe.rating_to_stats())
        importer.join()
    result = {
        "import_lines": arguments.import_lines,
        "import_seconds": round(took.get("seconds", 0.0), 1),
        "quiet": {name: _summary(values) for name, values in quiet.items()},
        "during_import": {name: _summary(values) for name, values in during.items() if values},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))  # bench/run.py reads the last JSON object


if __name__ == "__main__":
    main()
