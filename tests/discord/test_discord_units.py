"""Unit tests of the Discord bot's small parts (no network)."""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from pathlib import Path

import discord
import discord.gateway
import discord.http
import pytest

from bot.answer.model import Answer, Citation, Turn
from bot.discord.client import bot_intents, discord_endpoints, parse_channel_ids
from bot.discord.cogs.ask import BadOption, make_filters
from bot.discord.conversations import Conversations, TranscriptMessage, turns_from_transcript
from bot.discord.cooldown import Cooldowns
from bot.discord.feedback import FeedbackStore, vote_buttons
from bot.discord.runner import RedactingFormatter
from bot.discord.work import Worker, failure_reply
from index.errors import ConfigError, EmptyIndexError
from index.retrieve import Filters


def test_cooldowns_per_user() -> None:
    now = [100.0]
    cooldowns = Cooldowns(10, clock=lambda: now[0])
    assert cooldowns.retry_after(1) == 0
    assert cooldowns.retry_after(2) == 0
    now[0] = 104.0
    assert cooldowns.retry_after(1) == pytest.approx(6.0)
    now[0] = 110.0
    assert cooldowns.retry_after(1) == 0
    assert Cooldowns(0).retry_after(1) == 0 and Cooldowns(0).retry_after(1) == 0


def test_turns_from_transcript() -> None:
    bot, user = True, False
    transcript = [
        TranscriptMessage(user, "first question"),
        TranscriptMessage(bot, "part one [1]"),
        TranscriptMessage(bot, "part two [2]", closes_answer=True),
        TranscriptMessage(user, "too quick"),
        TranscriptMessage(bot, "Please wait 3 seconds."),  # a notice, not an answer
        TranscriptMessage(user, ""),  # content the bot could not read
        TranscriptMessage(user, "second question"),
        TranscriptMessage(bot, "second answer", closes_answer=True),
        TranscriptMessage(bot, "stray", closes_answer=True),
        TranscriptMessage(user, "unanswered"),
    ]
    assert turns_from_transcript(transcript) == [
        Turn("first question", "part one [1]\npart two [2]"),
        Turn("second question", "second answer"),
    ]
    assert turns_from_transcript([]) == []


async def test_conversations_memory_is_bounded() -> None:
    memory = Conversations(max_turns=2, max_conversations=2)
    for i in range(3):
        memory.add(1, Turn(f"q{i}", f"a{i}"))
    assert [t.question for t in memory.history(1)] == ["q1", "q2"]
    memory.add(2, Turn("x", "y"))
    memory.history(1)  # 1 is now the most recent
    memory.add(3, Turn("z", "w"))
    assert 1 in memory and 3 in memory and 2 not in memory
    lock = memory.lock(1)
    async with lock:
        assert memory.lock(1) is lock and lock.locked()


def test_parse_channel_ids() -> None:
    assert parse_channel_ids("") == frozenset()
    assert parse_channel_ids(" 12, <#34>;56 ,") == {12, 34, 56}
    with pytest.raises(ConfigError):
        parse_channel_ids("general")


def test_intents() -> None:
    plain = bot_intents(False)
    assert plain.guilds and plain.guild_messages and plain.dm_messages
    assert not plain.message_content and not plain.members and not plain.presences
    assert bot_intents(True).message_content


def test_discord_endpoints_are_restored() -> None:
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    with discord_endpoints("http://127.0.0.1:9/api/v10/", "ws://127.0.0.1:9/"):
        assert discord.http.Route.BASE == "http://127.0.0.1:9/api/v10"
        assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == "ws://127.0.0.1:9/"
    assert base == discord.http.Route.BASE
    assert gateway == discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    with discord_endpoints(None, None):
        assert base == discord.http.Route.BASE


def test_filters_from_options() -> None:
    assert make_filters(None, None, "") is None
    assert make_filters(" a.txt ", "2025-03-01", None) == Filters(("a.txt",), date(2025, 3, 1))
    with pytest.raises(BadOption, match="YYYY-MM-DD"):
        make_filters(None, "March", None)


def test_feedback_store(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "sub" / "feedback.sqlite3")
    citation = Citation(1, "a1", "001.txt", "Title", date(2025, 3, 1), "snip", 0.9, None)
    store.record_answer(42, Answer("q?", "text [1]", True, "extractive", [citation]), user_id=7)
    first = store.record_vote(42, 7, "up")
    assert not first.changed and first.question == "q?" and first.answer == "text [1]"
    assert first.sources[0]["date"] == "2025-03-01"
    assert store.record_vote(42, 7, "down").changed
    store.record_vote(43, 7, "up", fallback_answer="old text")
    votes = FeedbackStore(store.path).votes()  # reopened: persisted
    assert [(v.message_id, v.vote, v.answer) for v in votes] == [
        (42, "down", "text [1]"),
        (43, "up", "old text"),
    ]
    with pytest.raises(ValueError):
        store.record_vote(42, 7, "meh")


def test_vote_buttons_are_not_kept_per_message() -> None:
    view = vote_buttons()
    assert not view.is_dispatchable() and view.timeout is None
    ids = [c["custom_id"] for row in view.to_components() for c in row["components"]]
    assert ids == ["newsbot:vote:up", "newsbot:vote:down"]


async def test_worker_bounds_concurrency() -> None:
    worker = Worker(2)
    running, peak = [0], [0]
    import threading
    import time

    lock = threading.Lock()

    def job() -> None:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1

    await asyncio.gather(*(worker.run(job) for _ in range(8)))
    assert peak[0] == 2


def test_failure_reply(caplog: pytest.LogCaptureFixture) -> None:
    polite = failure_reply(EmptyIndexError("Nothing is indexed yet."), "ask")
    assert polite == "Sorry, I can't do that: Nothing is indexed yet."
    with caplog.at_level(logging.ERROR):
        try:
            raise KeyError("secret internals")
        except KeyError as exc:
            apology = failure_reply(exc, "ask")
    assert "secret internals" not in apology and "error id `" in apology
    error_id = apology.split("`")[1]
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert error_id in record.getMessage() and record.exc_info is not None
    caplog.clear()


def test_redacting_formatter() -> None:
    formatter = RedactingFormatter("%(message)s", ["tok.en-123", ""])
    try:
        raise RuntimeError("bad token tok.en-123")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, "", 0, "using %s", ("tok.en-123",), None)
        import sys

        record.exc_info = sys.exc_info()
    text = formatter.format(record)
    assert "tok.en-123" not in text and text.count("[redacted]") >= 2
