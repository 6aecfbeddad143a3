"""A realistic national catalogue for demos: real ministries, departments, provinces, districts and
subdistricts (geothai, DOPA codes), believable services and offices, exactly N service points.

Deterministic for a seed. The first 928 points visit every district once (so every district has a point
when N ≥ 928); the rest are drawn with districts weighted by their number of subdistricts. A point depends
only on the points before it, so the catalogue for N points is the first N points of any larger one: a
small demo followed by the full one adds points instead of rewriting them.
"""

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geothai

from pin_service.demo.agencies import COMMON_DOCUMENTS, MINISTRIES, Agency

NATIONAL_POINTS_2018 = 77_963
DEFAULT_SEED = 2018
BANGKOK = "10"
ROADS = (
    "พหลโยธิน",
    "สุขุมวิท",
    "เพชรเกษม",
    "มิตรภาพ",
    "พระราม 2",
    "รามคำแหง",
    "ลาดพร้าว",
    "งามวงศ์วาน",
    "แจ้งวัฒนะ",
    "เจริญกรุง",
    "ราชดำเนิน",
    "ศรีนครินทร์",
    "ประชาอุทิศ",
    "ประชาราษฎร์",
    "เทศบาล 1",
    "วิภาวดีรังสิต",
    "สายเอเชีย",
)
ID_CARD_COPY_SHARE = 0.85  # most services still demanded copies in 2018
HOUSE_REGISTRATION_COPY_SHARE = 0.6
POINT_OFFERS_SERVICE_SHARE = 0.85


@dataclass(frozen=True, slots=True)
class District:
    code: str
    province_code: str
    name_th: str
    name_en: str
    province_th: str
    province_en: str
    subdistricts: tuple[Any, ...]  # geothai.Subdistrict

    @property
    def in_bangkok(self) -> bool:
        return self.province_code == BANGKOK


@dataclass(frozen=True, slots=True)
class Department:
    id: str
    ministry_id: str
    agency: Agency
    service_ids: tuple[str, ...]


def districts() -> list[District]:
    """Every district of the country in DOPA code order (Bangkok's 50 khet included)."""
    found = []
    for province in geothai.provinces():
        for district in geothai.districts(province.code):
            found.append(
                District(
                    code=district.code,
                    province_code=province.code,
                    name_th=district.name_th,
                    name_en=district.name_en,
                    province_th=province.name_th,
                    province_en=province.name_en,
                    subdistricts=tuple(geothai.subdistricts(district.code)),
                )
            )
    return found


def _bare(name: str, prefix: str) -> str:
    return name.removeprefix(prefix)


def _labels(district: District, subdistrict: Any) -> dict[str, str]:
    if district.in_bangkok:
        province, district_label, subdistrict_label = "กรุงเทพมหานคร", district.name_th, f"แขวง{subdistrict.name_th}"
    else:
        province = f"จังหวัด{district.province_th}"
        district_label, subdistrict_label = f"อำเภอ{district.name_th}", f"ตำบล{subdistrict.name_th}"
    return {
        "province": province,
        "province_name": district.province_th,
        "district": district_label,
        "district_name": _bare(district.name_th, "เขต"),
        "subdistrict": subdistrict_label,
        "subdistrict_name": subdistrict.name_th,
        "province_en": district.province_en,
        "district_en": district.name_en,
        "subdistrict_en": subdistrict.name_en,
    }


def _render(template: str, labels: dict[str, str]) -> str:
    # Bangkok is not a changwat: "สำนักงานสหกรณ์จังหวัดกรุงเทพมหานคร" is "สำนักงานสหกรณ์กรุงเทพมหานคร".
    return template.format(**labels).replace("จังหวัดกรุงเทพมหานคร", "กรุงเทพมหานคร")


class CatalogueGenerator:
    def __init__(self, seed: int = DEFAULT_SEED) -> None:
        self._seed = seed
        self._rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
        self._districts = districts()
        self._used_names: set[str] = set()
        self.ministry_lines: list[dict[str, Any]] = []
        self.department_lines: list[dict[str, Any]] = []
        self.service_lines: list[dict[str, Any]] = []
        self.departments: list[Department] = []
        self._build_agencies()
        self._eligible: dict[str, tuple[list[Department], list[int]]] = {}

    # ------------------------------------------------------------------------- ministries ...
    def _build_agencies(self) -> None:
        service_number = 0
        for m, ministry in enumerate(MINISTRIES, start=1):
            ministry_id = f"M{m:02d}"
            self.ministry_lines.append(
                {"kind": "ministry", "id": ministry_id, "name_th": ministry.name_th, "name_en": ministry.name_en}
            )
            for d, agency in enumerate(ministry.agencies, start=1):
                department_id = f"D{m:02d}{d:02d}"
                self.department_lines.append(
                    {
                        "kind": "department",
                        "id": department_id,
                        "ministry_id": ministry_id,
                        "name_th": agency.name_th,
                        "name_en": agency.name_en,
                    }
                )
                service_ids = []
                for service_name in agency.services:
                    service_number += 1
                    service_id = f"S{service_number:05d}"
                    service_ids.append(service_id)
                    self.service_lines.append(self._service(service_id, department_id, service_name, agency))
                self.departments.append(Department(department_id, ministry_id, agency, tuple(service_ids)))

    def _service(self, service_id: str, department_id: str, name_th: str, agency: Agency) -> dict[str, Any]:
        rng = self._rng
        documents: list[dict[str, Any]] = []
        if rng.random() < ID_CARD_COPY_SHARE:
            documents.append(
                {"name_th": "สำเนาบัตรประจำตัวประชาชน", "kind": "id_card_copy", "copies": rng.choice((1, 1, 2))}
            )
        else:
            documents.append({"name_th": "บัตรประจำตัวประชาชน (ฉบับจริง)", "kind": "other", "copies": 0})
        if rng.random() < HOUSE_REGISTRATION_COPY_SHARE:
            documents.append({"name_th": "สำเนาทะเบียนบ้าน", "kind": "house_registration_copy", "copies": 1})
        pool = list(agency.documents) + list(COMMON_DOCUMENTS)
        for name in rng.sample(pool, k=min(len(pool), rng.randint(1, 3))):
            documents.append({"name_th": name, "kind": "other", "copies": rng.choice((0, 1))})
        steps = [f"ยื่นคำขอ{name_th}พร้อมเอกสารหลักฐานที่เคาน์เตอร์บริการ", "เจ้าหน้าที่ตรวจสอบความครบถ้วนของเอกสาร"]
        if rng.random() < 0.6:
            steps.append("เจ้าหน้าที่พิจารณาคำขอและเสนอผู้มีอำนาจลงนาม")
        if rng.random() < 0.5:
            steps.append("ชำระค่าธรรมเนียม (ถ้ามี)")
        steps.append("รับผลการพิจารณาหรือเอกสารตามคำขอ")
        return {
            "kind": "service",
            "id": service_id,
            "department_id": department_id,
            "name_th": name_th,
            "steps": steps,
            "documents": documents,
        }

    # ----------------------------------------------------------------------------- points
    def _district_sequence(self) -> Iterator[District]:
        """Every district once (shuffled), then districts weighted by their number of subdistricts."""
        first_round = list(self._districts)
        self._rng.shuffle(first_round)
        yield from first_round
        weights = [len(d.subdistricts) for d in self._districts]
        while True:
            yield from self._rng.choices(self._districts, weights=weights, k=1024)

    def _department_for(self, district: District) -> Department:
        eligible = self._eligible.get(district.province_code)
        if eligible is None:
            serving = [d for d in self.departments if d.agency.serves(district.province_code)]
            eligible = (serving, [d.agency.weight for d in serving])
            self._eligible[district.province_code] = eligible
        departments, weights = eligible
        return self._rng.choices(departments, weights=weights, k=1)[0]

    def _office_name(self, department: Department, district: District) -> tuple[str, str, Any]:
        """A name no other point has: the next free template and subdistrict, else a numbered unit."""
        agency = department.agency
        templates = [(agency.office_th, agency.office_en), *agency.more_offices]
        if district.in_bangkok and agency.office_bangkok_th:
            templates[0] = (agency.office_bangkok_th, agency.office_bangkok_en or agency.office_en)
        subdistricts = district.subdistricts
        start = self._rng.randrange(len(subdistricts))
        rotation = [subdistricts[(start + i) % len(subdistricts)] for i in range(len(subdistricts))]
        for template_th, template_en in templates:
            for subdistrict in rotation:
                labels = _labels(district, subdistrict)
                name_th = _render(template_th, labels)
                if name_th not in self._used_names:
                    self._used_names.add(name_th)
                    return name_th, template_en.format(**labels), subdistrict
        # Every template is taken in this district: a service unit of the first office, in a subdistrict.
        home = rotation[0]
        labels = _labels(district, home)
        base_th, base_en = _render(templates[0][0], labels), templates[0][1].format(**labels)
        for subdistrict in rotation:
            unit = _labels(district, subdistrict)
            name_th = f"{base_th} หน่วยบริการ{unit['subdistrict']}"
            if name_th not in self._used_names:
                self._used_names.add(name_th)
                return name_th, f"{base_en}, {unit['subdistrict_en']} Service Unit", subdistrict
        number = 2
        while f"{base_th} แห่งที่ {number}" in self._used_names:
            number += 1
        self._used_names.add(f"{base_th} แห่งที่ {number}")
        return f"{base_th} แห่งที่ {number}", f"{base_en} ({number})", home

    def _address(self, district: District, subdistrict: Any) -> str:
        rng = self._rng
        house = str(rng.randint(1, 999)) + (f"/{rng.randint(1, 30)}" if rng.random() < 0.3 else "")
        postal = subdistrict.postal_codes[0] if subdistrict.postal_codes else ""
        if district.in_bangkok:
            road = rng.choice(ROADS)
            return f"{house} ถนน{road} แขวง{subdistrict.name_th} {district.name_th} กรุงเทพมหานคร {postal}".strip()
        road = f" ถนน{rng.choice(ROADS)}" if rng.random() < 0.3 else ""
        return (
            f"{house} หมู่ {rng.randint(1, 15)}{road} ตำบล{subdistrict.name_th} "
            f"อำเภอ{district.name_th} จังหวัด{district.province_th} {postal}"
        ).strip()

    def points(self, count: int) -> Iterator[dict[str, Any]]:
        sequence = self._district_sequence()
        for number in range(1, count + 1):
            district = next(sequence)
            department = self._department_for(district)
            name_th, name_en, subdistrict = self._office_name(department, district)
            offered = [s for s in department.service_ids if self._rng.random() < POINT_OFFERS_SERVICE_SHARE]
            yield {
                "kind": "service_point",
                "id": f"P{number:06d}",
                "department_id": department.id,
                "name_th": name_th,
                "name_en": name_en,
                "province_code": district.province_code,
                "district_code": district.code,
                "address_th": self._address(district, subdistrict),
                "service_ids": offered or list(department.service_ids[:1]),
            }

    def lines(self, count: int) -> Iterator[dict[str, Any]]:
        """Parents first: ministries, departments, services, then the service points."""
        yield from self.ministry_lines
        yield from self.department_lines
        yield from self.service_lines
        yield from self.points(count)


def generate_catalogue(count: int = NATIONAL_POINTS_2018, seed: int = DEFAULT_SEED) -> Iterator[dict[str, Any]]:
    return CatalogueGenerator(seed).lines(count)


def write_catalogue(path: Path, count: int = NATIONAL_POINTS_2018, seed: int = DEFAULT_SEED) -> int:
    """Writes the NDJSON catalogue; returns the number of lines."""
    written = 0
    with path.open("w", encoding="utf-8") as handle:
        for line in generate_catalogue(count, seed):
            handle.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
            written += 1
    return written
