"""What an answer is, whichever answerer produced it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

DECLINE_TEXT = "I couldn't find that in the indexed articles."


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

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["date"] = self.date.isoformat() if self.date else None
        data["score"] = round(self.score, 4)
        return data


@dataclass(frozen=True)
class Answer:
    question: str
    text: str  # with [n] markers
    answered: bool
    mode: str  # "extractive", "llm" or "extractive-fallback" (the LLM's answer was not used)
    citations: list[Citation] = field(default_factory=list)
    note: str | None = None  # e.g. why a fallback was used
    fallback: bool = False  # an LLM was asked but its answer was replaced (see `note`)
    verification: dict[str, int] | None = None  # citation checks of an LLM answer

    def as_dict(self) -> dict[str, object]:
        return {
            "question": self.question,
            "answer": self.text,
            "answered": self.answered,
            "mode": self.mode,
            "note": self.note,
            "fallback": self.fallback,
            "verification": self.verification,
            "citations": [c.as_dict() for c in self.citations],
        }


@dataclass(frozen=True)
class Turn:
    """One exchange of a conversation, for follow-up questions."""

    question: str
    answer: str
