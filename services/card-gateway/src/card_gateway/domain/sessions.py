"""Staff sessions at a reader, kept in memory only: a read is handed to its session once, then forgotten.

A session waits for a card on one reader for one declared purpose. The gateway asks the reader's agent
to read with a fresh nonce (`request_id`); only an answer carrying that nonce completes the session.
Nothing here is ever written to a database: card data lives until the staff member fetches it once
or the session expires.
"""

import secrets
import time
from dataclasses import dataclass, field
from enum import StrEnum

from card_gateway.domain.purposes import Purpose
from card_gateway.domain.replicas import new_session_id

WAIT_SECONDS = 120.0  # how long a session waits for a card
KEEP_UNFETCHED_SECONDS = 60.0  # how long a read waits to be fetched before it is forgotten


class Status(StrEnum):
    WAITING = "waiting"
    READ = "read"
    FAILED = "failed"


class Failure(StrEnum):
    CARD_REMOVED = "card_removed"
    UNREADABLE_CARD = "unreadable_card"
    AGENT_GONE = "agent_gone"
    READER_BUSY = "reader_busy"
    NO_READER = "no_reader"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


FAILURE_TEXT_TH = {
    Failure.CARD_REMOVED: "บัตรถูกดึงออกระหว่างการอ่าน กรุณาเสียบบัตรใหม่",
    Failure.UNREADABLE_CARD: "อ่านบัตรไม่ได้ ไม่ใช่บัตรประชาชนหรือบัตรชำรุด",
    Failure.AGENT_GONE: "เครื่องอ่านบัตรขาดการเชื่อมต่อ",
    Failure.READER_BUSY: "เครื่องอ่านบัตรกำลังอ่านบัตรอื่นอยู่",
    Failure.NO_READER: "ไม่พบเครื่องอ่านบัตร",
    Failure.EXPIRED: "หมดเวลารอบัตร",
    Failure.CANCELLED: "ยกเลิกแล้ว",
}


@dataclass
class Session:
    session_id: str
    reader_id: str
    service_point_id: str
    staff: str
    purpose: Purpose
    agent_id: str
    reader_name: str
    department_id: str | None = None
    ministry_id: str | None = None
    province_code: str | None = None
    laser_code: str | None = None
    status: Status = Status.WAITING
    request_id: str | None = None  # the nonce of the read in flight
    failure: Failure | None = None
    card: dict | None = None  # released fields, until fetched once
    visit_token: str | None = None
    verified_online: bool | None = None
    verification_error: str | None = None
    delivered: bool = False
    created_at: float = field(default_factory=time.monotonic)
    finished_at: float | None = None

    @property
    def reading(self) -> bool:
        return self.status is Status.WAITING and self.request_id is not None

    @property
    def expires_in_seconds(self) -> float:
        if self.status is Status.WAITING:
            return max(0.0, self.created_at + WAIT_SECONDS - time.monotonic())
        if self.finished_at is None:
            return 0.0
        return max(0.0, self.finished_at + KEEP_UNFETCHED_SECONDS - time.monotonic())

    def fail(self, failure: Failure) -> None:
        self.status, self.failure, self.request_id = Status.FAILED, failure, None
        self.finished_at = time.monotonic()
        self.laser_code = None

    def complete(self, card: dict, visit_token: str, verified_online: bool | None, error: str | None) -> None:
        self.status, self.request_id = Status.READ, None
        self.card, self.visit_token = card, visit_token
        self.verified_online, self.verification_error = verified_online, error
        self.finished_at = time.monotonic()
        self.laser_code = None

    def take_card(self) -> tuple[dict | None, str | None]:
        """The card and the visit token, once: afterwards the session remembers neither."""
        card, token = self.card, self.visit_token
        if self.status is Status.READ and not self.delivered:
            self.delivered = True
            self.card, self.visit_token = None, None
            return card, token
        return None, None


class SessionBook:
    """All sessions of this process; at most one unfinished session per reader.

    With replicas on, session ids name this replica (`<replica id>.<random>`) so any replica finds the owner.
    """

    def __init__(self, replica_id: str | None = None) -> None:
        self._sessions: dict[str, Session] = {}
        self._replica_id = replica_id

    def open(self, **fields) -> Session:
        self.forget_expired()
        session = Session(session_id=new_session_id(self._replica_id), **fields)
        self._sessions[session.session_id] = session
        return session

    def get(self, session_id: str) -> Session | None:
        self.forget_expired()
        return self._sessions.get(session_id)

    def waiting_at(self, reader_id: str) -> Session | None:
        self.forget_expired()
        for session in self._sessions.values():
            if session.reader_id == reader_id and session.status is Status.WAITING:
                return session
        return None

    def by_request(self, request_id: str) -> Session | None:
        for session in self._sessions.values():
            if session.request_id is not None and secrets.compare_digest(session.request_id, request_id):
                return session
        return None

    def waiting_at_any(self, reader_ids: set[str]) -> list[Session]:
        return [s for s in self._sessions.values() if s.reader_id in reader_ids and s.status is Status.WAITING]

    def forget_expired(self) -> None:
        for session_id, session in list(self._sessions.items()):
            if session.expires_in_seconds > 0:
                continue
            if session.status is Status.WAITING:
                session.fail(Failure.EXPIRED)  # stays a little longer so its staff member sees why
            else:
                del self._sessions[session_id]
