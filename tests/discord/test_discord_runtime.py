"""Runtime behaviour: the heartbeat under slow answers, background index updates, shards."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import pytest
from botkit import QUESTION, Recording, Slow, W, running_bot, until, wait_for_answer
from conftest import ARTICLES, index_settings
from discord.ext import commands

from bot.service import NewsBot
from index.errors import NewsbotError
from tests.fakediscord import FakeDiscord

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(90)]


async def test_a_slow_answer_does_not_block_the_heartbeat(
    fake: FakeDiscord, newsbot: NewsBot, tmp_path: Path
) -> None:
    service = Slow(newsbot, delay=1.5)  # heartbeat every 100 ms
    general = fake.channel("general")
    async with running_bot(fake, service, tmp_path, discord_max_concurrency=1):
        await fake.wait_for_heartbeats(3, timeout=W)
        start = time.monotonic()
        asks = [await fake.send_interaction("ask", {"question": QUESTION}) for _ in range(2)]
        await fake.send_message(general.id, fake.member, QUESTION, mentions_bot=True)
        # every interaction is acknowledged at once, even with the only worker busy
        for inter in asks:
            callback = await inter.wait_for_callback(timeout=W)
            assert callback.json["type"] == 5 and callback.timestamp - start < 1.0
        for inter in asks:
            await inter.wait_for_followup(timeout=W)
        create = await fake.wait_for_request("POST", r"/channels/\d+/messages/\d+/threads")
        await wait_for_answer(fake, int(create.response["id"]))
        elapsed = time.monotonic() - start
        assert elapsed >= 4.5  # three 1.5 s answers, one at a time
        gap = fake.max_heartbeat_gap(since=start)
        assert gap < 0.5, f"heartbeat blocked for {gap:.2f}s"
        assert len(fake.heartbeat_gaps(since=start)) >= 30


async def test_the_background_task_updates_the_index(fake: FakeDiscord, tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    first, second = sorted(ARTICLES.glob("*.txt"))[:2]
    shutil.copy(first, articles / first.name)
    service = Recording(NewsBot(index_settings(articles, tmp_path / "data")))

    async def files() -> int:
        try:
            return (await asyncio.to_thread(service.status)).files
        except NewsbotError:  # a read racing the very first index build (index layer)
            return -1

    async with running_bot(fake, service, tmp_path, discord_reindex_minutes=0.005):
        for _ in range(150):
            if await files() == 1:
                break
            await asyncio.sleep(0.2)
        assert await files() == 1
        shutil.copy(second, articles / second.name)
        for _ in range(150):
            if await files() == 2:
                break
            await asyncio.sleep(0.2)
        assert await files() == 2
        inter = await fake.send_interaction("status")
        body = (await inter.wait_for_followup(timeout=W)).json
        fields = {f["name"]: f["value"] for f in body["embeds"][0]["fields"]}
        assert fields["Files"] == "2" and fields["Automatic updates"] == "every 0.005 min"
    updates = service.updates
    await asyncio.sleep(0.6)
    assert service.updates == updates  # the loop stopped with the bot


async def test_the_sharded_bot_answers_too(
    fake: FakeDiscord, newsbot: NewsBot, tmp_path: Path
) -> None:
    async with running_bot(fake, Recording(newsbot), tmp_path, discord_sharded=True) as bot:
        assert isinstance(bot, commands.AutoShardedBot)
        assert fake.find_requests("GET", r"/gateway/bot")
        inter = await fake.send_interaction("ask", {"question": QUESTION})
        body = (await inter.wait_for_followup(timeout=W)).json
        assert "troops" in body["content"]
        await until(lambda: bot.is_ready())
