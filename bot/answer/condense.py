"""Follow-up questions without an LLM: decide when a question leans on earlier turns. Pure."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.answer.model import Turn
from index.text import terms

_FOLLOW_UP_RE = re.compile(
    r"^\s*(and|but|also|so|then|what about|how about|why|what else|and what|same for)\b"
    r"|\b(they|them|their|it|its|he|she|his|her|that|those|these|this|there|the same|"
    r"others?|else)\b",
    re.I,
)


def is_follow_up(question: str) -> bool:
    """Short or pronoun-led questions ("and how many did the diplomats say?") need context."""
    return bool(_FOLLOW_UP_RE.search(question)) or len(terms(question)) <= 2


def conversation_context(history: Sequence[Turn], question: str, turns: int = 2) -> str:
    """Earlier questions that a follow-up refers to ('' for a fresh question).

    Only questions are used, not answers: answers quote articles, and their words would pull
    retrieval back to the passage already shown.
    """
    if not history or not is_follow_up(question):
        return ""
    return " ".join(t.question for t in history[-turns:])


def standalone_query(history: Sequence[Turn], question: str) -> str:
    """The query to retrieve with: the question plus the context it leans on."""
    context = conversation_context(history, question)
    return f"{question} {context}".strip()
