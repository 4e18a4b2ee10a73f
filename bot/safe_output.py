"""The process edges of `bot.redact`: stdout, stderr and logging never carry a secret.

`protect_process(settings)` (called first by `newsbot` and `newsbot bot`) installs the
redactor of the settings' secrets, swaps `sys.stdout` / `sys.stderr` for redacting
wrappers (so rich consoles, `sys.stdout.write`, tracebacks and typer's messages are all
covered) and gives every logging handler a redacting formatter.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
from typing import IO, TYPE_CHECKING, Any

from rich.markup import escape as _markup_escape

from bot.redact import (
    Redactor,
    StreamRedactor,
    add_secrets,
    current,
    redact,
    secret_env_names,
    secret_values,
    secrets_in,
    terminal_text,
)

if TYPE_CHECKING:
    from bot.settings import Settings


def console_escape(text: str) -> str:
    """Untrusted text for a rich console: no escape sequences, no rich markup."""
    return _markup_escape(terminal_text(text))


class RedactingStream:
    """A text stream that redacts what is written to it, even split over several writes.

    A tail that could be the start of a secret waits for the next write (or for the end of
    the process); everything else is passed on at once, so flushing works as usual.
    """

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._redactor = current()
        self._pending = StreamRedactor(self._redactor)

    def write(self, text: str) -> int:
        if current() is not self._redactor:  # new secrets were installed
            held = self._pending.flush()
            self._redactor = current()
            self._pending = StreamRedactor(self._redactor)
            text = held + text
        self._stream.write(self._pending.feed(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._stream.flush()

    def close_pending(self) -> None:
        """Write the held-back tail (at exit: nothing more will complete it)."""
        rest = self._pending.flush()
        if rest:
            self._stream.write(rest)
            self._stream.flush()

    def __getattr__(self, name: str) -> Any:  # isatty, encoding, fileno, buffer, ...
        return getattr(self._stream, name)


class RedactingFormatter(logging.Formatter):
    """Formats a record (message, arguments, traceback), then removes every secret."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))

    def formatException(self, ei: Any) -> str:
        return redact(super().formatException(ei))


def redact_logging(fmt: str | None = None) -> None:
    """Give every handler of the root logger a redacting formatter (keeping its format)."""
    for handler in logging.getLogger().handlers:
        old = handler.formatter
        handler.setFormatter(
            RedactingFormatter(
                fmt or (old._fmt if old else None),
                old.datefmt if old else None,
            )
        )


def process_secrets(settings: Settings | None = None) -> list[str]:
    """The secrets to keep out: from the settings, else straight from the environment and
    `.env` (settings that fail to load must not leak the secrets either)."""
    from bot.settings import Settings, load_settings

    values: list[str] = []
    if settings is None:
        try:
            settings = load_settings()
        except Exception:  # a settings error is reported by the command itself
            settings = None
    if settings is not None:
        values += secret_values(settings)
    env: dict[str, str | None] = {}
    try:
        from dotenv import dotenv_values

        env.update(dotenv_values(".env"))
    except Exception:  # no python-dotenv or an unreadable .env: the environment still counts
        pass
    env.update(os.environ)
    return values + secrets_in(env, secret_env_names(Settings))


def protect_process(settings: Settings | None = None) -> None:
    """Redact the settings' secrets from stdout, stderr and logs for the rest of the process."""
    add_secrets(process_secrets(settings))
    if not current():
        return
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if not isinstance(stream, RedactingStream):
            wrapped = RedactingStream(stream)
            setattr(sys, name, wrapped)
            atexit.register(wrapped.close_pending)
    redact_logging()


__all__ = [
    "RedactingFormatter",
    "RedactingStream",
    "Redactor",
    "console_escape",
    "protect_process",
    "redact_logging",
]
