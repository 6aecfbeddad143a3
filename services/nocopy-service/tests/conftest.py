"""nocopy-service's app with the lifespan replaced: fakes in app.state, tokens minted locally."""

from collections.abc import AsyncIterator

import pytest
from citizeninfo_shared.auth import TokenCodec
from citizeninfo_shared.catalogue_projection import ServicePointRef
from citizeninfo_shared.events.readiness import ReadinessAnswered
from citizeninfo_shared.outbox import OutboxEntry
from citizeninfo_shared.testing import STAFF_DEPARTMENT_ID, RecordingRelay, no_runtime
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from nocopy_service.adapters.readiness_store import ConcurrentAnswers
from nocopy_service.adapters.survey_listing import PointSurvey, merge_by_point_id, point_as_answered
from nocopy_service.config import NocopySettings
from nocopy_service.main import create_app

OTHER_DEPARTMENT_ID = "D0101"


def point(point_id: str, department_id: str = STAFF_DEPARTMENT_ID, **overrides) -> ServicePointRef:
    fields = {
        "service_point_id": point_id,
        "department_id": department_id,
        "ministry_id": "M07",
        "province_code": "10",
        "district_code": "1001",
        "name_th": f"จุดบริการ {point_id}",
        "name_en": f"Point {point_id}",
        "service_ids": ["S00001", "S00002"],
    }
    return ServicePointRef(**{**fields, **overrides})


class FakeCatalogue:
    """The catalogue projection's read methods over a dict."""

    def __init__(self) -> None:
        self.points: dict[str, ServicePointRef] = {}
        self.departments: dict[str, dict] = {
            STAFF_DEPARTMENT_ID: {"_id": STAFF_DEPARTMENT_ID, "ministry_id": "M07", "name_th": "กรมศิลปากร"},
            OTHER_DEPARTMENT_ID: {"_id": OTHER_DEPARTMENT_ID, "ministry_id": "M01", "name_th": "กรมอื่น"},
        }

    def add(self, *points: ServicePointRef) -> None:
        self.points.update({p.service_point_id: p for p in points})

    async def service_point(self, service_point_id: str) -> ServicePointRef | None:
        return self.points.get(service_point_id)

    async def department(self, department_id: str) -> dict | None:
        return self.departments.get(department_id)


class FakeReadinessStore:
    def __init__(self) -> None:
        self.answers: dict[str, ReadinessAnswered] = {}
        self.previous: dict[str, list[ReadinessAnswered]] = {}
        self.events: list[OutboxEntry] = []
        self.conflict = False

    async def current(self, service_point_id: str) -> ReadinessAnswered | None:
        return self.answers.get(service_point_id)

    async def history(self, service_point_id: str) -> list[ReadinessAnswered]:
        if service_point_id not in self.answers:
            return []
        return [self.answers[service_point_id], *reversed(self.previous.get(service_point_id, []))]

    async def save(self, answer: ReadinessAnswered, event: OutboxEntry) -> None:
        if self.conflict:
            raise ConcurrentAnswers(answer.service_point_id)
        if answer.service_point_id in self.answers:
            self.previous.setdefault(answer.service_point_id, []).append(self.answers[answer.service_point_id])
        self.answers[answer.service_point_id] = answer
        self.events.append(event)


class FakeSurveyListing:
    """The real merge over the fake catalogue and store, both sorted by point id."""

    def __init__(self, catalogue: FakeCatalogue, store: FakeReadinessStore) -> None:
        self._catalogue = catalogue
        self._store = store

    async def points_with_answers(
        self, *, department_id: str | None = None, after: str | None = None
    ) -> AsyncIterator[PointSurvey]:
        def wanted(point_id: str, point_department: str | None) -> bool:
            return (department_id is None or point_department == department_id) and (after is None or point_id > after)

        async def points():
            for point_id in sorted(self._catalogue.points):
                p = self._catalogue.points[point_id]
                if wanted(point_id, p.department_id):
                    yield p

        async def answers():
            for point_id in sorted(self._store.answers):
                a = self._store.answers[point_id]
                if wanted(point_id, a.department_id):
                    yield a

        async for entry in merge_by_point_id(points(), answers()):
            yield entry

    async def answered_points(self) -> AsyncIterator[PointSurvey]:
        for answer in list(self._store.answers.values()):
            yield PointSurvey(point_as_answered(answer), answer)


@pytest.fixture
def store() -> FakeReadinessStore:
    return FakeReadinessStore()


@pytest.fixture
def catalogue() -> FakeCatalogue:
    fake = FakeCatalogue()
    fake.add(point("P000001"), point("P000002"), point("P000003"), point("P900001", OTHER_DEPARTMENT_ID))
    return fake


@pytest.fixture
def settings() -> NocopySettings:
    return NocopySettings(environment="test")


@pytest.fixture
def app(
    settings: NocopySettings,
    token_codec: TokenCodec,
    store: FakeReadinessStore,
    catalogue: FakeCatalogue,
    relay: RecordingRelay,
) -> FastAPI:
    app = create_app(settings)
    app.router.lifespan_context = no_runtime
    app.state.token_codec = token_codec
    app.state.readiness_store = store
    app.state.catalogue = catalogue
    app.state.survey_listing = FakeSurveyListing(catalogue, store)
    app.state.outbox_relay = relay
    return app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://nocopy.test") as http:
        yield http
