"""Timelines: "what happened with X, in order?" as dated, cited bullets, oldest first. Pure.

Each article about the topic gives its best sentence for the topic (scored by the
extractive answerer, `bot.answer.extractive.score_sentences`), plus any other relevant
sentence of it that names a date of its own ("On May 24, 2025, ..."). A bullet is dated by
the date its sentence names (the day the event happened), else by its article's
publication date; bullets with no date at all (an undated article, a sentence naming no
day) come last, marked "undated". Bullets that say the same thing (two outlets reporting
one event) become one, dated by the first report and citing every article that reported
it. Citations are the ones of normal answers (`bot.answer.citations.number_claims`):
numbered per article in order of first use, so they run 1, 2, 3 down the timeline.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

from bot.answer.citations import Claim, number_claims
from bot.answer.extractive import Scored, confidence, mentions, question_entities
from bot.answer.model import Answer, day_label
from index.dates import find_date
from index.fusion import jaccard
from index.text import numbers, terms
from index.types import Chunk, DatedBy, Hit

MODE: Final = "timeline"
RETRIEVE_K = 16  # passages a timeline is built from (answers use top_k, 5 by default)
MAX_EVENTS = 12
_EXTRA_PER_ARTICLE = 2  # further dated sentences an article may add beyond its best one
_SAME_EVENT = 0.5  # term Jaccard at or above which two bullets say the same thing
_RELATIVE = 0.5  # an article's best sentence must score this share of the overall best

_TIMELINE_RE = re.compile(
    r"\b(time ?lines?|chronolog(?:y|ies|ical|ically)|in (?:chronological |date )?order"
    r"(?! to\b| for\b| that\b| of\b)|sequence of events|order of events|step by step|"
    r"blow[- ]by[- ]blow|over time|so far|to date|unfold(?:ed|ing)?|evolv(?:e|ed|ing)|"
    r"develop(?:ed|ments)? over)\b",
    re.I,
)
# Phrases that strongly mark a timeline on their own; the weaker ones above also need a
# "what happened"-style opening.
_STRONG_RE = re.compile(
    r"\b(time ?lines?|chronolog(?:y|ies|ical|ically)|in (?:chronological |date )?order"
    r"(?! to\b| for\b| that\b| of\b)|sequence of events|order of events|blow[- ]by[- ]blow)\b",
    re.I,
)
_HAPPENED_RE = re.compile(
    r"^\s*(what (has )?happened|what'?s happened|how (did|has|have) .* (unfold|evolv|develop)"
    r"|walk me through|recap)",
    re.I,
)
_FILLER_RE = re.compile(
    r"\b(please|can you|could you|would you|give me|show me|make me|list|tell me|put|arrange|"
    r"sort|(?:the |all )?(?:key |main )?events|"
    r"what (?:has |have )?happened|what'?s happened|walk me through|recap|"
    r"^\s*(?:what|which)(?:'s| is| was| are| were)|"
    r"(?:a|the) (?:full |complete |short |brief )?(?:time ?line|chronology|sequence of events|"
    r"order of events)|time ?lines?|chronolog(?:y|ies|ical|ically)|sequence of events|"
    r"order of events|in (?:chronological |date )?order|step by step|blow[- ]by[- ]blow|"
    r"over time|so far|to date|of events|how (?:did|has|have)|unfold(?:ed|ing)?|"
    r"evolv(?:e|ed|ing)|develop(?:ed|ments)? over)\b",
    re.I,
)
_LEAD_PREP_RE = re.compile(
    r"^(?:(?:with|to|in|at|on|of|for|about|around|regarding|concerning|involving)\b\s*)+", re.I
)
_TRAIL_RE = re.compile(r"[\s,;:.!?—–-]+$")


def timeline_topic(question: str) -> str | None:
    """The topic when `question` asks for a timeline, else None.

    "What happened with the reassurance force, in order?" -> "the reassurance force";
    "timeline of the coalition of the willing" -> "the coalition of the willing";
    "How many troops were needed in order to secure Ukraine?" -> None.
    """
    weak = _TIMELINE_RE.search(question) and _HAPPENED_RE.search(question)
    if not (_STRONG_RE.search(question) or weak):
        return None
    topic = _FILLER_RE.sub(" ", question)
    topic = " ".join(topic.replace("?", " ").split())
    topic = _TRAIL_RE.sub("", topic)
    topic = _LEAD_PREP_RE.sub("", topic).strip(" ,;:")
    topic = _TRAIL_RE.sub("", topic)
    return topic if terms(topic) else None  # "and in order?" has no topic of its own


@dataclass(frozen=True)
class Event:
    """One bullet: a sentence, its date and the articles that report it."""

    day: date | None
    dated_by: DatedBy | Literal["text"]  # "text": the sentence names it; else the article's
    text: str
    chunks: tuple[Chunk, ...]
    score: float
    numbers: tuple[int, ...] = ()

    @property
    def label(self) -> str:
        return day_label(self.day, self.dated_by)

    def line(self) -> str:
        marker = "".join(f"[{n}]" for n in self.numbers)
        return f"- {self.label} — {self.text} {marker}".rstrip()

    def as_dict(self) -> dict[str, object]:
        return {
            "date": self.day.isoformat() if self.day else None,
            "dated_by": self.dated_by,
            "text": self.text,
            "citations": list(self.numbers),
            "articles": [c.article_id for c in self.chunks],
        }


@dataclass(frozen=True)
class Timeline:
    topic: str
    events: tuple[Event, ...]
    answer: Answer
    since: date | None = None
    until: date | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "topic": self.topic,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            **self.answer.as_dict(),
            "events": [e.as_dict() for e in self.events],
        }


def no_events_text(topic: str) -> str:
    return f"I couldn't find dated events about “{topic}” in the indexed articles."


def _event_of(s: Scored) -> Event:
    named = find_date(s.text)
    if named is not None:
        return Event(named, "text", s.text, (s.chunk,), confidence(s))
    return Event(s.chunk.date, s.chunk.dated_by, s.text, (s.chunk,), confidence(s))


def _about_topic(topic: str, s: Scored) -> bool:
    """The names in the topic ("Macron", "NATO") appear in the sentence or its article."""
    names = question_entities(f"x {topic}")
    if not names:
        return True
    where = f"{s.chunk.title} {s.chunk.text}"
    return any(mentions(n, where) for n in names)


def pick_events(
    topic: str,
    scored: Sequence[Scored],
    min_relevance: float = 0.3,
    max_events: int = MAX_EVENTS,
) -> list[Event]:
    """Per article its best sentence for the topic, plus relevant sentences naming their own
    dates; the most relevant `max_events`, near-duplicates merged, oldest first."""
    if not scored:
        return []
    # Topic relevance, not "holds the answer to a question": words and meaning shared.
    scored = sorted(scored, key=lambda s: -confidence(s))
    top = confidence(scored[0])
    best: dict[str, Scored] = {}
    extra: dict[str, list[Scored]] = {}
    for s in scored:  # best first
        aid = s.chunk.article_id
        if aid not in best:
            if confidence(s) < min_relevance or confidence(s) < _RELATIVE * top:
                continue
            if not _about_topic(topic, s):
                continue
            best[aid] = s
            extra[aid] = []
        elif (
            len(extra[aid]) < _EXTRA_PER_ARTICLE
            and s.coverage > 0
            and confidence(s) >= 0.75 * confidence(best[aid])
            and find_date(s.text) is not None
            and find_date(s.text) != find_date(best[aid].text)
        ):
            extra[aid].append(s)
    chosen = sorted(
        [s for aid, b in best.items() for s in (b, *extra[aid])], key=lambda s: -confidence(s)
    )[:max_events]
    events = sorted(
        (_event_of(s) for s in chosen),
        key=lambda e: (e.day is None, e.day or date.min, -e.score),
    )
    return merge_same(events)


def merge_same(events: Sequence[Event]) -> list[Event]:
    """Bullets that say the same thing become one: the earliest, citing all their articles."""
    kept: list[Event] = []
    kept_terms: list[set[str]] = []
    for event in events:
        t = set(terms(event.text))
        for i, other in enumerate(kept):
            same_figures = numbers(event.text) == numbers(other.text)
            if event.text == other.text or (
                same_figures and jaccard(t, kept_terms[i]) >= _SAME_EVENT
            ):
                new = tuple(c for c in event.chunks if c.article_id not in _ids(other))
                kept[i] = Event(
                    other.day, other.dated_by, other.text, other.chunks + new, other.score
                )
                break
        else:
            kept.append(event)
            kept_terms.append(t)
    return kept


def _ids(event: Event) -> set[str]:
    return {c.article_id for c in event.chunks}


def _in_range(day: date | None, since: date | None, until: date | None) -> bool:
    if day is None:
        return True
    return (since is None or day >= since) and (until is None or day <= until)


def build_timeline(
    topic: str,
    scored: Sequence[Scored],
    hits: Sequence[Hit],
    *,
    question: str | None = None,
    min_relevance: float = 0.3,
    max_events: int = MAX_EVENTS,
    since: date | None = None,
    until: date | None = None,
) -> Timeline:
    """The timeline of `topic` from the scored sentences of the retrieved `hits`."""
    events = [
        e
        for e in pick_events(topic, scored, min_relevance, max_events)
        # a sentence can name a day outside the range its article's date is in
        if _in_range(e.day, since, until)
    ]
    asked = question or f"Timeline: {topic}"
    if not events:
        answer = Answer(asked, no_events_text(topic), answered=False, mode=MODE)
        return Timeline(topic, (), answer, since, until)
    claims = [Claim(e.text, e.chunks) for e in events]
    _, citations = number_claims(claims, hits)
    number_of = {c.article_id: c.n for c in citations}
    numbered = tuple(
        Event(
            e.day,
            e.dated_by,
            e.text,
            e.chunks,
            e.score,
            tuple(dict.fromkeys(number_of[c.article_id] for c in e.chunks)),
        )
        for e in events
    )
    heading = f"Timeline of “{topic}”, oldest first:"
    text = "\n".join([heading, *(e.line() for e in numbered)])
    answer = Answer(asked, text, answered=True, mode=MODE, citations=citations)
    return Timeline(topic, numbered, answer, since, until)
