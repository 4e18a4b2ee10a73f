"""Follow-ups: plain messages in the bot's threads, replies to /ask answers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from botkit import (
    FOLLOW_UP,
    QUESTION,
    Recording,
    bot_posts,
    running_bot,
    wait_for_answer,
)

from bot.service import NewsBot
from tests.fakediscord import FakeDiscord

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


async def open_thread(fake: FakeDiscord) -> int:
    general = fake.channel("general")
    await fake.send_message(general.id, fake.member, QUESTION, mentions_bot=True)
    create = await fake.wait_for_request("POST", r"/channels/\d+/messages/\d+/threads")
    thread_id = int(create.response["id"])
    await wait_for_answer(fake, thread_id)
    return thread_id


async def test_without_the_intent_a_plain_thread_message_gets_one_hint(
    fake: FakeDiscord, newsbot: NewsBot, tmp_path: Path
) -> None:
    service = Recording(newsbot)
    async with running_bot(fake, service, tmp_path, discord_message_content=False):
        thread_id = await open_thread(fake)
        since = fake.mark()
        await fake.send_message(thread_id, fake.member, FOLLOW_UP)  # arrives without content
        hint = await fake.wait_for_request("POST", rf"/channels/{thread_id}/messages", since=since)
        assert "mention @" in hint.json["content"] and "follow up" in hint.json["content"]
        assert hint.json["allowed_mentions"]["parse"] == []
        await fake.send_message(thread_id, fake.admin, "and then?")
        await asyncio.sleep(0.3)
        assert len(bot_posts(fake, thread_id, since)) == 1  # one hint per thread, not per message
        assert len(service.asks) == 1

        # a plain message in a thread the bot did not open gets nothing
        other = await fake.create_thread(fake.channel("general").id, "chat", owner=fake.member)
        before = fake.mark()
        await fake.send_message(other.id, fake.member, "hello")
        await asyncio.sleep(0.3)
        assert bot_posts(fake, other.id, before) == []


async def test_with_the_intent_a_plain_thread_message_is_answered_without_hint(
    fake: FakeDiscord, newsbot: NewsBot, tmp_path: Path
) -> None:
    service = Recording(newsbot)
    async with running_bot(fake, service, tmp_path, discord_message_content=True):
        thread_id = await open_thread(fake)
        since = fake.mark()
        await fake.send_message(thread_id, fake.member, FOLLOW_UP)
        posts = await wait_for_answer(fake, thread_id, since)
        assert all("mention @" not in (p.json or {}).get("content", "") for p in posts)
        assert [t.question for t in service.asks[1][1]] == [QUESTION]
