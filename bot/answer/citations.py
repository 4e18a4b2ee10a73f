"""Citation numbering and parsing. Pure.

Numbers are per article, in order of first use, and only for articles the answer cites:
a reader never sees [3] without a source 3, nor a source nobody cited.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.answer.model import Citation
from index.types import Chunk, Hit

_MARKER_RE = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
SNIPPET_CHARS = 300


# What a model writes: [1], [1, 2], [1][2], [1-3], [Source 2]. Ranges are capped.
LLM_MARKER_RE = re.compile(
    r"\[\s*(?:sources?\s*)?(\d{1,3}(?:\s*(?:,|;|-|–|and)\s*(?:sources?\s*)?\d{1,3})*)\s*\]",
    re.I,
)
_MAX_RANGE = 20
_MAX_MARKER_CHARS = 40


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
    copies_of: dict[str, list[Chunk]] = {}
    for hit in hits:
        score_of[hit.chunk.article_id] = max(score_of.get(hit.chunk.article_id, 0), hit.score)
        copies_of.setdefault(hit.chunk.article_id, []).extend(hit.also)
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
        build_citation(
            n,
            first_chunk[aid],
            copies_of.get(aid, []),
            score_of.get(aid, 0.0),
            " ".join(snippets[aid]),
        )
        for aid, n in numbers.items()
    ]
    return " ".join(parts), citations


def build_citation(
    n: int, chunk: Chunk, copies: Sequence[Chunk], score: float, snippet: str = ""
) -> Citation:
    """Citation [n] of the article `chunk` is from: one builder for extractive and LLM
    answers, so both carry the same fields (date and how it was found, outlets, copies, URL).
    """
    return Citation(
        n=n,
        article_id=chunk.article_id,
        source=chunk.source,
        title=chunk.title,
        date=chunk.date,
        snippet=shorten(snippet or chunk.text),
        score=score,
        url=chunk.url,
        dated_by=chunk.dated_by,
        file_time=chunk.file_time,
        outlets=_outlets(chunk, copies),
        copies=tuple(dict.fromkeys(c.source for c in copies if c.source != chunk.source)),
    )


def _outlets(chunk: Chunk, copies: Sequence[Chunk]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c.outlet for c in (chunk, *copies) if c.outlet))


def marker_numbers(group: str) -> list[int]:
    """The numbers of one LLM marker's inside: '1, 3' -> [1, 3]; '2-4' -> [2, 3, 4]."""
    found: list[int] = []
    for part in re.split(r"\s*(?:,|;|and)\s*", group.lower()):
        bounds = [int(x) for x in re.findall(r"\d+", part)]
        if len(bounds) == 2 and 0 <= bounds[1] - bounds[0] <= _MAX_RANGE:
            span = range(bounds[0], bounds[1] + 1)
        else:
            span = range(0)
            found.extend(n for n in bounds if n not in found)
        found.extend(n for n in span if n not in found)
    return found


def format_marker(numbers: Sequence[int]) -> str:
    return "".join(f"[{n}]" for n in numbers)


MarkerMap = Callable[[int, list[int]], list[int]]


def rewrite_markers(text: str, mapping: MarkerMap) -> str:
    """Text with the i-th marker group replaced by `mapping(i, numbers)`, formatted as [a][b].

    A group mapped to nothing is removed with the space before it ("in Brussels [9]." ->
    "in Brussels."). The same as streaming the text through `MarkerStream`.
    """
    stream = MarkerStream(mapping)
    return stream.feed(text) + stream.flush()


_CLOSERS = frozenset(".,;:!?)]}\"'”’…")


class MarkerStream:
    """Renumbers citation markers in streamed text as it arrives. Pure.

    `mapping` is called once per marker group, in order. A `[` is held back until its marker
    closes (or clearly is not one), and whitespace until the next character shows whether
    it belongs: after a dropped marker, only before a word or a kept marker.
    """

    def __init__(self, mapping: MarkerMap) -> None:
        self.mapping = mapping
        self._space = ""
        self._bracket = ""
        self._dropped = False
        self._groups = 0

    def feed(self, delta: str) -> str:
        out: list[str] = []
        for ch in delta:
            if self._bracket:
                self._bracket += ch
                if ch == "]" or len(self._bracket) > _MAX_MARKER_CHARS or ch == "\n":
                    out.append(self._close())
            elif ch == "[":
                self._bracket = ch
            elif ch.isspace():
                if not self._dropped:
                    self._space += ch
                elif ch == "\n":  # a paragraph break after a dropped marker is kept
                    self._space = (self._space if "\n" in self._space else "") + ch
            else:
                if self._dropped and ch in _CLOSERS and "\n" not in self._space:
                    self._space = ""
                out.append(self._space + ch)
                self._space = ""
                self._dropped = False
        return "".join(out)

    def _close(self) -> str:
        raw, self._bracket = self._bracket, ""
        m = LLM_MARKER_RE.fullmatch(raw)
        if not m:
            text, self._space, self._dropped = self._space + raw, "", False
            return text
        new = self.mapping(self._groups, marker_numbers(m.group(1)))
        self._groups += 1
        if not new:
            self._dropped = True
            return ""
        text, self._space, self._dropped = self._space + format_marker(new), "", False
        return text

    def flush(self) -> str:
        text = ("" if self._dropped else self._space) + self._bracket
        self._space = self._bracket = ""
        self._dropped = False
        return text
