"""`/healthz` says the process is alive; `/readyz` really asks each dependency, each with a timeout."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from citizeninfo_shared.problems import PROBLEM_JSON


@dataclass(frozen=True, slots=True)
class ReadinessCheck:
    name: str
    probe: Callable[[], Awaitable[object]]
    # A non-critical dependency is reported but does not make the service unready: Kafka is one for
    # services with an outbox, since they keep accepting writes while it is down.
    critical: bool = True


async def _run(check: ReadinessCheck, timeout: float) -> dict[str, object]:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(check.probe(), timeout)
        status, error = "up", None
    except Exception as exc:
        status, error = "down", f"{type(exc).__name__}: {exc}"[:300]
    result: dict[str, object] = {
        "status": status,
        "critical": check.critical,
        "duration_seconds": round(time.perf_counter() - started, 4),
    }
    if error:
        result["error"] = error
    return result


def health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="Every critical dependency answers")
    async def readyz(request: Request) -> JSONResponse:
        checks: list[ReadinessCheck] = getattr(request.app.state, "readiness_checks", [])
        timeout: float = getattr(request.app.state, "readiness_timeout_seconds", 2.0)
        results = await asyncio.gather(*(_run(c, timeout) for c in checks))
        by_name = {c.name: r for c, r in zip(checks, results, strict=True)}
        ready = all(r["status"] == "up" for r in results if r["critical"])
        if ready:
            return JSONResponse({"status": "ready", "checks": by_name})
        down = ", ".join(n for n, r in by_name.items() if r["status"] != "up" and r["critical"])
        return JSONResponse(
            {
                "type": "about:blank",
                "title": "Service Unavailable",
                "title_th": "บริการยังไม่พร้อม",
                "status": 503,
                "detail": f"Not ready: {down} unreachable.",
                "checks": by_name,
            },
            status_code=503,
            media_type=PROBLEM_JSON,
        )

    return router
