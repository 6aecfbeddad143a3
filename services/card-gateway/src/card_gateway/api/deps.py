"""What the routes take from the running app (set by the lifespan, or by fakes in tests)."""

from typing import Annotated

from fastapi import Depends, Request

from card_gateway.adapters.agent_store import AgentStore
from card_gateway.adapters.reader_store import ReaderStore


def _agent_store(request: Request) -> AgentStore:
    return request.app.state.agent_store


def _reader_store(request: Request) -> ReaderStore:
    return request.app.state.reader_store


AgentStoreDep = Annotated[AgentStore, Depends(_agent_store)]
ReaderStoreDep = Annotated[ReaderStore, Depends(_reader_store)]
