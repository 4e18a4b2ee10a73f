"""Chat-style memory of threads and DMs: the earlier questions and answers of a conversation.

Kept in memory per channel (a thread or a DM), least recently used conversations are
forgotten first. After a restart, the history of a thread the bot created is rebuilt from
the thread's messages (`turns_from_transcript`, pure).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from bot.answer.model import Turn


@dataclass(frozen=True)
class TranscriptMessage:
    """A message of a thread, oldest first, as far as history is concerned."""

    from_bot: bool
    text: str  # for users: the question (bot mention removed)
    closes_answer: bool = False  # the bot's message carrying the feedback buttons


def turns_from_transcript(messages: Sequence[TranscriptMessage]) -> list[Turn]:
    """(question, answer) pairs: a user's message, then the bot's pieces up to its buttons.

    Bot messages that do not end with feedback buttons (cooldown notes, apologies) and
    user messages the bot never answered are left out.
    """
    turns: list[Turn] = []
    question: str | None = None
    parts: list[str] = []
    for message in messages:
        if not message.from_bot:
            question = message.text.strip() or None
            parts = []
            continue
        if question is None:
            continue
        # "-# " subtext lines are about the answer (as of, notes), not part of it
        text = "\n".join(line for line in message.text.splitlines() if not line.startswith("-# "))
        if text.strip():
            parts.append(text.strip())
        if message.closes_answer:
            turns.append(Turn(question, "\n".join(parts)))
            question, parts = None, []
    return turns


class Conversations:
    """Turns per conversation id, plus a lock so a conversation answers one at a time."""

    def __init__(self, max_turns: int = 10, max_conversations: int = 1000) -> None:
        self.max_turns = max_turns
        self.max_conversations = max_conversations
        self._turns: OrderedDict[int, list[Turn]] = OrderedDict()
        self._locks: OrderedDict[int, asyncio.Lock] = OrderedDict()
        self._answers: OrderedDict[int, tuple[Turn, ...]] = OrderedDict()

    def remember_answer(self, message_ids: Sequence[int], turns: Sequence[Turn]) -> None:
        """The conversation up to and including an answer, under the ids of its messages,
        so that a reply to any of them (say, to an /ask answer) continues it."""
        kept = tuple(turns)[-self.max_turns :]
        for message_id in message_ids:
            self._answers[message_id] = kept
            self._answers.move_to_end(message_id)
        while len(self._answers) > 5 * self.max_conversations:
            self._answers.popitem(last=False)

    def answer_history(self, message_id: int) -> list[Turn] | None:
        """The conversation an answer message closes, or None if it is not one we know."""
        turns = self._answers.get(message_id)
        return None if turns is None else list(turns)

    def __contains__(self, key: int) -> bool:
        return key in self._turns

    def history(self, key: int) -> list[Turn]:
        turns = self._turns.get(key)
        if turns is None:
            return []
        self._turns.move_to_end(key)
        return list(turns)

    def remember(self, key: int, turns: Sequence[Turn]) -> None:
        """Replace the history of `key` (e.g. rebuilt from the thread's messages)."""
        self._turns[key] = list(turns)[-self.max_turns :]
        self._turns.move_to_end(key)
        self._trim()

    def add(self, key: int, turn: Turn) -> None:
        self.remember(key, [*self._turns.get(key, []), turn])

    def lock(self, key: int) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        self._locks.move_to_end(key)
        while len(self._locks) > self.max_conversations:
            oldest, old_lock = next(iter(self._locks.items()))
            if old_lock.locked():
                break
            del self._locks[oldest]
        return lock

    def _trim(self) -> None:
        while len(self._turns) > self.max_conversations:
            self._turns.popitem(last=False)
