"""Open311 GeoReport v2 on /open311/v2/ (the gateway keeps the prefix), mapped onto complaints.

- services: one per complaint category (`service_code` = category).
- requests: complaints. `address_id` names the service point (required: a complaint is about a
  point); `lat`/`long` are kept as given. Contact (`email`, `phone`) is forwarded only when
  `attribute[consent_to_contact]=true`; names (`first_name`, `last_name`) are never stored.
- Errors are problem+json like the rest of the system (the contract), not Open311's error array.
- Reading requests follows the publication policy (domain/complaint_publication.py): anonymous
  callers get public views (a public `req_…` id, never the tracking code, contact or location;
  categories that could expose their author are not there at all); staff of the complaint's
  department and admins get the whole complaint.
"""

from datetime import UTC, datetime
from typing import Annotated, Any

from citizeninfo_shared.auth import OptionalPrincipal, Principal
from citizeninfo_shared.deps import OutboxRelayDep
from citizeninfo_shared.events.complaints import ComplaintContact
from citizeninfo_shared.identifiers import CATALOGUE_ID_PATTERN
from citizeninfo_shared.keys import Purpose, keys_for
from citizeninfo_shared.problems import Problem
from citizeninfo_shared.storable_text import StorableTextModel
from fastapi import APIRouter, Path, Query, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import ConfigDict, Field, ValidationError

from feedback_service.adapters.complaint_store import StoredComplaint
from feedback_service.api.client_identity import ClientPseudonym
from feedback_service.api.deps import ComplaintStoreDep, KnownPointsDep, RateLimiterDep, SettingsDep
from feedback_service.api.schemas import ContactDetails
from feedback_service.config import FeedbackSettings
from feedback_service.domain.complaint import CATEGORY_NAMES, Category
from feedback_service.domain.complaint_publication import (
    PUBLICLY_LISTED,
    Audience,
    ComplaintPublication,
    audience,
    publication,
)
from feedback_service.domain.tracking_codes import PUBLIC_ID_PREFIX, normalize, public_request_id
from feedback_service.service_layer.complaints import ComplaintIntake, ComplaintRequest

router = APIRouter(prefix="/open311/v2", tags=["open311"])
CLOSED_STATUSES = {"resolved", "rejected", "closed"}
CONSENT_ATTRIBUTE = "consent_to_contact"
MAX_REQUESTS_LISTED = 200


class Open311RequestForm(StorableTextModel):
    """The fields of POST requests.json that GeoReport v2 defines (attributes apart)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    jurisdiction_id: str | None = None
    api_key: str | None = None
    service_code: Category
    address_id: str = Field(pattern=CATALOGUE_ID_PATTERN, description="The service point id")
    lat: float | None = Field(default=None, ge=-90, le=90)
    long: float | None = Field(default=None, ge=-180, le=180)
    address_string: str | None = Field(default=None, max_length=500)
    description: str = Field(min_length=1, max_length=2000)
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    device_id: str | None = None
    account_id: str | None = None
    media_url: str | None = None


def _service(category: Category) -> dict[str, Any]:
    name_th, name_en = CATEGORY_NAMES[category]
    return {
        "service_code": category.value,
        "service_name": f"{name_th} ({name_en})",
        "description": f"ร้องเรียนเรื่อง{name_th} — complaint: {name_en.lower()}",
        "metadata": True,
        "type": "realtime",
        "keywords": "complaint,ร้องเรียน",
        "group": "ร้องเรียนจุดให้บริการ (service point complaints)",
    }


def _published(
    stored: StoredComplaint, principal: Principal | None, settings: FeedbackSettings
) -> ComplaintPublication | None:
    """The complaint as this caller may see it (None: not at all)."""
    complaint = stored.complaint
    code = normalize(complaint.tracking_code) or complaint.tracking_code
    public_id = stored.public_id or public_request_id(code, keys_for(settings, Purpose.PUBLIC_COMPLAINT_ID))
    seen_by = (
        audience(
            is_admin=principal.is_admin,
            caller_department_id=principal.department_id,
            complaint_department_id=complaint.department_id,
        )
        if principal is not None
        else Audience.PUBLIC
    )
    return publication(
        complaint,
        public_id=public_id,
        status=stored.status,
        history=stored.history,
        lat=stored.lat,
        lon=stored.lon,
        seen_by=seen_by,
    )


def _request_view(published: ComplaintPublication) -> dict[str, Any]:
    name_th, name_en = CATEGORY_NAMES.get(Category(published.category), CATEGORY_NAMES[Category.OTHER])
    view: dict[str, Any] = {
        "service_request_id": published.complaint_id or published.public_id,
        "status": "closed" if published.status in CLOSED_STATUSES else "open",
        "status_notes": published.status_note or published.status,
        "service_name": f"{name_th} ({name_en})",
        "service_code": published.category,
        "description": published.description,
        "agency_responsible": published.department_id,
        "service_notice": (
            f"ติดตามด้วยรหัส {published.tracking_code}"
            if published.tracking_code
            else "ผู้แจ้งติดตามเรื่องด้วยรหัสที่ได้รับตอนแจ้ง — the citizen follows it with their tracking code"
        ),
        "requested_datetime": published.filed_at.isoformat(),
        "updated_datetime": published.updated_at.isoformat(),
        "expected_datetime": None,
        "address": None,
        "address_id": published.service_point_id,
        "zipcode": None,
        "lat": published.lat,
        "long": published.lon,
        "media_url": None,
    }
    if published.full:
        view["public_id"] = published.public_id
        view["tracking_code"] = published.tracking_code
        view["email"] = published.contact.email if published.contact else None
        view["phone"] = published.contact.phone if published.contact else None
    return view


async def _find(store, request_id: str) -> StoredComplaint | None:
    """A complaint by its public id (`req_…`), its complaint id (`cmp_…`) or its tracking code."""
    candidate = request_id.strip()
    if candidate.lower().startswith(PUBLIC_ID_PREFIX):
        return await store.by_public_id(candidate.lower())
    code = normalize(candidate)
    return await store.get(code) if code else None


@router.get("/services.json", summary="Open311: the complaint categories")
async def services() -> list[dict[str, Any]]:
    return [_service(category) for category in Category]


@router.get("/services/{service_code}.json", summary="Open311: a category's attributes")
async def service_definition(service_code: Annotated[str, Path(max_length=40)]) -> dict[str, Any]:
    if service_code not in Category.__members__.values():
        raise Problem(404, f"ไม่มีประเภทเรื่อง {service_code} — no Open311 service {service_code!r}.")
    return {
        "service_code": service_code,
        "attributes": [
            {
                "variable": True,
                "code": CONSENT_ATTRIBUTE,
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "true: the complaint system may contact me by the e-mail/phone given",
                "order": 1,
                "description": "ยินยอมให้ติดต่อกลับ (consent to be contacted)",
                "values": [{"key": "true", "name": "ยินยอม (yes)"}, {"key": "false", "name": "ไม่ยินยอม (no)"}],
            }
        ],
    }


def _request_form_schema() -> dict[str, Any]:
    """The form body as OpenAPI shows it (the route reads the form itself, to accept attribute[...])."""
    schema = Open311RequestForm.model_json_schema()
    schema.pop("$defs", None)
    schema["properties"]["service_code"] = {"type": "string", "enum": [category.value for category in Category]}
    schema["properties"][f"attribute[{CONSENT_ATTRIBUTE}]"] = {"type": "string", "enum": ["true", "false"]}
    return schema


@router.post(
    "/requests.json",
    status_code=status.HTTP_201_CREATED,
    summary="Open311: file a complaint",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": _request_form_schema()}},
        }
    },
    responses={
        404: {"description": "No such service point"},
        422: {"description": "Invalid form or unknown attribute"},
        429: {"description": "Rate limit; see Retry-After"},
    },
)
async def create_request(
    request: Request,
    client: ClientPseudonym,
    settings: SettingsDep,
    store: ComplaintStoreDep,
    limiter: RateLimiterDep,
    catalogue: KnownPointsDep,
    relay: OutboxRelayDep,
) -> list[dict[str, Any]]:
    form = await request.form()
    attributes = {k[len("attribute[") : -1]: v for k, v in form.items() if k.startswith("attribute[") and k[-1] == "]"}
    fields = {k: v for k, v in form.items() if not k.startswith("attribute[")}
    try:
        submission = Open311RequestForm.model_validate(fields)
        contact = ContactDetails(phone=submission.phone or None, email=submission.email or None)
    except ValidationError as error:
        raise RequestValidationError(error.errors()) from error
    unknown = set(attributes) - {CONSENT_ATTRIBUTE}
    if unknown:
        raise Problem(422, f"ไม่รู้จักแอตทริบิวต์ — unknown attributes: {', '.join(sorted(unknown))}.")
    intake = ComplaintIntake(settings, store, limiter, catalogue, relay)
    stored = await intake.file(
        ComplaintRequest(
            service_point_id=submission.address_id,
            category=submission.service_code,
            description=submission.description,
            consent_to_contact=str(attributes.get(CONSENT_ATTRIBUTE, "")).lower() == "true",
            contact=ComplaintContact(phone=contact.phone, email=contact.email),
            lat=submission.lat,
            lon=submission.long,
        ),
        client=client,
        channel="open311",
        now=datetime.now(UTC),
    )
    return [
        {
            "service_request_id": stored.complaint.complaint_id,
            "service_notice": f"ติดตามด้วยรหัส {stored.complaint.tracking_code}",
            "account_id": None,
            "token": stored.complaint.tracking_code,
        }
    ]


@router.get(
    "/requests.json",
    summary="Open311: complaints, newest first",
    description="Anonymous callers see public views of the categories that may be shown; staff see their "
    "department's complaints whole, admins every complaint.",
)
async def list_requests(
    store: ComplaintStoreDep,
    settings: SettingsDep,
    principal: OptionalPrincipal,
    service_request_id: Annotated[str | None, Query(max_length=2000)] = None,
    service_code: Annotated[str | None, Query(max_length=40)] = None,
    status_: Annotated[str | None, Query(alias="status", pattern="^(open|closed)$")] = None,
    jurisdiction_id: Annotated[str | None, Query(max_length=100)] = None,
) -> list[dict[str, Any]]:
    if service_request_id:
        ids = [i for i in service_request_id.split(",") if i.strip()][:MAX_REQUESTS_LISTED]
        found = [await _find(store, request_id) for request_id in ids]
        complaints = [c for c in found if c is not None]
    elif principal is None:
        complaints = await store.recent(MAX_REQUESTS_LISTED, categories=PUBLICLY_LISTED)
    elif principal.is_admin:
        complaints = await store.recent(MAX_REQUESTS_LISTED)
    else:
        complaints = await store.recent(MAX_REQUESTS_LISTED, department_id=principal.department_id)
    published = [p for p in (_published(c, principal, settings) for c in complaints) if p is not None]
    views = [_request_view(p) for p in published]
    return [
        v
        for v in views
        if (service_code is None or v["service_code"] == service_code) and (status_ is None or v["status"] == status_)
    ]


@router.get("/requests/{service_request_id}.json", summary="Open311: one complaint")
async def get_request(
    service_request_id: Annotated[str, Path(max_length=40)],
    store: ComplaintStoreDep,
    settings: SettingsDep,
    principal: OptionalPrincipal,
) -> list[dict[str, Any]]:
    stored = await _find(store, service_request_id)
    published = _published(stored, principal, settings) if stored is not None else None
    if published is None:
        raise Problem(404, f"ไม่พบคำขอ {service_request_id} — no Open311 request {service_request_id!r}.")
    return [_request_view(published)]
