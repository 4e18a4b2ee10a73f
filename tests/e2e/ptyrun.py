"""Run the CLI on a pseudo-terminal, as a user at a terminal does (pty from the stdlib)."""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()=>][0-9A-B]?")


def plain(raw: str) -> str:
    """What a terminal shows, roughly: escape sequences and carriage returns removed."""
    return ANSI.sub("", raw).replace("\r", "")


class Terminal:
    """The CLI in a child process whose stdin, stdout and stderr are one terminal."""

    def __init__(self, *args: str, env: dict[str, str], columns: int = 100, rows: int = 40) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        full_env = {**os.environ, **env, "TERM": "xterm", "COLUMNS": str(columns)}
        full_env.pop("NO_COLOR", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=full_env,
            start_new_session=True,  # its own session: the terminal becomes its terminal
        )
        os.close(slave)
        self.fd = master
        self.raw = ""

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        self.raw += data.decode("utf-8", "replace")
        return bool(data)

    def expect(self, text: str, timeout: float = 120, start: int = 0) -> int:
        """Wait until `text` shows after `start` in the screen text with its line breaks
        and runs of spaces as single spaces (output wraps); returns where it ends."""
        deadline = time.monotonic() + timeout
        while True:
            seen = self.flowed
            at = seen.find(text, start)
            if at >= 0:
                return at + len(text)
            if time.monotonic() > deadline or (
                not self._read(0.2) and self.proc.poll() is not None and not self._read(0)
            ):
                raise AssertionError(f"{text!r} never showed; screen:\n{seen[-3000:]}")

    def send(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def interrupt(self) -> None:
        self.proc.send_signal(signal.SIGINT)

    def wait(self, timeout: float = 120) -> int:
        """Read until the child exits; its exit code."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._read(0.2)
        while self._read(0.1):
            pass
        code = self.proc.wait(timeout=5)
        os.close(self.fd)
        return code

    @property
    def text(self) -> str:
        return plain(self.raw)

    @property
    def flowed(self) -> str:
        return " ".join(self.text.split())
