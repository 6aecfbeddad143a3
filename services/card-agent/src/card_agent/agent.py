"""The agent's link to the card gateway: one WebSocket, reconnected with backoff.

Messages are JSON objects with a `type`:
  agent → gateway   {"type": "readers", "readers": [{"name", "card_present", "card_events"}]}  on every change
                    {"type": "read_result", "request_id", "card": {...}}          the answer to one `read`
                    {"type": "read_failed", "request_id", "error": ...}  card_removed | unreadable_card | busy |
                                                                           no_reader | no_card (nothing to read yet)
  gateway → agent   {"type": "read", "request_id", "reader", "with_photo": bool}  read this reader now
The request id is the gateway's nonce: the agent reads only when asked and answers only that request.
Card data lives in memory for one message and is never logged or written to disk.
"""

import asyncio
import base64
import contextlib
import json
from typing import Any

import structlog
import websockets
from websockets.asyncio.client import ClientConnection, connect

from card_agent import card_reader, thai_id
from card_agent.watcher import ReaderSnapshot, ReaderWatcher

log = structlog.get_logger(__name__)

DEFAULT_WS_PATH = "/api/card/v1/agents/ws"


def websocket_url(gateway: str, path: str = DEFAULT_WS_PATH) -> str:
    base = gateway.rstrip("/")
    if base.startswith("https://"):
        base = "wss://" + base.removeprefix("https://")
    elif base.startswith("http://"):
        base = "ws://" + base.removeprefix("http://")
    return base + path


def readers_message(snapshot: ReaderSnapshot) -> str:
    readers = [
        {"name": name, "card_present": present, "card_events": events}
        for name, (present, events) in sorted(snapshot.items())
    ]
    return json.dumps({"type": "readers", "readers": readers})


def card_payload(card: dict[str, Any]) -> dict[str, Any]:
    payload = dict(card)
    if "photo_jpeg" in payload:
        payload["photo_jpeg"] = base64.b64encode(payload["photo_jpeg"]).decode()
    return payload


async def read_one(reader: str, with_photo: bool) -> dict[str, Any]:
    """Reads in a worker thread; maps failures to the protocol's error codes."""
    try:
        card = await asyncio.to_thread(card_reader.read_card, reader, with_photo=with_photo)
    except card_reader.NoCard:
        return {"type": "read_failed", "error": "no_card"}
    except card_reader.CardRemoved:
        return {"type": "read_failed", "error": "card_removed"}
    except thai_id.UnreadableCard as error:
        log.info("card_unreadable", reader=reader, reason=str(error))  # the reason holds no card data
        return {"type": "read_failed", "error": "unreadable_card"}
    except Exception as error:
        log.warning("reader_failed", reader=reader, error_type=type(error).__name__)
        return {"type": "read_failed", "error": "no_reader"}
    return {"type": "read_result", "card": card_payload(card)}


class Agent:
    def __init__(self, gateway: str, token: str, *, ws_path: str = DEFAULT_WS_PATH) -> None:
        self._url = websocket_url(gateway, ws_path)
        self._token = token
        self._snapshot: ReaderSnapshot = {}
        self._changed = asyncio.Event()
        self._busy: set[str] = set()  # one read at a time per reader
        self.connected = asyncio.Event()

    def _on_change(self, snapshot: ReaderSnapshot, loop: asyncio.AbstractEventLoop) -> None:
        def apply() -> None:
            self._snapshot = snapshot
            self._changed.set()

        loop.call_soon_threadsafe(apply)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        watcher = ReaderWatcher(lambda snapshot: self._on_change(snapshot, loop))
        watcher.start()
        try:
            # connect() as an iterator reconnects with exponential backoff on network errors and 5xx;
            # a refused token (401/403) ends the agent with that error.
            async for websocket in connect(
                self._url,
                additional_headers={"Authorization": f"Bearer {self._token}"},
                open_timeout=10,
                ping_interval=10,
                ping_timeout=10,
                max_size=2**20,
            ):
                log.info("gateway_connected", url=self._url)
                self.connected.set()
                try:
                    await self._serve(websocket)
                except websockets.ConnectionClosed:
                    log.warning("gateway_disconnected")
                finally:
                    self.connected.clear()
        finally:
            watcher.stop()

    async def _serve(self, websocket: ClientConnection) -> None:
        self._changed.set()  # a new connection hears the readers first
        reporter = asyncio.create_task(self._report_readers(websocket))
        reads: set[asyncio.Task] = set()
        try:
            async for raw in websocket:
                message = json.loads(raw)
                if message.get("type") == "read":
                    task = asyncio.create_task(self._answer_read(websocket, message))
                    reads.add(task)
                    task.add_done_callback(reads.discard)
        finally:
            reporter.cancel()
            with contextlib.suppress(asyncio.CancelledError, websockets.ConnectionClosed):
                await reporter

    async def _report_readers(self, websocket: ClientConnection) -> None:
        while True:
            await self._changed.wait()
            self._changed.clear()
            await websocket.send(readers_message(self._snapshot))

    async def _answer_read(self, websocket: ClientConnection, request: dict[str, Any]) -> None:
        reader, request_id = str(request.get("reader", "")), str(request.get("request_id", ""))
        if reader not in self._snapshot:
            answer: dict[str, Any] = {"type": "read_failed", "error": "no_reader"}
        elif reader in self._busy:
            answer = {"type": "read_failed", "error": "busy"}
        else:
            self._busy.add(reader)
            try:
                answer = await read_one(reader, bool(request.get("with_photo")))
            finally:
                self._busy.discard(reader)
        with contextlib.suppress(websockets.ConnectionClosed):
            await websocket.send(json.dumps({**answer, "request_id": request_id, "reader": reader}))
