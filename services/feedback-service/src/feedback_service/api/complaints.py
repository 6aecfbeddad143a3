"""Complaints: POST (anonymous) and GET by tracking code, the citizen's way to follow one; erasing the
complainant's contact (the citizen with the code, or an admin); the contact's data key (admin: the
national complaint system)."""

from datetime import UTC, datetime
from typing import Annotated

from citizeninfo_shared.auth import AdminPrincipal, OptionalPrincipal
from citizeninfo_shared.deps import OutboxRelayDep
from citizeninfo_shared.events.complaints import ComplaintContact
from citizeninfo_shared.problems import Problem
from fastapi import APIRouter, Path, status

from feedback_service.api.client_identity import ClientPseudonym
from feedback_service.api.deps import ComplaintStoreDep, KnownPointsDep, RateLimiterDep, SettingsDep
from feedback_service.api.schemas import (
    ComplaintAccepted,
    ComplaintSubmission,
    ComplaintView,
    ContactErasedView,
    ContactKeyView,
    ReopenRequest,
)
from feedback_service.domain.contact_sealing import encode_key
from feedback_service.domain.rate_limits import complaint_counters
from feedback_service.domain.tracking_codes import complaint_id_of, normalize
from feedback_service.service_layer.abuse import enforce
from feedback_service.service_layer.complaint_reopening import ComplaintReopener, reopen_policy
from feedback_service.service_layer.complaints import ComplaintIntake, ComplaintRequest
from feedback_service.service_layer.contact_erasure import ContactEraser, contact_key

router = APIRouter(prefix="/complaints", tags=["complaints"])
TrackingCode = Annotated[str, Path(max_length=40)]


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="File a complaint for the national complaint system",
    responses={404: {"description": "No such service point"}, 429: {"description": "Rate limit"}},
)
async def file_complaint(
    submission: ComplaintSubmission,
    client: ClientPseudonym,
    settings: SettingsDep,
    store: ComplaintStoreDep,
    limiter: RateLimiterDep,
    catalogue: KnownPointsDep,
    relay: OutboxRelayDep,
) -> ComplaintAccepted:
    contact = ComplaintContact(**submission.contact.model_dump()) if submission.contact else None
    request = ComplaintRequest(
        service_point_id=submission.service_point_id,
        category=submission.category,
        description=submission.description,
        consent_to_contact=submission.consent_to_contact,
        contact=contact,
        service_id=submission.service_id,
    )
    intake = ComplaintIntake(settings, store, limiter, catalogue, relay)
    stored = await intake.file(request, client=client, channel="api", now=datetime.now(UTC))
    return ComplaintAccepted(complaint_id=stored.complaint.complaint_id, tracking_code=stored.complaint.tracking_code)


@router.get("/{tracking_code}", summary="Follow a complaint by its tracking code")
async def follow(
    tracking_code: Annotated[str, Path(max_length=40)], store: ComplaintStoreDep, settings: SettingsDep
) -> ComplaintView:
    code = normalize(tracking_code)
    stored = await store.get(code) if code else None
    if stored is None:
        raise Problem(404, f"ไม่พบเรื่องร้องเรียนรหัส {tracking_code} — no complaint with this tracking code.")
    return ComplaintView.of(stored, policy=reopen_policy(settings), targets=settings.complaint_target_business_days)


@router.post(
    "/{tracking_code}:reopen",
    summary="Reopen an answered complaint (the citizen with the tracking code)",
    responses={
        404: {"description": "No complaint with this tracking code"},
        409: {"description": "Not answered, the window to reopen has passed, or reopened too often"},
        429: {"description": "Rate limit; see Retry-After"},
    },
)
async def reopen(
    tracking_code: TrackingCode,
    body: ReopenRequest,
    client: ClientPseudonym,
    settings: SettingsDep,
    store: ComplaintStoreDep,
    limiter: RateLimiterDep,
    relay: OutboxRelayDep,
) -> ComplaintView:
    """The citizen is not satisfied with the answer: within the window after it (14 days by default) and
    a bounded number of times (3), the complaint goes back to `reopened`, due again after its category's
    whole target time, and `ComplaintStatusUpdated` (with the redacted reason) tells the complaint
    system. The tracking code is the proof, as for following it; a reopening counts against the client's
    complaint rate limits."""
    code = _code(tracking_code)
    now = datetime.now(UTC)
    await enforce(limiter, complaint_counters(settings, client=client, point_id="", now=now)[:1], now)
    stored = await ComplaintReopener(settings, store, relay).reopen(
        code, shown_as=tracking_code, reason=body.reason, now=now
    )
    return ComplaintView.of(
        stored, now=now, policy=reopen_policy(settings), targets=settings.complaint_target_business_days
    )


def _code(tracking_code: str) -> str:
    code = normalize(tracking_code)
    if code is None:
        raise Problem(404, f"ไม่พบเรื่องร้องเรียนรหัส {tracking_code} — no complaint with this tracking code.")
    return code


@router.post(
    "/{tracking_code}:erase-contact",
    summary="Erase the complainant's contact everywhere (the citizen with the tracking code, or an admin)",
    responses={
        403: {"description": "Agency staff may not erase a complainant's contact"},
        429: {"description": "Rate limit; see Retry-After"},
    },
)
async def erase_contact(
    tracking_code: TrackingCode, principal: OptionalPrincipal, store: ComplaintStoreDep, relay: OutboxRelayDep
) -> ContactErasedView:
    """Withdraws consent to be contacted: the contact and its data key leave feedback-service's database,
    the sealed copy on `citizeninfo.complaints.v1` can no longer be opened, and `ComplaintContactErased`
    asks the complaint system to erase its copy. The tracking code is the complainant's proof (anonymous
    filing has no other); agency staff are refused even when they know it. Erasing again answers the same."""
    if principal is not None and not principal.is_admin:
        raise Problem(403, "เจ้าหน้าที่หน่วยงานลบข้อมูลติดต่อของผู้ร้องเรียนไม่ได้ — agency staff may not erase a contact.")
    code = _code(tracking_code)
    requested_by = "admin" if principal is not None else "citizen"
    outcome = await ContactEraser(store, relay).erase(
        code, shown_as=tracking_code, requested_by=requested_by, now=datetime.now(UTC)
    )
    return ContactErasedView(
        complaint_id=complaint_id_of(code),
        contact_erased=True,
        erased_at=outcome.erased_at,
        requested_by=outcome.requested_by,
    )


@router.get(
    "/{tracking_code}/contact-key",
    summary="The data key of a complaint's sealed contact (admin: the national complaint system)",
    responses={410: {"description": "The complainant's contact was erased"}},
)
async def read_contact_key(
    tracking_code: TrackingCode, admin: AdminPrincipal, store: ComplaintStoreDep
) -> ContactKeyView:
    code = _code(tracking_code)
    key = await contact_key(store, code, shown_as=tracking_code)
    return ContactKeyView(complaint_id=complaint_id_of(code), key=encode_key(key))
