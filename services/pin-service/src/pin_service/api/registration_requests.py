"""Registration requests: anonymous filing from the web page; listing and decisions by administrators."""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from citizeninfo_shared.auth import AdminPrincipal, Role
from citizeninfo_shared.problems import RequestModel
from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from pydantic import BaseModel, Field

from pin_service.adapters.departments import DepartmentDirectory
from pin_service.adapters.registration_requests import RegistrationStore
from pin_service.api.accounts import NO_STORE, Accounts, UserCreated, setup_code_ttl, user_view
from pin_service.domain.account_import import EMAIL_MAX, USERNAME_MAX, USERNAME_MIN, USERNAME_PATTERN
from pin_service.domain.registration import RequestStatus
from pin_service.service_layer.registration import RegistrationDesk, RegistrationLimits, request_not_found

router = APIRouter(tags=["registration"])

RequestId = Annotated[str, Path(pattern=r"^reg_[0-9a-f]{20}$")]


class RegistrationFiling(RequestModel):
    department_id: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200, description="The applicant's name")
    email: str = Field(min_length=3, max_length=EMAIL_MAX, description="An official address (.go.th, .mi.th)")
    note: str | None = Field(default=None, max_length=1000)


class RegistrationReceipt(BaseModel):
    """What the anonymous applicant is told: never the e-mail or anything else of the request."""

    id: str
    status: RequestStatus
    department_id: str
    created_at: datetime


class RegistrationRequestView(BaseModel):
    """A request as administrators see it; name, e-mail and note are null once it is decided (erased)."""

    id: str
    status: RequestStatus
    department_id: str
    name: str | None
    email: str | None
    note: str | None
    created_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None
    username: str | None = None
    role: Role | None = None
    refusal_reason: str | None = None
    personal_data_erased_at: datetime | None = None


class RegistrationList(BaseModel):
    total: int
    items: list[RegistrationRequestView]


class ApprovalBody(RequestModel):
    username: str = Field(min_length=USERNAME_MIN, max_length=USERNAME_MAX, pattern=USERNAME_PATTERN)
    role: Literal[Role.AGENCY_STAFF, Role.COORDINATOR] = Role.AGENCY_STAFF


class RefusalBody(RequestModel):
    reason: str = Field(min_length=1, max_length=1000)


class ApprovalAnswer(BaseModel):
    request: RegistrationRequestView
    account: UserCreated


async def _desk(request: Request, accounts: Accounts) -> RegistrationDesk:
    settings = request.app.state.settings
    limits = RegistrationLimits(
        email_domains=tuple(settings.registration_email_domains),
        pending_per_email=settings.registration_pending_per_email,
        pending_per_department=settings.registration_pending_per_department,
        setup_code_ttl=setup_code_ttl(request),
    )
    db = request.app.state.db
    return RegistrationDesk(RegistrationStore(db), accounts, DepartmentDirectory(db), limits)


Desk = Annotated[RegistrationDesk, Depends(_desk)]


def _view(document: dict[str, Any]) -> RegistrationRequestView:
    return RegistrationRequestView(id=document["_id"], **{k: v for k, v in document.items() if k != "_id"})


# The gateway limits this path per client address (deploy/gateway/routes.conf, the sign-in zone).
GATEWAY_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {"description": "Too many requests from this address (the gateway's limit): wait Retry-After"}
}


@router.post(
    "/registration-requests",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RegistrationReceipt,
    summary="Ask for an agency account (anonymous; decided by a national administrator)",
    description="The department must be in the catalogue and the e-mail an official one. One undecided "
    "request per e-mail address and at most 20 per department (409 beyond). No account exists until an "
    "administrator approves; the credentials are then handed over by the administrator.",
    responses={
        409: {"description": "Too many undecided requests"},
        422: {"description": "Unknown department, e-mail"},
        **GATEWAY_LIMITED,
    },
)
async def file_request(body: RegistrationFiling, desk: Desk, response: Response) -> RegistrationReceipt:
    document = await desk.file(
        department_id=body.department_id, name=body.name, email=body.email, note=body.note, now=datetime.now(UTC)
    )
    response.headers.update(NO_STORE)
    return RegistrationReceipt(
        id=document["_id"], status=RequestStatus.PENDING, department_id=body.department_id,
        created_at=document["created_at"],
    )  # fmt: skip


@router.get(
    "/registration-requests",
    response_model=RegistrationList,
    summary="Registration requests by status, oldest first (admin)",
    responses=GATEWAY_LIMITED,
)
async def list_requests(
    _admin: AdminPrincipal,
    desk: Desk,
    response: Response,
    status_: Annotated[RequestStatus, Query(alias="status")] = RequestStatus.PENDING,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> RegistrationList:
    documents = await desk.store.with_status(status_)
    response.headers.update(NO_STORE)
    return RegistrationList(total=len(documents), items=[_view(d) for d in documents[offset : offset + limit]])


@router.get("/registration-requests/{request_id}", response_model=RegistrationRequestView, summary="One (admin)")
async def get_request(request_id: RequestId, _admin: AdminPrincipal, desk: Desk, response: Response) -> Any:
    document = await desk.store.get(request_id)
    if document is None:
        raise request_not_found(request_id)
    response.headers.update(NO_STORE)
    return _view(document)


@router.post(
    "/registration-requests/{request_id}:approve",
    response_model=ApprovalAnswer,
    summary="Approve: create the staff or coordinator account, with its one-time setup code (admin)",
    description="The answer holds the account's one-time `setup_code` (shown once, `Cache-Control: no-store`) "
    "for the administrator to hand over; the applicant's name, e-mail and note leave the request (they "
    "stay on the account as its display name and contact). Username taken: 409, the request stays pending.",
    responses={404: {"description": "No such request"}, 409: {"description": "Already decided, or username taken"}},
)
async def approve(
    request_id: RequestId, body: ApprovalBody, admin: AdminPrincipal, desk: Desk, response: Response
) -> ApprovalAnswer:
    approval = await desk.approve(
        request_id, username=body.username, role=Role(body.role), actor=admin, now=datetime.now(UTC)
    )
    response.headers.update(NO_STORE)
    account = UserCreated(
        **user_view(approval.account).model_dump(),
        setup_code=approval.setup.code,
        setup_code_expires_at=approval.setup.expires_at,
    )
    return ApprovalAnswer(request=_view(approval.request), account=account)


@router.post(
    "/registration-requests/{request_id}:refuse",
    response_model=RegistrationRequestView,
    summary="Refuse, with a reason (admin); the applicant's personal data leave the request",
    responses={404: {"description": "No such request"}, 409: {"description": "Already decided"}},
)
async def refuse(
    request_id: RequestId, body: RefusalBody, admin: AdminPrincipal, desk: Desk
) -> RegistrationRequestView:
    return _view(await desk.refuse(request_id, reason=body.reason, actor=admin, now=datetime.now(UTC)))
