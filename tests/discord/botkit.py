"""Helpers of the Discord tests: run the real bot against the fake, inject services.

The services wrap a real `NewsBot` and are injected through the bot's constructor: nothing
in discord.py is mocked.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.answer.model import Answer, Turn
from bot.discord.client import NewsDiscordBot, create_bot
from bot.discord.feedback import FeedbackStore
from bot.service import NewsBot
from bot.settings import Settings, load_settings
from index.retrieve import Filters
from tests.fakediscord import FakeDiscord, RecordedRequest

W = 10.0  # bound of every wait in these tests
QUESTION = "How many troops did Zelenskyy say were needed?"
FOLLOW_UP = "And what did the diplomats estimate?"


class Recording:
    """Delegates to a real NewsBot and records every ask (with its history)."""

    def __init__(self, inner: NewsBot) -> None:
        self.inner = inner
        self.asks: list[tuple[str, tuple[Turn, ...], Filters | None]] = []
        self.updates = 0
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def ask(
        self,
        question: str,
        k: int | None = None,
        history: Sequence[Turn] = (),
        filters: Filters | None = None,
        **kwargs: Any,
    ) -> Answer:
        with self._lock:
            self.asks.append((question, tuple(history), filters))
        return self.inner.ask(question, k, history, filters, **kwargs)

    def update(self, *args: Any, **kwargs: Any) -> Any:
        self.updates += 1
        return self.inner.update(*args, **kwargs)


class Slow(Recording):
    """Answers after `delay` seconds of blocking work (like a slow LLM)."""

    def __init__(self, inner: NewsBot, delay: float) -> None:
        super().__init__(inner)
        self.delay = delay

    def ask(self, *args: Any, **kwargs: Any) -> Answer:
        time.sleep(self.delay)  # blocks its worker thread, never the event loop
        return super().ask(*args, **kwargs)


class Scripted(Recording):
    """Real retrieval and citations, but the answer text comes from `script(answer)`."""

    def __init__(self, inner: NewsBot, script: Callable[[Answer], str]) -> None:
        super().__init__(inner)
        self.script = script

    def ask(self, *args: Any, **kwargs: Any) -> Answer:
        answer = super().ask(*args, **kwargs)
        return replace(answer, text=self.script(answer))


class Failing(Recording):
    """An internal bug in the answerer."""

    def ask(self, *args: Any, **kwargs: Any) -> Answer:
        raise RuntimeError("answerer exploded")


def bot_settings(
    fake: FakeDiscord, data_dir: Path, articles_dir: Path, **overrides: Any
) -> Settings:
    values: dict[str, Any] = {
        "discord_token": fake.token,
        "discord_api_base": fake.api_base,
        "discord_gateway_url": str(fake.gateway_url),
        "discord_cooldown_seconds": 0,
        **overrides,
    }
    return load_settings(_env_file=None, articles_dir=articles_dir, data_dir=data_dir, **values)


@contextlib.asynccontextmanager
async def running_bot(
    fake: FakeDiscord,
    service: Any,
    tmp_path: Path,
    *,
    articles_dir: Path | None = None,
    data_dir: Path | None = None,
    feedback: Path | None = None,
    **overrides: Any,
) -> AsyncIterator[NewsDiscordBot]:
    """The real newsbot Discord bot, connected to `fake`, closed on exit."""
    settings = bot_settings(
        fake,
        data_dir or service.settings.index.data_dir,
        articles_dir or service.settings.index.articles_dir,
        **overrides,
    )
    store = FeedbackStore(feedback or tmp_path / "feedback.sqlite3")
    bot = create_bot(settings, service, feedback=store, **FakeDiscord.client_options())
    async with fake.run_client(bot, ready_timeout=W):
        yield bot


def bot_posts(fake: FakeDiscord, channel_id: int, since: int = 0) -> list[RecordedRequest]:
    return fake.find_requests("POST", rf"/channels/{channel_id}/messages", since=since)


def has_votes(body: dict[str, Any] | None) -> bool:
    ids = {
        c.get("custom_id")
        for row in (body or {}).get("components") or []
        for c in row.get("components", [])
    }
    return {"newsbot:vote:up", "newsbot:vote:down"} <= ids  # (and "Show evidence", if any)


async def wait_for_answer(
    fake: FakeDiscord, channel_id: int, since: int = 0, timeout: float = W
) -> list[RecordedRequest]:
    """The bot's posts to a channel up to the one that closes an answer (vote buttons)."""
    await fake.wait_for_request(
        "POST",
        rf"/channels/{channel_id}/messages",
        predicate=lambda r: has_votes(r.json),
        since=since,
        timeout=timeout,
    )
    return bot_posts(fake, channel_id, since)


async def until(condition: Callable[[], bool], timeout: float = W) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.02)
