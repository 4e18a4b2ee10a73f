"""Digests: what is new since a moment, grouped by topic, every article cited. Pure.

The articles come in as their stored chunks (and vectors); each becomes one line: its lead
sentence (else its title), its date and outlet, and a citation [n] numbered like an
answer's (`bot.answer.citations.number_claims`). Articles are grouped greedily, newest
first: an article joins the first group whose centroid vector is close to its own, or
whose lead article shares enough salient words with it, else it starts a group. Same
input, same digest. A group is labelled with the words most of its articles share, or
with its lead article's title.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Final

import numpy as np

from bot.answer.citations import Claim, number_claims, shorten
from bot.answer.model import Answer, Citation, day_label
from index.errors import NewsbotError
from index.fusion import jaccard
from index.text import STOPWORDS, sentences, terms
from index.types import Chunk, DatedBy

MODE: Final = "digest"
SIMILAR = 0.5  # cosine of an article to a group's centroid to join it
SHARED_TERMS = 0.25  # or: term Jaccard with the group's lead article
MAX_GROUPS = 10
MAX_ITEMS = 6  # lines per group; the rest are counted
LINE_CHARS = 220
SINCE_HELP = "--since takes 24h, 7d, 2w or a date (YYYY-MM-DD)"

_RELATIVE_RE = re.compile(
    r"^\s*(\d{1,5})\s*(h|hrs?|hours?|d|days?|w|wks?|weeks?)\s*$",
    re.I,
)
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


class SinceError(NewsbotError):
    """A --since value that is neither a duration (24h, 7d, 2w) nor a date."""


def parse_since(value: str | date | datetime, now: datetime | None = None) -> date:
    """The first day a digest covers: '24h' at 2025-05-25 09:00 UTC -> 2025-05-24.

    Article dates are days, so a duration counts every day it touches.
    """
    if isinstance(value, datetime):
        return value.astimezone(UTC).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    text = " ".join(str(value).split())
    match = _RELATIVE_RE.match(text)
    if match:
        amount = int(match.group(1))
        unit = match.group(2)[0].lower()
        hours = amount * {"h": 1, "d": 24, "w": 24 * 7}[unit]
        try:
            return (now.astimezone(UTC) - timedelta(hours=hours)).date()
        except OverflowError:
            raise SinceError(f"{SINCE_HELP}; {value!r} is too far back") from None
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SinceError(f"{SINCE_HELP}, not {str(value)[:40]!r}") from None
    return parse_since(moment)


@dataclass(frozen=True)
class NewArticle:
    """An article of the digest, from its stored chunks."""

    article_id: str
    title: str
    source: str
    day: date | None
    dated_by: DatedBy
    outlet: str | None
    url: str | None
    lead: str  # its first full sentence, else its title
    chunk: Chunk  # its first chunk: what its citation points at
    terms: frozenset[str] = field(compare=False)
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)

    @property
    def label(self) -> str:
        return day_label(self.day, self.dated_by)


def _lead_sentence(chunk: Chunk) -> str | None:
    for sent in sentences(chunk.text):
        if len(sent.split()) >= 6 and sent.rstrip("\"”’')").endswith((".", "!", "?", "…")):
            return sent
    return None


def articles_from_chunks(rows: Iterable[tuple[Chunk, np.ndarray | None]]) -> list[NewArticle]:
    """One NewArticle per article id, from its chunks (any order) and their vectors."""
    chunks: dict[str, list[tuple[Chunk, np.ndarray | None]]] = {}
    for chunk, vec in rows:
        chunks.setdefault(chunk.article_id, []).append((chunk, vec))
    out: list[NewArticle] = []
    for aid in sorted(chunks):
        parts = sorted(chunks[aid], key=lambda cv: (cv[0].position, cv[0].chunk_id))
        first = parts[0][0]
        found = [s for c, _ in parts if (s := _lead_sentence(c))]
        lead = found[0] if found else " ".join(first.title.split())
        vecs = [np.asarray(v, dtype=np.float32) for _, v in parts if v is not None and len(v)]
        vector = None
        if vecs:
            mean = np.mean(np.stack(vecs), axis=0)
            norm = float(np.linalg.norm(mean))
            vector = mean / norm if norm > 0 else None
        out.append(
            NewArticle(
                article_id=aid,
                title=" ".join(first.title.split()),
                source=first.source,
                day=first.date,
                dated_by=first.dated_by,
                outlet=first.outlet,
                url=first.url,
                lead=" ".join(lead.split()),
                chunk=first,
                terms=frozenset(terms(f"{first.title} {lead}")),
                vector=vector,
            )
        )
    return out


def _newest_first(a: NewArticle) -> tuple[int, str, str]:
    return (-(a.day.toordinal() if a.day else 0), a.title.casefold(), a.article_id)


def group_articles(
    articles: Sequence[NewArticle],
    similar: float = SIMILAR,
    shared_terms: float = SHARED_TERMS,
) -> list[list[NewArticle]]:
    """Greedy, deterministic grouping by topic (see the module's docstring)."""
    groups: list[list[NewArticle]] = []
    sums: list[np.ndarray | None] = []
    for article in sorted(articles, key=_newest_first):
        best, best_score = -1, 0.0
        for i, group in enumerate(groups):
            score = 0.0
            total = sums[i]
            if article.vector is not None and total is not None:
                norm = float(np.linalg.norm(total))
                if norm > 0:
                    cosine = float(np.dot(article.vector, total / norm))
                    score = cosine if cosine >= similar else 0.0
            overlap = jaccard(set(article.terms), set(group[0].terms))
            if overlap >= shared_terms:
                score = max(score, 1.0 + overlap)  # shared words are the stronger sign
            if score > best_score:
                best, best_score = i, score
        if best >= 0:
            groups[best].append(article)
            if article.vector is not None:
                total = sums[best]
                sums[best] = article.vector.copy() if total is None else total + article.vector
        else:
            groups.append([article])
            sums.append(None if article.vector is None else article.vector.copy())
    groups.sort(key=lambda g: (-len(g), _newest_first(g[0])))
    return groups


def _display_words(text: str) -> list[tuple[str, str]]:
    """(stem, word as written) of the salient words of text, in order."""
    out = []
    for word in _WORD_RE.findall(text):
        low = word.lower().replace("’", "'")
        if low in STOPWORDS or len(low) < 3:
            continue
        stems = terms(word)
        if stems:
            out.append((stems[0], word))
    return out


def group_label(group: Sequence[NewArticle], words: int = 3) -> str:
    """The words most of the group's articles share ("Ukraine · force · Paris"), or the
    lead article's title when it stands alone or shares nothing."""
    lead = group[0]
    if len(group) > 1:
        df: Counter[str] = Counter()
        shown: dict[str, str] = {}
        order: dict[str, int] = {}
        for article in group:
            seen = set()
            for stem, word in _display_words(f"{article.title} {article.lead}"):
                if stem not in shown:
                    shown[stem] = word
                    order[stem] = len(order)
                if stem not in seen:
                    seen.add(stem)
                    df[stem] += 1
        need = max(2, (len(group) + 1) // 2)
        shared = sorted((s for s, n in df.items() if n >= need), key=lambda s: (-df[s], order[s]))
        if shared:
            label = " · ".join(shown[s] for s in shared[:words])
            return label[0].upper() + label[1:]
    return shorten(lead.title, 100)


@dataclass(frozen=True)
class DigestItem:
    article: NewArticle
    n: int

    def line(self) -> str:
        a = self.article
        where = f" · {' '.join(a.outlet.split())}" if a.outlet and a.outlet.strip() else ""
        return f"- {a.label}{where} — {shorten(a.lead, LINE_CHARS)} [{self.n}]"


@dataclass(frozen=True)
class DigestGroup:
    label: str
    items: tuple[DigestItem, ...]
    total: int  # articles in the group, shown or not

    def heading(self, markdown: bool) -> str:
        count = f"({self.total} article{'s' if self.total != 1 else ''})"
        return f"**{self.label}** {count}" if markdown else f"{self.label} {count}"


@dataclass(frozen=True)
class Digest:
    since: date
    groups: tuple[DigestGroup, ...]
    citations: list[Citation]
    total: int  # new articles, listed or not
    asked: str = ""  # what the user gave as --since
    undated: int = 0  # indexed articles without a publication date
    include_undated: bool = False  # whether they are listed (else only counted)

    @property
    def answered(self) -> bool:
        return self.total > 0

    def undated_note(self) -> str:
        """Why some articles are missing: they have no publication date ('' if none)."""
        if not self.undated or self.include_undated:
            return ""
        n = self.undated
        return (
            f"{n} undated article{'s are' if n != 1 else ' is'} left out: "
            "no publication date is known (include undated articles to list them)."
        )

    def text(self, markdown: bool = False) -> str:
        if not self.total:
            nothing = (
                f"Nothing new since {self.since.isoformat()}: no indexed article is dated "
                "on or after that day."
            )
            return "\n\n".join(p for p in (nothing, self.undated_note()) if p)
        topics = len(self.groups)
        lines = [
            f"What's new since {self.since.isoformat()}: {self.total} "
            f"article{'s' if self.total != 1 else ''} in {topics} topic"
            f"{'s' if topics != 1 else ''}."
        ]
        shown = 0
        for group in self.groups:
            lines += ["", group.heading(markdown), *(i.line() for i in group.items)]
            if group.total > len(group.items):
                lines.append(f"- …and {group.total - len(group.items)} more")
            shown += group.total
        if shown < self.total:
            lines += ["", f"…and {self.total - shown} more articles on other topics."]
        if note := self.undated_note():
            lines += ["", note]
        return "\n".join(lines)

    def answer(self, markdown: bool = False) -> Answer:
        return Answer(
            f"What's new since {self.asked or self.since.isoformat()}?",
            self.text(markdown),
            answered=self.answered,
            mode=MODE,
            citations=list(self.citations),
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "since": self.since.isoformat(),
            "articles": self.total,
            "undated": self.undated,
            "include_undated": self.include_undated,
            "answered": self.answered,
            "mode": MODE,
            "answer": self.text(),
            "groups": [
                {
                    "label": g.label,
                    "articles": g.total,
                    "items": [
                        {
                            "n": i.n,
                            "article_id": i.article.article_id,
                            "title": i.article.title,
                            "date": i.article.day.isoformat() if i.article.day else None,
                            "dated_by": i.article.dated_by or None,
                            "file_time": i.article.chunk.file_time or None,
                            "outlet": i.article.outlet,
                            "source": i.article.source,
                            "url": i.article.url,
                            "text": i.article.lead,
                        }
                        for i in g.items
                    ],
                }
                for g in self.groups
            ],
            "citations": [c.as_dict() for c in self.citations],
        }


def build_digest(
    articles: Sequence[NewArticle],
    since: date,
    *,
    asked: str = "",
    max_groups: int = MAX_GROUPS,
    max_items: int = MAX_ITEMS,
    include_undated: bool = False,
    undated: int = 0,
) -> Digest:
    """The digest of `articles`: those dated before `since` are left out, and so are
    undated ones unless `include_undated` (they are listed last, marked "undated").
    `undated` counts the undated articles of the index, for the note saying so."""
    new = [
        a
        for a in articles
        if (a.day is not None and a.day >= since) or (a.day is None and include_undated)
    ]
    if not new:
        return Digest(since, (), [], 0, asked, undated, include_undated)
    grouped = group_articles(new)[:max_groups]
    listed = [(group, group[:max_items]) for group in grouped]
    claims = [Claim(a.lead, (a.chunk,)) for _, shown in listed for a in shown]
    _, citations = number_claims(claims, [])
    number_of = {c.article_id: c.n for c in citations}
    groups = tuple(
        DigestGroup(
            group_label(group),
            tuple(DigestItem(a, number_of[a.article_id]) for a in shown),
            len(group),
        )
        for group, shown in listed
    )
    return Digest(since, groups, citations, len(new), asked, undated, include_undated)
