"""The LLM answerer: condense a follow-up, prompt with numbered sources, verify, or fall back.

An answer from the model is only shown when its citations survive `verify`: otherwise the
user gets the extractive answer (or a decline) with a `note` saying why, and `fallback`
set. An endpoint that is down, slow or refusing gives the same fallback, never an error.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

from bot.answer.citations import LLM_MARKER_RE, MarkerStream
from bot.answer.condense import conversation_context
from bot.answer.extractive import ExtractiveAnswerer, confidence
from bot.answer.llm import ChatModel, LLMError, Message, OnToken
from bot.answer.model import Answer, Turn
from bot.answer.prompt import (
    answer_messages,
    clean_condensed,
    condense_messages,
    group_sources,
)
from bot.answer.templates import Prompts
from bot.answer.verify import Embed, verify
from index.text import terms
from index.types import Hit

log = logging.getLogger(__name__)

CONDENSE_TOKENS = 128
FALLBACK_MODE: Final = "extractive-fallback"
_NO_INFO_RE = re.compile(
    r"^\W*(?:i\s+(?:could\s*n[o']?t|cannot|can't|can\s+not|did\s*n[o']?t|was\s+unable\s+to|am\s+"
    r"unable\s+to)\s+find|i\s+do\s*n[o']?t\s+know|(?:the\s+)?(?:provided\s+)?sources?\s+(?:do|does)"
    r"\s*(?:n[o']?t)\s+(?:contain|mention|say|provide|include|specify|give)|there\s+is\s+no\s+"
    r"(?:information|mention)|no\s+information\b)",
    re.I,
)


@dataclass(frozen=True)
class Standalone:
    """The question to retrieve and answer with, after reading the conversation."""

    question: str
    context: str = ""  # earlier questions, when the follow-up was not rewritten by the LLM
    rewritten: bool = False
    error: LLMError | None = None  # the model failed while condensing: don't ask it again


def is_decline(reply: str, decline: str) -> bool:
    """Did the model say that the sources do not have the answer?"""
    text = " ".join(LLM_MARKER_RE.sub("", reply).split()).lower()
    wanted = " ".join(decline.split()).lower().rstrip(".")
    return not text or text.startswith(wanted) or bool(_NO_INFO_RE.match(text))


def _grounded_rewrite(standalone: str, question: str, history: Sequence[Turn]) -> bool:
    """A standalone question is a question, and restates: a third or more of its words come
    from the conversation. A rewrite that does not (a small model answering instead of
    rewriting, say) is not used."""
    new = set(terms(standalone))
    known = set(terms(" ".join([question, *(f"{t.question} {t.answer}" for t in history)])))
    usable = standalone.rstrip().endswith("?") and bool(new) and len(new & known) * 3 >= len(new)
    if not usable:
        log.info("condensed question %r does not restate the conversation; not used", standalone)
    return usable


def _removals(citations: int, sentences: int) -> str | None:
    """'2 citations and 1 sentence removed: not backed by the sources they cited.'"""
    parts = [
        f"{n} {word}{'s' if n > 1 else ''}"
        for n, word in ((citations, "citation"), (sentences, "sentence"))
        if n
    ]
    if not parts:
        return None
    return f"{' and '.join(parts)} removed: not backed by the sources they cited."


def _guarded(on_token: OnToken | None) -> OnToken | None:
    """A caller's callback that fails (a closed terminal, a Discord edit) stops streaming,
    not the answer."""
    if on_token is None:
        return None
    broken = [False]

    def call(delta: str) -> None:
        if broken[0] or not delta:
            return
        try:
            on_token(delta)
        except Exception:  # the callback is the caller's code; the answer goes on
            broken[0] = True
            log.warning("the streaming callback failed; the answer continues unstreamed")

    return call


class _Draft:
    """Streams the model's text to the caller with citations numbered as they will be
    shown (1..N by first use, unknown numbers dropped); verification may still drop more."""

    def __init__(self, sink: OnToken, valid: set[int]) -> None:
        self.sink = sink
        self.valid = valid
        self.numbers: dict[int, int] = {}
        self.stream = MarkerStream(self._renumber)

    def _renumber(self, _group: int, numbers: list[int]) -> list[int]:
        return [
            self.numbers.setdefault(n, len(self.numbers) + 1) for n in numbers if n in self.valid
        ]

    def feed(self, delta: str) -> None:
        self.sink(self.stream.feed(delta))

    def close(self) -> None:
        self.sink(self.stream.flush())


class GenerativeAnswerer:
    mode: Final = "llm"

    def __init__(
        self,
        model: ChatModel,
        extractive: ExtractiveAnswerer,
        prompts: Prompts,
        embed: Embed | None = None,
        context_tokens: int = 8192,
        answer_tokens: int = 512,
        max_question_chars: int = 1000,
        cooldown_seconds: float = 0.0,
    ) -> None:
        self.model = model
        self.extractive = extractive
        self.prompts = prompts
        self.embed = embed
        self.context_tokens = context_tokens
        self.answer_tokens = answer_tokens
        self.max_question_chars = max_question_chars
        self.cooldown_seconds = cooldown_seconds
        self._down: tuple[float, LLMError] | None = None  # (until, why) after a failure

    # --- circuit breaker ---------------------------------------------------------------------
    def _chat(
        self, messages: Sequence[Message], on_token: OnToken | None = None, max_tokens: int = 512
    ) -> str:
        """The model's reply; fails at once while the endpoint is known to be down, so a
        crowd of users does not each wait out the timeout and retries."""
        down = self._down
        if down is not None and time.monotonic() < down[0]:
            raise LLMError(
                f"{down[1]} (not retried for {self.cooldown_seconds:.0f} s)", down[1].reason
            )
        try:
            reply = self.model.chat(messages, on_token=on_token, max_tokens=max_tokens)
        except LLMError as exc:
            if self.cooldown_seconds:
                self._down = (time.monotonic() + self.cooldown_seconds, exc)
            raise
        self._down = None
        return reply

    # --- follow-ups ------------------------------------------------------------------------
    def condense(self, history: Sequence[Turn], question: str) -> Standalone:
        """A standalone question from a follow-up and the conversation (the offline reading
        of `bot.answer.condense` when the model cannot help)."""
        if not history:
            return Standalone(question)
        messages = condense_messages(
            self.prompts.condense,
            history,
            question,
            self.context_tokens,
            CONDENSE_TOKENS,
        )
        error = None
        try:
            reply = self._chat(messages, max_tokens=CONDENSE_TOKENS)
            standalone = clean_condensed(reply, self.max_question_chars)
            if standalone and _grounded_rewrite(standalone, question, history):
                log.debug("follow-up %r read as %r", question, standalone)
                return Standalone(standalone, rewritten=True)
        except LLMError as exc:
            error = exc
        return Standalone(question, conversation_context(history, question), error=error)

    # --- answers ---------------------------------------------------------------------------
    def answer(
        self,
        question: str,
        hits: Sequence[Hit],
        context: str = "",
        on_token: OnToken | None = None,
        failed: LLMError | None = None,
    ) -> Answer:
        """The model's answer from `hits`, verified; or the extractive one with a note.

        `failed` is an error the model already gave for this question (while condensing
        it): the answer then falls back at once instead of waiting for it again.
        """
        scored = self.extractive.evidence(question, hits, context)
        if not scored or confidence(scored[0]) < self.extractive.min_relevance:
            return Answer(
                question,
                self.prompts.decline,
                answered=False,
                mode=self.mode,
                note="Nothing in the indexed articles matches the question well enough "
                "to ask the model.",
            )
        sources = group_sources(hits)
        messages, shown = answer_messages(
            self.prompts.answer_system,
            question,
            sources,
            self.context_tokens,
            self.answer_tokens,
        )
        if failed is not None:
            return self._fallback(question, hits, context, f"{failed}.")
        sink = _guarded(on_token)
        draft = _Draft(sink, {s.n for s in shown}) if sink else None
        try:
            reply = self._chat(
                messages, on_token=draft.feed if draft else None, max_tokens=self.answer_tokens
            )
        except LLMError as exc:
            return self._fallback(question, hits, context, f"{exc}.")
        finally:
            if draft:
                draft.close()
        if is_decline(reply, self.prompts.decline):
            return self._fallback(
                question, hits, context, "The model found no answer in the sources."
            )
        checked = verify(reply, shown, question, self.embed)
        summary = checked.summary()
        if not checked.grounded:
            return self._fallback(
                question,
                hits,
                context,
                "The model's answer was not supported by the sources it cited.",
                summary,
                checked.claims(),
            )
        note = _removals(checked.unknown + checked.unsupported, checked.removed_sentences)
        return Answer(
            question,
            checked.text,
            answered=True,
            mode=self.mode,
            citations=checked.citations,
            note=note,
            verification=summary,
            claims=checked.claims(),
        )

    def _fallback(
        self,
        question: str,
        hits: Sequence[Hit],
        context: str,
        why: str,
        verification: dict[str, int] | None = None,
        claims: list[dict[str, object]] | None = None,
    ) -> Answer:
        answer = self.extractive.answer(question, hits, context)
        then = (
            "Showing the sentences found in the articles instead."
            if answer.answered
            else "Nothing in the articles answers it either."
        )
        log.info("LLM answer not used: %s", why)
        return replace(
            answer,
            mode=FALLBACK_MODE,
            fallback=True,
            note=f"{why} {then}",
            verification=verification,
            claims=claims or [],
        )
