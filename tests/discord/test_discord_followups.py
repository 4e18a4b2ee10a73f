"""Follow-ups: plain messages in the bot's threads, replies to /ask answers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from botkit import (
    FOLLOW_UP,
    QUESTION,
    Recording,
    W,
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


async def ask_in_general(fake: FakeDiscord) -> tuple[int, str]:
    """An /ask in #general: (id of the answer's message, its text)."""
    inter = await fake.send_interaction("ask", {"question": QUESTION})
    follow = await inter.wait_for_followup(timeout=W)
    return int(follow.response["id"]), follow.json["content"]


async def answered_in_new_thread(fake: FakeDiscord, since: int) -> None:
    create = await fake.wait_for_request("POST", r"/channels/\d+/messages/\d+/threads", since=since)
    await wait_for_answer(fake, int(create.response["id"]), since)


async def test_a_reply_to_an_ask_answer_continues_that_conversation(
    fake: FakeDiscord, newsbot: NewsBot, tmp_path: Path
) -> None:
    service = Recording(newsbot)
    general = fake.channel("general")
    db = tmp_path / "feedback.sqlite3"
    async with running_bot(fake, service, tmp_path, feedback=db):
        answer_id, _ = await ask_in_general(fake)
        asked = service.asks[0]
        await fake.send_message(
            general.id, fake.member, FOLLOW_UP, mentions_bot=True, reply_to=answer_id
        )
        create = await fake.wait_for_request("POST", r"/channels/\d+/messages/\d+/threads")
        thread_id = int(create.response["id"])
        posts = await wait_for_answer(fake, thread_id)
        question, history, _ = service.asks[1]
        assert question == FOLLOW_UP and asked[0] == QUESTION
        assert [t.question for t in history] == [QUESTION]
        assert "troops" in history[0].answer
        assert "diplomats" in posts[-1].json["content"]  # read together with the /ask

        # the thread goes on with both turns
        since = fake.mark()
        await fake.send_message(thread_id, fake.member, "and the others?", mentions_bot=True)
        await wait_for_answer(fake, thread_id, since)
        assert [t.question for t in service.asks[2][1]] == [QUESTION, FOLLOW_UP]

        # a mention replying to someone else's message is a new question
        plain = await fake.send_message(general.id, fake.admin, "look at this")
        since = fake.mark()
        await fake.send_message(
            general.id, fake.member, QUESTION, mentions_bot=True, reply_to=int(plain["id"])
        )
        await answered_in_new_thread(fake, since)
        assert service.asks[3][1] == ()

    # after a restart the stored answer is the conversation
    service = Recording(newsbot)
    async with running_bot(fake, service, tmp_path, feedback=db, discord_message_content=True):
        since = fake.mark()
        await fake.send_message(general.id, fake.member, FOLLOW_UP, reply_to=answer_id)
        await answered_in_new_thread(fake, since)
        (turn,) = service.asks[0][1]
        assert turn.question == QUESTION and "troops" in turn.answer
