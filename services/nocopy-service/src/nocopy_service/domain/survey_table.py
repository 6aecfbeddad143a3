"""The survey table that agencies and administrators download: columns, Thai and English labels.

Thai is the default language (headers and coded values); English keeps the codes themselves, which
suits machines reading the file.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Literal

from citizeninfo_shared.catalogue_projection import ServicePointRef
from citizeninfo_shared.events.readiness import ReadinessAnswered

Language = Literal["th", "en"]
Cell = str | int | None

# Thailand keeps one offset all year; officials read local times.
BANGKOK = timezone(timedelta(hours=7), "ICT")

THAI_VALUES: dict[str, str] = {
    # copy status
    "required": "ยังเรียกสำเนา",
    "in_progress": "อยู่ระหว่างดำเนินการลดสำเนา",
    "cancelled": "ยกเลิกสำเนาแล้ว",
    # mode (seed 004, รูปแบบการใช้งาน)
    "online_and_on_card": "ใช้ได้ทั้งในรูปแบบ On Card และ Online",
    "on_card": "ใช้ได้ในรูปแบบ On Card",
    "needs_reader": "ต้องจัดเตรียม Smart Card Reader",
    # obstacles (seed 004, ปัญหาและอุปสรรค)
    "law": "กฎหมาย ระเบียบ",
    "policy": "นโยบาย",
    "budget": "งบประมาณ",
    "it_linkage": "เทคโนโลยีสารสนเทศ การเชื่อมโยงข้อมูล",
    "personnel": "บุคลากร",
    "other": "อื่น ๆ",
}
YES_NO = {"th": ("ใช่", "ไม่ใช่"), "en": ("yes", "no")}
HAS_NOT = {"th": ("มี", "ไม่มี"), "en": ("yes", "no")}
SURVEYED = {"th": ("ตอบแล้ว", "ยังไม่ตอบ"), "en": ("yes", "no")}


@dataclass(frozen=True, slots=True)
class Column:
    header_en: str
    header_th: str
    value: Callable[[ServicePointRef, ReadinessAnswered | None, Language], Cell]


def _label(code: str | None, lang: Language) -> str | None:
    if code is None:
        return None
    return THAI_VALUES.get(code, code) if lang == "th" else code


def _local_time(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(BANGKOK).isoformat(timespec="seconds")


def _both_cancelled(answer: ReadinessAnswered) -> int:
    return sum(s.id_card_copy == s.house_registration_copy == "cancelled" for s in answer.services)


def _any_in_progress(answer: ReadinessAnswered) -> int:
    return sum("in_progress" in (s.id_card_copy, s.house_registration_copy) for s in answer.services)


def _obstacle_kinds(answer: ReadinessAnswered, lang: Language) -> str:
    kinds = dict.fromkeys(o.kind for o in answer.obstacles)  # each kind once, in answer order
    return "; ".join(_label(k, lang) or k for k in kinds)


def _obstacle_details(answer: ReadinessAnswered, lang: Language) -> str:
    return " | ".join(f"{_label(o.kind, lang)}: {o.detail}" for o in answer.obstacles if o.detail)


def _answered(
    read: Callable[[ReadinessAnswered, Language], Cell],
) -> Callable[[ServicePointRef, ReadinessAnswered | None, Language], Cell]:
    """A column that is empty for a point that has not answered."""
    return lambda point, answer, lang: None if answer is None else read(answer, lang)


COLUMNS: tuple[Column, ...] = (
    Column("service_point_id", "รหัสจุดให้บริการ", lambda p, a, lang: p.service_point_id),
    Column(
        "service_point_name",
        "ชื่อจุดให้บริการ",
        lambda p, a, lang: p.name_th if lang == "th" else (p.name_en or p.name_th),
    ),
    Column("ministry_id", "รหัสกระทรวง", lambda p, a, lang: p.ministry_id),
    Column("department_id", "รหัสกรม/หน่วยงาน", lambda p, a, lang: p.department_id),
    Column("province_code", "รหัสจังหวัด", lambda p, a, lang: p.province_code),
    Column("district_code", "รหัสอำเภอ", lambda p, a, lang: p.district_code),
    Column("surveyed", "ตอบแบบสำรวจ", lambda p, a, lang: SURVEYED[lang][a is None]),
    Column("copy_status", "สถานะการยกเลิกสำเนา", _answered(lambda a, lang: _label(a.copy_status, lang))),
    Column("mode", "รูปแบบการใช้งาน", _answered(lambda a, lang: _label(a.mode, lang))),
    Column("mou_with_dopa", "มี MOU กับกรมการปกครอง", _answered(lambda a, lang: HAS_NOT[lang][not a.mou_with_dopa])),
    Column("card_readers", "จำนวน Smart Card Reader", _answered(lambda a, lang: a.card_readers)),
    Column("services_answered", "จำนวนงานบริการที่ตอบ", _answered(lambda a, lang: len(a.services))),
    Column("services_copies_cancelled", "งานบริการที่ยกเลิกสำเนาครบ", _answered(lambda a, lang: _both_cancelled(a))),
    Column("services_in_progress", "งานบริการที่อยู่ระหว่างลดสำเนา", _answered(lambda a, lang: _any_in_progress(a))),
    Column("obstacles", "ปัญหาและอุปสรรค", _answered(_obstacle_kinds)),
    Column("obstacle_details", "รายละเอียดปัญหาและอุปสรรค", _answered(_obstacle_details)),
    Column(
        "planned_cancel_date",
        "วันที่วางแผนยกเลิกสำเนา",
        _answered(lambda a, lang: a.planned_cancel_date.isoformat() if a.planned_cancel_date else None),
    ),
    Column(
        "answered_at",
        "วันเวลาที่ตอบ (เวลาประเทศไทย)",
        _answered(lambda a, lang: _local_time(a.answered_at)),
    ),
)


def headers(lang: Language) -> list[str]:
    return [c.header_th if lang == "th" else c.header_en for c in COLUMNS]


def row(point: ServicePointRef, answer: ReadinessAnswered | None, lang: Language) -> list[Cell]:
    return [c.value(point, answer, lang) for c in COLUMNS]
