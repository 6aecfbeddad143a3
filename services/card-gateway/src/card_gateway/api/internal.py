"""Calls between card-gateway replicas only: close an agent's link held here (after a revoke or a rotation
handled by another replica).

Never reachable through the public gateway (nginx answers 404 for /api/card/v1/internal/), and refused
here too without the replica secret (REPLICA_HEADER, derived from the keyring): the same 404 as an
unknown route, so a caller learns nothing. A single process (no CITIZENINFO_CARD_REPLICA_URL) refuses
every call. Not in the OpenAPI document.
"""

import re

import structlog
from citizeninfo_shared.identifiers import CATALOGUE_ID_PATTERN
from citizeninfo_shared.problems import Problem
from fastapi import APIRouter, Request, Response, status

from card_gateway.api.deps import CardDeskDep, ReplicasDep
from card_gateway.domain.replicas import REPLICA_HEADER

router = APIRouter(prefix="/internal", include_in_schema=False)
log = structlog.get_logger(__name__)
_AGENT_ID = re.compile(CATALOGUE_ID_PATTERN)


@router.delete("/agents/{agent_id}/link", status_code=status.HTTP_204_NO_CONTENT)
async def close_agent_link(
    agent_id: str,
    request: Request,
    replicas: ReplicasDep,
    desk: CardDeskDep,
) -> Response:
    if not replicas.accepts(request.headers.get(REPLICA_HEADER)):
        log.warning("internal_call_refused", path=request.url.path)
        raise Problem(404, "Not Found")
    if not _AGENT_ID.match(agent_id):  # checked after the secret: nothing here answers a stranger but 404
        raise Problem(422, "Not an agent id.")
    await desk.disconnect_agent(agent_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
