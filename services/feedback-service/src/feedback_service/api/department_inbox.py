"""A department's inbox for its staff: its points' ratings (with comments) and complaints, newest
first, filterable by point and kind, paged; complaints past their due time come first, most late first
(`overdue=true|false` filters on it). Complaints are shown as the publication policy lets the
caller see them (domain/complaint_publication.py): staff never get a tracking code, nor anything that
shows who filed a corruption, staff-conduct or fees complaint. Staff only for their own department."""

from datetime import UTC, datetime
from typing import Annotated, Any

from citizeninfo_shared.auth import CurrentPrincipal, ensure_may_act_for
from citizeninfo_shared.identifiers import CATALOGUE_ID_PATTERN
from citizeninfo_shared.problems import Problem
from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel

from feedback_service.adapters.complaint_store import StoredComplaint
from feedback_service.adapters.department_inbox import DepartmentInbox
from feedback_service.api.deps import SettingsDep
from feedback_service.api.open311 import _published
from feedback_service.api.schemas import RatingView
from feedback_service.domain.complaint import CATEGORY_NAMES, Category
from feedback_service.domain.complaint_deadlines import deadline
from feedback_service.domain.complaint_publication import ComplaintPublication, protects_its_author
from feedback_service.domain.department_inbox import InboxEntry, Kind, newest_first
from feedback_service.service_layer.complaint_reopening import current_due

router = APIRouter(tags=["department inbox"])
MAX_OFFSET = 5_000


async def _inbox(request: Request) -> DepartmentInbox:
    state = request.app.state
    if getattr(state, "department_inbox", None) is None:
        state.department_inbox = DepartmentInbox(state.db)
    return state.department_inbox


InboxDep = Annotated[DepartmentInbox, Depends(_inbox)]


class InboxPage(BaseModel):
    department_id: str
    total: int
    ratings: int
    complaints: int
    overdue: int = 0  # complaints past their due time (listed first)
    offset: int
    limit: int
    items: list[dict[str, Any]]


def _deadline_view(stored: StoredComplaint, now: datetime, targets: dict[str, int]) -> dict[str, Any]:
    """When an answer is due and how late it is (a protected complaint's due time to the hour, like its
    filing time: the exact minute would give the filing away)."""
    due = stored.complaint.due_at or current_due(stored, stored.history, targets)
    state = deadline(stored.status, due, now)
    shown = state.due_at
    if shown is not None and protects_its_author(stored.complaint.category):
        shown = shown.replace(minute=0, second=0, microsecond=0)
    return {
        "due_at": shown.isoformat() if shown is not None else None,
        "overdue": state.overdue,
        "late_by_hours": state.late_by_hours,
        "late_by_days": None if state.late_by is None else state.late_by.days,
    }


def _complaint_view(published: ComplaintPublication) -> dict[str, Any]:
    try:
        name_th, name_en = CATEGORY_NAMES[Category(published.category)]
    except (KeyError, ValueError):
        name_th, name_en = CATEGORY_NAMES[Category.OTHER]
    view: dict[str, Any] = {
        "public_id": published.public_id,
        "category": published.category,
        "category_th": name_th,
        "category_en": name_en,
        "service_point_id": published.service_point_id,
        "status": published.status,
        "status_note": published.status_note,
        "description": published.description,
        "contact": published.contact.model_dump() if published.contact else None,
        "author_protected": protects_its_author(published.category),
        "filed_at": published.filed_at.isoformat(),
        "updated_at": published.updated_at.isoformat(),
    }
    if published.tracking_code:  # national administrators only
        view["tracking_code"] = published.tracking_code
    return view


@router.get(
    "/departments/{department_id}/inbox",
    summary="A department's ratings and complaints, newest first (its staff, or admin)",
)
async def department_inbox(
    department_id: Annotated[str, Path(pattern=CATALOGUE_ID_PATTERN)],
    principal: CurrentPrincipal,
    inbox: InboxDep,
    settings: SettingsDep,
    service_point_id: Annotated[str | None, Query(pattern=CATALOGUE_ID_PATTERN)] = None,
    kind: Annotated[Kind | None, Query(description="rating or complaint; both when left out")] = None,
    overdue: Annotated[
        bool | None,
        Query(description="true: only complaints past their due time; false: only complaints that are not"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> InboxPage:
    ensure_may_act_for(principal, department_id)  # before any read: no probing of other departments
    now = datetime.now(UTC)
    targets = settings.complaint_target_business_days
    wanted = offset + limit
    rating_total, complaint_total, overdue_total = 0, 0, 0
    ratings: list[InboxEntry] = []
    complaints: list[InboxEntry] = []
    late: list[InboxEntry] = []

    def entry(stored: StoredComplaint) -> InboxEntry | None:
        published = _published(stored, principal, settings)
        if published is None:
            return None
        body = {
            "kind": "complaint",
            "at": published.filed_at.isoformat(),
            "service_point_id": published.service_point_id,
            "complaint": {**_complaint_view(published), **_deadline_view(stored, now, targets)},
        }
        return InboxEntry("complaint", published.filed_at, published.public_id, body)

    if overdue is not None and kind == "rating":
        raise Problem(422, "ตัวกรองเกินกำหนดใช้กับเรื่องร้องเรียนเท่านั้น — overdue filters complaints only.")
    # Overdue complaints come first (most late first), then everything else newest first.
    if kind in (None, "complaint") and overdue is not False:
        overdue_total, stored_late = await inbox.complaints(
            department_id, service_point_id, wanted, overdue=True, now=now
        )
        late = [e for e in map(entry, stored_late) if e is not None]
    if overdue is None and kind in (None, "rating"):
        rating_total, stored_ratings = await inbox.ratings(department_id, service_point_id, wanted)
        for stored in stored_ratings:
            view = RatingView.of(stored)
            body = {
                "kind": "rating",
                "at": view.submitted_at.isoformat(),
                "service_point_id": view.service_point_id,
                "rating": view.model_dump(mode="json"),
            }
            ratings.append(InboxEntry("rating", view.submitted_at, view.rating_id, body))
    if kind in (None, "complaint") and overdue is not True:
        complaint_total, stored_complaints = await inbox.complaints(
            department_id, service_point_id, wanted, overdue=False, now=now
        )
        complaints = [e for e in map(entry, stored_complaints) if e is not None]
    page = late[offset : offset + limit]
    if len(page) < limit:
        page += newest_first(ratings, complaints, offset=max(0, offset - overdue_total), limit=limit - len(page))
    return InboxPage(
        department_id=department_id,
        total=rating_total + complaint_total + overdue_total,
        ratings=rating_total,
        complaints=complaint_total + overdue_total,
        overdue=overdue_total,
        offset=offset,
        limit=limit,
        items=[e.body for e in page],
    )
