"""Complaints: POST (anonymous) and GET by tracking code, the citizen's way to follow one."""

from datetime import UTC, datetime
from typing import Annotated

from citizeninfo_shared.deps import OutboxRelayDep
from citizeninfo_shared.events.complaints import ComplaintContact
from citizeninfo_shared.problems import Problem
from fastapi import APIRouter, Path, status

from feedback_service.api.client_identity import ClientPseudonym
from feedback_service.api.deps import ComplaintStoreDep, KnownPointsDep, RateLimiterDep, SettingsDep
from feedback_service.api.schemas import ComplaintAccepted, ComplaintSubmission, ComplaintView
from feedback_service.domain.tracking_codes import normalize
from feedback_service.service_layer.complaints import ComplaintIntake, ComplaintRequest

router = APIRouter(prefix="/complaints", tags=["complaints"])


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
async def follow(tracking_code: Annotated[str, Path(max_length=40)], store: ComplaintStoreDep) -> ComplaintView:
    code = normalize(tracking_code)
    stored = await store.get(code) if code else None
    if stored is None:
        raise Problem(404, f"ไม่พบเรื่องร้องเรียนรหัส {tracking_code} — no complaint with this tracking code.")
    return ComplaintView.of(stored)
