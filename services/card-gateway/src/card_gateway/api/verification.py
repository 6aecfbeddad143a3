"""Per-point online verification (the registry check offices with an MOU may do).

Only a national administrator sets or removes a point's endpoint and credentials, and only to an
endpoint the outbound-URL policy allows (https, an allow-listed registry host); the point's staff may
see whether it is on.
"""

from typing import Annotated

from citizeninfo_shared.auth import AdminPrincipal, CurrentPrincipal, ensure_may_act_for
from citizeninfo_shared.deps import CatalogueDep
from citizeninfo_shared.identifiers import CATALOGUE_ID_PATTERN
from citizeninfo_shared.problems import Problem
from fastapi import APIRouter, Path, status

from card_gateway.adapters.gdx import GdxConfig
from card_gateway.api.deps import OutboundPolicyDep, VerificationStoreDep
from card_gateway.api.schemas import OnlineVerificationSettings, OnlineVerificationState
from card_gateway.domain.outbound_urls import OutboundUrlRefused

router = APIRouter(prefix="/service-points", tags=["online verification"])
PointId = Annotated[str, Path(pattern=CATALOGUE_ID_PATTERN)]


async def _check_rights(point_id: str, principal, catalogue) -> None:
    point = await catalogue.service_point(point_id)
    if point is None:
        raise Problem(404, f"There is no service point {point_id}.")
    ensure_may_act_for(principal, point.department_id)


@router.put(
    "/{service_point_id}/online-verification", summary="Turn on the registry check for a point (administrators)"
)
async def put_online_verification(
    service_point_id: PointId,
    settings: OnlineVerificationSettings,
    principal: AdminPrincipal,
    catalogue: CatalogueDep,
    store: VerificationStoreDep,
    policy: OutboundPolicyDep,
) -> OnlineVerificationState:
    await _check_rights(service_point_id, principal, catalogue)
    try:
        policy.check_url(str(settings.base_url))
    except OutboundUrlRefused as error:
        raise Problem(
            422, f"This endpoint is not allowed: {error}.", title="Endpoint not allowed", reason="endpoint_refused"
        ) from error
    config = GdxConfig(
        base_url=str(settings.base_url),
        consumer_key=settings.consumer_key,
        consumer_secret=settings.consumer_secret,
        agent_id=settings.agent_id,
    )
    await store.put(service_point_id, config, changed_by=principal.username)
    return OnlineVerificationState(
        service_point_id=service_point_id, mode="on_card_and_online", base_url=config.base_url
    )


@router.get("/{service_point_id}/online-verification", summary="Whether a point checks cards online")
async def get_online_verification(
    service_point_id: PointId, principal: CurrentPrincipal, catalogue: CatalogueDep, store: VerificationStoreDep
) -> OnlineVerificationState:
    await _check_rights(service_point_id, principal, catalogue)
    config = await store.for_point(service_point_id)
    if config is None:
        return OnlineVerificationState(service_point_id=service_point_id, mode="on_card")
    return OnlineVerificationState(
        service_point_id=service_point_id, mode="on_card_and_online", base_url=config.base_url
    )


@router.delete(
    "/{service_point_id}/online-verification",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="On-Card only (administrators)",
)
async def delete_online_verification(
    service_point_id: PointId, principal: AdminPrincipal, catalogue: CatalogueDep, store: VerificationStoreDep
) -> None:
    await _check_rights(service_point_id, principal, catalogue)
    await store.remove(service_point_id)
