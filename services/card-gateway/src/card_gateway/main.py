"""card-gateway: reads the Thai ID card at the counter instead of photocopying it."""

import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import structlog
from citizeninfo_shared.account_state_follower import follow_account_state
from citizeninfo_shared.keys import Keyring
from citizeninfo_shared.keys import Purpose as KeyPurpose
from citizeninfo_shared.runtime import service_runtime
from citizeninfo_shared.service_app import create_service_app
from citizeninfo_shared.visit_tokens import VisitTokenCodec
from fastapi import FastAPI

from card_gateway.adapters.agent_store import AGENTS_COLLECTION, AgentStore
from card_gateway.adapters.audit_store import CARD_READS_COLLECTION, AuditStore
from card_gateway.adapters.gdx import GdxClient
from card_gateway.adapters.outbound_http import policed_client
from card_gateway.adapters.peers import PeerClient, peer_client
from card_gateway.adapters.reader_store import READERS_COLLECTION, ReaderStore
from card_gateway.adapters.replica_store import AGENT_LINKS_COLLECTION, REPLICAS_COLLECTION, ReplicaStore
from card_gateway.adapters.verification_store import VERIFICATION_COLLECTION, VerificationStore
from card_gateway.adapters.visit_store import VISITS_COLLECTION, VisitStore
from card_gateway.api import agents, internal, readers, sessions, verification
from card_gateway.config import CardSettings
from card_gateway.domain.replicas import new_replica_id, replica_secret
from card_gateway.service_layer.card_desk import CardDesk, LinkRecords
from card_gateway.service_layer.replicas import LocalOnly, ReplicaMesh, StoredLinkRecords, supervised_heartbeats

log = structlog.get_logger(__name__)

# Each audit record carries its citizeninfo.visits.v1 event (one document: no transactions needed).
OUTBOX_COLLECTIONS = [CARD_READS_COLLECTION]


def build_card_desk(
    app: FastAPI,
    settings: CardSettings,
    gdx_http: httpx.AsyncClient,
    visits: VisitStore,
    visit_codec: VisitTokenCodec,
    replica_id: str | None = None,
    link_records: LinkRecords | None = None,
) -> CardDesk:
    return CardDesk(
        readers=app.state.reader_store,
        audit=AuditStore(app.state.db[CARD_READS_COLLECTION]),
        verification=app.state.verification_store,
        visits=visits,
        gdx=GdxClient(gdx_http, settings.outbound_policy()),
        visit_codec=visit_codec,
        keyring=Keyring.from_settings(settings),
        notify_relay=app.state.outbox_relay.notify,
        replica_id=replica_id,
        link_records=link_records,
    )


@contextlib.asynccontextmanager
async def replicas_running(
    app: FastAPI, settings: CardSettings, gdx_http: httpx.AsyncClient, visits: VisitStore, visit_codec: VisitTokenCodec
) -> AsyncIterator[None]:
    """The card desk, alone (no CITIZENINFO_CARD_REPLICA_URL) or as one replica registered with a heartbeat."""
    if settings.card_replica_url is None:
        app.state.card_desk = build_card_desk(app, settings, gdx_http, visits, visit_codec)
        app.state.replicas = LocalOnly(app.state.card_desk)
        yield
        return
    replica_id = new_replica_id()
    store = ReplicaStore(app.state.db[REPLICAS_COLLECTION], app.state.db[AGENT_LINKS_COLLECTION])
    await store.ensure_indexes()
    desk = build_card_desk(
        app, settings, gdx_http, visits, visit_codec, replica_id, StoredLinkRecords(store, replica_id)
    )
    keys = Keyring.from_settings(settings).for_purpose(KeyPurpose.CARD_REPLICA)
    async with peer_client(timeout_seconds=settings.card_replica_timeout_seconds) as peer_http:
        mesh = ReplicaMesh(
            replica_id=replica_id,
            url=settings.card_replica_url,
            desk=desk,
            store=store,
            peers=PeerClient(peer_http, replica_secret(keys)),
            keys=keys,
            heartbeat=timedelta(seconds=settings.card_replica_heartbeat_seconds),
            agents=app.state.agent_store,
        )
        await mesh.beat()  # registered before the first request
        app.state.card_desk, app.state.replicas = desk, mesh
        log.info("card_replica_started", replica_id=replica_id, url=settings.card_replica_url)
        async with supervised_heartbeats(mesh):
            yield


def create_app(settings: CardSettings | None = None) -> FastAPI:
    settings = settings or CardSettings()
    # httpx logs every request URL at INFO, and the registry check carries the citizen id in its query
    # string (the GDX API is a GET): such URLs must never reach a log.
    logging.getLogger("httpx").setLevel(logging.WARNING)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            service_runtime(app, settings, outbox_collections=OUTBOX_COLLECTIONS, follow_catalogue=True),
            follow_account_state(app, settings),
            # Only to allow-listed registry hosts, checked at each connection; no redirects, no proxies.
            policed_client(
                settings.outbound_policy(), timeout=settings.online_verification_timeout_seconds
            ) as gdx_http,
        ):
            visit_codec = VisitTokenCodec(settings.visit_token_secret.get_secret_value())
            app.state.agent_store = AgentStore(
                app.state.db[AGENTS_COLLECTION], default_ttl=timedelta(days=settings.agent_token_ttl_days)
            )
            app.state.reader_store = ReaderStore(app.state.db[READERS_COLLECTION])
            app.state.verification_store = VerificationStore(
                app.state.db[VERIFICATION_COLLECTION], settings.secret_sealer()
            )
            visits = VisitStore(app.state.db[VISITS_COLLECTION], ttl=visit_codec.ttl)
            await app.state.agent_store.ensure_indexes()
            await app.state.reader_store.ensure_indexes()
            await visits.ensure_indexes()
            await app.state.verification_store.seal_clear_secrets()
            async with replicas_running(app, settings, gdx_http, visits, visit_codec):
                yield

    return create_service_app(
        settings=settings,
        title="CITIZENinfo card-gateway",
        description="อ่านบัตรประชาชนแทนการถ่ายสำเนา — card readers, staff sessions and card reads at the counter.",
        lifespan=lifespan,
        routers=[agents.router, readers.router, sessions.router, verification.router, internal.router],
    )
