"""An HTTP client that connects only where the outbound-URL policy allows, checked at every connection.

The check sits in httpcore's network backend, where the connection is made: the host is checked
against the allow-list, resolved once, every address checked, and the socket opened to a checked
address (TLS still verifies the certificate for the host name). A DNS answer that changes after a
check therefore cannot send the request elsewhere. Redirects are not followed and proxies from the
environment are not used (a proxy would connect on our behalf, past the check).
"""

import asyncio
import ipaddress
import socket
import typing
from collections.abc import Awaitable, Callable

import httpcore
import httpx

from card_gateway.domain.outbound_urls import IPAddress, OutboundUrlPolicy

Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]


async def system_resolve(host: str, port: int) -> list[IPAddress]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


class PolicedNetworkBackend(httpcore.AsyncNetworkBackend):
    def __init__(
        self,
        policy: OutboundUrlPolicy,
        *,
        resolve: Resolver = system_resolve,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._policy = policy
        self._resolve = resolve
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        destination = self._policy.check_host(host, port)  # raises OutboundUrlRefused
        try:
            async with asyncio.timeout(timeout):
                addresses = await self._resolve(host, port)
        except TimeoutError as error:
            raise httpcore.ConnectTimeout("name resolution timed out") from error
        except OSError as error:
            raise httpcore.ConnectError("name resolution failed") from error
        self._policy.check_addresses(destination, addresses)  # raises OutboundUrlRefused
        failure: Exception = httpcore.ConnectError("no address answered")
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not an outbound destination")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PolicedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a connection pool whose every connection goes through the policy."""

    def __init__(self, policy: OutboundUrlPolicy, *, resolve: Resolver = system_resolve) -> None:
        super().__init__(trust_env=False)
        # httpx builds its pool without a network backend parameter: build the same pool with ours.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            network_backend=PolicedNetworkBackend(policy, resolve=resolve),
        )


def policed_client(
    policy: OutboundUrlPolicy, *, timeout: float, resolve: Resolver = system_resolve
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=PolicedTransport(policy, resolve=resolve),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
    )
