"""Request and response bodies of card-gateway (requests reject unknown fields)."""

from citizeninfo_shared.problems import RequestModel
from pydantic import BaseModel, Field

from card_gateway.adapters.reader_store import Reader

CATALOGUE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"


class AgentRegistration(RequestModel):
    """One counter PC whose reader agent will report its readers and card reads."""

    service_point_id: str = Field(pattern=CATALOGUE_ID_PATTERN)
    name: str = Field(min_length=1, max_length=100, description="e.g. ช่องบริการ 3")


class AgentCredentials(BaseModel):
    agent_id: str
    token: str = Field(description="Shown only now: give it to the agent (--token); it cannot be read again.")


class ReaderList(BaseModel):
    items: list[Reader]
