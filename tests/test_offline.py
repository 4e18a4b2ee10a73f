"""The suite runs with the network blocked beyond loopback, in this process and in children."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest


def test_outside_hosts_are_unreachable_here() -> None:
    with pytest.raises(OSError, match="blocked"):
        socket.create_connection(("1.1.1.1", 443), timeout=2)
    with pytest.raises(OSError, match="blocked"):
        socket.getaddrinfo("huggingface.co", 443)


def test_loopback_still_works() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    with socket.create_connection(server.getsockname(), timeout=2):
        pass
    server.close()


def test_child_processes_are_guarded_too() -> None:
    code = "import socket; socket.create_connection(('8.8.8.8', 53), timeout=2)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "blocked in tests" in proc.stderr
