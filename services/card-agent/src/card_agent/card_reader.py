"""Reads a Thai ID card in one PC/SC reader (pyscard). Blocking: the agent runs it in a thread."""

import time
from collections.abc import Callable

from smartcard import scard
from smartcard.Exceptions import CardConnectionException, NoCardException
from smartcard.pcsc.PCSCReader import PCSCReader
from smartcard.scard import SCARD_E_NO_SMARTCARD, SCARD_W_REMOVED_CARD, SCARD_W_RESET_CARD

from card_agent import thai_id

_REMOVED = {SCARD_W_REMOVED_CARD, SCARD_W_RESET_CARD, SCARD_E_NO_SMARTCARD}
_SW_OK = 0x90
_SW_MORE = 0x61
_SW_WRONG_P1P2 = 0x6A


class CardRemoved(Exception):
    """The card left the reader before the read was complete."""


class NoCard(Exception):
    """No card could be powered up: it was pulled just before the read began (not mid-read)."""


def read_card(reader_name: str, *, with_photo: bool) -> dict:
    """Connects, selects the MOI applet and reads the counter fields (and the photo when asked).

    Raises NoCard when there is no card to connect to, CardRemoved when it goes during the read, and
    thai_id.UnreadableCard when it answers wrongly.
    """
    connection = PCSCReader(reader_name).createConnection()
    try:
        try:
            connection.connect()
        except (NoCardException, CardConnectionException) as error:
            raise NoCard("no card to power up in the reader") from error
        session = _CardSession(connection.transmit, bytes(connection.getATR()))
        return session.read(with_photo=with_photo)
    except CardConnectionException as error:
        if getattr(error, "hresult", None) in _REMOVED or _card_left(reader_name):
            raise CardRemoved("the card was removed during the read") from error
        raise thai_id.UnreadableCard(f"the reader could not talk to the card: {error}") from error
    finally:
        try:
            connection.disconnect()
        except CardConnectionException:
            pass  # a card pulled mid-read leaves nothing to disconnect from
        connection.release()


def _card_left(reader_name: str, within_seconds: float = 1.5) -> bool:
    """A failed exchange right after a pull often reads as "no valid response": ask the reader whether
    the card is still there (pcscd notices a removal within about half a second)."""
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        return False
    try:
        deadline = time.monotonic() + within_seconds
        while True:
            hresult, states = scard.SCardGetStatusChange(context, 0, [(reader_name, scard.SCARD_STATE_UNAWARE)])
            if hresult == scard.SCARD_S_SUCCESS and not states[0][1] & scard.SCARD_STATE_PRESENT:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)
    finally:
        scard.SCardReleaseContext(context)


class _CardSession:
    """The APDU exchange of one read; `transmit` is pyscard's (list of ints → data, sw1, sw2)."""

    def __init__(self, transmit: Callable, atr: bytes) -> None:
        self._transmit = transmit
        self.atr = atr
        self.p2 = thai_id.get_response_p2(atr)

    def _exchange(self, apdu: bytes) -> tuple[bytes, int, int]:
        data, sw1, sw2 = self._transmit(list(apdu))
        return bytes(data), sw1, sw2

    def read(self, *, with_photo: bool) -> dict:
        _, sw1, sw2 = self._exchange(thai_id.SELECT_MOI_APPLET)
        if sw1 not in (_SW_OK, _SW_MORE):
            raise thai_id.UnreadableCard(f"not a Thai ID card (SELECT answered {sw1:02X}{sw2:02X})")
        chunks = {
            offset: self.read_range(offset, length) for offset, length in thai_id.read_plan(thai_id.COUNTER_FIELDS)
        }
        card = thai_id.decode_card(chunks)
        if with_photo:
            photo = b"".join(
                self.read_range(thai_id.PHOTO_OFFSET + i * thai_id.PHOTO_CHUNK, thai_id.PHOTO_CHUNK)
                for i in range(thai_id.PHOTO_CHUNKS)
            )
            card["photo_jpeg"] = thai_id.trim_photo(photo)
        return card

    def read_range(self, offset: int, length: int) -> bytes:
        data, sw1, sw2 = self._exchange(thai_id.read_binary(offset, length))
        if sw1 == _SW_OK:
            return data
        if sw1 != _SW_MORE:
            raise thai_id.UnreadableCard(f"READ BINARY at {offset:#06x} answered {sw1:02X}{sw2:02X}")
        data, sw1, sw2 = self._exchange(thai_id.get_response(self.p2, length))
        if sw1 == _SW_WRONG_P1P2 and not self.atr.startswith(thai_id.ATR_PREFIX_WITH_P2_01):
            # An ATR family we do not know: CARD.md says try 00 first, then the other P2.
            self.p2 ^= 0x01
            data, sw1, sw2 = self._exchange(thai_id.get_response(self.p2, length))
        if sw1 != _SW_OK:
            raise thai_id.UnreadableCard(f"GET RESPONSE at {offset:#06x} answered {sw1:02X}{sw2:02X}")
        return data
