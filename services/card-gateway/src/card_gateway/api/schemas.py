"""Request and response bodies of card-gateway (requests reject unknown fields)."""

from datetime import datetime
from typing import Any, Literal

from citizeninfo_shared.identifiers import CATALOGUE_ID_PATTERN
from citizeninfo_shared.problems import RequestModel
from pydantic import BaseModel, Field, HttpUrl

from card_gateway.adapters.reader_store import Reader
from card_gateway.domain.purposes import Purpose
from card_gateway.domain.sessions import Failure, Status

# Reader ids are uuid5 strings; the pattern also keeps out NUL, which the database refuses (a 503).
READER_ID_PATTERN = CATALOGUE_ID_PATTERN


class AgentRegistration(RequestModel):
    """One counter PC whose reader agent will report its readers and card reads."""

    service_point_id: str = Field(pattern=CATALOGUE_ID_PATTERN)
    name: str = Field(min_length=1, max_length=100, description="e.g. ช่องบริการ 3")


class AgentCredentials(BaseModel):
    agent_id: str
    token: str = Field(description="Shown only now: give it to the agent (--token); it cannot be read again.")
    expires_at: datetime | None = Field(
        default=None, description="The token is refused from then on: rotate it before."
    )


class AgentView(BaseModel):
    """A registered agent as its point's staff see it: never its token or the token's digest."""

    agent_id: str
    service_point_id: str
    name: str
    registered_by: str
    registered_at: datetime
    expires_at: datetime
    rotated_at: datetime | None = None
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    status: Literal["active", "expired", "revoked"]
    connected: bool = Field(description="whether it holds a WebSocket to the gateway now (any live replica)")


class AgentList(BaseModel):
    items: list[AgentView]


class ReaderList(BaseModel):
    items: list[Reader]


LASER_CODE_PATTERN = r"^[A-Z]{2}[0-9]-?[0-9]{7}-?[0-9]{2}$"


class SessionRequest(RequestModel):
    """A staff member waits at one reader for the next card, for one declared purpose."""

    reader_id: str = Field(pattern=READER_ID_PATTERN)
    purpose: Purpose
    laser_code: str | None = Field(
        default=None,
        pattern=LASER_CODE_PATTERN,
        description="From the back of the card (e.g. JT0-1234567-89); only for online verification, never stored.",
    )


class SessionOpened(BaseModel):
    session_id: str
    status: Status
    reader_id: str
    purpose: Purpose
    expires_in_seconds: float


class SessionView(BaseModel):
    session_id: str
    status: Status
    reader_id: str
    purpose: Purpose
    reading: bool = Field(description="true while the agent is reading the card")
    error: Failure | None = None
    error_th: str | None = None
    card: dict[str, Any] | None = Field(
        default=None, description="Only the purpose's fields; given once, then forgotten (later reads get null)."
    )
    delivered: bool = False
    verified_online: bool | None = None
    verification_error: str | None = None
    visit_token: str | None = None
    expires_in_seconds: float


class OnlineVerificationSettings(RequestModel):
    """A point's access to the registry check (DGA GDX), from its MOU."""

    base_url: HttpUrl
    consumer_key: str = Field(min_length=1, max_length=200)
    consumer_secret: str = Field(min_length=1, max_length=200)
    agent_id: str = Field(min_length=1, max_length=64, description="GDX AgentID: the citizen id of the officer")


class OnlineVerificationState(BaseModel):
    service_point_id: str
    mode: str = Field(description="on_card_and_online or on_card")
    base_url: str | None = None
