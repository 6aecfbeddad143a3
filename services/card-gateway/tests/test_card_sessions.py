import time

from card_gateway.domain import sessions
from card_gateway.domain.purposes import Purpose
from card_gateway.domain.sessions import Failure, SessionBook, Status


def _open(book: SessionBook, reader_id: str = "r1"):
    return book.open(
        reader_id=reader_id,
        service_point_id="P1",
        staff="somsri",
        purpose=Purpose.IDENTITY_CHECK,
        agent_id="a1",
        reader_name="Reader 0",
    )


def test_a_read_is_handed_over_once_then_forgotten() -> None:
    book = SessionBook()
    session = _open(book)
    session.request_id = "nonce"
    assert book.by_request("nonce") is session
    session.complete({"name_th": "x"}, "token", None, None)
    assert book.by_request("nonce") is None  # the nonce is spent
    assert session.take_card() == ({"name_th": "x"}, "token")
    assert session.take_card() == (None, None)
    assert (session.status, session.delivered, session.card) == (Status.READ, True, None)


def test_one_waiting_session_per_reader() -> None:
    book = SessionBook()
    first = _open(book, "r1")
    assert book.waiting_at("r1") is first
    assert book.waiting_at("r2") is None
    first.fail(Failure.CARD_REMOVED)
    assert book.waiting_at("r1") is None


def test_a_session_nobody_serves_expires_and_is_forgotten(monkeypatch) -> None:
    book = SessionBook()
    session = _open(book)
    session.laser_code = "JT0-1234567-89"
    now = time.monotonic()
    monkeypatch.setattr(sessions.time, "monotonic", lambda: now + sessions.WAIT_SECONDS + 1)
    assert book.get(session.session_id).failure is Failure.EXPIRED
    assert session.laser_code is None
    monkeypatch.setattr(
        sessions.time, "monotonic", lambda: now + sessions.WAIT_SECONDS + sessions.KEEP_UNFETCHED_SECONDS + 5
    )
    assert book.get(session.session_id) is None
