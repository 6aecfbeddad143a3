"""Event → read-model update: the pure mapping functions."""

from datetime import UTC, datetime

import pytest
from citizeninfo_shared.events.catalogue import DepartmentUpserted, ServicePointUpserted
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.events.pins import PinPlaced
from citizeninfo_shared.events.ratings import RatingSubmitted
from citizeninfo_shared.events.readiness import ReadinessAnswered, ServiceCopyAnswer
from citizeninfo_shared.topics import TopicName
from pydantic import ValidationError
from stats_service.adapters.indices import MAPPINGS
from stats_service.domain.projections import (
    PROJECTIONS,
    DocumentUpdate,
    ReadModel,
    rating_recorded,
    service_point_listed,
    service_point_pinned,
    service_point_surveyed,
)

EVENT_TIME = datetime(2018, 8, 16, 9, 30, tzinfo=UTC)
SOURCE = "urn:citizeninfo:tests"


def wrap(data, subject="P000001") -> CloudEvent:
    return CloudEvent.wrap(data, source=SOURCE, subject=subject).model_copy(update={"time": EVENT_TIME})


def listed_event(**overrides) -> CloudEvent:
    fields = dict(
        service_point_id="P000001",
        department_id="D0702",
        ministry_id="M07",
        name_th="สำนักงานศิลปากรที่ 1",
        province_code="10",
        district_code="1001",
    )
    return wrap(ServicePointUpserted(**(fields | overrides)))


def pinned_event(**overrides) -> CloudEvent:
    fields = dict(
        pin_id="PIN-1",
        service_point_id="P000001",
        department_id="D0702",
        lat=13.7563,
        lon=100.5018,
        pinned_by="staff-1",
        pinned_at=datetime(2018, 8, 16, 9, 29, tzinfo=UTC),
    )
    return wrap(PinPlaced(**(fields | overrides)))


def surveyed_event(copy_status="cancelled") -> CloudEvent:
    return wrap(
        ReadinessAnswered(
            answer_id="A-1",
            service_point_id="P000001",
            copy_status=copy_status,
            mode="on_card",
            mou_with_dopa=False,
            card_readers=1,
            services=[
                ServiceCopyAnswer(service_id="S00001", id_card_copy="cancelled", house_registration_copy="cancelled")
            ],
            answered_by="staff-1",
            answered_at=datetime(2018, 8, 16, 9, 0, tzinfo=UTC),
        )
    )


def rating_event() -> CloudEvent:
    return wrap(
        RatingSubmitted(
            rating_id="R-1",
            service_point_id="P000001",
            score=4,
            comment="พนักงานบริการดี",
            verified=True,
            submitted_at=datetime(2018, 8, 16, 9, 15, tzinfo=UTC),
        )
    )


def test_a_listed_service_point_carries_its_place_in_the_organisation():
    update = service_point_listed(listed_event())

    assert update == DocumentUpdate(
        ReadModel.SERVICE_POINTS,
        "P000001",
        {
            "service_point_id": "P000001",
            "department_id": "D0702",
            "ministry_id": "M07",
            "province_code": "10",
            "district_code": "1001",
            "name_th": "สำนักงานศิลปากรที่ 1",
            "name_en": None,
            "listed": True,
            "catalogue_event_time": "2018-08-16T09:30:00+00:00",
        },
    )


def test_catalogue_records_other_than_service_points_change_nothing():
    department = wrap(DepartmentUpserted(department_id="D0702", ministry_id="M07", name_th="กรมศิลปากร"))

    assert service_point_listed(department) is None


def test_a_pin_marks_the_point_pinned_at_its_location_and_touches_no_catalogue_field():
    update = service_point_pinned(pinned_event())

    assert update is not None
    assert (update.read_model, update.document_id) == (ReadModel.SERVICE_POINTS, "P000001")
    assert update.fields["pinned"] is True
    assert update.fields["location"] == {"lat": 13.7563, "lon": 100.5018}
    assert update.fields["pin_id"] == "PIN-1"
    assert update.fields["pinned_at"] == "2018-08-16T09:29:00+00:00"
    assert not {"department_id", "ministry_id", "province_code", "listed"} & update.fields.keys()


def test_a_survey_marks_the_point_surveyed_with_its_copy_status():
    update = service_point_surveyed(surveyed_event("in_progress"))

    assert update is not None
    assert update.document_id == "P000001"
    assert update.fields["surveyed"] is True
    assert update.fields["copy_status"] == "in_progress"
    assert update.fields["readiness_mode"] == "on_card"
    assert "listed" not in update.fields


def test_a_rating_is_one_document_named_by_the_rating_id_without_the_comment():
    update = rating_recorded(rating_event())

    assert update is not None
    assert (update.read_model, update.document_id) == (ReadModel.RATINGS, "R-1")
    assert update.fields == {
        "rating_id": "R-1",
        "service_point_id": "P000001",
        "service_id": None,
        "score": 4,
        "aspects": [],
        "verified": True,
        "asked_for_copy": None,
        "submitted_at": "2018-08-16T09:15:00+00:00",
        "last_event_time": "2018-08-16T09:30:00+00:00",
    }


def test_the_same_event_twice_gives_the_same_update():
    event = pinned_event()

    assert service_point_pinned(event) == service_point_pinned(event)


def test_each_topic_writes_its_own_fields_of_a_service_point_so_any_arrival_order_merges():
    updates = [service_point_listed(listed_event()), service_point_pinned(pinned_event())]
    updates.append(service_point_surveyed(surveyed_event()))
    owned = [set(u.fields) - {"service_point_id"} for u in updates if u]

    assert len(owned) == 3
    assert not (owned[0] & owned[1]) and not (owned[0] & owned[2]) and not (owned[1] & owned[2])


def test_every_consumed_topic_has_a_projection():
    assert set(PROJECTIONS) == {
        TopicName.CATALOGUE,
        TopicName.PINS,
        TopicName.READINESS,
        TopicName.RATINGS,
        TopicName.COMPLAINTS,
    }


def test_an_event_whose_data_does_not_fit_its_type_is_refused():
    broken = pinned_event().model_copy(update={"data": {"service_point_id": "P000001", "lat": "north"}})

    with pytest.raises(ValidationError):
        service_point_pinned(broken)


def test_every_field_a_projection_writes_is_mapped_in_its_index():
    updates = [
        service_point_listed(listed_event()),
        service_point_pinned(pinned_event()),
        service_point_surveyed(surveyed_event()),
        rating_recorded(rating_event()),
    ]
    for update in updates:
        assert update is not None
        mapped = set(MAPPINGS[update.read_model]["properties"])
        assert set(update.fields) <= mapped, update.read_model
