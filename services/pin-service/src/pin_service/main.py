"""pin-service: the national catalogue, agency accounts, pins and search."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

from citizeninfo_shared.account_state_follower import follow_account_state
from citizeninfo_shared.follower import TopicFollower
from citizeninfo_shared.runtime import service_runtime, supervised
from citizeninfo_shared.service_app import create_service_app
from citizeninfo_shared.topics import TopicName
from fastapi import FastAPI

from pin_service.adapters.accounts import USERS_COLLECTION, AccountStore
from pin_service.adapters.catalogue import CATALOGUE_COLLECTIONS
from pin_service.adapters.geography import thai_geography
from pin_service.adapters.login_throttle import LoginThrottle
from pin_service.adapters.password_work import PasswordWork
from pin_service.adapters.registration_requests import RegistrationStore
from pin_service.adapters.search_index import (
    SEARCH_CONSUMER_GROUP,
    SEARCH_PINS_CONSUMER_GROUP,
    SearchIndexWriter,
    ensure_search_index,
)
from pin_service.adapters.service_points import ServicePointStore
from pin_service.api import (
    account_import,
    accounts,
    catalogue,
    geography,
    pin_batches,
    registration_requests,
    search,
    service_points,
)
from pin_service.config import PinSettings
from pin_service.domain.login_throttle import default_policy


async def _keep_search_index(app: FastAPI, settings: PinSettings) -> None:
    await ensure_search_index(app.state.elasticsearch, replicas=settings.elasticsearch_number_of_replicas)
    writer = SearchIndexWriter(app.state.elasticsearch, app.state.db, app.state.geography)
    # One consumer per topic: a national catalogue import (78,000 records) must not hold back the pins
    # placed meanwhile, which nearby search shows within seconds.
    followers = [
        TopicFollower(
            settings.kafka_bootstrap_servers,
            [topic],
            group_id=group,
            client_id=f"pin-service-search-{topic.value.split('.')[1]}",
            apply=writer.apply,
            replay_when_empty=writer.index_is_empty,
        )
        for topic, group in ((TopicName.CATALOGUE, SEARCH_CONSUMER_GROUP), (TopicName.PINS, SEARCH_PINS_CONSUMER_GROUP))
    ]
    await asyncio.gather(*(follower.run() for follower in followers))


def _wire_accounts(app: FastAPI, settings: PinSettings) -> AccountStore:
    policy = default_policy(
        client_free_failures=settings.login_client_free_failures,
        client_max_delay_seconds=settings.login_client_max_delay_seconds,
        account_free_failures=settings.login_account_free_failures,
        account_max_delay_seconds=settings.login_account_max_delay_seconds,
        forget_after_seconds=settings.login_forget_after_seconds,
    )
    app.state.sign_in_throttle = LoginThrottle(app.state.db, policy)
    app.state.password_change_throttle = LoginThrottle(app.state.db, policy, scope="password-change")
    app.state.account_store = AccountStore(
        app.state.db, notify=app.state.outbox_relay.notify, on_change=app.state.account_states.set
    )
    return app.state.account_store


def create_app(settings: PinSettings | None = None) -> FastAPI:
    settings = settings or PinSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Read from disk in a thread while the connections below are made.
        geography = asyncio.ensure_future(asyncio.to_thread(thai_geography))
        async with (
            service_runtime(
                app,
                settings,
                outbox_collections=[*CATALOGUE_COLLECTIONS, USERS_COLLECTION],
                use_elasticsearch=True,
                # Search needs Elasticsearch; accounts, import and pins do not, so they stay in rotation.
                needed_to_answer=frozenset({"mongodb"}),
            ),
            follow_account_state(app, settings),
        ):
            app.state.token_codec.ttl_seconds = settings.access_token_ttl_seconds
            app.state.password_work = PasswordWork(settings.password_hashing_concurrency)
            app.state.geography = await geography
            admin_password = settings.admin_password.get_secret_value() if settings.admin_password else None
            await _wire_accounts(app, settings).ensure_bootstrap_admin(
                settings.admin_user, admin_password, app.state.password_work
            )
            await ServicePointStore(app.state.db).ensure_indexes()
            await RegistrationStore(app.state.db).ensure_indexes()
            indexer = asyncio.create_task(supervised(lambda: _keep_search_index(app, settings)), name="search-index")
            try:
                yield
            finally:
                indexer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await indexer

    return create_service_app(
        settings=settings,
        title="CITIZENinfo pin-service",
        description="ทะเบียนจุดให้บริการ บัญชีหน่วยงาน การปักหมุด และการค้นหา — catalogue, accounts, pins and search.",
        lifespan=lifespan,
        # Search first: /service-points/nearby must not be taken for a point id.
        routers=[
            account_import.router,  # /users:import before /users/{username}
            accounts.router,
            registration_requests.router,
            catalogue.router,
            search.router,
            service_points.router,
            pin_batches.router,
            geography.router,
        ],
        searches=True,
    )
