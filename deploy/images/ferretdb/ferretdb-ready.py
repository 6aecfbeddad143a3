#!/usr/bin/python3
"""Health check: an anonymous `ping` over the MongoDB wire protocol to 127.0.0.1:27017 answered ok: 1.

FerretDB answers ping only once PostgreSQL does. Like the mongosh check it replaces, it needs no password;
unlike `ferretdb ping` (the Go driver), it sends no endSessions, which FerretDB 1.x lacks and logs in full
as a warning: about twenty log lines per check.
"""

import socket
import struct
import sys


def cstring(text: str) -> bytes:
    return text.encode() + b"\0"


def document(elements: bytes) -> bytes:
    return struct.pack("<i", len(elements) + 5) + elements + b"\0"


# {ping: 1, $db: "admin"}: an int32 element (0x10) and a string element (0x02: length, then the text).
ping = b"\x10" + cstring("ping") + struct.pack("<i", 1)
database = b"\x02" + cstring("$db") + struct.pack("<i", len("admin") + 1) + cstring("admin")
body = document(ping + database)
# OP_MSG (2013): flag bits 0, one body section (kind 0).
message = struct.pack("<ib", 0, 0) + body
header = struct.pack("<iiii", 16 + len(message), 1, 0, 2013)
with socket.create_connection(("127.0.0.1", 27017), timeout=8) as connection:
    connection.sendall(header + message)
    reply = b""
    while len(reply) < 4 or len(reply) < struct.unpack("<i", reply[:4])[0]:
        chunk = connection.recv(65536)
        if not chunk:
            sys.exit("connection closed")
        reply += chunk
# The reply's document holds `ok` as a double (0x01).
ok = reply.find(b"\x01ok\x00")
sys.exit(0 if ok >= 0 and struct.unpack("<d", reply[ok + 4 : ok + 12])[0] == 1.0 else f"ping failed: {reply[21:]!r}")
