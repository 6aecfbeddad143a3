"""Catalogue import lines: one JSON object each, validated; parents are referenced by id."""

import hashlib
import json
from typing import Annotated, Literal

from citizeninfo_shared.storable_text import StorableTextModel
from pydantic import ConfigDict, Field, TypeAdapter, ValidationError

Code = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")]
ThaiText = Annotated[str, Field(min_length=1, max_length=500)]

# Parents before children, so a batch can resolve references in one pass.
KIND_ORDER = ("ministry", "department", "service", "service_point")
COLLECTION_OF_KIND = {
    "ministry": "ministries",
    "department": "departments",
    "service": "services",
    "service_point": "service_points",
}


class _Line(StorableTextModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class MinistryLine(_Line):
    kind: Literal["ministry"]
    id: Code
    name_th: ThaiText
    name_en: str | None = Field(default=None, max_length=500)


class DepartmentLine(_Line):
    kind: Literal["department"]
    id: Code
    ministry_id: Code
    name_th: ThaiText
    name_en: str | None = Field(default=None, max_length=500)


class DocumentLine(_Line):
    name_th: ThaiText
    kind: Literal["id_card_copy", "house_registration_copy", "other"]
    copies: int = Field(default=0, ge=0, le=20)


class ServiceLine(_Line):
    kind: Literal["service"]
    id: Code
    department_id: Code
    name_th: ThaiText
    name_en: str | None = Field(default=None, max_length=500)
    steps: list[Annotated[str, Field(max_length=2000)]] = Field(default_factory=list, max_length=100)
    documents: list[DocumentLine] = Field(default_factory=list, max_length=100)


class ServicePointLine(_Line):
    kind: Literal["service_point"]
    id: Code
    department_id: Code
    name_th: ThaiText
    name_en: str | None = Field(default=None, max_length=500)
    province_code: Annotated[str, Field(pattern=r"^\d{2}$")]
    district_code: Annotated[str, Field(pattern=r"^\d{4}$")] | None = None
    address_th: str | None = Field(default=None, max_length=1000)
    service_ids: list[Code] = Field(default_factory=list, max_length=500)


CatalogueLine = Annotated[MinistryLine | DepartmentLine | ServiceLine | ServicePointLine, Field(discriminator="kind")]
_line_adapter: TypeAdapter[CatalogueLine] = TypeAdapter(CatalogueLine)


class LineError(ValueError):
    pass


def parse_line(text: str) -> CatalogueLine:
    try:
        return _line_adapter.validate_json(text)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        if first["type"] == "json_invalid":
            raise LineError("not valid JSON") from error
        raise LineError(f"{where}: {first['msg']}" if where else first["msg"]) from error


def parents_of(line: CatalogueLine) -> list[tuple[str, str]]:
    """(collection, id) of every record this line refers to."""
    match line:
        case DepartmentLine():
            return [("ministries", line.ministry_id)]
        case ServiceLine():
            return [("departments", line.department_id)]
        case ServicePointLine():
            return [("departments", line.department_id)] + [("services", s) for s in line.service_ids]
    return []


def content_hash(line: CatalogueLine) -> str:
    """Equal content, equal hash: importing the same file twice changes nothing."""
    canonical = json.dumps(line.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
