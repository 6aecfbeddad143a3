"""Turns rate-limit counts into a 429 problem with Retry-After, Thai first."""

from datetime import datetime

from citizeninfo_shared.problems import Problem
from prometheus_client import Counter as PrometheusCounter

from feedback_service.adapters.rate_limiter import RateLimiter
from feedback_service.domain.rate_limits import Counter, first_exceeded

WRITES_LIMITED = PrometheusCounter(
    "citizeninfo_feedback_rate_limited_total", "Anonymous writes refused by a rate limit", ["counter"]
)


async def enforce(limiter: RateLimiter, counters: list[Counter], now: datetime) -> None:
    exceeded = first_exceeded(await limiter.hit(counters, now), now)
    if exceeded is None:
        return
    kind = ":".join(exceeded.counter.counter_id.split(":")[:2])  # e.g. "rating:client", never the client
    raise too_many(kind, exceeded.counter.reason, exceeded.retry_after_seconds)


def too_many(kind: str, reason: str, retry_after_seconds: int) -> Problem:
    """The 429 answer; `kind` names the limit for the metric (never the client)."""
    WRITES_LIMITED.labels(kind).inc()
    return Problem(
        429,
        f"ส่งบ่อยเกินไป โปรดลองใหม่ใน {retry_after_seconds} วินาที — {reason}; retry in {retry_after_seconds} s.",
        headers={"Retry-After": str(retry_after_seconds)},
        retry_after_seconds=retry_after_seconds,
    )
