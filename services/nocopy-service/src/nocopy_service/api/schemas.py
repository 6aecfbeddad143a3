"""Request and response bodies of the readiness survey (requests reject unknown fields)."""

from datetime import date, datetime
from typing import Annotated, Self

from citizeninfo_shared.catalogue_projection import ServicePointRef
from citizeninfo_shared.events.readiness import (
    CopyStatus,
    Obstacle,
    ObstacleKind,
    ReadinessAnswered,
    ReadinessMode,
    ServiceCopyAnswer,
)
from citizeninfo_shared.identifiers import CATALOGUE_ID_PATTERN
from citizeninfo_shared.problems import RequestModel
from fastapi import Path
from pydantic import BaseModel, Field, model_validator

ServicePointId = Annotated[str, Path(pattern=CATALOGUE_ID_PATTERN, description="Catalogue id, e.g. P000001")]
DepartmentId = Annotated[str, Path(pattern=CATALOGUE_ID_PATTERN, description="Catalogue id, e.g. D0702")]


class SurveyedService(RequestModel):
    service_id: str = Field(pattern=CATALOGUE_ID_PATTERN)
    id_card_copy: CopyStatus
    house_registration_copy: CopyStatus


class SurveyedObstacle(RequestModel):
    kind: ObstacleKind
    detail: str = Field(default="", max_length=1000)


class ReadinessSurvey(RequestModel):
    """แบบสำรวจความพร้อม — one point's answer; it replaces the point's previous answer."""

    mou_with_dopa: bool = Field(strict=True)
    card_readers: int = Field(ge=0, le=10_000, strict=True)
    services: list[SurveyedService] = Field(max_length=2_000)
    obstacles: list[SurveyedObstacle] = Field(default=[], max_length=50)
    planned_cancel_date: date | None = None

    @model_validator(mode="after")
    def _each_service_once(self) -> Self:
        ids = [s.service_id for s in self.services]
        if len(ids) != len(set(ids)):
            raise ValueError("each service_id may appear only once in services")
        return self

    def service_answers(self) -> list[ServiceCopyAnswer]:
        return [ServiceCopyAnswer(**s.model_dump()) for s in self.services]

    def obstacle_answers(self) -> list[Obstacle]:
        return [Obstacle(**o.model_dump()) for o in self.obstacles]


class ReadinessView(BaseModel):
    """A point's current answer as anyone may read it (who answered is left out)."""

    service_point_id: str
    answer_id: str
    department_id: str | None = None
    ministry_id: str | None = None
    province_code: str | None = None
    district_code: str | None = None
    copy_status: CopyStatus
    mode: ReadinessMode
    mou_with_dopa: bool
    card_readers: int
    services: list[ServiceCopyAnswer]
    obstacles: list[Obstacle]
    planned_cancel_date: date | None
    answered_at: datetime

    @classmethod
    def of(cls, answer: ReadinessAnswered) -> Self:
        return cls.model_validate(answer.model_dump())


class ReadinessRecord(ReadinessView):
    """One answer in a point's history, with the account that gave it (for its own department)."""

    answered_by: str


class ReadinessHistory(BaseModel):
    service_point_id: str
    items: list[ReadinessRecord] = Field(description="Newest first; the first is the current answer")


class PointSurveyState(BaseModel):
    """A service point of a department and where it stands in the survey."""

    service_point_id: str
    name_th: str
    name_en: str | None
    province_code: str
    district_code: str | None
    surveyed: bool
    copy_status: CopyStatus | None
    mode: ReadinessMode | None
    mou_with_dopa: bool | None
    card_readers: int | None
    obstacle_kinds: list[ObstacleKind]
    planned_cancel_date: date | None
    answered_at: datetime | None

    @classmethod
    def of(cls, point: ServicePointRef, answer: ReadinessAnswered | None) -> Self:
        return cls(
            service_point_id=point.service_point_id,
            name_th=point.name_th,
            name_en=point.name_en,
            province_code=point.province_code,
            district_code=point.district_code,
            surveyed=answer is not None,
            copy_status=answer.copy_status if answer else None,
            mode=answer.mode if answer else None,
            mou_with_dopa=answer.mou_with_dopa if answer else None,
            card_readers=answer.card_readers if answer else None,
            obstacle_kinds=list(dict.fromkeys(o.kind for o in answer.obstacles)) if answer else [],
            planned_cancel_date=answer.planned_cancel_date if answer else None,
            answered_at=answer.answered_at if answer else None,
        )


class DepartmentSurveyPage(BaseModel):
    department_id: str
    items: list[PointSurveyState]
    next_after: str | None = Field(description="Pass as `after` for the next page; null on the last page")
