#!/usr/bin/python3
"""Health check: one ApiVersions request to HOST:PORT (default 127.0.0.1:9091) answered without error.

A Python process costs far less than kafka-broker-api-versions.sh's JVM every 10 s on a 2-core machine,
and unlike a bare TCP probe it fails until the broker actually serves requests.
"""

import socket
import struct
import sys

host, _, port = (sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:9091").rpartition(":")
client_id = b"healthcheck"
# Request header v1 (api_key 18 = ApiVersions, version 0, correlation id 1, client id) and an empty v0 body.
request = struct.pack(">hhih", 18, 0, 1, len(client_id)) + client_id
with socket.create_connection((host, int(port)), timeout=4) as connection:
    connection.sendall(struct.pack(">i", len(request)) + request)
    reply = b""
    while len(reply) < 10:
        chunk = connection.recv(10 - len(reply))
        if not chunk:
            sys.exit("connection closed")
        reply += chunk
_size, correlation_id, error_code = struct.unpack(">iih", reply)
sys.exit(0 if correlation_id == 1 and error_code == 0 else f"ApiVersions error {error_code}")
