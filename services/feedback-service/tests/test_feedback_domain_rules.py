import asyncio
from datetime import UTC, datetime, timedelta

from citizeninfo_shared.events.complaint_status import ComplaintStatusChanged
from citizeninfo_shared.events.complaints import ComplaintContact
from citizeninfo_shared.privacy import CITIZEN_ID_PLACEHOLDER, PHONE_PLACEHOLDER
from feedback_service.adapters.rate_limiter import RateLimiter
from feedback_service.config import FeedbackSettings
from feedback_service.domain.complaint import Category, StatusEntry, file_complaint, history_after
from feedback_service.domain.rate_limits import daily_rating_cap, first_exceeded, rating_counters
from feedback_service.domain.tracking_codes import complaint_id_of, display, new_code, normalize

from .conftest import POINT

NOW = datetime(2018, 8, 16, 10, 0, 30, tzinfo=UTC)


def test_rating_counters_are_per_client_and_per_point() -> None:
    settings = FeedbackSettings(environment="test")
    client, point = rating_counters(settings, client="abc", point_id="P1", now=NOW)
    assert client.counter_id == f"rating:client:abc:{int(NOW.timestamp()) // 60 * 60}"
    assert point.counter_id.startswith("rating:point:P1:")
    assert client.resets_at == datetime(2018, 8, 16, 10, 1, tzinfo=UTC)
    assert first_exceeded([(client, client.limit), (point, 1)], NOW) is None
    exceeded = first_exceeded([(client, client.limit + 1), (point, 1)], NOW)
    assert exceeded.counter is client and exceeded.retry_after_seconds == 30


def test_the_daily_cap_follows_the_thai_calendar_day() -> None:
    settings = FeedbackSettings(environment="test", ratings_per_client_per_point_per_day=3)
    # 10:00 UTC is 17:00 in Bangkok: the day ends at 17:00 UTC.
    cap = daily_rating_cap(settings, client="abc", point_id="P1", now=NOW)
    assert cap.slots == ("abc:P1:2018-08-16:1", "abc:P1:2018-08-16:2", "abc:P1:2018-08-16:3")
    assert cap.resets_at == datetime(2018, 8, 16, 17, tzinfo=UTC)
    assert cap.retry_after_seconds(NOW) == 7 * 3600 - 30
    after_thai_midnight = daily_rating_cap(settings, client="abc", point_id="P1", now=NOW + timedelta(hours=7))
    assert after_thai_midnight.slots[0] == "abc:P1:2018-08-17:1"


def test_tracking_codes_read_back_however_they_are_typed() -> None:
    code = new_code()
    assert normalize(display(code)) == code
    assert normalize(display(code).lower().replace("-", " ")) == code
    assert normalize(complaint_id_of(code)) == code
    assert normalize("0O1I-L000-00") == "0011100000"
    assert normalize("short") is None and normalize("!!!!-!!!!-!!") is None


def _complaint(consent: bool):
    return file_complaint(
        code="7K3MQ9XD2F",
        point=POINT,
        category=Category.ASKED_FOR_COPY,
        description="ขอสำเนาบัตร 1101700230708 โทร 0812345678",
        contact=ComplaintContact(phone="0812345678"),
        consent_to_contact=consent,
        service_id="S00001",
        channel="api",
        filed_at=NOW,
    )


def test_a_complaint_is_redacted_and_carries_contact_only_with_consent() -> None:
    complaint = _complaint(consent=True)
    assert complaint.complaint_id == "cmp_7K3MQ9XD2F" and complaint.tracking_code == "7K3M-Q9XD-2F"
    assert complaint.description == f"ขอสำเนาบัตร {CITIZEN_ID_PLACEHOLDER} โทร {PHONE_PLACEHOLDER}"
    assert complaint.contact.phone == "0812345678"
    assert (complaint.department_id, complaint.ministry_id, complaint.province_code) == ("D0702", "M07", "10")
    assert _complaint(consent=False).contact is None


def test_status_history_is_ordered_by_time_and_applies_each_event_once() -> None:
    received = [StatusEntry(status="received", changed_at=NOW)]
    resolved = ComplaintStatusChanged(
        complaint_id="cmp_7K3MQ9XD2F", status="resolved", note="โทร 0812345678", changed_at=NOW + timedelta(hours=2)
    )
    forwarded = ComplaintStatusChanged(
        complaint_id="cmp_7K3MQ9XD2F", status="forwarded", changed_at=NOW + timedelta(hours=1)
    )
    history = history_after(received, resolved, "e2")
    history = history_after(history, forwarded, "e1")
    assert [e.status for e in history] == ["received", "forwarded", "resolved"]
    assert history[-1].note == f"โทร {PHONE_PLACEHOLDER}"
    assert history_after(history, resolved, "e2") is history


async def test_known_points_are_cached_and_unknown_ones_asked_again() -> None:
    from feedback_service.adapters.catalogue_cache import CachedCatalogue

    class CountingProjection:
        def __init__(self) -> None:
            self.asked: list[str] = []

        async def service_point(self, service_point_id: str):
            self.asked.append(service_point_id)
            return POINT if service_point_id == POINT.service_point_id else None

    projection = CountingProjection()
    cached = CachedCatalogue(projection, ttl_seconds=60, max_points=10)
    assert await cached.service_point("P000001") == POINT
    assert await cached.service_point("P000001") == POINT
    assert await cached.service_point("P404") is None
    assert await cached.service_point("P404") is None
    assert projection.asked == ["P000001", "P404", "P404"]


async def test_window_counters_count_each_hit_and_forget_old_windows() -> None:
    settings = FeedbackSettings(environment="test", rate_limit_window_seconds=60)
    limiter = RateLimiter(0.05)  # a short cache lifetime stands in for a window having passed
    now = datetime(2026, 11, 21, 10, 0, 30, tzinfo=UTC)
    counters = rating_counters(settings, client="c1", point_id="P1", now=now)
    assert [count for _, count in await limiter.hit(counters, now)] == [1, 1]
    other_point = rating_counters(settings, client="c1", point_id="P2", now=now)
    assert [count for _, count in await limiter.hit(other_point, now)] == [2, 1]  # the client's counter is shared
    await asyncio.sleep(0.06)
    assert limiter.counts() == {}
