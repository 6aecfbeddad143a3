"""Where the gateway may send a citizen's data: the outbound-URL policy for registry endpoints (pure).

A registry check carries the citizen's id, names, birth date, laser code and the consumer secret, so
its endpoint must be the registry and nothing else:
- https, a host on the allow-list (settings), its default port unless the entry names one, and no
  user info, query or fragment in the URL;
- every address the host resolves to a public unicast one: never private, loopback, link-local,
  multicast, reserved, unspecified or shared (CGNAT), also when hidden inside an IPv6 address
  (IPv4-mapped, 6to4, Teredo, NAT64). The adapter checks this at each connection, so DNS answers that
  change after the check (rebinding) are checked too.
A development stack may reach the local GDX simulator over http on loopback, and only loopback, when
the settings allow it (never in production).
"""

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_DEFAULT_PORTS = {"https": 443, "http": 80}
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class OutboundUrlRefused(ValueError):
    """The URL or one of its addresses is not a destination the policy allows (the reason says which)."""


@dataclass(frozen=True, slots=True)
class Destination:
    scheme: str
    host: str  # lower case, no trailing dot, IPv6 without brackets
    port: int
    development_loopback: bool  # the development simulator: its addresses must all be loopback


def normalise_host(host: str) -> str:
    return host.strip().lower().rstrip(".").removeprefix("[").removesuffix("]")


def address_is_public(address: IPAddress) -> bool:
    """A public unicast address, also looking inside IPv6 forms that carry an IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded: list[ipaddress.IPv4Address] = []
        if address.ipv4_mapped is not None:
            embedded.append(address.ipv4_mapped)
        if address.sixtofour is not None:
            embedded.append(address.sixtofour)
        if address.teredo is not None:
            embedded.extend(address.teredo)
        if address in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if any(not address_is_public(inner) for inner in embedded):
            return False
        if address.is_site_local:
            return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _is_loopback(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


@dataclass(frozen=True, slots=True)
class OutboundUrlPolicy:
    """`allowed_hosts` entries are `host` (default https port only) or `host:port`."""

    allowed_hosts: frozenset[str]
    allow_development_loopback: bool = False

    @classmethod
    def of(cls, hosts: Iterable[str], *, allow_development_loopback: bool = False) -> "OutboundUrlPolicy":
        return cls(frozenset(normalise_host(h) for h in hosts if h.strip()), allow_development_loopback)

    def check_url(self, url: str) -> Destination:
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError as error:
            raise OutboundUrlRefused("the URL cannot be parsed") from error
        scheme = parts.scheme.lower()
        if "@" in parts.netloc or parts.username is not None or parts.password is not None:
            raise OutboundUrlRefused("the URL must not carry user info")
        if parts.query or parts.fragment:
            raise OutboundUrlRefused("the URL must not carry a query or fragment")
        host = normalise_host(parts.hostname or "")
        if not host:
            raise OutboundUrlRefused("the URL has no host")
        if self.allow_development_loopback and host in LOOPBACK_HOSTS and scheme in _DEFAULT_PORTS:
            return Destination(scheme, host, port or _DEFAULT_PORTS[scheme], development_loopback=True)
        if scheme != "https":
            raise OutboundUrlRefused("only https endpoints are allowed")
        return self.check_host(host, port or _DEFAULT_PORTS["https"])

    def check_host(self, host: str, port: int) -> Destination:
        """The host and port a connection goes to (also each redirect hop, were any followed)."""
        host = normalise_host(host)
        if self.allow_development_loopback and host in LOOPBACK_HOSTS:
            return Destination("http", host, port, development_loopback=True)
        allowed = f"{host}:{port}" in self.allowed_hosts or (
            port == _DEFAULT_PORTS["https"] and host in self.allowed_hosts
        )
        if not allowed:
            raise OutboundUrlRefused(f"the host {host}:{port} is not on the allow-list of registry endpoints")
        return Destination("https", host, port, development_loopback=False)

    def check_addresses(self, destination: Destination, addresses: Iterable[IPAddress]) -> None:
        """Every resolved address must be acceptable (one bad answer refuses the host)."""
        resolved = list(addresses)
        if not resolved:
            raise OutboundUrlRefused(f"{destination.host} resolves to no address")
        for address in resolved:
            if destination.development_loopback:
                if not _is_loopback(address):
                    raise OutboundUrlRefused(f"{destination.host} must resolve to loopback only (simulator)")
            elif not address_is_public(address):
                raise OutboundUrlRefused(f"{destination.host} resolves to a non-public address")
