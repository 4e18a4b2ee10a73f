"""Secrets out, untrusted text made safe: the one filter every output channel goes through.

Pure string logic, no I/O. The edges (`bot.safe_output` for stdout, stderr and logging; the
Discord formatting and feedback store) call `redact()`, so a secret never leaves whatever
produced the text: model output, a server's error body, an exception message.

* `Redactor`: replaces each secret value (every `SecretStr` setting, plus the bare token of a
  value written as "Bot <token>" / "Bearer <key>") with `[redacted]`. Secrets of 6 characters
  or more are replaced wherever they occur. Shorter ones (a placeholder such as "none" or
  "x", which protects nothing) only where they stand as a whole word, so that a short value
  does not mangle every word that happens to contain it.
* `StreamRedactor`: the same over text that arrives in pieces (streamed LLM tokens), holding
  back a tail that could be the start of a secret until the next piece settles it.
* `terminal_text`: control and escape characters removed before text reaches a terminal.
* `install` / `redact`: the process-wide redactor the edges use (empty until installed).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from pydantic import BaseModel

    from bot.settings import Settings

PLACEHOLDER = "[redacted]"
MIN_ANYWHERE = 6  # shorter secrets are redacted only as whole words
_SCHEMES = ("Bot ", "Bearer ", "Basic ", "Token ")


def _variants(secret: str) -> set[str]:
    """The secret as it may be written: bare, without an auth scheme, JSON- or URL-escaped."""
    found = set()
    for value in (secret, secret.strip()):
        found.add(value)
        for scheme in _SCHEMES:
            if value.startswith(scheme):
                found.add(value[len(scheme) :].strip())
    for value in list(found):
        found.add(json.dumps(value, ensure_ascii=False)[1:-1])
        found.add(json.dumps(value)[1:-1])
        found.add(quote(value, safe=""))
    return {v for v in found if v and v not in PLACEHOLDER}


class Redactor:
    """Replaces every known secret in a text; longest first, so no fragment is left over."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.raw = frozenset(s for s in secrets if s)  # as given, for `add_secrets`
        values: set[str] = set()
        for secret in self.raw:
            values |= _variants(secret)
        self.secrets = sorted(values, key=len, reverse=True)
        long = [re.escape(s) for s in self.secrets if len(s) >= MIN_ANYWHERE]
        short = [re.escape(s) for s in self.secrets if len(s) < MIN_ANYWHERE]
        parts = long + [rf"(?<![0-9A-Za-z]){s}(?![0-9A-Za-z])" for s in short]
        self._pattern = re.compile("|".join(parts)) if parts else None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def __call__(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(PLACEHOLDER, text)

    def data(self, value: object) -> object:
        """`value` (JSON-like: dicts, lists, strings) with every string redacted."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, Mapping):
            return {self(str(k)): self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        return value

    def pending(self, text: str) -> int:
        """Length of the longest tail of `text` that could be the start of a secret."""
        longest = 0
        for secret in self.secrets:
            for n in range(min(len(secret), len(text)), longest, -1):
                if text.endswith(secret[:n]):
                    longest = n
                    break
        return longest


class StreamRedactor:
    """Redacts text written piece by piece; a secret split over two pieces is still caught."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self._held = ""

    def feed(self, piece: str) -> str:
        """What of `held + piece` can be shown now (a possible secret's start is held back)."""
        text = self.redactor(self._held + piece)
        keep = self.redactor.pending(text)
        self._held = text[len(text) - keep :] if keep else ""
        return text[: len(text) - keep]

    def flush(self) -> str:
        """The held-back tail, at the end of the stream."""
        text, self._held = self.redactor(self._held), ""
        return text


def secret_values(settings: BaseModel) -> list[str]:
    """The value of every `SecretStr` setting, whatever its name or group."""
    from pydantic import BaseModel, SecretStr

    values = []
    for name in type(settings).model_fields:
        value = getattr(settings, name, None)
        if isinstance(value, BaseModel):
            values += secret_values(value)
        elif isinstance(value, SecretStr) and value.get_secret_value():
            values.append(value.get_secret_value())
    return values


def secret_env_names(settings_cls: type[Settings]) -> list[str]:
    """Environment names a `SecretStr` setting can come from (for when settings don't load)."""
    from index.settings import groups_of

    names = []
    for group in groups_of(settings_cls).values():
        for name, field in group.model_fields.items():
            if "SecretStr" in str(field.annotation):
                names += group.env_names(name)
    return names


def secrets_in(environ: Mapping[str, str | None], names: Iterable[str]) -> list[str]:
    """The values of `names` in `environ` (case-insensitive, as pydantic-settings reads)."""
    upper = {k.upper(): v for k, v in environ.items() if v}
    return [v for n in names if (v := upper.get(n.upper()))]


# --------------------------------------------------------------------------- terminals

_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, erase
    r"|\x9b[0-?]*[ -/]*[@-~]"  # the same with the one-byte C1 introducer
    r"|[\x1b\x9d]\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC: titles, hyperlinks
    r"|\x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?"  # DCS, SOS, PM, APC strings
    r"|\x1b[ -/]*[0-~]?"  # any other escape
)
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 but tab and newline, DEL, C1 (CR goes too)
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"  # bidi marks, embeddings, overrides
)


def terminal_text(text: str) -> str:
    """`text` fit for a terminal: escape sequences and control characters removed.

    Newlines and tabs stay; a carriage return (which can overwrite what was printed) ends a
    line instead when it is part of CRLF and disappears otherwise; bidi overrides that can
    reorder what the reader sees go too.
    """
    text = text.replace("\r\n", "\n")
    text = _ESCAPE_SEQUENCE.sub("", text)
    return _CONTROL.sub("", text)


# --------------------------------------------------------------------------- process-wide

_current = Redactor()


def install(redactor: Redactor) -> None:
    """Make `redactor` the one `redact()` uses (at startup, from the settings)."""
    global _current
    _current = redactor


def add_secrets(secrets: Iterable[str]) -> None:
    """Also redact `secrets` from now on (keeps the ones already installed)."""
    secrets = set(secrets) - current().raw
    if secrets:
        install(Redactor([*current().raw, *secrets]))


def current() -> Redactor:
    return _current


def redact(text: str) -> str:
    """`text` without any secret of the installed redactor."""
    return _current(text)
