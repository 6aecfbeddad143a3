"""Who is writing, as far as abuse control needs to know: a keyed hash of the client's address.

The raw address is never stored or logged; the hash is stable (same address, same key → same
pseudonym) so rate limits can count it, and cannot be reversed without the key.
"""

from typing import Annotated

from citizeninfo_shared.keys import Purpose, keys_for
from fastapi import Depends, Request

from feedback_service.config import FeedbackSettings


def client_address(request: Request, settings: FeedbackSettings) -> str:
    """The address the gateway saw: its own header, else the hop it appended to X-Forwarded-For."""
    trusted = request.headers.get(settings.client_address_header)
    if trusted:
        return trusted.strip()
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded:
        # The gateway appends the address it saw; anything left of it was written by the client.
        return forwarded.rsplit(",", 1)[-1].strip()
    return request.client.host if request.client else "unknown"


async def client_pseudonym(request: Request) -> str:
    settings: FeedbackSettings = request.app.state.settings
    return str(keys_for(settings, Purpose.CLIENT_ADDRESS).hash(client_address(request, settings), length=32))


ClientPseudonym = Annotated[str, Depends(client_pseudonym)]
