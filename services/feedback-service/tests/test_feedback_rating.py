from datetime import UTC, datetime

from citizeninfo_shared.privacy import CITIZEN_ID_PLACEHOLDER, EMAIL_PLACEHOLDER, PHONE_PLACEHOLDER
from feedback_service.domain.rating import submit_rating

SUBMITTED_AT = datetime(2018, 8, 16, 10, 0, tzinfo=UTC)


def _rating(comment: str | None = None):
    return submit_rating(
        rating_id="r1",
        service_point_id="P000001",
        service_id="S00001",
        score=4,
        asked_for_copy=True,
        comment=comment,
        submitted_at=SUBMITTED_AT,
    )


def test_a_rating_is_unverified_and_keeps_what_was_said() -> None:
    rating = _rating("บริการรวดเร็ว")
    assert rating.verified is False
    assert (rating.rating_id, rating.service_point_id, rating.service_id) == ("r1", "P000001", "S00001")
    assert (rating.score, rating.asked_for_copy, rating.comment) == (4, True, "บริการรวดเร็ว")
    assert rating.submitted_at == SUBMITTED_AT


def test_personal_data_in_the_comment_is_redacted() -> None:
    rating = _rating("โทร 0812345678 หรือ me@example.com เลขบัตร 1-1017-00230-70-8 ครับ")
    assert rating.comment == f"โทร {PHONE_PLACEHOLDER} หรือ {EMAIL_PLACEHOLDER} เลขบัตร {CITIZEN_ID_PLACEHOLDER} ครับ"


def test_an_empty_comment_is_no_comment() -> None:
    assert _rating("").comment is None
    assert _rating(None).comment is None
