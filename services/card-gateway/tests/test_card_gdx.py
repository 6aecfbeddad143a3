import httpx
import pytest
from card_gateway.adapters.gdx import GdxClient, GdxConfig, PersonToVerify, VerificationUnavailable
from card_gateway.domain.outbound_urls import OutboundUrlPolicy
from card_gateway.gdx_simulator import Registry, RegistryPerson, create_app

POLICY = OutboundUrlPolicy.of(["gdx.test", "nowhere"])
PERSON = PersonToVerify("1101700230708", "สมศรี", "ใจดี", "25230415", "JT0-1234567-89")


@pytest.fixture
def registry() -> Registry:
    registry = Registry()
    registry.add(RegistryPerson("1101700230708", "สมศรี", "ใจดี", "25230415", "JT0123456789"))
    return registry


@pytest.fixture
async def gdx(registry: Registry):
    transport = httpx.ASGITransport(app=create_app(registry))
    async with httpx.AsyncClient(transport=transport, base_url="https://gdx.test") as http:
        yield GdxClient(http, POLICY)


def _config(registry: Registry, secret: str | None = None) -> GdxConfig:
    return GdxConfig("https://gdx.test", registry.consumer_key, secret or registry.consumer_secret, "3100000000001")


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
            await GdxClient(http, POLICY).verify(GdxConfig("https://nowhere", "k", "s", "a"), PERSON)
    assert error.value.code == "unreachable"


@pytest.mark.parametrize(
    "base_url", ["http://gdx.test", "https://127.0.0.1:22", "https://169.254.169.254", "https://evil.example"]
)
async def test_a_stored_endpoint_outside_the_policy_is_never_called(registry: Registry, base_url: str) -> None:
    """Endpoints stored before the policy existed are refused at the next read, before any request."""
    requests: list[httpx.Request] = []
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(lambda r: requests.append(r) or httpx.Response(200))
    ) as http:
        with pytest.raises(VerificationUnavailable) as refused:
            await GdxClient(http, POLICY).verify(
                GdxConfig(base_url, registry.consumer_key, registry.consumer_secret, "3100000000001"), PERSON
            )
    assert refused.value.code == "destination_refused"
    assert requests == []


async def test_a_redirect_is_not_followed(registry: Registry) -> None:
    requests: list[httpx.Request] = []

    def redirect(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/meta-data"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(redirect), follow_redirects=False) as http:
        with pytest.raises(VerificationUnavailable) as refused:
            await GdxClient(http, POLICY).verify(_config(registry), PERSON)
    assert refused.value.code == "redirect"
    assert [r.url.host for r in requests] == ["gdx.test"]
