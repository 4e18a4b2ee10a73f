"""Calendar dates written in text ("May 26, 2025", "26 May 2025", "2025-05-26"). Pure.

Neutral ground: ingest reads datelines with these patterns and the answer layer dates the
sentences of a timeline with `find_date`, neither importing the other.
"""

from __future__ import annotations

import re
from datetime import date

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
MONTH_NUMBER = {
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
DATE_PATTERNS = [
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


def find_date(text: str) -> date | None:
    """The first calendar date written in `text`, if any."""
    best: tuple[int, date] | None = None
    for pattern in DATE_PATTERNS:
        for match in pattern.finditer(text):
            month = match.group("m")
            month_num = int(month) if month.isdigit() else MONTH_NUMBER[month.lower().rstrip(".")]
            try:
                found = date(int(match.group("y")), month_num, int(match.group("d")))
            except ValueError:
                continue
            if best is None or match.start() < best[0]:
                best = (match.start(), found)
            break
    return best[1] if best else None
