"""The counter's card desk: connected agents, their readers, staff sessions and finished reads.

Agents and sessions live in this process (a WebSocket cannot move between processes); the readers'
state goes to the database for the readers list, and every read leaves an audit record with its
visit event. Card data only passes through memory. With replicas on, the desk records which agents'
links it holds (`LinkRecords`, service_layer/replicas.py) and names its sessions after its replica.
"""

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import structlog
from citizeninfo_shared.catalogue_projection import ServicePointRef
from citizeninfo_shared.keys import Keyring
from citizeninfo_shared.keys import Purpose as KeyPurpose
from citizeninfo_shared.privacy import citizen_id_is_valid
from citizeninfo_shared.visit_tokens import VisitTokenCodec
from prometheus_client import Counter, Histogram

from card_gateway.adapters.agent_store import Agent
from card_gateway.adapters.audit_store import CARD_READS_COLLECTION, AuditStore, ReadRecord
from card_gateway.adapters.gdx import GdxClient, PersonToVerify, VerificationUnavailable
from card_gateway.adapters.reader_store import ReaderPlace, ReaderStore, reader_id_for
from card_gateway.adapters.verification_store import VerificationStore
from card_gateway.adapters.visit_store import VisitStore
from card_gateway.domain.purposes import RELEASED_FIELDS, Purpose, needs_photo, release
from card_gateway.domain.replicas import new_link_id
from card_gateway.domain.sealed_secrets import SealBroken
from card_gateway.domain.sessions import Failure, Session, SessionBook
from card_gateway.domain.visits import visit_keys

log = structlog.get_logger(__name__)

CARD_READS = Counter("citizeninfo_card_reads_total", "Card reads finished, by outcome", ["outcome"])
READ_DURATION = Histogram(
    "citizeninfo_card_read_duration_seconds",
    "From asking the agent to read until its answer",
    buckets=(0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0),
)
ONLINE_CHECKS = Counter("citizeninfo_card_online_verifications_total", "Registry checks, by result", ["result"])
_AGENT_ERRORS = {
    "card_removed": Failure.CARD_REMOVED,
    "unreadable_card": Failure.UNREADABLE_CARD,
    "busy": Failure.READER_BUSY,
    "no_reader": Failure.NO_READER,
}

# What staff see when the registry check failed: why (timeouts, the remote's error, a refused
# destination) goes to the log only, so the answer cannot probe the network or echo a remote.
VERIFICATION_FAILED = "verification_unavailable"

Send = Callable[[dict[str, Any]], Awaitable[None]]
Close = Callable[[], Awaitable[None]]


async def _nothing_to_close() -> None:
    return None


class LinkRecords(Protocol):
    """Where the other replicas read which replica holds an agent's link."""

    async def claim(self, agent_id: str, link_id: str) -> None: ...

    async def release(self, agent_id: str, link_id: str) -> bool:
        """False when the agent has linked again since (here or on another replica)."""
        ...


@dataclass
class AgentLink:
    agent: Agent
    send: Send
    close: Close = _nothing_to_close
    readers: dict[str, str] = field(default_factory=dict)  # reader id → reader name
    card_present: dict[str, bool] = field(default_factory=dict)
    card_events: dict[str, int] = field(default_factory=dict)  # changes with every insert or removal
    read_started: dict[str, float] = field(default_factory=dict)  # request id → loop time
    link_id: str = field(default_factory=new_link_id)  # a reconnect is a new link


class CardDesk:
    def __init__(
        self,
        *,
        readers: ReaderStore,
        audit: AuditStore,
        verification: VerificationStore,
        visits: VisitStore,
        gdx: GdxClient,
        visit_codec: VisitTokenCodec,
        keyring: Keyring,
        notify_relay: Callable[[str, Any], None],
        replica_id: str | None = None,
        link_records: LinkRecords | None = None,
    ) -> None:
        self.sessions = SessionBook(replica_id)
        self._link_records = link_records
        self._links: dict[str, AgentLink] = {}
        self._readers = readers
        self._audit = audit
        self._verification = verification
        self._visits = visits
        self._gdx = gdx
        self._visit_codec = visit_codec
        self._keyring = keyring
        self._notify_relay = notify_relay

    # --- agents -------------------------------------------------------------------------------

    async def agent_connected(self, agent: Agent, send: Send, close: Close = _nothing_to_close) -> AgentLink:
        link = AgentLink(agent=agent, send=send, close=close)
        if self._link_records is not None:
            await self._link_records.claim(agent.agent_id, link.link_id)  # before its readers are reported
        previous = self._links.get(agent.agent_id)
        self._links[agent.agent_id] = link
        if previous is not None:
            await self._fail_sessions_of(previous, Failure.AGENT_GONE)
        return link

    async def agent_disconnected(self, link: AgentLink) -> None:
        try:
            if self._links.get(link.agent.agent_id) is link:
                del self._links[link.agent.agent_id]
                # Linked again on another replica meanwhile: its readers are that link's now.
                still_current = (
                    await self._link_records.release(link.agent.agent_id, link.link_id)
                    if self._link_records is not None
                    else True
                )
                if still_current:
                    await self._readers.disconnect(list(link.readers))
        finally:
            await self._fail_sessions_of(link, Failure.AGENT_GONE)

    def is_connected(self, agent_id: str) -> bool:
        return agent_id in self._links

    def linked_agents(self) -> dict[str, Agent]:
        """The agents linked to this process, as they were when they connected."""
        return {agent_id: link.agent for agent_id, link in self._links.items()}

    async def disconnect_agent(self, agent_id: str) -> None:
        """Its credentials were revoked or rotated: close its link (in this process) and fail its sessions."""
        link = self._links.get(agent_id)
        if link is None:
            return
        try:
            await link.close()
        except Exception as error:  # already closing: it is forgotten below all the same
            log.warning("agent_close_failed", agent_id=agent_id, error=repr(error)[:200])
        await self.agent_disconnected(link)

    async def readers_reported(self, link: AgentLink, reported: list[dict[str, Any]]) -> None:
        now_present: dict[str, bool] = {}
        now_events: dict[str, int] = {}
        names: dict[str, str] = {}
        for reader in reported:
            name = str(reader.get("name", ""))[:200]
            if not name:
                continue
            reader_id = reader_id_for(link.agent.agent_id, name)
            names[reader_id] = name
            now_present[reader_id] = bool(reader.get("card_present"))
            events = reader.get("card_events")
            now_events[reader_id] = events if isinstance(events, int) else 0
        gone = [reader_id for reader_id in link.readers if reader_id not in names]
        inserted = [
            rid
            for rid, present in now_present.items()
            if present and (not link.card_present.get(rid) or link.card_events.get(rid) != now_events[rid])
        ]
        changed = [rid for rid in names if link.card_present.get(rid) != now_present[rid] or rid not in link.readers]
        link.readers, link.card_present, link.card_events = names, now_present, now_events
        for reader_id in changed:
            await self._readers.report(
                ReaderPlace(
                    reader_id=reader_id,
                    name=names[reader_id],
                    agent_id=link.agent.agent_id,
                    service_point_id=link.agent.service_point_id,
                    card_present=now_present[reader_id],
                )
            )
        if gone:
            await self._readers.disconnect(gone)
            for session in self.sessions.waiting_at_any(set(gone)):
                await self._finish_failed(session, Failure.NO_READER)
        log.info("readers_reported", agent_id=link.agent.agent_id, inserted=inserted, gone=gone)
        for reader_id in inserted:
            session = self.sessions.waiting_at(reader_id)
            if session is not None and not session.reading:
                await self._start_read(link, session)

    def link_of_reader(self, reader_id: str) -> AgentLink | None:
        for link in self._links.values():
            if reader_id in link.readers:
                return link
        return None

    # --- sessions -----------------------------------------------------------------------------

    async def open_session(
        self, *, place: ReaderPlace, point: ServicePointRef, staff: str, purpose: Purpose, laser_code: str | None
    ) -> Session:
        """Raises LookupError when the reader is not connected, ValueError when it already has a session."""
        link = self.link_of_reader(place.reader_id)
        if link is None:
            raise LookupError("reader not connected")
        if self.sessions.waiting_at(place.reader_id) is not None:
            raise ValueError("reader busy")
        session = self.sessions.open(
            reader_id=place.reader_id,
            service_point_id=point.service_point_id,
            staff=staff,
            purpose=purpose,
            agent_id=link.agent.agent_id,
            reader_name=link.readers[place.reader_id],
            department_id=point.department_id,
            ministry_id=point.ministry_id,
            province_code=point.province_code,
            laser_code=laser_code,
        )
        if link.card_present.get(place.reader_id):
            await self._start_read(link, session)
        return session

    async def cancel(self, session: Session) -> None:
        await self._finish_failed(session, Failure.CANCELLED, audit=False)

    async def _start_read(self, link: AgentLink, session: Session) -> None:
        session.request_id = secrets.token_urlsafe(24)  # the nonce only this read's answer carries
        log.info("card_read_requested", reader_id=session.reader_id, purpose=session.purpose.value)
        link.read_started[session.request_id] = asyncio.get_running_loop().time()
        try:
            await link.send(
                {
                    "type": "read",
                    "request_id": session.request_id,
                    "reader": session.reader_name,
                    "with_photo": needs_photo(session.purpose),
                }
            )
        except Exception:  # the socket died under us; its disconnect handler fails the session too
            await self._finish_failed(session, Failure.AGENT_GONE)

    async def read_answered(self, link: AgentLink, message: dict[str, Any]) -> None:
        request_id = str(message.get("request_id", ""))
        session = self.sessions.by_request(request_id) if request_id else None
        started = link.read_started.pop(request_id, None)
        if session is None or session.agent_id != link.agent.agent_id:
            log.warning("read_answer_unmatched", agent_id=link.agent.agent_id)  # late, replayed or forged
            return
        log.info("card_read_answered", reader_id=session.reader_id, outcome=message.get("error") or "read")
        if started is not None:
            READ_DURATION.observe(asyncio.get_running_loop().time() - started)
        if message.get("type") == "read_failed" and message.get("error") == "no_card":
            # The card was pulled before the read began (or the reader lagged): wait for the next one.
            session.request_id = None
            link.card_present[session.reader_id] = False
            return
        if message.get("type") == "read_failed":
            await self._finish_failed(session, _AGENT_ERRORS.get(str(message.get("error")), Failure.UNREADABLE_CARD))
            return
        card = message.get("card")
        citizen_id = str(card.get("citizen_id", "")) if isinstance(card, dict) else ""
        if not citizen_id_is_valid(citizen_id):
            await self._finish_failed(session, Failure.UNREADABLE_CARD)
            return
        await self._finish_read(session, card)

    async def _finish_read(self, session: Session, card: dict[str, Any]) -> None:
        verified, verification_error = await self._verify_online(session, card)
        read_at = datetime.now(UTC)
        citizen_id = str(card["citizen_id"])
        # The same card at the same point while its visit lasts is the same visit: the same token.
        visit, new = await self._visits.claim(
            visit_keys(
                self._keyring.for_purpose(KeyPurpose.VISIT),
                service_point_id=session.service_point_id,
                citizen_id=citizen_id,
            ),
            service_point_id=session.service_point_id,
            now=read_at,
        )
        token, _claims = self._visit_codec.issue(
            service_point_id=session.service_point_id, visit_id=visit.visit_id, now=visit.started_at
        )
        read_id = visit.visit_id if new else secrets.token_hex(16)
        record = _read_record(
            session,
            read_id=read_id,
            outcome="read",
            read_at=read_at,
            fields_released=list(RELEASED_FIELDS[session.purpose]),
            citizen_hmac=str(self._keyring.for_purpose(KeyPurpose.CITIZEN_PSEUDONYM).hash(citizen_id)),
            verified_online=verified,
            visit_id=visit.visit_id,
            repeat_visit=not new,
        )
        await self._audit.append(record)
        if new:
            self._notify_relay(CARD_READS_COLLECTION, read_id)
        session.complete(release(session.purpose, card), token, verified, verification_error)
        CARD_READS.labels("read").inc()

    async def _verify_online(self, session: Session, card: dict[str, Any]) -> tuple[bool | None, str | None]:
        try:
            config = await self._verification.for_point(session.service_point_id)
        except SealBroken as error:
            log.error(
                "online_verification_secret_unreadable", service_point_id=session.service_point_id, error=str(error)
            )
            ONLINE_CHECKS.labels("unavailable").inc()
            return None, VERIFICATION_FAILED
        if config is None:
            return None, None
        if not session.laser_code:
            return None, "no_laser_code"
        parts = list(card.get("name_th_parts") or ["", "", "", ""])
        person = PersonToVerify(
            citizen_id=str(card["citizen_id"]),
            first_name=str(parts[1]),
            last_name=str(parts[3]),
            birth_date_be=str(card.get("birth_date_be", "")),
            laser_code=session.laser_code,
        )
        try:
            verified = await self._gdx.verify(config, person)
        except VerificationUnavailable as error:
            ONLINE_CHECKS.labels("unavailable").inc()
            log.warning("online_verification_unavailable", service_point_id=session.service_point_id, code=error.code)
            return None, VERIFICATION_FAILED
        ONLINE_CHECKS.labels("match" if verified else "no_match").inc()
        return verified, None

    async def _finish_failed(self, session: Session, failure: Failure, *, audit: bool = True) -> None:
        was_reading = session.reading
        session.fail(failure)
        CARD_READS.labels(failure.value).inc()
        if audit and was_reading:
            # A read that was attempted leaves a record too (no citizen data: there may be none).
            record = _read_record(
                session, read_id=secrets.token_hex(16), outcome=failure.value, read_at=datetime.now(UTC)
            )
            try:
                await self._audit.append(record)
            except Exception as error:  # the session still tells its staff member what happened
                log.error("audit_append_failed", outcome=failure.value, error=repr(error)[:200])

    async def _fail_sessions_of(self, link: AgentLink, failure: Failure) -> None:
        for session in self.sessions.waiting_at_any(set(link.readers)):
            if session.agent_id == link.agent.agent_id:
                await self._finish_failed(session, failure)


def _read_record(session: Session, *, read_id: str, outcome: str, read_at: datetime, **details: Any) -> ReadRecord:
    """The audit record of a read (or an attempted one): where, by whom, for what; `details` add the outcome's own."""
    return ReadRecord(
        read_id=read_id,
        outcome=outcome,
        staff=session.staff,
        service_point_id=session.service_point_id,
        department_id=session.department_id,
        ministry_id=session.ministry_id,
        province_code=session.province_code,
        reader_id=session.reader_id,
        agent_id=session.agent_id,
        purpose=session.purpose.value,
        read_at=read_at,
        **details,
    )
