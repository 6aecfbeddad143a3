"""Keeps the virtual card reader to this machine.

vsmartcard's vpcd (the development reader inside pcscd) listens on every IPv4 address, with no option to
bind to loopback; whoever connects to it inserts a card. While the stack runs, a firewall rule drops
connections to its ports on any address but loopback, from this machine too, so the rule can be tested.
"""

import shutil
import subprocess

VPCD_PORTS = "35963:35964"
RULE = [
    "INPUT",
    "-p",
    "tcp",
    "--dport",
    VPCD_PORTS,
    "!",
    "-d",
    "127.0.0.0/8",
    "-m",
    "comment",
    "--comment",
    "citizeninfo: the virtual card reader is for this machine only",
    "-j",
    "DROP",
]


def _iptables(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["iptables", "-w", *arguments], capture_output=True, text=True, check=False)


def guard() -> None:
    """Adds the rule once (idempotent); raises when it cannot, rather than leaving the reader open."""
    if shutil.which("iptables") is None:
        raise RuntimeError("iptables is missing (deploy/system-packages.txt): the virtual reader would be open")
    if _iptables("-C", *RULE).returncode == 0:
        return
    added = _iptables("-I", *RULE)
    if added.returncode != 0:
        raise RuntimeError(f"could not keep the virtual reader to loopback: {added.stderr.strip()}")


def unguard() -> None:
    if shutil.which("iptables") is None:
        return
    while _iptables("-C", *RULE).returncode == 0:
        _iptables("-D", *RULE)
