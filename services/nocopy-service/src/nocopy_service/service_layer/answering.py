"""Answering the readiness survey: the one use case behind `PUT /service-points/{id}/readiness` (one
point) and `POST /readiness:batch` (many). Both check the same rights and rules, store each answer
with its `ReadinessAnswered` event in one write (the outbox) and answer with the stored answer."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal, Protocol

import structlog
from citizeninfo_shared.auth import Principal
from citizeninfo_shared.catalogue_projection import ServicePointRef
from citizeninfo_shared.concurrency import bounded_gather
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.events.readiness import Obstacle, ReadinessAnswered, ServiceCopyAnswer
from citizeninfo_shared.outbox import OutboxEntry
from citizeninfo_shared.topics import TopicName
from pymongo.errors import PyMongoError

from nocopy_service.adapters.readiness_store import READINESS_COLLECTION, ConcurrentAnswers
from nocopy_service.domain.answer import ServicesNotOffered, answer_survey

log = structlog.get_logger(__name__)
EVENT_SOURCE = "/citizeninfo/nocopy-service/readiness"
# The very words the single endpoint answers with, so a batch item's problem reads the same.
OTHER_DEPARTMENT = "Agency staff may act only on service points of their own department."
CONCURRENT = "Others answered for this point at the same moment; send it again."
NOT_STORED = "The answer could not be stored; please send it again."
KEY_REUSED = "This idempotency key was already used for a different answer of this point; use a new key."
READS_AT_ONCE = 16
WRITES_AT_ONCE = 16
# An idempotency key for a point always stands for the same answer id.
IDEMPOTENT_ANSWER_NAMESPACE = uuid.UUID("2b1f7e0a-8c53-5f4e-a6d1-3c9e5b7d4f20")


def unknown_point(service_point_id: str) -> str:
    return f"No service point {service_point_id!r} in the catalogue."


def idempotent_answer_id(service_point_id: str, idempotency_key: str) -> str:
    return str(uuid.uuid5(IDEMPOTENT_ANSWER_NAMESPACE, f"{service_point_id}\n{idempotency_key}"))


def not_offered_detail(error: ServicesNotOffered) -> str:
    return f"Service point {error.service_point_id} does not offer {', '.join(sorted(error.positions.values()))}."


def not_offered_errors(error: ServicesNotOffered) -> list[dict[str, Any]]:
    """Where in the survey each service the point does not offer is (relative to the survey body)."""
    return [
        {
            "loc": ["services", index, "service_id"],
            "msg": f"service {service_id} is not offered at this service point",
            "type": "service_not_offered",
        }
        for index, service_id in sorted(error.positions.items())
    ]


def now_in_milliseconds() -> datetime:
    # BSON keeps milliseconds: the answer returned now must equal the one read back later.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class SurveyAnswers(Protocol):
    """One point's answers to the survey, as the request bodies carry them."""

    mou_with_dopa: bool
    card_readers: int
    planned_cancel_date: date | None

    def service_answers(self) -> list[ServiceCopyAnswer]: ...

    def obstacle_answers(self) -> list[Obstacle]: ...


class Catalogue(Protocol):
    async def service_point(self, service_point_id: str) -> ServicePointRef | None: ...


class Store(Protocol):
    async def history(self, service_point_id: str) -> list[ReadinessAnswered]: ...

    async def save(self, answer: ReadinessAnswered, event: OutboxEntry) -> None: ...


class Relay(Protocol):
    def notify(self, collection: str, document_id: Any) -> None: ...


@dataclass(frozen=True, slots=True)
class SurveyRequest:
    service_point_id: str
    survey: SurveyAnswers
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class SurveyOutcome:
    """What became of one survey of a batch: answered (200), the same answer again for a repeated
    idempotency key (200), or refused with the problem the single endpoint would have answered."""

    status: int
    outcome: Literal["answered", "repeated", "refused"]
    answer: ReadinessAnswered | None = None
    detail: str | None = None
    errors: list[dict[str, Any]] | None = None

    @classmethod
    def refused(cls, status: int, detail: str, errors: list[dict[str, Any]] | None = None) -> "SurveyOutcome":
        return cls(status, "refused", detail=detail, errors=errors)


SURVEY_FIELDS = {"mou_with_dopa", "card_readers", "services", "obstacles", "planned_cancel_date"}


def _same_answer(stored: ReadinessAnswered, new: ReadinessAnswered) -> bool:
    """Whether a repeated key carries the answers it first carried (not who, when, or the catalogue's
    names of the point then)."""
    return stored.model_dump(include=SURVEY_FIELDS) == new.model_dump(include=SURVEY_FIELDS)


class ReadinessAnswering:
    def __init__(self, catalogue: Catalogue, store: Store, relay: Relay) -> None:
        self._catalogue = catalogue
        self._store = store
        self._relay = relay

    def compose(
        self, point: ServicePointRef, survey: SurveyAnswers, principal: Principal, answer_id: str | None = None
    ) -> ReadinessAnswered:
        """The answer for the point; raises ServicesNotOffered for a service the point does not offer."""
        return answer_survey(
            answer_id=answer_id or str(uuid.uuid4()),
            point=point,
            mou_with_dopa=survey.mou_with_dopa,
            card_readers=survey.card_readers,
            services=survey.service_answers(),
            obstacles=survey.obstacle_answers(),
            planned_cancel_date=survey.planned_cancel_date,
            answered_by=principal.username,
            answered_at=now_in_milliseconds(),
        )

    async def save(self, answer: ReadinessAnswered) -> None:
        """Stores the answer with its event and wakes the relay; raises ConcurrentAnswers."""
        event = CloudEvent.wrap(answer, source=EVENT_SOURCE, subject=answer.service_point_id)
        await self._store.save(answer, OutboxEntry.of(TopicName.READINESS, event))
        self._relay.notify(READINESS_COLLECTION, answer.service_point_id)

    # ---------------------------------------------------------------------------- many points
    async def answer_many(self, requests: Sequence[SurveyRequest], principal: Principal) -> list[SurveyOutcome]:
        """Every request's outcome, in order; a point answered twice in the batch keeps the later answer
        (as if sent one at a time). Reads and writes go a bounded number at once."""
        point_ids = list(dict.fromkeys(r.service_point_id for r in requests))
        found = await bounded_gather(READS_AT_ONCE, [self._catalogue.service_point(p) for p in point_ids])
        points = {p.service_point_id: p for p in found if p is not None}
        # Answers kept for the points of keyed items: a key already used finds its answer among them.
        keyed = {
            r.service_point_id
            for r in requests
            if r.idempotency_key is not None
            and r.service_point_id in points
            and principal.may_act_for(points[r.service_point_id].department_id)
        }
        kept = await bounded_gather(READS_AT_ONCE, [self._store.history(p) for p in keyed])
        answers_by_id = {a.answer_id: a for history in kept for a in history}

        outcomes: list[SurveyOutcome | None] = [None] * len(requests)
        to_save: list[tuple[int, ReadinessAnswered]] = []
        first_of_key: dict[tuple[str, str], int] = {}
        repeats_in_batch: dict[int, int] = {}
        for index, request in enumerate(requests):
            point = points.get(request.service_point_id)
            if point is None:
                outcomes[index] = SurveyOutcome.refused(404, unknown_point(request.service_point_id))
                continue
            if not principal.may_act_for(point.department_id):
                outcomes[index] = SurveyOutcome.refused(403, OTHER_DEPARTMENT)
                continue
            key = request.idempotency_key
            answer_id = idempotent_answer_id(point.service_point_id, key) if key is not None else None
            try:
                answer = self.compose(point, request.survey, principal, answer_id)
            except ServicesNotOffered as error:
                outcomes[index] = SurveyOutcome.refused(422, not_offered_detail(error), not_offered_errors(error))
                continue
            if key is not None:
                if (point.service_point_id, key) in first_of_key:
                    repeats_in_batch[index] = first_of_key[(point.service_point_id, key)]
                    continue
                first_of_key[(point.service_point_id, key)] = index
                stored = answers_by_id.get(answer.answer_id)
                if stored is not None:
                    outcomes[index] = (
                        SurveyOutcome(200, "repeated", answer=stored)
                        if _same_answer(stored, answer)
                        else SurveyOutcome.refused(409, KEY_REUSED)
                    )
                    continue
            to_save.append((index, answer))

        for index, outcome in (await self._save_in_order(to_save)).items():
            outcomes[index] = outcome
        for index, first in repeats_in_batch.items():
            outcomes[index] = self._repeat_of(requests[index], points, principal, outcomes[first])
        return [outcome for outcome in outcomes if outcome is not None]

    def _repeat_of(
        self,
        request: SurveyRequest,
        points: dict[str, ServicePointRef],
        principal: Principal,
        first: SurveyOutcome | None,
    ) -> SurveyOutcome:
        """An item repeating an earlier item's key in the same batch gets that item's result again."""
        if first is None or first.answer is None:
            return first or SurveyOutcome.refused(503, NOT_STORED)
        again = self.compose(points[request.service_point_id], request.survey, principal, first.answer.answer_id)
        if not _same_answer(first.answer, again):
            return SurveyOutcome.refused(409, KEY_REUSED)
        return SurveyOutcome(200, "repeated", answer=first.answer)

    async def _save_in_order(self, to_save: list[tuple[int, ReadinessAnswered]]) -> dict[int, SurveyOutcome]:
        """Saves a bounded number at once; a point's answers one after another, in request order."""
        rounds: list[list[tuple[int, ReadinessAnswered]]] = []
        depth: dict[str, int] = {}
        for index, answer in to_save:
            level = depth.get(answer.service_point_id, 0)
            depth[answer.service_point_id] = level + 1
            if level == len(rounds):
                rounds.append([])
            rounds[level].append((index, answer))
        outcomes: dict[int, SurveyOutcome] = {}
        for round_ in rounds:
            results = await bounded_gather(WRITES_AT_ONCE, [self._save_or_report(answer) for _, answer in round_])
            outcomes.update({index: outcome for (index, _), outcome in zip(round_, results, strict=True)})
        return outcomes

    async def _save_or_report(self, answer: ReadinessAnswered) -> SurveyOutcome:
        """In a batch a failed save fails only its item; the others' results stay true."""
        try:
            await self.save(answer)
        except ConcurrentAnswers:
            return SurveyOutcome.refused(409, CONCURRENT)
        except PyMongoError as error:
            log.warning("batch_answer_not_stored", service_point_id=answer.service_point_id, error=repr(error))
            return SurveyOutcome.refused(503, NOT_STORED)
        return SurveyOutcome(200, "answered", answer=answer)
