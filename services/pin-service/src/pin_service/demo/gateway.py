"""A running CITIZENinfo seen through its gateway, as a national administrator: the catalogue import
(streamed, in chunks of whole lines, parents first) and the bulk endpoints (pins, surveys), a few
batches in flight."""

import asyncio
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from tenacity import AsyncRetrying, Retrying, retry_if_exception, stop_after_attempt, wait_exponential

DEFAULT_GATEWAY = "http://127.0.0.1:8080"
PIN_API = "/api/pin/v1"
NDJSON = "application/x-ndjson"
KIND_RANK = {"ministry": 0, "department": 1, "service": 2, "service_point": 3}
UNREADABLE_RANK = len(KIND_RANK)  # sent last; the server reports them
DEFAULT_CHUNK_LINES = 5_000  # ~40 s a request on a busy laptop; the gateway waits 120 s
UPLOAD_BLOCK_BYTES = 64 * 1024
# One chunk is applied in batches of 500 lines on the server: allow minutes, not seconds.
IMPORT_TIMEOUT = httpx.Timeout(connect=10.0, read=900.0, write=900.0, pool=60.0)
API_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
RETRYABLE_STATUS = frozenset({429, 502, 503, 504})
NOCOPY_API = "/api/nocopy/v1"
BATCH_ITEMS = 500  # the most the bulk endpoints take in one request
BATCH_TIMEOUT = httpx.Timeout(120.0, connect=10.0)  # a batch of 500 takes seconds; a busy machine more
MAX_FAILURES_SHOWN = 20
TOKEN_MARGIN_SECONDS = 60.0


class GatewayError(Exception):
    """The gateway answered with an error (a problem+json body when the service sent one)."""

    def __init__(self, status: int, title: str, detail: str | None = None) -> None:
        super().__init__(f"HTTP {status}: {title}" + (f" — {detail}" if detail else ""))
        self.status, self.title, self.detail = status, title, detail

    @classmethod
    def from_response(cls, response: httpx.Response) -> "GatewayError":
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        title = body.get("title") or response.reason_phrase or "error"
        return cls(response.status_code, str(title), body.get("detail"))

    @property
    def retryable(self) -> bool:
        return self.status in RETRYABLE_STATUS


class MissingCredentials(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Credentials:
    username: str
    password: str


def find_secrets_file(*starts: Path) -> Path | None:
    """`.run/secrets.json` of the repository that contains any of `starts` (written by `make up`)."""
    for start in starts:
        for folder in (start, *start.parents):
            candidate = folder / ".run" / "secrets.json"
            if candidate.is_file():
                return candidate
    return None


def resolve_credentials(username: str | None, password: str | None, *, secrets_file: Path | None) -> Credentials:
    """Options (or their environment variables) first, then the development secrets of `make up`."""
    if username and password:
        return Credentials(username, password)
    secrets: dict[str, Any] = {}
    if secrets_file is not None:
        secrets = json.loads(secrets_file.read_text(encoding="utf-8"))
    username = username or secrets.get("admin_user") or "admin"
    password = password or secrets.get("admin_password")
    if not password:
        raise MissingCredentials(
            "ไม่พบรหัสผ่านผู้ดูแลระบบ: ใช้ --password หรือ CITIZENINFO_ADMIN_PASSWORD / "
            "No admin password: pass --password or set CITIZENINFO_ADMIN_PASSWORD (or run `make up`)."
        )
    return Credentials(username, password)


def default_secrets_file() -> Path | None:
    return find_secrets_file(Path.cwd(), Path(__file__).resolve().parent)


def gateway_from_environment() -> str:
    return os.environ.get("CITIZENINFO_GATEWAY_URL", DEFAULT_GATEWAY)


# ----------------------------------------------------------------------------------- import
@dataclass
class ImportChunk:
    lines: list[bytes] = field(default_factory=list)
    line_numbers: list[int] = field(default_factory=list)  # in the file, for error reports

    @property
    def size(self) -> int:
        return sum(len(line) for line in self.lines)


@dataclass
class ImportSummary:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    errors: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0

    def add(self, report: dict[str, Any], chunk: ImportChunk) -> None:
        self.created.update(report.get("created", {}))
        self.updated.update(report.get("updated", {}))
        for error in report.get("errors", []):
            line = error.get("line")
            if isinstance(line, int) and 1 <= line <= len(chunk.line_numbers):
                line = chunk.line_numbers[line - 1]
            self.errors.append({**error, "line": line})
        self.requests += 1


def _rank(raw: bytes) -> int:
    try:
        return KIND_RANK.get(json.loads(raw).get("kind"), UNREADABLE_RANK)
    except (ValueError, AttributeError):
        return UNREADABLE_RANK


def plan_chunks(path: Path, chunk_lines: int = DEFAULT_CHUNK_LINES) -> list[ImportChunk]:
    """Whole lines, parents first (ministries, departments, services, points), `chunk_lines` a request:
    each request is short enough for the gateway, and its parents already exist when it arrives."""
    numbered: list[tuple[int, int, bytes]] = []
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if raw.strip():
                line = raw if raw.endswith(b"\n") else raw + b"\n"
                numbered.append((_rank(line), number, line))
    numbered.sort(key=lambda item: (item[0], item[1]))
    chunks: list[ImportChunk] = []
    for start in range(0, len(numbered), max(chunk_lines, 1)):
        part = numbered[start : start + chunk_lines]
        chunks.append(ImportChunk([line for _, _, line in part], [number for _, number, _ in part]))
    return chunks


def _blocks(chunk: ImportChunk, on_bytes: Callable[[int], None]) -> Iterator[bytes]:
    """The chunk as an upload stream of ~64 KiB blocks, reporting the bytes as they go out."""
    block: list[bytes] = []
    pending = 0
    for line in chunk.lines:
        block.append(line)
        pending += len(line)
        if pending >= UPLOAD_BLOCK_BYTES:
            yield b"".join(block)
            on_bytes(pending)
            block, pending = [], 0
    if block:
        yield b"".join(block)
        on_bytes(pending)


def _transient(error: BaseException) -> bool:
    if isinstance(error, GatewayError):
        return error.retryable
    return isinstance(error, httpx.TransportError)


# ---------------------------------------------------------------------------------- batches
@dataclass
class BatchOutcome:
    """What became of the items sent in batches (pins or surveys)."""

    counts: Counter = field(default_factory=Counter)  # stored, repeated, missing, failed
    failures: list[tuple[str, str]] = field(default_factory=list)  # the first few: (point id, why)
    missing: list[dict[str, Any]] = field(default_factory=list)  # items answered 404, to send again later
    requests: int = 0
    seconds: float = 0.0

    @property
    def done(self) -> int:
        return self.counts["stored"] + self.counts["repeated"]

    def add(self, item: dict[str, Any], result: dict[str, Any]) -> None:
        outcome, status = result.get("outcome"), result.get("status")
        if outcome in ("created", "answered"):
            self.counts["stored"] += 1
        elif outcome == "repeated":
            self.counts["repeated"] += 1
        elif status == 404:
            self.counts["missing"] += 1
            self.missing.append(item)
        else:
            self.fail(item, f"HTTP {status}: {(result.get('problem') or {}).get('detail')}")

    def fail(self, item: dict[str, Any], reason: str) -> None:
        self.counts["failed"] += 1
        if len(self.failures) < MAX_FAILURES_SHOWN:
            self.failures.append((str(item.get("service_point_id")), reason))


class Gateway:
    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
        attempts: int = 8,
        api_prefix: str = PIN_API,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._api = api_prefix  # "" when talking to a pin-service directly, not through the gateway
        self._credentials = credentials
        self._transport = transport
        self._async_transport = async_transport
        self._attempts = attempts
        self._token: str | None = None
        self._token_expires_at = 0.0
        self._token_lock = asyncio.Lock()

    # ---------------------------------------------------------------------------- signing in
    def _sign_in_form(self) -> dict[str, str]:
        return {"username": self._credentials.username, "password": self._credentials.password}

    def _accept_token(self, response: httpx.Response) -> str:
        if response.status_code != 200:
            raise GatewayError.from_response(response)
        body = response.json()
        self._token = body["access_token"]
        lifetime = float(body.get("expires_in", 900))
        self._token_expires_at = time.monotonic() + max(lifetime - TOKEN_MARGIN_SECONDS, lifetime / 2)
        return self._token

    def _token_fresh(self) -> bool:
        return self._token is not None and time.monotonic() < self._token_expires_at

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}

    def sign_in(self, client: httpx.Client) -> None:
        if not self._token_fresh():
            self._accept_token(client.post(f"{self._api}/auth/token", data=self._sign_in_form()))

    async def sign_in_async(self, client: httpx.AsyncClient, *, force: bool = False) -> None:
        async with self._token_lock:
            if force or not self._token_fresh():
                self._accept_token(await client.post(f"{self._api}/auth/token", data=self._sign_in_form()))

    # -------------------------------------------------------------------------------- import
    def import_catalogue(
        self,
        path: Path,
        *,
        chunk_lines: int = DEFAULT_CHUNK_LINES,
        on_bytes: Callable[[int], None] = lambda _n: None,
        on_chunk: Callable[[int, int], None] = lambda _i, _n: None,
    ) -> ImportSummary:
        """Sends the file chunk after chunk, summing the reports (the import is idempotent, so a chunk
        that failed on the way is simply sent again)."""
        chunks = plan_chunks(path, chunk_lines)
        summary = ImportSummary()
        with httpx.Client(base_url=self.base_url, transport=self._transport, timeout=IMPORT_TIMEOUT) as client:
            for index, chunk in enumerate(chunks, start=1):
                on_chunk(index, len(chunks))
                for attempt in Retrying(
                    retry=retry_if_exception(_transient),
                    stop=stop_after_attempt(self._attempts),
                    wait=wait_exponential(multiplier=1, max=20),
                    reraise=True,
                ):
                    with attempt:
                        self.sign_in(client)
                        sent = 0

                        def count(n: int) -> None:
                            nonlocal sent
                            sent += n
                            on_bytes(n)

                        try:
                            response = client.post(
                                f"{self._api}/catalogue:import",
                                content=_blocks(chunk, count),
                                headers={**self._headers(), "Content-Type": NDJSON},
                            )
                            if response.status_code != 200:
                                raise GatewayError.from_response(response)
                        except Exception:
                            on_bytes(-sent)  # a chunk sent again is counted again from zero
                            raise
                summary.add(response.json(), chunk)
        return summary

    def holds_points(self, lines: Sequence[dict[str, Any]]) -> bool:
        """Whether the catalogue already holds each of these service point lines as they are: a cheap
        look (one read each) before a re-import of a catalogue this tool generated."""
        compared = ("department_id", "name_th", "name_en", "province_code", "district_code", "address_th")
        with httpx.Client(base_url=self.base_url, transport=self._transport, timeout=API_TIMEOUT) as client:
            for line in lines:
                response = client.get(f"{self._api}/service-points/{line['id']}")
                if response.status_code != 200:
                    return False
                point = response.json()
                if any(point.get(field) != line.get(field) for field in compared if field in line):
                    return False
                if sorted(point.get("service_ids") or []) != sorted(line.get("service_ids") or []):
                    return False
        return True

    # ---------------------------------------------------------------------------------- pins
    async def _request(self, client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async for attempt in AsyncRetrying(
            retry=retry_if_exception(_transient),
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential(multiplier=0.5, max=10),  # rides out a service restart (~40 s)
            reraise=True,
        ):
            with attempt:
                await self.sign_in_async(client)
                response = await client.request(method, url, headers=self._headers(), **kwargs)
                if response.status_code == 401:  # the token ran out meanwhile
                    await self.sign_in_async(client, force=True)
                    response = await client.request(method, url, headers=self._headers(), **kwargs)
                if response.status_code in RETRYABLE_STATUS:
                    raise GatewayError.from_response(response)
        return response

    async def send_batches(
        self,
        path: str,
        items: Sequence[dict[str, Any]],
        *,
        batch_size: int = BATCH_ITEMS,
        concurrency: int = 4,
        on_done: Callable[[int], None] = lambda _n: None,
    ) -> BatchOutcome:
        """POSTs `items` to a bulk endpoint (`path` below the gateway, e.g. `/api/pin/v1/pins:batch`),
        `batch_size` a request and `concurrency` requests in flight, and sums the per-item results.
        `on_done(n)` is told as each request's n items come back."""
        outcome = BatchOutcome()
        chunks = iter([items[start : start + batch_size] for start in range(0, len(items), max(batch_size, 1))])
        started = time.perf_counter()
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(
            base_url=self.base_url, transport=self._async_transport, timeout=BATCH_TIMEOUT, limits=limits
        ) as client:

            async def worker() -> None:
                for chunk in chunks:  # one shared iterator: each chunk goes to exactly one worker
                    try:
                        response = await self._request(client, "POST", path, json={"items": list(chunk)})
                        if response.status_code != 200:
                            raise GatewayError.from_response(response)
                        results = response.json()["items"]
                    except (GatewayError, httpx.HTTPError, KeyError, ValueError) as error:
                        for item in chunk:
                            outcome.fail(item, str(error))
                    else:
                        for item, result in zip(chunk, results, strict=False):
                            outcome.add(item, result)
                    outcome.requests += 1
                    on_done(len(chunk))

            await asyncio.gather(*(worker() for _ in range(max(concurrency, 1))))
        outcome.seconds = time.perf_counter() - started
        return outcome
