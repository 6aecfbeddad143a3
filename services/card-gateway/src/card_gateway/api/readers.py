"""The card readers at a service point, as their agents last reported them."""

from typing import Annotated

from citizeninfo_shared.identifiers import CATALOGUE_ID_PATTERN
from fastapi import APIRouter, Query

from card_gateway.api.deps import ReaderStoreDep
from card_gateway.api.schemas import ReaderList

router = APIRouter(prefix="/readers", tags=["readers"])


@router.get("", summary="Readers at a service point")
async def list_readers(
    service_point_id: Annotated[str, Query(pattern=CATALOGUE_ID_PATTERN)], store: ReaderStoreDep
) -> ReaderList:
    return ReaderList(items=await store.at_point(service_point_id))
