"""What the native stack exposes beyond its owner: the secrets file and the virtual card reader."""

import socket
import stat
import subprocess

import pytest
from citizeninfo_devstack.paths import StackPaths

# native_only: what the native stack exposes (supervisord.conf under .run/, vpcd's ports).
pytestmark = [pytest.mark.integration, pytest.mark.native_only]

VPCD_PORT = 35963
CONNECT_SECONDS = 2.0


def non_loopback_address() -> str:
    listed = subprocess.run(["ip", "-o", "-4", "addr", "show", "scope", "global"], capture_output=True, text=True)
    for line in listed.stdout.splitlines():
        address = line.split()[3].split("/")[0]
        if not address.startswith("127."):
            return address
    pytest.fail("this machine has no non-loopback IPv4 address to test the reader's exposure from")


def connects(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=CONNECT_SECONDS):
            return True
    except OSError:
        return False


def test_supervisord_conf_with_the_secrets_is_for_its_owner_only() -> None:
    conf = StackPaths.discover().supervisor_conf
    assert "CITIZENINFO_JWT_SECRET" in conf.read_text()
    assert stat.S_IMODE(conf.stat().st_mode) & 0o077 == 0, oct(conf.stat().st_mode)


def test_the_virtual_reader_cannot_be_reached_on_a_network_address() -> None:
    address = non_loopback_address()
    # The control: that address takes connections to a port listening on every address.
    with socket.create_server(("0.0.0.0", 0)) as control:
        assert connects(address, control.getsockname()[1]), f"{address} is not reachable at all"
    # vpcd (in pcscd, when the stack runs as root) listens on every address too; a connection inserts a card.
    assert not connects(address, VPCD_PORT), f"the virtual reader takes cards from {address}:{VPCD_PORT}"
