"""Register a counter PC's reader agent and hand out its token once."""

import uuid
from datetime import UTC, datetime

from citizeninfo_shared.auth import AdminPrincipal
from fastapi import APIRouter, Response, status

from card_gateway.adapters.agent_store import Agent
from card_gateway.api.deps import AgentStoreDep
from card_gateway.api.schemas import AgentCredentials, AgentRegistration
from card_gateway.domain.agent_tokens import new_agent_token

router = APIRouter(prefix="/agents", tags=["agents"])


@router.post("", status_code=status.HTTP_201_CREATED, summary="Register a reader agent")
async def register_agent(
    registration: AgentRegistration,
    # Admins only until card-gateway keeps a catalogue projection to check a department's points.
    principal: AdminPrincipal,
    store: AgentStoreDep,
    response: Response,
) -> AgentCredentials:
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
