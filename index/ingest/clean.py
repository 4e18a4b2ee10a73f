"""Boilerplate removal for scraped news text. Pure: text in, text out."""

from __future__ import annotations

import re
import unicodedata

# Whole lines that are page furniture rather than reporting. Matched case-insensitively
# against the stripped line.
_BOILERPLATE = [
    r"-*\s*advertisement\s*-*",
    r"(read|see) (more|also)\s*[:\-–].*",
    r"related\s*:.*",
    r"weekly newsletter",
    r"(daily |weekly )?newsletter( sign[- ]?up)?",
    r"sign up( for)? .{0,60}",
    r"subscribe( now| today| to .{0,60})?[.!]?",
    r"loading\.*",
    r"leave a (comment|reply)",
    r"\d* ?comments?",
    r"share( this)?( article| story)?( on .{0,30})?",
    r"click here.{0,80}",
    r"(follow us|follow) on .{0,40}",
    r"(photo|image|video) ?(credit)?s? ?:.{0,120}",
    r"advertisement - scroll to continue",
    r"skip to (main )?content",
    r"(all rights reserved|copyright ©?).{0,80}",
]
_BOILERPLATE_RE = re.compile(r"^(?:" + "|".join(_BOILERPLATE) + r")$", re.IGNORECASE)
# Category tags such as "UAUkraine|" or "World": a single token, no sentence inside.
_TAG_RE = re.compile(r"^[|\-–•·]*\s*[\w’'&.]+\s*[|\-–•·]*$")
_SPACES_RE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def normalize_line(line: str) -> str:
    """NFC-normalise and collapse runs of spaces; control characters are dropped."""
    line = unicodedata.normalize("NFC", line)
    if not line.isprintable():  # rare: only then look at each character (profiled hot spot)
        line = "".join(ch for ch in line if ch in "\t" or unicodedata.category(ch)[0] != "C")
    return _SPACES_RE.sub(" ", line).strip()


def is_boilerplate(line: str) -> bool:
    """True for ad markers, 'Read more:' links, newsletter prompts and tag lines."""
    return bool(_BOILERPLATE_RE.match(line) or _TAG_RE.match(line))


def clean_lines(text: str) -> list[str]:
    """Paragraph lines of an article with furniture and repeated lines removed.

    Blank lines are kept (as "") because story splitting reads the page's structure.
    A line already seen earlier in the page (a repeated headline) is dropped.
    """
    seen: set[str] = set()
    out: list[str] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = normalize_line(raw)
        if not line:
            if out and out[-1] != "":
                out.append("")
            continue
        if is_boilerplate(line):
            continue
        key = line.casefold()
        if key in seen:
            continue
        seen.add(key)
        out.append(line)
    while out and out[-1] == "":
        out.pop()
    return out


def clean_text(text: str) -> str:
    """Cleaned text with one paragraph per block, blocks separated by a blank line."""
    return "\n\n".join(line for line in clean_lines(text) if line)
