import httpx
import pytest
from card_gateway.adapters.gdx import GdxClient, GdxConfig, PersonToVerify, VerificationUnavailable
from card_gateway.gdx_simulator import Registry, RegistryPerson, create_app

PERSON = PersonToVerify("1101700230708", "สมศรี", "ใจดี", "25230415", "JT0-1234567-89")


@pytest.fixture
def registry() -> Registry:
    registry = Registry()
    registry.add(RegistryPerson("1101700230708", "สมศรี", "ใจดี", "25230415", "JT0123456789"))
    return registry


@pytest.fixture
async def gdx(registry: Registry):
    transport = httpx.ASGITransport(app=create_app(registry))
    async with httpx.AsyncClient(transport=transport, base_url="http://gdx.test") as http:
        yield GdxClient(http)


def _config(registry: Registry, secret: str | None = None) -> GdxConfig:
    return GdxConfig("http://gdx.test", registry.consumer_key, secret or registry.consumer_secret, "3100000000001")


async def test_a_match_and_a_mismatch_with_one_cached_token(gdx: GdxClient, registry: Registry) -> None:
    assert await gdx.verify(_config(registry), PERSON) is True
    wrong = PersonToVerify(PERSON.citizen_id, PERSON.first_name, PERSON.last_name, "25230416", PERSON.laser_code)
    assert await gdx.verify(_config(registry), wrong) is False
    assert registry.token_requests == 1


async def test_a_revoked_token_is_renewed_once(gdx: GdxClient, registry: Registry) -> None:
    await gdx.verify(_config(registry), PERSON)
    registry.tokens.clear()
    assert await gdx.verify(_config(registry), PERSON) is True
    assert registry.token_requests == 2


async def test_errors_are_mapped_to_their_codes(gdx: GdxClient, registry: Registry) -> None:
    with pytest.raises(VerificationUnavailable) as refused:
        await gdx.verify(_config(registry, secret="wrong"), PERSON)
    assert refused.value.code == "AUTH_FAILED"
    registry.failing_code = "DOPA_DOWN"
    with pytest.raises(VerificationUnavailable) as outage:
        await gdx.verify(_config(registry), PERSON)
    assert outage.value.code == "DOPA_DOWN"


async def test_an_unreachable_registry_is_unavailable_not_a_crash() -> None:
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(lambda r: (_ for _ in ()).throw(httpx.ConnectError("x")))
    ) as http:
        with pytest.raises(VerificationUnavailable) as error:
            await GdxClient(http).verify(GdxConfig("http://nowhere", "k", "s", "a"), PERSON)
    assert error.value.code == "unreachable"
