"""Reader agents of a counter PC: register (token shown once), list, revoke, rotate; the agent's WebSocket."""

import json
import uuid
from datetime import UTC, datetime
from typing import Annotated

import structlog
from asgi_correlation_id import correlation_id
from citizeninfo_shared.auth import CurrentPrincipal, Principal, ensure_may_act_for
from citizeninfo_shared.deps import CatalogueDep
from citizeninfo_shared.identifiers import CATALOGUE_ID_PATTERN
from citizeninfo_shared.problems import Problem
from fastapi import APIRouter, Path, Query, Response, WebSocket, WebSocketDisconnect, status
from starlette.websockets import WebSocketState

from card_gateway.adapters.agent_store import Agent, AgentStore
from card_gateway.api.deps import AgentStoreDep, AgentTtlDep, ReplicasDep
from card_gateway.api.schemas import AgentCredentials, AgentList, AgentRegistration, AgentView
from card_gateway.domain.agent_tokens import new_agent_token, token_digest, token_expiry

router = APIRouter(prefix="/agents", tags=["agents"])
log = structlog.get_logger(__name__)

MAX_AGENT_MESSAGE_BYTES = 64 * 1024
AgentId = Annotated[str, Path(pattern=CATALOGUE_ID_PATTERN)]
_NO_POINT = {404: {"description": "No such service point"}}
_NO_AGENT = {404: {"description": "No such agent (or its point is no longer in the catalogue)"}}


async def _may_manage_point(service_point_id: str, principal: Principal, catalogue) -> None:
    point = await catalogue.service_point(service_point_id)
    if point is None:
        raise Problem(404, f"There is no service point {service_point_id}.")
    ensure_may_act_for(principal, point.department_id)


async def _managed_agent(agent_id: str, principal: Principal, catalogue, store: AgentStore) -> Agent:
    agent = await store.get(agent_id)
    if agent is None:
        raise Problem(404, f"There is no agent {agent_id}.")
    await _may_manage_point(agent.service_point_id, principal, catalogue)
    return agent


def _view(agent: Agent, *, connected: bool, now: datetime) -> AgentView:
    status_now = "revoked" if agent.revoked_at is not None else ("active" if agent.usable(now) else "expired")
    return AgentView(
        agent_id=agent.agent_id,
        service_point_id=agent.service_point_id,
        name=agent.name,
        registered_by=agent.registered_by,
        registered_at=agent.registered_at,
        expires_at=agent.expires_at,
        rotated_at=agent.rotated_at,
        revoked_at=agent.revoked_at,
        revoked_by=agent.revoked_by,
        status=status_now,
        connected=connected,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Register a reader agent",
    responses=_NO_POINT,
)
async def register_agent(
    registration: AgentRegistration,
    principal: CurrentPrincipal,
    catalogue: CatalogueDep,
    store: AgentStoreDep,
    ttl: AgentTtlDep,
    response: Response,
) -> AgentCredentials:
    await _may_manage_point(registration.service_point_id, principal, catalogue)
    credentials = new_agent_token()
    now = datetime.now(UTC)
    agent = Agent(
        agent_id=str(uuid.uuid4()),
        service_point_id=registration.service_point_id,
        name=registration.name,
        token_sha256=credentials.digest,
        registered_by=principal.username,
        registered_at=now,
        expires_at=token_expiry(now, ttl),
    )
    await store.add(agent)
    # A credential: no cache along the way may keep it.
    response.headers["Cache-Control"] = "no-store"
    return AgentCredentials(agent_id=agent.agent_id, token=credentials.token, expires_at=agent.expires_at)


@router.get("", summary="The reader agents registered at a service point", responses=_NO_POINT)
async def list_agents(
    service_point_id: Annotated[str, Query(pattern=CATALOGUE_ID_PATTERN)],
    principal: CurrentPrincipal,
    catalogue: CatalogueDep,
    store: AgentStoreDep,
    replicas: ReplicasDep,
) -> AgentList:
    await _may_manage_point(service_point_id, principal, catalogue)
    now = datetime.now(UTC)
    agents = await store.at_point(service_point_id)
    connected = await replicas.connected(a.agent_id for a in agents)  # linked to any live replica
    return AgentList(items=[_view(a, connected=a.agent_id in connected, now=now) for a in agents])


@router.delete(
    "/{agent_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke an agent: its token is refused from now on and its link is closed",
    responses=_NO_AGENT,
)
async def revoke_agent(
    agent_id: AgentId,
    principal: CurrentPrincipal,
    catalogue: CatalogueDep,
    store: AgentStoreDep,
    replicas: ReplicasDep,
) -> None:
    await _managed_agent(agent_id, principal, catalogue, store)
    await store.revoke(agent_id, by=principal.username, at=datetime.now(UTC))  # None: revoked already
    log.info("agent_revoked", agent_id=agent_id, by=principal.username)
    await replicas.close_agent(agent_id, request_id=correlation_id.get())  # on whichever replica holds it


@router.post(
    "/{agent_id}/rotate",
    summary="A new token for an agent; the old one is refused from now on",
    responses={**_NO_AGENT, 409: {"description": "The agent is revoked: register a new one"}},
)
async def rotate_agent_token(
    agent_id: AgentId,
    principal: CurrentPrincipal,
    catalogue: CatalogueDep,
    store: AgentStoreDep,
    replicas: ReplicasDep,
    ttl: AgentTtlDep,
    response: Response,
) -> AgentCredentials:
    await _managed_agent(agent_id, principal, catalogue, store)
    credentials = new_agent_token()
    now = datetime.now(UTC)
    rotated = await store.rotate(agent_id, digest=credentials.digest, expires_at=token_expiry(now, ttl), at=now)
    if rotated is None:
        raise Problem(409, "This agent is revoked; register a new one.", reason="agent_revoked")
    log.info("agent_token_rotated", agent_id=agent_id, by=principal.username)
    # The link was opened with the old token: it goes too (the agent comes back with the new one).
    await replicas.close_agent(agent_id, request_id=correlation_id.get())
    response.headers["Cache-Control"] = "no-store"
    return AgentCredentials(agent_id=agent_id, token=credentials.token, expires_at=rotated.expires_at)


@router.websocket("/ws")
async def agent_socket(websocket: WebSocket) -> None:
    """The reader agent's link (protocol in services/card-agent/README.md); `Authorization: Bearer`."""
    app = websocket.app
    authorization = websocket.headers.get("authorization", "")
    token = authorization.removeprefix("Bearer ").strip() if authorization.startswith("Bearer ") else ""
    agent = await app.state.agent_store.by_token_digest(token_digest(token)) if token else None
    if agent is None or not agent.usable(datetime.now(UTC)):
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION)  # before accept: HTTP 403
        return
    await websocket.accept()
    desk = app.state.card_desk

    async def close() -> None:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION)

    link = await desk.agent_connected(agent, websocket.send_json, close)
    log.info("agent_connected", agent_id=agent.agent_id)
    try:
        while True:
            raw = await websocket.receive_text()
            if not agent.usable(datetime.now(UTC)):  # expired while connected
                await close()
                break
            if len(raw) > MAX_AGENT_MESSAGE_BYTES:
                continue  # a photo is ~6 kB base64; anything far bigger is not ours
            try:
                message = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(message, dict):
                continue
            kind = message.get("type")
            if kind == "readers" and isinstance(message.get("readers"), list):
                await desk.readers_reported(link, message["readers"])
            elif kind in ("read_result", "read_failed"):
                await desk.read_answered(link, message)
    except WebSocketDisconnect:
        pass
    except RuntimeError:
        if websocket.application_state is not WebSocketState.DISCONNECTED:
            raise
        # we closed it (revoked, rotated or expired) while a receive was due
    finally:
        log.info("agent_disconnected", agent_id=agent.agent_id)
        await desk.agent_disconnected(link)
