"""argon2 off the event loop: hashing and verifying run in worker threads, a bounded number at a time.

argon2 takes about a quarter of a second of CPU by design. Run on the event loop, eight concurrent
sign-ins stalled every other request (even /healthz) for a second or more. Here at most `concurrency`
of them run at once, in threads (argon2-cffi releases the GIL); more wait their turn without holding a
thread, so a flood of sign-ins cannot exhaust the thread pool the rest of the service shares.
"""

import anyio
import anyio.to_thread

from pin_service.domain.accounts import dummy_password_hash, hash_password, password_matches


class PasswordWork:
    def __init__(self, concurrency: int) -> None:
        self._limiter = anyio.CapacityLimiter(concurrency)

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(hash_password, password, limiter=self._limiter)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether the password matches; with no hash (no such account) the same work is done against a
        dummy hash, and the answer is False."""
        if password_hash is None:
            return await anyio.to_thread.run_sync(_matches_no_account, password, limiter=self._limiter)
        return await anyio.to_thread.run_sync(password_matches, password_hash, password, limiter=self._limiter)


def _matches_no_account(password: str) -> bool:
    password_matches(dummy_password_hash(), password)  # the dummy hash is made here too, off the loop
    return False
