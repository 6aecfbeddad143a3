"""Issue 17, finding 1 (SSRF): where a point's registry check may send a citizen's data."""

import ipaddress

import httpcore
import httpx
import pytest
from card_gateway.adapters.outbound_http import PolicedNetworkBackend, policed_client
from card_gateway.config import CardSettings
from card_gateway.domain.outbound_urls import OutboundUrlPolicy, OutboundUrlRefused, address_is_public

POLICY = OutboundUrlPolicy.of(["api.egov.go.th", "gdx.example.go.th:8443"])
DEVELOPMENT = OutboundUrlPolicy.of(["api.egov.go.th"], allow_development_loopback=True)

NOT_PUBLIC = [
    "127.0.0.1",
    "127.8.9.10",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # shared address space (CGNAT)
    "0.0.0.0",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fec0::1",
    "ff02::1",
    "::ffff:127.0.0.1",  # IPv4-mapped loopback
    "::ffff:169.254.169.254",
    "2002:7f00:0001::1",  # 6to4 around 127.0.0.1
    "2002:0a00:0001::1",  # 6to4 around 10.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 around 169.254.169.254
    "2001:0000:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not address_is_public(ipaddress.ip_address(address))
    destination = POLICY.check_url("https://api.egov.go.th/")
    with pytest.raises(OutboundUrlRefused):
        POLICY.check_addresses(destination, [ipaddress.ip_address(address)])


# Production refuses an unauthenticated Kafka before it looks at anything of card-gateway's own.
PRODUCTION_KAFKA = {"kafka_security_protocol": "SASL_PLAINTEXT", "kafka_username": "u", "kafka_password": "p"}


def test_one_bad_address_among_good_ones_refuses_the_host() -> None:
    destination = POLICY.check_url("https://api.egov.go.th")
    good = ipaddress.ip_address("203.113.25.10")
    POLICY.check_addresses(destination, [good])
    with pytest.raises(OutboundUrlRefused):
        POLICY.check_addresses(destination, [good, ipaddress.ip_address("127.0.0.1")])
    with pytest.raises(OutboundUrlRefused):
        POLICY.check_addresses(destination, [])


@pytest.mark.parametrize(
    "url",
    [
        "http://api.egov.go.th/",  # not https
        "https://api.egov.go.th:22/",  # another port than the allow-list names
        "https://evil.example/",
        "https://api.egov.go.th.evil.example/",
        "https://user:pw@api.egov.go.th/",
        "https://evil.example\\@api.egov.go.th/",
        "https://api.egov.go.th/?next=http://127.0.0.1",
        "https://127.0.0.1:8099/",
        "http://localhost:8099/",  # the simulator, outside development
        "https://[::1]/",
        "https://169.254.169.254/",
        "file:///etc/passwd",
        "gopher://api.egov.go.th/",
        "https://api.egov.go.th:99999/",
    ],
)
def test_urls_outside_the_policy_are_refused(url: str) -> None:
    with pytest.raises(OutboundUrlRefused):
        POLICY.check_url(url)


@pytest.mark.parametrize(
    "url", ["https://api.egov.go.th", "https://API.egov.go.th./ws", "https://gdx.example.go.th:8443/"]
)
def test_allow_listed_https_hosts_pass(url: str) -> None:
    assert POLICY.check_url(url).development_loopback is False


def test_the_development_simulator_may_be_on_loopback_and_only_there() -> None:
    destination = DEVELOPMENT.check_url("http://127.0.0.1:8099")
    assert destination.development_loopback
    DEVELOPMENT.check_addresses(destination, [ipaddress.ip_address("127.0.0.1")])
    with pytest.raises(OutboundUrlRefused):  # localhost that resolves elsewhere
        DEVELOPMENT.check_addresses(destination, [ipaddress.ip_address("10.0.0.1")])
    with pytest.raises(OutboundUrlRefused):  # development does not open other hosts or private ranges
        DEVELOPMENT.check_url("http://10.0.0.1:8099")


def test_the_simulator_allowance_holds_in_development_only(monkeypatch) -> None:
    monkeypatch.delenv("CITIZENINFO_GDX_ALLOWED_HOSTS", raising=False)
    simulator = "http://127.0.0.1:8099"
    assert CardSettings(environment="development").outbound_policy().check_url(simulator).development_loopback
    for environment in ("test", "production"):
        settings = CardSettings(
            environment=environment,
            jwt_secret="j" * 40,
            visit_token_secret="v" * 40,
            identity_hmac_key="i" * 40,
            secrets_at_rest_keys={"k1": "k" * 40},
            secrets_at_rest_key_id="k1",
            **PRODUCTION_KAFKA,
        )
        with pytest.raises(OutboundUrlRefused):
            settings.outbound_policy().check_url(simulator)
        settings.outbound_policy().check_url("https://api.egov.go.th")  # the real GDX host by default


def test_the_allow_list_comes_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("CITIZENINFO_GDX_ALLOWED_HOSTS", "gdx-proxy.example.go.th, api.egov.go.th:8443")
    policy = CardSettings(environment="test").outbound_policy()
    policy.check_url("https://gdx-proxy.example.go.th/")
    policy.check_url("https://api.egov.go.th:8443/")
    with pytest.raises(OutboundUrlRefused):
        policy.check_url("https://api.egov.go.th/")


class RecordingBackend(httpcore.AsyncNetworkBackend):
    def __init__(self) -> None:
        self.connects: list[tuple[str, int]] = []

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        self.connects.append((host, port))
        raise httpcore.ConnectError("recorded only")

    async def sleep(self, seconds: float) -> None:
        return None


def _resolver(*addresses: str):
    async def resolve(host: str, port: int) -> list:
        return [ipaddress.ip_address(a) for a in addresses]

    return resolve


async def test_an_allowed_name_that_resolves_to_loopback_is_never_connected() -> None:
    """DNS may answer anything (rebinding): the check is at the connection, on every resolved address."""
    inner = RecordingBackend()
    backend = PolicedNetworkBackend(POLICY, resolve=_resolver("203.113.25.10", "::ffff:127.0.0.1"), inner=inner)
    with pytest.raises(OutboundUrlRefused):
        await backend.connect_tcp("api.egov.go.th", 443)
    assert inner.connects == []


async def test_a_connection_goes_to_the_checked_address() -> None:
    inner = RecordingBackend()
    backend = PolicedNetworkBackend(POLICY, resolve=_resolver("203.113.25.10"), inner=inner)
    with pytest.raises(httpcore.ConnectError):
        await backend.connect_tcp("api.egov.go.th", 443)
    assert inner.connects == [("203.113.25.10", 443)]


async def test_the_policed_client_refuses_a_loopback_destination_before_sending() -> None:
    async with policed_client(POLICY, timeout=2, resolve=_resolver("127.0.0.1")) as http:
        with pytest.raises(OutboundUrlRefused):
            await http.get("https://api.egov.go.th/ws/auth/validate")
        with pytest.raises(OutboundUrlRefused):
            await http.get("https://127.0.0.1:22/")
        assert http.follow_redirects is False
        assert isinstance(http, httpx.AsyncClient)
