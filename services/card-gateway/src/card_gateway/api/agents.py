"""Register a counter PC's reader agent and hand out its token once; the agent's WebSocket."""

import json
import uuid
from datetime import UTC, datetime

import structlog
from citizeninfo_shared.auth import CurrentPrincipal, ensure_may_act_for
from citizeninfo_shared.deps import CatalogueDep
from citizeninfo_shared.problems import Problem
from fastapi import APIRouter, Response, WebSocket, WebSocketDisconnect, status

from card_gateway.adapters.agent_store import Agent
from card_gateway.api.deps import AgentStoreDep
from card_gateway.api.schemas import AgentCredentials, AgentRegistration
from card_gateway.domain.agent_tokens import new_agent_token, token_digest

router = APIRouter(prefix="/agents", tags=["agents"])
log = structlog.get_logger(__name__)

MAX_AGENT_MESSAGE_BYTES = 64 * 1024


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Register a reader agent",
    responses={404: {"description": "No such service point"}},
)
async def register_agent(
    registration: AgentRegistration,
    principal: CurrentPrincipal,
    catalogue: CatalogueDep,
    store: AgentStoreDep,
    response: Response,
) -> AgentCredentials:
    point = await catalogue.service_point(registration.service_point_id)
    if point is None:
        raise Problem(404, f"There is no service point {registration.service_point_id}.")
    ensure_may_act_for(principal, point.department_id)
    credentials = new_agent_token()
    agent = Agent(
        agent_id=str(uuid.uuid4()),
        service_point_id=registration.service_point_id,
        name=registration.name,
        token_sha256=credentials.digest,
        registered_by=principal.username,
        registered_at=datetime.now(UTC),
    )
    await store.add(agent)
    # A credential: no cache along the way may keep it.
    response.headers["Cache-Control"] = "no-store"
    return AgentCredentials(agent_id=agent.agent_id, token=credentials.token)


@router.websocket("/ws")
async def agent_socket(websocket: WebSocket) -> None:
    """The reader agent's link (protocol in services/card-agent/README.md); `Authorization: Bearer`."""
    app = websocket.app
    authorization = websocket.headers.get("authorization", "")
    token = authorization.removeprefix("Bearer ").strip() if authorization.startswith("Bearer ") else ""
    agent = await app.state.agent_store.by_token_digest(token_digest(token)) if token else None
    if agent is None:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION)  # before accept: HTTP 403
        return
    await websocket.accept()
    desk = app.state.card_desk
    link = await desk.agent_connected(agent, websocket.send_json)
    log.info("agent_connected", agent_id=agent.agent_id)
    try:
        while True:
            raw = await websocket.receive_text()
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
    finally:
        log.info("agent_disconnected", agent_id=agent.agent_id)
        await desk.agent_disconnected(link)
