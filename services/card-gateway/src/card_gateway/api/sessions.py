"""Staff sessions at a reader: open one, then fetch its read once.

With several replicas, a session is opened on the replica that holds the reader's agent link and read or
cancelled there: another replica forwards the request once (service_layer/replicas.py) and passes on the
owner's answer as it is. An owner that is gone answers as a gone agent (409) or an unknown session (404).
"""

from typing import Any

from asgi_correlation_id import correlation_id
from citizeninfo_shared.auth import CurrentPrincipal, Principal, ensure_may_act_for
from citizeninfo_shared.deps import CatalogueDep
from citizeninfo_shared.problems import Problem
from fastapi import APIRouter, Request, Response, status

from card_gateway.adapters.peers import PeerAnswer, session_path
from card_gateway.api.deps import CardDeskDep, ReaderStoreDep, ReplicasDep
from card_gateway.api.schemas import SessionOpened, SessionRequest, SessionView
from card_gateway.domain.replicas import REPLICA_HEADER, Decision, Route
from card_gateway.domain.sessions import FAILURE_TEXT_TH, Session
from card_gateway.service_layer.replicas import Replicas

router = APIRouter(prefix="/sessions", tags=["sessions"])

_NO_SESSION = "There is no such session (or it has expired and was forgotten)."


def _agent_gone() -> Problem:
    return Problem(409, "The reader's agent is not connected.", reason="agent_gone")


def _relayed(answer: PeerAnswer) -> Response:
    """The owner's answer, as the owner gave it."""
    return Response(content=answer.body, status_code=answer.status, headers=answer.headers)


async def _forward(
    replicas: Replicas,
    decision: Decision,
    http: Request,
    method: str,
    path: str,
    operation: str,
    json_body: dict[str, Any] | None = None,
) -> PeerAnswer | None:
    return await replicas.forward(
        decision,
        method,
        path,
        operation=operation,
        authorization=http.headers.get("authorization"),
        request_id=correlation_id.get(),
        json_body=json_body,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=SessionOpened,
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
    replicas: ReplicasDep,
    http: Request,
    response: Response,
) -> SessionOpened | Response:
    place = await readers.place(request.reader_id)
    if place is None:
        raise Problem(404, f"There is no reader {request.reader_id}.")
    point = await catalogue.service_point(place.service_point_id)
    if point is None:
        raise Problem(404, f"The reader's service point {place.service_point_id} is not in the catalogue.")
    ensure_may_act_for(principal, point.department_id)
    decision = await replicas.route_open(place.agent_id, forwarded=replicas.accepts(http.headers.get(REPLICA_HEADER)))
    if decision.route is Route.FORWARD:
        body = request.model_dump(mode="json", exclude_unset=True)
        answer = await _forward(replicas, decision, http, "POST", "/sessions", "open_session", body)
        if answer is None:
            raise _agent_gone()
        return _relayed(answer)
    if decision.route is Route.GONE:
        raise _agent_gone()
    try:
        session = await desk.open_session(
            place=place, point=point, staff=principal.username, purpose=request.purpose, laser_code=request.laser_code
        )
    except LookupError as error:
        raise _agent_gone() from error
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
        raise Problem(404, _NO_SESSION)
    if session.staff != principal.username:
        raise Problem(403, "Only the staff member who opened a session may see it.")
    return session


async def _elsewhere(
    replicas: Replicas, http: Request, session_id: str, method: str, operation: str
) -> Response | None:
    """The owner's answer when another replica owns the session; None when it is this one's."""
    decision = await replicas.route_session(session_id, forwarded=replicas.accepts(http.headers.get(REPLICA_HEADER)))
    if decision.route is Route.LOCAL:
        return None
    answer = None
    if decision.route is Route.FORWARD:
        answer = await _forward(replicas, decision, http, method, session_path(session_id), operation)
    if answer is None:
        raise Problem(404, _NO_SESSION)
    return _relayed(answer)


@router.get("/{session_id}", response_model=SessionView, summary="The session's state; its card once")
async def get_session(
    session_id: str,
    principal: CurrentPrincipal,
    desk: CardDeskDep,
    replicas: ReplicasDep,
    http: Request,
    response: Response,
) -> SessionView | Response:
    if (relayed := await _elsewhere(replicas, http, session_id, "GET", "get_session")) is not None:
        return relayed
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
async def cancel_session(
    session_id: str, principal: CurrentPrincipal, desk: CardDeskDep, replicas: ReplicasDep, http: Request
) -> Response:
    if (relayed := await _elsewhere(replicas, http, session_id, "DELETE", "cancel_session")) is not None:
        return relayed
    session = _own_session(desk, session_id, principal)
    if session.status.value == "waiting":
        await desk.cancel(session)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
