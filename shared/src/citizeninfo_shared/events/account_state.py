"""citizeninfo.account-state.v1 — each account's latest sign-in state, key = username (compacted).

pin-service publishes one whenever an account is created, disabled, enabled, demoted, moved or has its
password changed. Every service that accepts bearer tokens keeps the latest state of each account in
memory and refuses a token whose `token_epoch` claim is older than the account's, or any token of a
disabled account.
"""

from typing import ClassVar

from citizeninfo_shared.events.envelope import EventData


class AccountStateChanged(EventData):
    event_type: ClassVar[str] = "th.go.citizeninfo.accounts.state.changed"
    username: str
    disabled: bool
    # Tokens carrying an older epoch (or none) were issued before a change that revokes them.
    token_epoch: int
