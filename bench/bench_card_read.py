"""Time from card insert to a `read` session, through pcscd + vpcd, the real agent and card-gateway.

    .venv/bin/python bench/bench_card_read.py [--rounds 10]

Needs the running stack (`make up`). Registers an agent for a throw-away point (imported into the
catalogue), opens a session, inserts a virtual card into vpcd and polls the session every 20 ms until
it is `read`; once without the photo (identity_check) and once with it (registration_with_photo).
Goal: ≤ 1.5 s without the photo. The ids on the virtual cards are generated and never printed.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
from card_agent.virtual_card import CardProfile, VirtualCard
from citizeninfo_devstack.programs import GATEWAY_PORT

# Staff calls and the agent's WebSocket both go through nginx.
RESULTS = Path(__file__).parent / "results" / "card_read.json"
GATEWAY = f"http://127.0.0.1:{GATEWAY_PORT}"
READER = "Virtual PCD 00 00"


def _citizen_id(rng: random.Random) -> str:
    digits = "".join(rng.choice("123456789") for _ in range(12))
    total = sum(int(d) * (13 - i) for i, d in enumerate(digits))
    return digits + str((11 - total % 11) % 10)


def _wait(check, timeout: float, interval: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError("condition not met")


def _setup(http: httpx.Client) -> tuple[dict[str, str], str]:
    secrets = json.loads((Path(__file__).resolve().parents[1] / ".run" / "secrets.json").read_text())
    token = http.post(
        "/api/pin/v1/auth/token", data={"username": secrets["admin_user"], "password": secrets["admin_password"]}
    ).json()["access_token"]
    admin = {"Authorization": f"Bearer {token}"}
    run = uuid.uuid4().hex[:6].upper()
    point = f"PBENCH{run}"
    lines = [
        {"kind": "ministry", "id": f"MBENCH{run}", "name_th": "กระทรวงวัดเวลา"},
        {"kind": "department", "id": f"DBENCH{run}", "ministry_id": f"MBENCH{run}", "name_th": "กรมวัดเวลา"},
        {
            "kind": "service_point",
            "id": point,
            "department_id": f"DBENCH{run}",
            "name_th": "จุดวัดเวลา",
            "province_code": "10",
            "district_code": "1001",
            "address_th": "-",
            "service_ids": [],
        },
    ]
    body = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines).encode()
    http.post("/api/pin/v1/catalogue:import", content=body, headers={**admin, "Content-Type": "application/x-ndjson"})
    return admin, point


def _measure(http: httpx.Client, admin: dict, reader_id: str, purpose: str, citizen_id: str) -> float:
    session_id = http.post(
        "/api/card/v1/sessions", json={"reader_id": reader_id, "purpose": purpose}, headers=admin
    ).json()["session_id"]
    card = VirtualCard(CardProfile(citizen_id=citizen_id))
    started = time.perf_counter()
    card.insert()
    try:
        body = _wait(
            lambda: (
                (b := http.get(f"/api/card/v1/sessions/{session_id}", headers=admin).json())["status"] != "waiting"
                and b
            ),
            timeout=20,
        )
        elapsed = time.perf_counter() - started
    finally:
        card.remove()
    if body["status"] != "read":
        raise RuntimeError(f"the session ended {body['status']}: {body.get('error')}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    rng = random.SystemRandom()
    with httpx.Client(base_url=GATEWAY, timeout=30) as http:
        admin, point = _setup(http)
        credentials = _wait(
            lambda: (
                (
                    r := http.post(
                        "/api/card/v1/agents", json={"service_point_id": point, "name": "bench"}, headers=admin
                    )
                )
                and r.status_code == 201
                and r.json()
            ),
            timeout=30,
            interval=0.5,
        )
        agent = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "card_agent", "--gateway", GATEWAY],
            env={**os.environ, "CARD_AGENT_TOKEN": credentials["token"]},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            reader = _wait(
                lambda: next(
                    (
                        r
                        for r in http.get("/api/card/v1/readers", params={"service_point_id": point}).json()["items"]
                        if r["name"] == READER and r["connected"]
                    ),
                    None,
                ),
                timeout=15,
                interval=0.2,
            )
            result = {"bench": "card_read", "rounds": args.rounds, "goal_without_photo_median_seconds": 1.5}
            for purpose, label in (("identity_check", "without photo"), ("registration_with_photo", "with photo")):
                times = [
                    _measure(http, admin, reader["reader_id"], purpose, _citizen_id(rng)) for _ in range(args.rounds)
                ]
                print(
                    f"insert → read, {label:13}: median {statistics.median(times):.3f} s, "
                    f"min {min(times):.3f} s, max {max(times):.3f} s over {len(times)} rounds"
                )
                result[purpose] = {
                    "median_seconds": round(statistics.median(times), 3),
                    "min_seconds": round(min(times), 3),
                    "max_seconds": round(max(times), 3),
                }
        finally:
            agent.kill()
            agent.wait()
    result["goal_met"] = result["identity_check"]["median_seconds"] <= 1.5
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))  # bench/run.py reads the last JSON object


if __name__ == "__main__":
    main()
