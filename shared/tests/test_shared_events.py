import json

import pytest
from citizeninfo_shared.events import CloudEvent
from citizeninfo_shared.events.pins import PinPlaced
from citizeninfo_shared.events.ratings import RatingSubmitted
from citizeninfo_shared.topics import TOPICS, TopicName, topic
from pydantic import ValidationError


def _pin() -> PinPlaced:
    return PinPlaced(
        pin_id="pin-1",
        service_point_id="P000001",
        department_id="D0702",
        lat=13.75,
        lon=100.5,
        pinned_by="staff",
        pinned_at="2026-11-21T10:00:00Z",
    )


def test_envelope_is_cloudevents_1_0_structured_json():
    event = CloudEvent.wrap(_pin(), source="/citizeninfo/pin-service", subject="P000001")
    wire = json.loads(event.to_json_bytes())
    assert {"id", "source", "type", "specversion", "time", "subject", "datacontenttype", "data"} <= set(wire)
    assert wire["specversion"] == "1.0" and wire["datacontenttype"] == "application/json"
    assert wire["type"] == PinPlaced.event_type and wire["subject"] == "P000001"
    assert event.key == b"P000001"
    assert CloudEvent.from_json_bytes(event.to_json_bytes()) == event


def test_each_event_gets_a_unique_id():
    ids = {CloudEvent.wrap(_pin(), source="/s", subject="P1").id for _ in range(100)}
    assert len(ids) == 100


def test_data_as_checks_the_type_and_validates():
    event = CloudEvent.wrap(_pin(), source="/s", subject="P1")
    assert event.data_as(PinPlaced).lat == 13.75
    with pytest.raises(ValueError, match="has type"):
        event.data_as(RatingSubmitted)


def test_readers_ignore_fields_they_do_not_know():
    data = {**_pin().model_dump(mode="json"), "added_in_a_later_version": 1}
    assert PinPlaced.model_validate(data).pin_id == "pin-1"


def test_an_envelope_without_subject_is_refused():
    with pytest.raises(ValidationError):
        CloudEvent.model_validate({"source": "/s", "type": "t", "data": {}})


def test_rating_score_bounds():
    with pytest.raises(ValidationError):
        RatingSubmitted(rating_id="r", service_point_id="P", score=6, verified=False, submitted_at="2026-01-01T00:00Z")


def test_registry_has_the_seven_contract_topics():
    # The contract's topics; internal ones (account state, ...) may come on top.
    assert {str(name) for name in TOPICS} >= {
        "citizeninfo.catalogue.v1",
        "citizeninfo.pins.v1",
        "citizeninfo.readiness.v1",
        "citizeninfo.ratings.v1",
        "citizeninfo.visits.v1",
        "citizeninfo.complaints.v1",
        "citizeninfo.complaint-status.v1",
    }
    assert topic(TopicName.CATALOGUE).config()["cleanup.policy"] == "compact"
    assert topic(TopicName.ACCOUNT_STATE).config()["cleanup.policy"] == "compact"
    # Topics without personal data keep their history; every topic with personal data keeps a bounded window.
    kept = {TopicName.CATALOGUE, TopicName.PINS, TopicName.READINESS, TopicName.ACCOUNT_STATE}
    assert all(t.config()["retention.ms"] == "-1" for n, t in TOPICS.items() if n in kept)
    day = 24 * 3600 * 1000
    assert {n: int(t.config()["retention.ms"]) for n, t in TOPICS.items() if n not in kept} == {
        TopicName.RATINGS: 30 * day,
        TopicName.VISITS: 7 * day,
        TopicName.COMPLAINTS: 30 * day,
        TopicName.COMPLAINT_STATUS: 30 * day,
        TopicName.DEAD_LETTERS: 30 * day,
    }
