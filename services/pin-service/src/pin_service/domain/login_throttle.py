"""How long a sign-in must wait after wrong passwords: progressive delay, never a lock-out.

Two counts are kept. Per (client address, account): a few free failures, then an exponential back-off
(1 s, 2 s, 4 s, ... up to 15 min) — an attacker at one address is slowed to a crawl. Per account across
all clients: a looser budget whose delay is capped (30 s), so an attack spread over many addresses is
slowed, while the real owner at another address waits at most that cap and is never locked out.
A count is forgotten once its last failure is older than `forget_after`.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Failures:
    count: int
    last_at: datetime


@dataclass(frozen=True, slots=True)
class Budget:
    free_failures: int
    base_delay: timedelta
    max_delay: timedelta
    forget_after: timedelta

    def current(self, failures: Failures | None, now: datetime) -> Failures | None:
        """The failures that still count (None when forgotten or none)."""
        if failures is None or now - failures.last_at > self.forget_after:
            return None
        return failures

    def delay(self, count: int) -> timedelta:
        """The wait after `count` failures: none while free, then doubling from the base up to the cap."""
        beyond = count - self.free_failures
        if beyond <= 0:
            return timedelta(0)
        doublings = min(beyond - 1, 40)  # 2**40 s is far beyond any cap
        return min(self.base_delay * (2**doublings), self.max_delay)

    def seconds_to_wait(self, failures: Failures | None, now: datetime) -> int:
        current = self.current(failures, now)
        if current is None:
            return 0
        remaining = (current.last_at + self.delay(current.count) - now).total_seconds()
        return math.ceil(remaining) if remaining > 0 else 0


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    per_client: Budget
    per_account: Budget

    def seconds_to_wait(self, client: Failures | None, account: Failures | None, now: datetime) -> int:
        """0 when a sign-in attempt may go ahead, else the seconds for Retry-After."""
        return max(self.per_client.seconds_to_wait(client, now), self.per_account.seconds_to_wait(account, now))


def default_policy(
    *,
    client_free_failures: int = 4,
    client_max_delay_seconds: float = 900,
    account_free_failures: int = 20,
    account_max_delay_seconds: float = 30,
    forget_after_seconds: float = 3600,
) -> ThrottlePolicy:
    forget = timedelta(seconds=forget_after_seconds)
    return ThrottlePolicy(
        per_client=Budget(
            client_free_failures, timedelta(seconds=1), timedelta(seconds=client_max_delay_seconds), forget
        ),
        per_account=Budget(
            account_free_failures, timedelta(seconds=1), timedelta(seconds=account_max_delay_seconds), forget
        ),
    )
