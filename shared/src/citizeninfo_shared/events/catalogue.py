"""citizeninfo.catalogue.v1 — the national catalogue, each record the full latest state of its key."""

from typing import ClassVar, Literal

from citizeninfo_shared.events.envelope import EventData

DocumentKind = Literal["id_card_copy", "house_registration_copy", "other"]


class MinistryUpserted(EventData):
    event_type: ClassVar[str] = "th.go.citizeninfo.catalogue.ministry.upserted"
    ministry_id: str
    name_th: str
    name_en: str | None = None


class DepartmentUpserted(EventData):
    event_type: ClassVar[str] = "th.go.citizeninfo.catalogue.department.upserted"
    department_id: str
    ministry_id: str
    name_th: str
    name_en: str | None = None


class RequiredDocument(EventData):
    name_th: str
    kind: DocumentKind
    copies: int = 0


class ServiceUpserted(EventData):
    event_type: ClassVar[str] = "th.go.citizeninfo.catalogue.service.upserted"
    service_id: str
    department_id: str
    name_th: str
    name_en: str | None = None
    steps: list[str] = []
    documents: list[RequiredDocument] = []


class ServicePointUpserted(EventData):
    event_type: ClassVar[str] = "th.go.citizeninfo.catalogue.service_point.upserted"
    service_point_id: str
    department_id: str
    ministry_id: str | None = None
    name_th: str
    name_en: str | None = None
    province_code: str
    district_code: str | None = None
    address_th: str | None = None
    service_ids: list[str] = []
