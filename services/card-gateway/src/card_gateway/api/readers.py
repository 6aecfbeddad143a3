"""The card readers at a service point, as their agents last reported them (that department's staff, or admin)."""

from typing import Annotated

from citizeninfo_shared.auth import CurrentPrincipal, ensure_may_act_for
from citizeninfo_shared.deps import CatalogueDep
from citizeninfo_shared.identifiers import CATALOGUE_ID_PATTERN
from citizeninfo_shared.problems import Problem
from fastapi import APIRouter, Query

from card_gateway.api.deps import ReaderStoreDep
from card_gateway.api.schemas import ReaderList

router = APIRouter(prefix="/readers", tags=["readers"])


@router.get("", summary="Readers at a service point", responses={404: {"description": "No such service point"}})
async def list_readers(
    service_point_id: Annotated[str, Query(pattern=CATALOGUE_ID_PATTERN)],
    principal: CurrentPrincipal,
    catalogue: CatalogueDep,
    store: ReaderStoreDep,
) -> ReaderList:
    point = await catalogue.service_point(service_point_id)
    if point is None:
        raise Problem(404, f"There is no service point {service_point_id}.")
    ensure_may_act_for(principal, point.department_id)
    return ReaderList(items=await store.at_point(service_point_id))
