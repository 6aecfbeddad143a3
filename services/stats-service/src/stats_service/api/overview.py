"""GET /overview — national progress: points listed, pinned, surveyed, copy-free; ratings and complaints."""

from datetime import UTC, datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from stats_service.api.deps import OverviewReaderDep

router = APIRouter(tags=["overview"])


class OverviewOut(BaseModel):
    service_points: int = Field(description="Distinct service points listed in the catalogue")
    pinned: int = Field(description="Listed points with a pin (a point counts once however often pinned)")
    surveyed: int = Field(description="Listed points that answered the readiness survey")
    copy_cancelled: int = Field(description="Surveyed points whose every service needs no copy")
    copy_in_progress: int = Field(description="Surveyed points phasing copies out")
    not_pinned: int
    not_surveyed: int
    copy_not_cancelled: int = Field(description="Listed points not copy-free, the unsurveyed included")
    ratings: int = Field(description="Citizen ratings received")
    ratings_verified: int = Field(description="Ratings tied to a real visit (visit token)")
    complaints: int = Field(description="Complaints filed")
    as_of: datetime = Field(description="When these numbers were read")
    last_event_time: datetime | None = Field(
        description="Time of the newest event reflected in these numbers; null before any"
    )


@router.get("/overview", summary="National progress of pins, surveys, copy cancellation and ratings")
async def overview(reader: OverviewReaderDep) -> OverviewOut:
    result = await reader.overview()
    progress = result.progress
    return OverviewOut(
        service_points=progress.service_points,
        pinned=progress.pinned,
        surveyed=progress.surveyed,
        copy_cancelled=progress.copy_cancelled,
        copy_in_progress=progress.copy_in_progress,
        not_pinned=progress.not_pinned,
        not_surveyed=progress.not_surveyed,
        copy_not_cancelled=progress.copy_not_cancelled,
        ratings=result.ratings,
        ratings_verified=result.ratings_verified,
        complaints=result.complaints,
        as_of=datetime.now(UTC),
        last_event_time=result.last_event_time,
    )
