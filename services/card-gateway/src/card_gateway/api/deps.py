"""What the routes take from the running app (set by the lifespan, or by fakes in tests)."""

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request

from card_gateway.adapters.agent_store import AgentStore
from card_gateway.adapters.reader_store import ReaderStore
from card_gateway.adapters.verification_store import VerificationStore
from card_gateway.domain.outbound_urls import OutboundUrlPolicy
from card_gateway.service_layer.card_desk import CardDesk
from card_gateway.service_layer.replicas import Replicas


async def _agent_store(request: Request) -> AgentStore:
    return request.app.state.agent_store


async def _reader_store(request: Request) -> ReaderStore:
    return request.app.state.reader_store


async def _card_desk(request: Request) -> CardDesk:
    return request.app.state.card_desk


async def _verification_store(request: Request) -> VerificationStore:
    return request.app.state.verification_store


async def _replicas(request: Request) -> Replicas:
    return request.app.state.replicas


AgentStoreDep = Annotated[AgentStore, Depends(_agent_store)]
ReaderStoreDep = Annotated[ReaderStore, Depends(_reader_store)]
CardDeskDep = Annotated[CardDesk, Depends(_card_desk)]
VerificationStoreDep = Annotated[VerificationStore, Depends(_verification_store)]
ReplicasDep = Annotated[Replicas, Depends(_replicas)]


async def _agent_ttl(request: Request) -> timedelta:
    return timedelta(days=request.app.state.settings.agent_token_ttl_days)


AgentTtlDep = Annotated[timedelta, Depends(_agent_ttl)]


async def _outbound_policy(request: Request) -> OutboundUrlPolicy:
    return request.app.state.settings.outbound_policy()


OutboundPolicyDep = Annotated[OutboundUrlPolicy, Depends(_outbound_policy)]
