"""What an answer is, whichever answerer produced it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from index.types import DatedBy

DECLINE_TEXT = "I couldn't find that in the indexed articles."

# Which answerer wrote an answer: "llm" (the model's answer, verified), "extractive" (no LLM),
# "extractive-fallback" (an LLM was asked but its answer was not used), "timeline" or "digest".
AnswerMode = Literal["llm", "extractive", "extractive-fallback", "timeline", "digest"]


def day_label(day: date | None, dated_by: str = "") -> str:
    """How a publication date reads: '2025-05-24', or 'undated' when the article has none
    (a file's copy time is never shown as one). `dated_by` is kept for callers' symmetry."""
    return day.isoformat() if day else "undated"


@dataclass(frozen=True)
class Citation:
    """Source [n] of an answer: one article, with the passage the answer drew on."""

    n: int
    article_id: str
    source: str
    title: str
    date: date | None
    snippet: str
    score: float
    url: str | None = None
    dated_by: DatedBy = ""  # where the publication date came from; "" if undated
    outlets: tuple[str, ...] = ()  # who ran the story, including collapsed copies
    copies: tuple[str, ...] = ()  # other files holding the same story
    file_time: str = ""  # the file's mtime (ISO): for --json readers, never a date

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["date"] = self.date.isoformat() if self.date else None
        data["score"] = round(self.score, 4)
        data["outlets"], data["copies"] = list(self.outlets), list(self.copies)
        return data

    def day(self) -> str:
        """The date as shown to readers: the publication date, or 'undated'."""
        return day_label(self.date)

    def meta(self) -> str:
        """'Reuters, AP · 2025-05-24' or 'Reuters · undated': who ran it and when."""
        return " · ".join(part for part in (", ".join(self.outlets), self.day()) if part)


@dataclass(frozen=True)
class Answer:
    question: str
    text: str  # with [n] markers
    answered: bool
    mode: AnswerMode
    citations: list[Citation] = field(default_factory=list)
    note: str | None = None  # e.g. why a fallback was used
    fallback: bool = False  # an LLM was asked but its answer was replaced (see `note`)
    verification: dict[str, int] | None = None  # citation checks of an LLM answer
    standalone: str = ""  # the whole question answered, when a follow-up was rewritten
    # The fitted probability that the extractive answer is right (declined below threshold).
    confidence: float | None = None
    # Each checked claim of an LLM answer: its citation, verdict, reason and the source
    # sentence(s) it was aligned with (the evidence a reader can check it against).
    claims: list[dict[str, object]] = field(default_factory=list)

    @property
    def as_of(self) -> Citation | None:
        """The newest source cited with a publication date: news answers hold as of that
        date. Undated sources never set it (a file's time is not news)."""
        dated = [c for c in self.citations if c.date]
        return max(dated, key=lambda c: c.date or date.min) if dated else None

    def as_of_line(self) -> str:
        """'As of 2025-05-24 (newest source cited).', '' when no cited source is dated."""
        newest = self.as_of
        if not newest or not newest.date:
            return ""
        return f"As of {newest.date.isoformat()} (newest source cited)."

    def as_dict(self) -> dict[str, object]:
        newest = self.as_of
        return {
            "question": self.question,
            "answer": self.text,
            "as_of": newest.date.isoformat() if newest and newest.date else None,
            "answered": self.answered,
            "mode": self.mode,
            "note": self.note,
            "fallback": self.fallback,
            "verification": self.verification,
            "standalone": self.standalone or None,
            "confidence": None if self.confidence is None else round(self.confidence, 4),
            "citations": [c.as_dict() for c in self.citations],
            "claims": self.claims or None,
        }


@dataclass(frozen=True)
class Turn:
    """One exchange of a conversation, for follow-up questions."""

    question: str
    answer: str
    # The whole question that was answered, when a follow-up was rewritten ("What did
    # Zelenskyy say…" for "And what about Zelenskyy?"), so the next follow-up builds on it.
    standalone: str = ""
