"""Pure text decisions of the command line: what to show, never how to print it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

_MARKER = re.compile(r"\[\d+\]")
_EDGES = " \t\n.,;:!?…\"'“”‘’()-"

CHAT_COMMANDS = {
    "/help": "list these commands",
    "/reset": "forget the conversation (follow-ups start afresh)",
    "/quit": "end the chat (also /exit, Ctrl-D)",
}


def _words(text: str) -> str:
    return " ".join(_MARKER.sub(" ", text).lower().split()).strip(_EDGES)


def repeats_answer(snippet: str, answer: str) -> bool:
    """Whether a source's snippet only repeats what the answer already says (an extractive
    answer is often the snippet itself): then printing it again is noise."""
    words = _words(snippet.replace("…", " "))
    return bool(words) and words in _words(answer)


def chat_command(line: str) -> str | None:
    """The chat command a line is ("/help", ...), "?" for an unknown one, None for a
    question. Only a single /word is a command: "/etc/hosts is what?" is a question."""
    if not line.startswith("/") or " " in line.strip():
        return None
    name = line.strip().lower()
    if name == "/exit":
        return "/quit"
    return name if name in CHAT_COMMANDS else "?"


def chat_help() -> list[str]:
    return [f"{name:8} {what}" for name, what in CHAT_COMMANDS.items()]


@dataclass
class PhaseClock:
    """Turns (phase, done, total) reports into a line with a rate since the phase began."""

    _phase: str = ""
    _start: float = 0.0  # when the current phase began (the caller's clock)
    _first: int = 0  # its count then

    def line(self, phase: str, done: int, total: int, at: float) -> str:
        if phase != self._phase:
            self._phase, self._start, self._first = phase, at, done
        unit = "files" if phase in ("reading", "chunking") else "chunks"
        if not total:
            return phase
        text = f"{phase} {done:,} of {total:,} {unit}"
        elapsed = at - self._start
        if done > self._first and elapsed >= 0.5:
            text += f" · {(done - self._first) / elapsed:,.1f} {unit}/s"
        return text


def change_lines(changes: Sequence[tuple[str, str]], when: datetime, limit: int = 20) -> list[str]:
    """`--watch`'s account of an update: a timestamped line per changed file."""
    stamp = when.strftime("%H:%M:%S")
    lines = [f"{stamp} {what} {name}" for what, name in changes[:limit]]
    if len(changes) > limit:
        lines.append(f"{stamp} ... and {len(changes) - limit} more")
    return lines
