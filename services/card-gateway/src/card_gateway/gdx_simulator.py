"""A local stand-in for the DGA GDX registry check, for development and tests (never production).

    uvicorn --factory card_gateway.gdx_simulator:create_app --port 8099

It knows the people it is given (in memory), issues tokens valid for 60 minutes, and answers errors as
the real API does: HTTP 500 with a code in the body.
"""

import secrets
import time
from dataclasses import dataclass, field

from fastapi import FastAPI, Header, Query
from fastapi.responses import JSONResponse

TOKEN_LIFETIME_SECONDS = 60 * 60


@dataclass(frozen=True, slots=True)
class RegistryPerson:
    citizen_id: str
    first_name: str
    last_name: str
    birth_date_be: str
    laser_code: str


@dataclass
class Registry:
    consumer_key: str = "dev-consumer-key"
    consumer_secret: str = "dev-consumer-secret"  # noqa: S105 - a simulator's fixed development value
    people: dict[str, RegistryPerson] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)
    token_requests: int = 0
    failing_code: str | None = None  # set to make every check fail like an outage

    def add(self, person: RegistryPerson) -> None:
        self.people[person.citizen_id] = person


def _error(code: str, message: str) -> JSONResponse:
    return JSONResponse({"Code": code, "Message": message}, status_code=500)


def create_app(registry: Registry | None = None) -> FastAPI:
    registry = registry or Registry()
    app = FastAPI(title="GDX simulator (development only)")
    app.state.registry = registry

    @app.get("/ws/auth/validate")
    async def validate(
        consumer_secret: str = Query(alias="ConsumerSecret"),
        agent_id: str = Query(alias="AgentID"),
        consumer_key: str = Header(alias="Consumer-Key"),
    ) -> JSONResponse:
        registry.token_requests += 1
        if consumer_key != registry.consumer_key or consumer_secret != registry.consumer_secret or not agent_id:
            return _error("AUTH_FAILED", "consumer key, secret or agent id not accepted")
        token = secrets.token_urlsafe(24)
        registry.tokens[token] = time.monotonic() + TOKEN_LIFETIME_SECONDS
        return JSONResponse({"Result": token})

    @app.get("/ws/dopa/verification/personal")
    async def verify(
        citizen_id: str = Query(alias="CitizenID"),
        first_name: str = Query(alias="FirstName"),
        last_name: str = Query(alias="LastName"),
        birth_date_be: str = Query(alias="BEBirthDate"),
        laser_code: str = Query(alias="LaserCode"),
        consumer_key: str = Header(alias="Consumer-Key"),
        token: str = Header(alias="Token"),
    ) -> JSONResponse:
        if consumer_key != registry.consumer_key or registry.tokens.get(token, 0) < time.monotonic():
            return _error("token_rejected", "token missing, unknown or expired")
        if registry.failing_code:
            return _error(registry.failing_code, "registry unavailable")
        person = registry.people.get(citizen_id)
        matches = person is not None and (
            person.first_name,
            person.last_name,
            person.birth_date_be,
            person.laser_code.replace("-", ""),
        ) == (first_name, last_name, birth_date_be, laser_code.replace("-", ""))
        return JSONResponse({"Result": matches})

    return app
