"""Peak memory of nocopy-service while it streams survey downloads of 3,000, 30,000 and all answers.

Seeds answered service points straight into nocopy-service's database (its catalogue projection and
its readiness collection; no events, so stats are untouched), samples the service process's resident
memory with psutil while CSV and XLSX downloads run, prints JSON and writes
bench/results/nocopy_export.json, then removes what it seeded (unless --keep).

    .venv/bin/python bench/bench_nocopy_export.py      (or `make bench`, which runs every benchmark)

Needs the native stack (`make up`). Not a test: figures depend on the machine.
"""

import argparse
import json
import subprocess
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil
from citizeninfo_devstack.paths import StackPaths
from citizeninfo_shared.events.readiness import Obstacle, ReadinessAnswered, ServiceCopyAnswer
from citizeninfo_shared.outbox import new_document_with_events
from nocopy_service.adapters.readiness_store import HISTORY_FIELD, READINESS_COLLECTION, answer_fields
from nocopy_service.adapters.survey_listing import CATALOGUE_DEPARTMENTS_COLLECTION, CATALOGUE_POINTS_COLLECTION
from nocopy_service.config import NocopySettings
from pymongo import MongoClient

RESULTS = Path(__file__).parent / "results" / "nocopy_export.json"
SIZES = {"DBENCHNC3K": 3_000, "DBENCHNC30K": 30_000}
COPY_STATES = ("required", "in_progress", "cancelled")


class PeakRss:
    """Samples a process's resident set size in a thread; `peak` is the largest sample since start."""

    def __init__(self, pid: int, interval_seconds: float = 0.005) -> None:
        self._process = psutil.Process(pid)
        self._interval = interval_seconds
        self._stop = threading.Event()
        self.peak = 0
        self.samples = 0

    def __enter__(self) -> "PeakRss":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._process.memory_info().rss)
            self.samples += 1
            time.sleep(self._interval)


def _point(department_id: str, index: int) -> dict:
    point_id = f"P{department_id}{index:06d}"
    return {
        "_id": point_id,
        "service_point_id": point_id,
        "department_id": department_id,
        "ministry_id": "MBENCHNC",
        "province_code": f"{10 + index % 77}",
        "district_code": f"{10 + index % 77}01",
        "name_th": f"ที่ว่าการอำเภอทดสอบ {index}",
        "name_en": f"Bench district office {index}",
        "service_ids": [f"SBENCH{i}" for i in range(5)],
    }


def _answer_document(point: dict, index: int) -> dict:
    services = [
        ServiceCopyAnswer(
            service_id=service_id,
            id_card_copy=COPY_STATES[(index + i) % 3],
            house_registration_copy=COPY_STATES[(index + 2 * i) % 3],
        )
        for i, service_id in enumerate(point["service_ids"])
    ]
    answer = ReadinessAnswered(
        answer_id=f"bench-{point['_id']}",
        service_point_id=point["_id"],
        department_id=point["department_id"],
        ministry_id=point["ministry_id"],
        province_code=point["province_code"],
        district_code=point["district_code"],
        service_point_name_th=point["name_th"],
        service_point_name_en=point["name_en"],
        copy_status=COPY_STATES[index % 3],
        mode=("online_and_on_card", "on_card", "needs_reader")[index % 3],
        mou_with_dopa=index % 2 == 0,
        card_readers=index % 4,
        services=services,
        obstacles=[
            Obstacle(kind="budget", detail="งบประมาณไม่เพียงพอสำหรับจัดซื้อเครื่องอ่านบัตร"),
            Obstacle(kind="it_linkage", detail="ยังไม่ได้เชื่อมโยงกับ Linkage Center"),
        ],
        answered_by="bench",
        answered_at=datetime.now(UTC),
    )
    return new_document_with_events({"_id": point["_id"], **answer_fields(answer), HISTORY_FIELD: []})


def seed(db, department_id: str, count: int) -> float:
    started = time.monotonic()
    unseed(db, department_id)
    db[CATALOGUE_DEPARTMENTS_COLLECTION].insert_one(
        {"_id": department_id, "department_id": department_id, "ministry_id": "MBENCHNC", "name_th": "กรมทดสอบ"}
    )
    for start in range(0, count, 1_000):
        points = [_point(department_id, i) for i in range(start, min(start + 1_000, count))]
        db[CATALOGUE_POINTS_COLLECTION].insert_many(points, ordered=False)
        db[READINESS_COLLECTION].insert_many(
            [_answer_document(p, start + i) for i, p in enumerate(points)], ordered=False
        )
    return time.monotonic() - started


def unseed(db, department_id: str) -> None:
    for collection in (CATALOGUE_POINTS_COLLECTION, READINESS_COLLECTION):
        db[collection].delete_many({"department_id": department_id})
    db[CATALOGUE_DEPARTMENTS_COLLECTION].delete_one({"_id": department_id})


def service_pid(stack_root: Path) -> int:
    output = subprocess.run(  # noqa: S603 - our own supervisorctl, fixed arguments
        [str(stack_root / ".venv/bin/supervisorctl"), "-c", ".run/conf/supervisord.conf", "pid", "nocopy-service"],
        cwd=stack_root,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(output.stdout.strip())


def admin_token(gateway: str, run_dir: Path) -> str:
    secrets = json.loads((run_dir / "secrets.json").read_text())
    response = httpx.post(
        f"{gateway}/api/pin/v1/auth/token",
        data={"username": secrets["admin_user"], "password": secrets["admin_password"]},
    )
    response.raise_for_status()
    return response.json()["access_token"]


def measure_download(client: httpx.Client, pid: int, url: str, file_format: str) -> dict:
    started = time.monotonic()
    first_byte = None
    size = lines = 0
    with PeakRss(pid) as rss, client.stream("GET", url, params={"format": file_format}) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            first_byte = first_byte or time.monotonic() - started
            size += len(chunk)
            lines += chunk.count(b"\n")
    return {
        "url": url,
        "format": file_format,
        "csv_rows": lines - 1 if file_format == "csv" else None,
        "seconds": round(time.monotonic() - started, 2),
        "first_byte_seconds": round(first_byte or 0, 2),
        "bytes": size,
        "peak_rss_bytes": rss.peak,
        "rss_samples": rss.samples,
    }


def idle_rss(pid: int, seconds: float = 2.0) -> int:
    with PeakRss(pid) as rss:
        time.sleep(seconds)
    return rss.peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--service-url", default="http://127.0.0.1:8002", help="nocopy-service, not the gateway")
    parser.add_argument("--gateway", default="http://127.0.0.1:8080")
    parser.add_argument("--keep", action="store_true", help="leave the seeded answers in the database")
    arguments = parser.parse_args()

    paths = StackPaths.discover()
    settings = NocopySettings()
    db = MongoClient(settings.mongodb_url)[settings.mongodb_database]
    pid = service_pid(paths.repo)
    token = admin_token(arguments.gateway, paths.run)
    process = psutil.Process(pid)
    results: dict = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "service_pid": pid,
        "service_children": len(process.children(recursive=True)),
        "runs": [],
    }
    try:
        for department_id, count in SIZES.items():
            results.setdefault("seed_seconds", {})[str(count)] = round(seed(db, department_id, count), 1)
        with httpx.Client(
            base_url=arguments.service_url, headers={"Authorization": f"Bearer {token}"}, timeout=600
        ) as client:
            downloads = [(f"/departments/{d}/readiness/export", count) for d, count in SIZES.items()]
            # The national survey results: every answer in the database (the seeded ones and any others).
            downloads.append(("/readiness/export", db[READINESS_COLLECTION].count_documents({})))
            for url, count in downloads:
                for file_format in ("csv", "xlsx"):
                    idle = idle_rss(pid)
                    run = {"answers": count, "idle_rss_bytes": idle, **measure_download(client, pid, url, file_format)}
                    run["peak_over_idle_mib"] = round((run["peak_rss_bytes"] - idle) / 2**20, 1)
                    results["runs"].append(run)
                    print(json.dumps(run), flush=True)
    finally:
        if not arguments.keep:
            for department_id in SIZES:
                unseed(db, department_id)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
