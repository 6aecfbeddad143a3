from citizeninfo_shared.events.readiness import ReadinessAnswered
from nocopy_service.adapters.survey_listing import merge_by_point_id

from .conftest import point


def _answer(point_id: str) -> ReadinessAnswered:
    return ReadinessAnswered(
        answer_id=f"a-{point_id}",
        service_point_id=point_id,
        copy_status="required",
        mode="needs_reader",
        mou_with_dopa=False,
        card_readers=0,
        services=[],
        answered_by="admin",
        answered_at="2018-08-16T09:00:00Z",
    )


async def _each(items):
    for item in items:
        yield item


async def _merged(point_ids: list[str], answer_ids: list[str]) -> list[tuple[str, str | None]]:
    merged = merge_by_point_id(_each([point(i) for i in point_ids]), _each([_answer(i) for i in answer_ids]))
    return [(e.point.service_point_id, e.answer.answer_id if e.answer else None) async for e in merged]


async def test_every_point_once_with_its_answer_or_none() -> None:
    assert await _merged(["P1", "P2", "P3", "P4"], ["P2", "P4"]) == [
        ("P1", None),
        ("P2", "a-P2"),
        ("P3", None),
        ("P4", "a-P4"),
    ]


async def test_answers_of_points_not_listed_are_skipped() -> None:
    assert await _merged(["P2", "P5"], ["P1", "P2", "P3", "P4", "P9"]) == [("P2", "a-P2"), ("P5", None)]


async def test_no_answers_and_no_points() -> None:
    assert await _merged(["P1"], []) == [("P1", None)]
    assert await _merged([], ["P1"]) == []
