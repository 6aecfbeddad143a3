"""Request and response bodies of ratings (requests reject unknown fields)."""

from datetime import datetime
from typing import Self

from citizeninfo_shared.events.ratings import RatingSubmitted
from citizeninfo_shared.problems import RequestModel
from pydantic import BaseModel, Field

CATALOGUE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"


class RatingSubmission(RequestModel):
    """ความพึงพอใจ — a citizen's rating of the service received at a point (anonymous)."""

    service_point_id: str = Field(pattern=CATALOGUE_ID_PATTERN)
    service_id: str | None = Field(default=None, pattern=CATALOGUE_ID_PATTERN)
    score: int = Field(ge=1, le=5, strict=True)
    asked_for_copy: bool | None = Field(default=None, strict=True, description="Was a photocopy demanded?")
    comment: str | None = Field(default=None, max_length=1000)
    visit_token: str | None = Field(default=None, max_length=200)


class RatingAccepted(BaseModel):
    rating_id: str
    verified: bool


class RatingView(BaseModel):
    """A stored rating as anyone may read it."""

    rating_id: str
    service_point_id: str
    service_id: str | None
    score: int
    asked_for_copy: bool | None
    comment: str | None
    verified: bool
    submitted_at: datetime

    @classmethod
    def of(cls, rating: RatingSubmitted) -> Self:
        return cls.model_validate(rating.model_dump())
