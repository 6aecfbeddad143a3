"""A virtual Thai ID card for vsmartcard's vpcd: development and tests without a real card.

vpcd listens on TCP (35963 for "Virtual PCD 00 00", 35964 for "Virtual PCD 00 01"); a card is a client.
Every message is a 2-byte big-endian length and a payload. A 1-byte payload is a control message
(0 power off, 1 power on, 2 reset, 4 send the ATR); a longer one is a command APDU to answer.
Connecting inserts the card, closing the socket removes it. The card answers SELECT, READ BINARY and
GET RESPONSE the way the real card does, including the family-specific GET RESPONSE P2.

    python -m card_agent.virtual_card --port 35963      # insert a demo card until Ctrl-C
"""

import argparse
import contextlib
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

from card_agent import thai_id

VPCD_HOST = "127.0.0.1"
VPCD_PORTS = (35963, 35964)
ATR_FAMILY_3B67 = bytes.fromhex("3B6700002D2036009001")  # GET RESPONSE with P2 = 01
ATR_FAMILY_3B79 = bytes.fromhex("3B79960000544820 4E494420 3138".replace(" ", ""))  # "TH NID 18", P2 = 00
_POWER_OFF, _POWER_ON, _RESET, _GET_ATR = 0, 1, 2, 4
_FILE_SIZE = thai_id.ADDRESS.offset + thai_id.ADDRESS.length


def demo_photo() -> bytes:
    """A small JPEG-shaped blob: SOI, a body with zero bytes inside (must survive), EOI."""
    body = bytes((i * 7) % 256 for i in range(3000))
    return b"\xff\xd8\xff\xe0" + body + b"\x00\x00\x17" + b"\xff\xd9"


@dataclass
class CardProfile:
    citizen_id: str
    name_th: str = "นาง#สมศรี##ใจดี"
    name_en: str = "Mrs.#Somsri##Jaidee"
    birth_date_be: str = "25230415"
    gender: str = "2"
    issuer: str = "อำเภอเมืองนนทบุรี/นนทบุรี"
    issue_date_be: str = "25650101"
    expiry_date_be: str = "25731231"
    address_th: str = "99/1#หมู่ที่ 4##ถนนงามวงศ์วาน##ตำบลบางกระสอ#อำเภอเมืองนนทบุรี#จังหวัดนนทบุรี"
    photo: bytes = field(default_factory=demo_photo)
    atr: bytes = ATR_FAMILY_3B79

    def image(self) -> bytes:
        """The card's file: every field at its offset, text padded with spaces, the photo with zeros."""
        data = bytearray(b"\x00" * _FILE_SIZE)

        def put(f: thai_id.Field, value: bytes, pad: bytes = b" ") -> None:
            data[f.offset : f.offset + f.length] = value[: f.length].ljust(f.length, pad)

        put(thai_id.CITIZEN_ID, self.citizen_id.encode("ascii"))
        put(thai_id.NAME_TH, self.name_th.encode("tis_620"))
        put(thai_id.NAME_EN, self.name_en.encode("ascii"))
        put(thai_id.BIRTH_DATE, self.birth_date_be.encode("ascii"))
        put(thai_id.GENDER, self.gender.encode("ascii"))
        put(thai_id.ISSUER, self.issuer.encode("tis_620"))
        put(thai_id.ISSUE_DATE, self.issue_date_be.encode("ascii"))
        put(thai_id.EXPIRY_DATE, self.expiry_date_be.encode("ascii"))
        photo_size = thai_id.PHOTO_CHUNK * thai_id.PHOTO_CHUNKS
        data[thai_id.PHOTO_OFFSET : thai_id.PHOTO_OFFSET + photo_size] = self.photo[:photo_size].ljust(
            photo_size, b"\x00"
        )
        put(thai_id.ADDRESS, self.address_th.encode("tis_620"))
        return bytes(data)


class CardApplet:
    """The card's answers to APDUs (no I/O: unit-testable)."""

    def __init__(self, profile: CardProfile) -> None:
        self.profile = profile
        self._image = profile.image()
        self._selected = False
        self._pending = b""
        self.apdus_answered = 0

    @property
    def get_response_p2(self) -> int:
        return thai_id.get_response_p2(self.profile.atr)

    def reset(self) -> None:
        self._selected = False
        self._pending = b""

    def answer(self, apdu: bytes) -> bytes:
        self.apdus_answered += 1
        if apdu == thai_id.SELECT_MOI_APPLET:
            self._selected = True
            return bytes([0x61, 0x0A])
        if len(apdu) == 7 and apdu[:2] == b"\x80\xb0" and apdu[4:6] == b"\x02\x00":
            if not self._selected:
                return b"\x69\x86"  # command not allowed: no applet selected
            offset, length = (apdu[2] << 8) | apdu[3], apdu[6]
            if offset + length > len(self._image):
                return b"\x6b\x00"
            self._pending = self._image[offset : offset + length]
            return bytes([0x61, length])
        if len(apdu) == 5 and apdu[:3] == b"\x00\xc0\x00":
            if apdu[3] != self.get_response_p2:
                return b"\x6a\x86"  # incorrect P1-P2: the other card family's GET RESPONSE
            if not self._pending:
                return b"\x69\x85"
            data, self._pending = self._pending[: apdu[4]], b""
            return data + b"\x90\x00"
        return b"\x6d\x00"  # instruction not supported


class VirtualCard:
    """A card inserted into vpcd while this object runs (a thread answers the reader).

    `remove_after_apdus` pulls the card after that many answered APDUs: a card removed mid-read.
    """

    def __init__(
        self,
        profile: CardProfile,
        *,
        port: int = VPCD_PORTS[0],
        host: str = VPCD_HOST,
        remove_after_apdus: int | None = None,
        settle_seconds: float = 1.0,
    ) -> None:
        self.applet = CardApplet(profile)
        self._address = (host, port)
        self._remove_after = remove_after_apdus
        self._settle_seconds = settle_seconds
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.removed = threading.Event()

    def insert(self) -> "VirtualCard":
        self._socket = socket.create_connection(self._address, timeout=5)
        self._socket.settimeout(None)
        self._thread = threading.Thread(target=self._serve, name="virtual-card", daemon=True)
        self._thread.start()
        return self

    def remove(self) -> None:
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
            self._socket.close()
            self._socket = None
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.removed.set()
        # pcscd polls vpcd about every 0.4 s: a card inserted sooner than that after this one left would
        # look like the same card still sitting there (no human swaps cards that fast).
        time.sleep(self._settle_seconds)

    def __enter__(self) -> "VirtualCard":
        return self.insert()

    def __exit__(self, *exc_info: object) -> None:
        self.remove()

    def _serve(self) -> None:
        sock = self._socket
        try:
            while sock is not None:
                payload = _receive(sock)
                if payload is None:
                    break
                if len(payload) == 1:
                    if payload[0] == _GET_ATR:
                        _send(sock, self.applet.profile.atr)
                    elif payload[0] in (_POWER_OFF, _POWER_ON, _RESET):
                        self.applet.reset()
                    continue
                if self._remove_after is not None and self.applet.apdus_answered >= self._remove_after:
                    break  # pulled out before answering
                _send(sock, self.applet.answer(payload))
        except OSError:
            pass
        finally:
            self.removed.set()
            with contextlib.suppress(OSError):
                sock.close()


def _receive(sock: socket.socket) -> bytes | None:
    header = _receive_exactly(sock, 2)
    if header is None:
        return None
    (length,) = struct.unpack(">H", header)
    return _receive_exactly(sock, length)


def _receive_exactly(sock: socket.socket, size: int) -> bytes | None:
    buffer = b""
    while len(buffer) < size:
        chunk = sock.recv(size - len(buffer))
        if not chunk:
            return None
        buffer += chunk
    return buffer


def _send(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(struct.pack(">H", len(payload)) + payload)


def main() -> None:
    parser = argparse.ArgumentParser(description="Insert a virtual Thai ID card into vpcd until Ctrl-C.")
    parser.add_argument("--port", type=int, default=VPCD_PORTS[0])
    parser.add_argument("--citizen-id", default="1101700230708", help="a test id with a valid check digit")
    parser.add_argument("--family", choices=["3b67", "3b79"], default="3b79")
    args = parser.parse_args()
    atr = ATR_FAMILY_3B67 if args.family == "3b67" else ATR_FAMILY_3B79
    card = VirtualCard(CardProfile(citizen_id=args.citizen_id, atr=atr), port=args.port).insert()
    print(f"card inserted into vpcd on port {args.port}; Ctrl-C removes it")
    with contextlib.suppress(KeyboardInterrupt):
        card.removed.wait()
    card.remove()


if __name__ == "__main__":
    main()
