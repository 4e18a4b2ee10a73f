"""Citation numbering and parsing. Pure.

Numbers are per article, in order of first use, and only for articles the answer cites:
a reader never sees [3] without a source 3, nor a source nobody cited.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.answer.model import Citation
from index.types import Chunk, Hit

_MARKER_RE = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
SNIPPET_CHARS = 300


@dataclass(frozen=True)
class Claim:
    """A sentence of an answer and the passages that support it."""

    text: str
    chunks: tuple[Chunk, ...]


def markers(text: str) -> list[int]:
    """Every citation number in text, in order, e.g. 'a [1] b [2, 3]' -> [1, 2, 3]."""
    return [int(n) for group in _MARKER_RE.findall(text) for n in group.split(",")]


def strip_markers(text: str) -> str:
    return re.sub(r"\s*" + _MARKER_RE.pattern, "", text).strip()


def shorten(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def number_claims(claims: Sequence[Claim], hits: Sequence[Hit]) -> tuple[str, list[Citation]]:
    """Answer text with [n] after each claim, and the citations those numbers point to.

    A claim's snippet is the sentence itself when it came from the article, so a reader can
    check it at a glance.
    """
    score_of: dict[str, float] = {}
    for hit in hits:
        score_of[hit.chunk.article_id] = max(score_of.get(hit.chunk.article_id, 0), hit.score)
    numbers: dict[str, int] = {}
    snippets: dict[str, list[str]] = {}
    first_chunk: dict[str, Chunk] = {}
    parts: list[str] = []
    for claim in claims:
        refs: list[int] = []
        for chunk in claim.chunks:
            aid = chunk.article_id
            if aid not in numbers:
                numbers[aid] = len(numbers) + 1
                first_chunk[aid] = chunk
                snippets[aid] = []
            if claim.text in chunk.text and claim.text not in snippets[aid]:
                snippets[aid].append(claim.text)
            if numbers[aid] not in refs:
                refs.append(numbers[aid])
        marker = "".join(f"[{n}]" for n in refs)
        parts.append(f"{claim.text} {marker}".strip())
    citations = [
        Citation(
            n=n,
            article_id=aid,
            source=first_chunk[aid].source,
            title=first_chunk[aid].title,
            date=first_chunk[aid].date,
            snippet=shorten(" ".join(snippets[aid]) or first_chunk[aid].text),
            score=score_of.get(aid, 0.0),
            url=first_chunk[aid].url,
        )
        for aid, n in numbers.items()
    ]
    return " ".join(parts), citations
