"""Which accounts' tokens are refused: the latest state of each account, in memory.

Fed from `citizeninfo.account-state.v1` (see `account_state_follower`), so checking a bearer token on
every request is a dict lookup. An account the topic never mentioned has no revocation: its tokens are
good until they expire.
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import structlog
from pydantic import ValidationError

from citizeninfo_shared.events.account_state import AccountStateChanged
from citizeninfo_shared.events.envelope import CloudEvent

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class AccountState:
    disabled: bool
    token_epoch: int


class AccountStates:
    """username → latest state. `loaded` is set once the topic has been read to its end at start-up."""

    def __init__(self) -> None:
        self._states: dict[str, AccountState] = {}
        self.loaded = asyncio.Event()

    def __len__(self) -> int:
        return len(self._states)

    def set(self, change: AccountStateChanged) -> None:
        known = self._states.get(change.username)
        # Events of one key arrive in order, but the writer may also apply its own change directly:
        # an epoch never goes back.
        epoch = max(change.token_epoch, known.token_epoch if known else change.token_epoch)
        self._states[change.username] = AccountState(disabled=change.disabled, token_epoch=epoch)

    def apply(self, events: Sequence[CloudEvent]) -> int:
        applied = 0
        for event in events:
            if event.type != AccountStateChanged.event_type:
                continue
            try:
                self.set(event.data_as(AccountStateChanged))
            except ValidationError as error:
                log.warning("account_state_event_skipped", event_id=event.id, error=str(error))
                continue
            applied += 1
        return applied

    def refusal(self, username: str, token_epoch: int) -> str | None:
        """Why a token of this account with this epoch is refused, or None when it is good."""
        state = self._states.get(username)
        if state is None:
            return None
        if state.disabled:
            return "This account is disabled; ask a national administrator."
        if token_epoch < state.token_epoch:
            return "This token was revoked (password or account changed); sign in again."
        return None

    async def wait_loaded(self, timeout_seconds: float) -> bool:
        if not self.loaded.is_set():
            try:
                await asyncio.wait_for(self.loaded.wait(), timeout_seconds)
            except TimeoutError:
                return False
        return True
