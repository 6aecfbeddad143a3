"""Who is signing in, as far as throttling needs to know: a keyed hash of the client's address."""

from typing import Annotated

from citizeninfo_shared.keys import Purpose, keys_for
from fastapi import Depends, Request

# The gateway sets this header to the address it saw (deploy/gateway/routes.conf), replacing the client's.
CLIENT_ADDRESS_HEADER = "x-real-ip"


def client_address(request: Request) -> str:
    trusted = request.headers.get(CLIENT_ADDRESS_HEADER)
    if trusted:
        return trusted.strip()
    return request.client.host if request.client else "unknown"


async def client_pseudonym(request: Request) -> str:
    """Stable per address, not reversible without the key; the raw address is never stored."""
    # The client-address key (keys.py), not the token-signing secret: one key, one purpose.
    return str(keys_for(request.app.state.settings, Purpose.CLIENT_ADDRESS).hash(client_address(request), length=32))


ClientPseudonym = Annotated[str, Depends(client_pseudonym)]
