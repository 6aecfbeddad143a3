"""What the routes take from the running app (set by the lifespan, or by fakes in tests)."""

from typing import Annotated

from fastapi import Depends, Request

from nocopy_service.adapters.readiness_store import ReadinessStore
from nocopy_service.adapters.survey_listing import SurveyListing
from nocopy_service.api.export_slots import ExportSlots


async def _readiness_store(request: Request) -> ReadinessStore:
    return request.app.state.readiness_store


async def _survey_listing(request: Request) -> SurveyListing:
    return request.app.state.survey_listing


async def _export_slots(request: Request) -> ExportSlots:
    return request.app.state.export_slots


ReadinessStoreDep = Annotated[ReadinessStore, Depends(_readiness_store)]
SurveyListingDep = Annotated[SurveyListing, Depends(_survey_listing)]
ExportSlotsDep = Annotated[ExportSlots, Depends(_export_slots)]
