"""The readiness survey answers of the demo: about the 2018 share of points (29,971 of 77,963 answered),
each about the services the point offers, mostly "in progress" as the 2018 tables were. Seeded."""

import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

NATIONAL_SURVEY_SHARE_2018 = 29_971 / 77_963
# How far along an answered point is (seed 004: most were reducing copies, few had cancelled them).
POINT_STATUS_WEIGHTS = {"in_progress": 0.62, "required": 0.28, "cancelled": 0.10}
COPY_CHOICES = ("required", "in_progress", "cancelled")
MOU_SHARE = 0.35
OBSTACLE_SHARE = 0.45
# What stood in the way, in the words of the 2018 survey (law, policy, budget, IT linkage, people).
OBSTACLES = (
    ("law", "กฎ ระเบียบของหน่วยงานยังกำหนดให้ต้องร้องขอสำเนาเอกสาร"),
    ("policy", "ผู้บริหารยังไม่มีนโยบายหรือข้อสั่งการให้ยกเลิกการร้องขอสำเนา"),
    ("budget", "งบประมาณไม่เพียงพอสำหรับปรับปรุงระบบให้เชื่อมโยงข้อมูลกับกรมการปกครอง"),
    ("it_linkage", "ระบบสารสนเทศของหน่วยงานยังไม่เชื่อมโยงกับฐานข้อมูลทะเบียนราษฎร"),
    ("personnel", "เจ้าหน้าที่ยังไม่เข้าใจขั้นตอนการใช้เครื่องอ่านบัตร"),
)


@dataclass(frozen=True, slots=True)
class PlannedSurvey:
    service_point_id: str
    answers: dict[str, Any]  # the body of PUT /service-points/{id}/readiness

    def item(self, idempotency_key: str) -> dict[str, Any]:
        """The survey as an item of POST /readiness:batch."""
        return {"service_point_id": self.service_point_id, "idempotency_key": idempotency_key, **self.answers}


def _service_answer(rng: random.Random, service_id: str, status: str) -> dict[str, str]:
    if status == "cancelled":
        copies = ("cancelled", "cancelled")
    elif status == "required":
        copies = ("required", rng.choice(("required", "cancelled")))
    else:
        copies = (rng.choice(COPY_CHOICES), rng.choice(COPY_CHOICES))
        if "in_progress" not in copies:
            copies = ("in_progress", copies[1])
    return {"service_id": service_id, "id_card_copy": copies[0], "house_registration_copy": copies[1]}


def plan_surveys(points: Iterable[dict[str, Any]], *, seed: int, share: float) -> list[PlannedSurvey]:
    """About `share` of the points, each answered about the services it offers."""
    rng = random.Random(f"{seed}:surveys")  # noqa: S311 - reproducible demo data, not secrets
    statuses, weights = list(POINT_STATUS_WEIGHTS), list(POINT_STATUS_WEIGHTS.values())
    planned = []
    for point in points:
        # A sub-generator per point: its answer does not depend on the share or on the other points.
        chosen = rng.random() < share
        point_rng = random.Random(rng.random())  # noqa: S311
        if not chosen:
            continue
        status = point_rng.choices(statuses, weights)[0]
        services = [_service_answer(point_rng, s, status) for s in point.get("service_ids", [])]
        readers = point_rng.choice((0, 1, 1, 2, 3)) if status != "cancelled" else point_rng.choice((1, 2, 3))
        obstacles = []
        if status != "cancelled" and point_rng.random() < OBSTACLE_SHARE:
            kind, detail = point_rng.choice(OBSTACLES)
            obstacles.append({"kind": kind, "detail": detail})
        answers = {
            "mou_with_dopa": point_rng.random() < MOU_SHARE,
            "card_readers": readers,
            "services": services,
            "obstacles": obstacles,
        }
        planned.append(PlannedSurvey(point["id"], answers))
    return planned
