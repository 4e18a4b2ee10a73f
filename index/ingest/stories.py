"""Turn one cleaned page into stories: title, publication date and body for each. Pure.

A publication date comes from metadata (passed in by the reader of the file) or from a
dateline at the top of a story ("Published 24 May 2025", "London, 24 May 2025 —",
"By Jane Doe | 24 May 2025"), never from a date mentioned in the reporting: those are
deadlines, quarters and anniversaries, not the day the story ran.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from index.dates import DATE_PATTERNS as _DATE_RES
from index.dates import MONTH_NUMBER as _MONTH_NUM
from index.dates import find_date as find_date
from index.ingest.clean import clean_lines
from index.types import DatedBy

# A line that opens a block of other stories on the same page ("More from Ukraine").
_MORE_RE = re.compile(
    r"^(more (from|in|on|about) .{1,40}|more stories|related (stories|articles|news)|"
    r"also read|you may also like|recommended( for you)?|most read|latest news|"
    r"top stories|trending( now)?)$",
    re.IGNORECASE,
)
_SENTENCE_END = (".", "!", "…", '"', "”", ":", ";", ",")
_WEEKDAY_RE = re.compile(
    r"(?:mon|tue|tues|wed|wednes|thu|thur|thurs|fri|sat|satur|sun)(?:day)?\.?,?\s+", re.I
)
# "Published", "Updated", "Posted on", "First published:" (emphasis marks already stripped)
_LABEL_RE = re.compile(
    r"(?:first\s+|last\s+)?(?:published|posted|updated|modified|dated)(?:\s+(?:on|at))?"
    r"\s*[:\-–—]?\s*",
    re.I,
)
# "By Jane Doe, " / "By Jane Doe | " before a date
_BYLINE_RE = re.compile(r"by\s+[^\d,|•·]{2,60}?\s*(?:[,|•·]|\s[-–—])\s*", re.I)
# "London" / "KYIV, Ukraine" / "WASHINGTON (Reuters)": a place before ", <date> —"
_PLACE_RE = re.compile(r"[A-Z][\w.'’ -]{1,40}(?:,\s+[A-Z][\w.'’ -]{1,30})?(?:\s*\([^)]{1,30}\))?")
_PLACE_END_RE = re.compile(r"\s*(?:\([^)]{1,30}\))?\s*[—–-]+\s")
# What may follow the date on a line that holds only a date: a time, a zone, separators.
_TIME_TAIL_RE = re.compile(
    r"[\s,|•·]*(?:(?:at\s+)?(?:T?\d{1,2}[:.]\d\d(?:[:.]\d\d)?(?:\.\d+)?)\s*"
    r"(?:[ap]\.?m\.?)?\s*(?:Z|[A-Z]{2,5}|(?:GMT|UTC)?\s*[+-]\d\d:?\d\d)?)?[\s.]*",
    re.I,
)
_MD_HEADING_RE = re.compile(r"^#{1,6}\s+")
_EMPHASIS = "*_ "
DATELINE_LINES = 5  # non-empty lines at the top of a story searched for a dateline


@dataclass(frozen=True)
class Story:
    """A story found on a page, before it gets its id and source."""

    title: str
    text: str
    date: date | None
    # Where the date came from: as the caller says, or "dateline" (the top of the story);
    # "" when the story is undated.
    dated_by: DatedBy = ""


def _date_at(text: str) -> tuple[date, int] | None:
    """The date that `text` starts with (a weekday may come first) and where it ends."""
    skip = _WEEKDAY_RE.match(text)
    start = skip.end() if skip else 0
    for pattern in _DATE_RES:
        match = pattern.match(text, start)
        if not match:
            continue
        month = match.group("m")
        month_num = int(month) if month.isdigit() else _MONTH_NUM[month.lower().rstrip(".")]
        try:
            return date(int(match.group("y")), month_num, int(match.group("d"))), match.end()
        except ValueError:
            return None
    return None


def dateline(line: str) -> tuple[date, bool] | None:
    """The publication date a line at the top of a story gives, and whether the line is
    only metadata (to drop from the text): "Published 24 May 2025 10:00 BST",
    "*Updated: 2025-05-24*", "Saturday, 24 May 2025", "By Jane Doe | May 24, 2025"
    (metadata), "London, 24 May 2025 — Ministers met…" (the story's first sentence)."""
    bare = line.strip(_EMPHASIS)
    for prefix in (_LABEL_RE, _BYLINE_RE, None):
        skip = prefix.match(bare) if prefix else None
        if prefix and not skip:
            continue
        found = _date_at(bare[skip.end() :] if skip else bare)
        if not found:
            continue
        rest = (bare[skip.end() :] if skip else bare)[found[1] :]
        if prefix is _LABEL_RE:  # the label says it: whatever follows is more metadata
            return found[0], len(bare) <= 160
        if _TIME_TAIL_RE.fullmatch(rest):
            return found[0], True
        if prefix is _BYLINE_RE and len(bare) <= 120:
            return found[0], True
    for comma in re.finditer(r",\s+", bare[:80]):
        if not _PLACE_RE.fullmatch(bare[: comma.start()]):
            continue
        found = _date_at(bare[comma.end() :])
        if found and _PLACE_END_RE.match(bare, comma.end() + found[1]):
            return found[0], False
    return None


def find_dateline(lines: list[str]) -> tuple[date | None, list[str]]:
    """The publication date the top lines of a story give (see `dateline`), and the lines
    without the ones that were only metadata. A date further down is never used."""
    seen = 0
    for i, line in enumerate(lines):
        if not line:
            continue
        if seen == DATELINE_LINES:
            break
        seen += 1
        found = dateline(line)
        if found:
            when, drop = found
            return when, lines[:i] + lines[i + 1 :] if drop else lines
        if len(line) > 300:  # the reporting has begun
            break
    return None, lines


def looks_like_headline(line: str) -> bool:
    """Short, no closing full stop, several words: how headlines look in scraped text."""
    words = line.split()
    return 3 <= len(words) <= 25 and len(line) <= 160 and not line.endswith(_SENTENCE_END)


def fallback_title(text: str, limit: int = 90) -> str:
    """A title made from the opening sentence when the page has no headline."""
    first = re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0]
    if len(first) <= limit:
        return first.rstrip(".")
    cut = first[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def _blocks_to_story(
    lines: list[str], title: str | None, known: tuple[date, DatedBy] | None
) -> Story | None:
    """A story from its lines; `known` is a date and its kind given from outside, which
    wins over a dateline (a dateline line is dropped from the text either way)."""
    found, lines = find_dateline(lines)
    body_lines = [line for line in lines if line]
    if title is None and body_lines and looks_like_headline(body_lines[0]) and len(body_lines) > 1:
        title = body_lines.pop(0)
    body = "\n\n".join(body_lines).strip()
    if not body:
        return None
    when: date | None
    dated_by: DatedBy
    when, dated_by = known if known else (found, "dateline") if found else (None, "")
    return Story(title=title or fallback_title(body), text=body, date=when, dated_by=dated_by)


def split_stories(
    text: str,
    title: str | None = None,
    when: date | None = None,
    dated_by: DatedBy = "metadata",
    fallback: tuple[date, DatedBy] | None = None,
) -> list[Story]:
    """Clean a page and split it into its main story and any trailing story list.

    `title` and `when` come from metadata (HTML, JSON, feeds, front-matter, a sidecar:
    `dated_by` says which) and win over what the text suggests; `fallback` (a date and its
    kind, e.g. from the file name) dates the main story only when nothing else does.
    A story in the trailing list is dated only by its own dateline: it may be older than
    the page. After a "More from …" line, every headline-like line starts a new story.
    """
    lines = [_MD_HEADING_RE.sub("", line) for line in clean_lines(text)]
    if title:
        lines = [line for line in lines if line.casefold() != title.strip().casefold()]
    main: list[str] = []
    others: list[list[str]] = []
    in_more = False
    for i, line in enumerate(lines):
        if line and _MORE_RE.match(line):
            in_more = True
            continue
        if not in_more:
            main.append(line)
            continue
        nxt = next((x for x in lines[i + 1 :] if x), "")
        if line and looks_like_headline(line) and nxt and not looks_like_headline(nxt):
            others.append([line])
        elif others:
            others[-1].append(line)
        elif line:
            main.append(line)
    stories: list[Story] = []
    known = (when, dated_by) if when else None
    head = _blocks_to_story(main, title, known)
    if head and head.date is None and fallback:
        head = Story(head.title, head.text, fallback[0], fallback[1])
    if head:
        stories.append(head)
    for block in others:
        story = _blocks_to_story(block, None, None)
        if story:
            stories.append(story)
    return stories
