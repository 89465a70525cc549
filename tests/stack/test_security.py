"""The running servers: token-protected Rasa API (token not on any command line), loopback-only
binding."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.stack.harness import Stack

pytestmark = pytest.mark.stack


def test_rasa_http_api_needs_the_token(stack: Stack) -> None:
    url = f"{stack.settings.rasa_url}/status"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, params={"token": "wrong"}).status_code == 401
    assert httpx.get(url, params={"token": stack.settings.rasa_token}).status_code == 200
    tracker = f"{stack.settings.rasa_url}/conversations/someone/tracker"
    assert httpx.get(tracker).status_code == 401


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on `port`, read from /proc/net/tcp{,6}."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as handle:
                lines = handle.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, _remote, state = line.split()[1:4]
            address, port_hex = local.rsplit(":", 1)
            if int(port_hex, 16) == port and state == "0A":  # 0A = LISTEN
                found.add(address)
    return found


LOOPBACK = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1 and ::1


@pytest.mark.parametrize("which", ["rasa_port", "action_port"])
def test_servers_listen_on_loopback_only(stack: Stack, which: str) -> None:
    port = getattr(stack.settings, which)
    with socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    addresses = listening_addresses(port)
    assert addresses, f"nothing listens on {port}"
    assert addresses <= LOOPBACK, f"port {port} listens on {addresses} (0.0.0.0 = 00000000)"


def _descendants(pid: int) -> set[int]:
    """`pid` and every process below it, from /proc/<pid>/stat parent ids."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        parents[int(stat.parent.name)] = int(fields[1])
    found = {pid}
    while True:
        more = {child for child, parent in parents.items() if parent in found} - found
        if not more:
            return found
        found |= more


def _rasa_process(stack: Stack) -> subprocess.Popen[bytes]:
    for process in stack.processes:
        if process.poll() is None and "bot.rasa_plugins.server" in " ".join(map(str, process.args)):
            return process
    raise AssertionError("no running Rasa server")


def test_rasa_token_is_not_on_the_command_line(stack: Stack) -> None:
    """`ps` and /proc/<pid>/cmdline are world-readable: the token travels in the environment."""
    token = stack.settings.rasa_token.encode()
    rasa = _rasa_process(stack)
    cmdline = Path(f"/proc/{rasa.pid}/cmdline").read_bytes()
    assert b"bot.rasa_plugins.server\0run\0--enable-api" in cmdline, cmdline  # the right one
    for pid in _descendants(rasa.pid) | {p.pid for p in stack.processes if p.poll() is None}:
        try:
            assert token not in Path(f"/proc/{pid}/cmdline").read_bytes(), pid
        except FileNotFoundError:
            continue
    # ... and it is still the token Rasa's API demands
    url = f"{stack.settings.rasa_url}/status"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, params={"token": stack.settings.rasa_token}).status_code == 200
