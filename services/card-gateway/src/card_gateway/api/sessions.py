"""Staff sessions at a reader: open one, then fetch its read once."""

from citizeninfo_shared.auth import CurrentPrincipal, Principal, ensure_may_act_for
from citizeninfo_shared.deps import CatalogueDep
from citizeninfo_shared.problems import Problem
from fastapi import APIRouter, Response, status

from card_gateway.api.deps import CardDeskDep, ReaderStoreDep
from card_gateway.api.schemas import SessionOpened, SessionRequest, SessionView
from card_gateway.domain.sessions import FAILURE_TEXT_TH, Session

router = APIRouter(prefix="/sessions", tags=["sessions"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Wait for the next card on a reader",
    responses={
        404: {"description": "No such reader, or its point is not in the catalogue"},
        409: {"description": "The reader's agent is not connected, or another session waits at it"},
    },
)
async def open_session(
    request: SessionRequest,
    principal: CurrentPrincipal,
    readers: ReaderStoreDep,
    catalogue: CatalogueDep,
    desk: CardDeskDep,
    response: Response,
) -> SessionOpened:
    place = await readers.place(request.reader_id)
    if place is None:
        raise Problem(404, f"There is no reader {request.reader_id}.")
    point = await catalogue.service_point(place.service_point_id)
    if point is None:
        raise Problem(404, f"The reader's service point {place.service_point_id} is not in the catalogue.")
    ensure_may_act_for(principal, point.department_id)
    try:
        session = await desk.open_session(
            place=place, point=point, staff=principal.username, purpose=request.purpose, laser_code=request.laser_code
        )
    except LookupError as error:
        raise Problem(409, "The reader's agent is not connected.", reason="agent_gone") from error
    except ValueError as error:
        raise Problem(
            409, "Another session is waiting at this reader: one read at a time.", reason="reader_busy"
        ) from error
    response.headers["Cache-Control"] = "no-store"
    return SessionOpened(
        session_id=session.session_id,
        status=session.status,
        reader_id=session.reader_id,
        purpose=session.purpose,
        expires_in_seconds=round(session.expires_in_seconds, 1),
    )


def _own_session(desk, session_id: str, principal: Principal) -> Session:
    session = desk.sessions.get(session_id)
    if session is None:
        raise Problem(404, "There is no such session (or it has expired and was forgotten).")
    if session.staff != principal.username:
        raise Problem(403, "Only the staff member who opened a session may see it.")
    return session


@router.get("/{session_id}", summary="The session's state; its card once")
async def get_session(
    session_id: str, principal: CurrentPrincipal, desk: CardDeskDep, response: Response
) -> SessionView:
    session = _own_session(desk, session_id, principal)
    card, visit_token = session.take_card()
    response.headers["Cache-Control"] = "no-store"
    return SessionView(
        session_id=session.session_id,
        status=session.status,
        reader_id=session.reader_id,
        purpose=session.purpose,
        reading=session.reading,
        error=session.failure,
        error_th=FAILURE_TEXT_TH.get(session.failure) if session.failure else None,
        card=card,
        delivered=session.delivered,
        verified_online=session.verified_online,
        verification_error=session.verification_error,
        visit_token=visit_token,
        expires_in_seconds=round(session.expires_in_seconds, 1),
    )


@router.delete("/{session_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Stop waiting")
async def cancel_session(session_id: str, principal: CurrentPrincipal, desk: CardDeskDep) -> None:
    session = _own_session(desk, session_id, principal)
    if session.status.value == "waiting":
        await desk.cancel(session)
