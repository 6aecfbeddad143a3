"""Watches every PC/SC reader for hot-plug and card insert/remove (SCardGetStatusChange, in a thread)."""

import threading
from collections.abc import Callable

import structlog
from smartcard import scard

log = structlog.get_logger(__name__)

PNP_NOTIFICATION = "\\\\?PnP?\\Notification"
# How long one wait for a change blocks; bounds how fast the thread notices it should stop.
WAIT_MILLISECONDS = 500
_NO_READERS = {scard.SCARD_E_NO_READERS_AVAILABLE, scard.SCARD_E_READER_UNAVAILABLE}

ReaderSnapshot = dict[str, tuple[bool, int]]  # reader name → (card present, card event count)


class ReaderWatcher:
    """Calls `on_change(snapshot)` whenever the set of readers or a card's presence changes."""

    def __init__(self, on_change: Callable[[ReaderSnapshot], None]) -> None:
        self._on_change = on_change
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="reader-watcher", daemon=True)
        self.snapshot: ReaderSnapshot = {}

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._watch()
            except Exception as error:  # pcscd restarted or gone: start over with a new context
                log.warning("reader_watch_failed", error=str(error))
                self._publish({})
                self._stop.wait(1.0)

    def _watch(self) -> None:
        hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hresult != scard.SCARD_S_SUCCESS:
            raise RuntimeError(scard.SCardGetErrorMessage(hresult))
        try:
            states: list[tuple[str, int]] = []
            while not self._stop.is_set():
                readers = self._list_readers(context)
                if [name for name, _ in states if name != PNP_NOTIFICATION] != readers:
                    states = [(name, scard.SCARD_STATE_UNAWARE) for name in readers]
                    states.append((PNP_NOTIFICATION, scard.SCARD_STATE_UNAWARE))
                hresult, changed = scard.SCardGetStatusChange(context, WAIT_MILLISECONDS, states)
                if hresult == scard.SCARD_E_TIMEOUT:
                    continue
                if hresult in _NO_READERS:
                    states = []
                    continue
                if hresult != scard.SCARD_S_SUCCESS:
                    raise RuntimeError(scard.SCardGetErrorMessage(hresult))
                # Next wait starts from what we have seen (event state without the CHANGED bit).
                states = [(name, state & ~scard.SCARD_STATE_CHANGED) for name, state, _atr in changed]
                # pcsc-lite counts card events in the upper 16 bits: a card swapped faster than one
                # wait still shows as a new card.
                self._publish(
                    {
                        name: (
                            bool(state & scard.SCARD_STATE_PRESENT) and not state & scard.SCARD_STATE_MUTE,
                            (state >> 16) & 0xFFFF,
                        )
                        for name, state, _atr in changed
                        if name != PNP_NOTIFICATION
                    }
                )
        finally:
            scard.SCardReleaseContext(context)

    @staticmethod
    def _list_readers(context: int) -> list[str]:
        hresult, readers = scard.SCardListReaders(context, [])
        if hresult in _NO_READERS or hresult == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if hresult != scard.SCARD_S_SUCCESS:
            raise RuntimeError(scard.SCardGetErrorMessage(hresult))
        return sorted(readers)

    def _publish(self, snapshot: ReaderSnapshot) -> None:
        if snapshot != self.snapshot:
            self.snapshot = snapshot
            self._on_change(dict(snapshot))
