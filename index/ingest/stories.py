"""Turn one cleaned page into stories: title, date and body for each. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from index.ingest.clean import clean_lines

# A line that opens a block of other stories on the same page ("More from Ukraine").
_MORE_RE = re.compile(
    r"^(more (from|in|on|about) .{1,40}|more stories|related (stories|articles|news)|"
    r"also read|you may also like|recommended( for you)?|most read|latest news|"
    r"top stories|trending( now)?)$",
    re.IGNORECASE,
)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_MONTH_NUM = {
    name: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_DATE_RES = [
    # May 26, 2025 / May 26 2025 / Sept. 3rd, 2024
    re.compile(
        rf"\b(?P<m>{_MONTHS})\.? (?P<d>\d{{1,2}})(?:st|nd|rd|th)?,? (?P<y>(?:19|20)\d\d)\b",
        re.IGNORECASE,
    ),
    # 26 May 2025
    re.compile(
        rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)? (?P<m>{_MONTHS})\.?,? (?P<y>(?:19|20)\d\d)\b",
        re.IGNORECASE,
    ),
    # 2025-05-26
    re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)(?!\d)"),
]
_SENTENCE_END = (".", "!", "…", '"', "”", ":", ";", ",")


@dataclass(frozen=True)
class Story:
    """A story found on a page, before it gets its id and source."""

    title: str
    text: str
    date: date | None
    dated_by: str = ""  # "published" (metadata), "text" (a date in the story) or ""


def find_date(text: str) -> date | None:
    """The first calendar date written in `text`, if any."""
    best: tuple[int, date] | None = None
    for pattern in _DATE_RES:
        for match in pattern.finditer(text):
            month = match.group("m")
            month_num = int(month) if month.isdigit() else _MONTH_NUM[month.lower().rstrip(".")]
            try:
                found = date(int(match.group("y")), month_num, int(match.group("d")))
            except ValueError:
                continue
            if best is None or match.start() < best[0]:
                best = (match.start(), found)
            break
    return best[1] if best else None


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


def _blocks_to_story(lines: list[str], title: str | None, when: date | None) -> Story | None:
    body_lines = [line for line in lines if line]
    if title is None and body_lines and looks_like_headline(body_lines[0]) and len(body_lines) > 1:
        title = body_lines.pop(0)
    body = "\n\n".join(body_lines).strip()
    if not body:
        return None
    found = None if when else find_date(body[:600])
    return Story(
        title=title or fallback_title(body),
        text=body,
        date=when or found,
        dated_by="published" if when else "text" if found else "",
    )


def split_stories(text: str, title: str | None = None, when: date | None = None) -> list[Story]:
    """Clean a page and split it into its main story and any trailing story list.

    `title` and `when` come from metadata (HTML, JSON, feeds) and win over what the text
    suggests. After a "More from …" line, every headline-like line starts a new story.
    """
    lines = clean_lines(text)
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
    head = _blocks_to_story(main, title, when)
    if head:
        stories.append(head)
    for block in others:
        story = _blocks_to_story(block, None, None)
        if story:
            stories.append(story)
    return stories
