"""Limits and safety, end to end: long answers, no pings, cooldowns, refusals, errors."""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path

import pytest
from botkit import (
    QUESTION,
    Failing,
    Recording,
    Scripted,
    W,
    bot_posts,
    running_bot,
    wait_for_answer,
)

from bot.answer.model import Answer
from bot.service import NewsBot
from tests.fakediscord import ErrorLogGuard, FakeDiscord

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]

PINGS = "@everyone @here <@{member}> <@&{role}> look!"


def five_thousand(answer: Answer) -> str:
    """A 5,000-character answer whose sentences cite the answer's real sources."""
    n = len(answer.citations)
    sentences = [
        f"Finding {i} of the coalition report is restated here for length. [{i % n + 1}]"
        for i in range(80)
    ]
    text = " ".join(sentences)
    return text[: text.rfind("]", 0, 5000) + 1]


def check_pieces(bodies: list[dict[str, object]], expected: str) -> None:
    contents = [str(b.get("content") or "") for b in bodies]
    assert len(contents) >= 3
    assert all(0 < len(c) <= 2000 for c in contents)
    assert " ".join(contents) == expected
    for content in contents:  # whole claims with their markers; the last ends "as of"
        assert re.fullmatch(r"Finding .*\](\n-# As of .*)?", content)
    assert re.findall(r"\[\d+\]", " ".join(contents)) == re.findall(r"\[\d+\]", expected)
    assert [bool(b.get("embeds")) for b in bodies] == [False] * (len(bodies) - 1) + [True]


async def test_a_five_thousand_character_answer_arrives_in_pieces(
    fake: FakeDiscord, newsbot: NewsBot, tmp_path: Path
) -> None:
    service = Scripted(newsbot, five_thousand)
    async with running_bot(fake, service, tmp_path):
        inter = await fake.send_interaction("ask", {"question": QUESTION})
        await inter.wait_for_callback(timeout=W)
        await fake.wait_for_request(
            "POST",
            rf"/webhooks/{fake.application_id}/{re.escape(inter.token)}",
            predicate=lambda r: bool(r.json.get("components")),
            timeout=W,
        )
        bodies = [
            r.json
            for r in fake.find_requests(
                "POST", rf"/webhooks/{fake.application_id}/{re.escape(inter.token)}"
            )
        ]
        answer = newsbot.ask(QUESTION)
        as_of = answer.as_of_line()  # "" here: the sample articles are undated
        expected = five_thousand(answer) + (f"\n-# {as_of}" if as_of else "")
        assert len(expected) > 4900
        check_pieces(bodies, expected)
        assert inter.original_message["content"] == bodies[0]["content"]  # type: ignore[index]

        general = fake.channel("general")
        await fake.send_message(general.id, fake.member, QUESTION, mentions_bot=True)
        create = await fake.wait_for_request("POST", r"/channels/\d+/messages/\d+/threads")
        posts = await wait_for_answer(fake, int(create.response["id"]))
        check_pieces([p.json for p in posts], expected)


async def test_no_message_ever_pings_anyone(
    fake: FakeDiscord, newsbot: NewsBot, tmp_path: Path
) -> None:
    pings = PINGS.format(member=fake.member.id, role=fake.roles["Moderator"].id)
    service = Scripted(newsbot, lambda a: f"{pings} {a.text}")
    general = fake.channel("general")
    async with running_bot(fake, service, tmp_path):
        await fake.send_message(general.id, fake.admin, f"{pings} {QUESTION}", mentions_bot=True)
        create = await fake.wait_for_request("POST", r"/channels/\d+/messages/\d+/threads")
        assert "@everyone" not in create.json["name"] and "<@" not in create.json["name"]
        await wait_for_answer(fake, int(create.response["id"]))
        inter = await fake.send_interaction("ask", {"question": f"{pings} {QUESTION}"})
        await inter.wait_for_followup(timeout=W)
        # a refusal quoting nothing still goes out without pings
        await fake.send_message(general.id, fake.admin, "x" * 1200, mentions_bot=True)
        await fake.wait_for_request("POST", rf"/channels/{general.id}/messages", timeout=W)

    sent = [r for r in fake.requests if r.method in ("POST", "PATCH") and isinstance(r.json, dict)]
    with_content = [r for r in sent if r.json.get("content")]
    assert len(with_content) >= 3
    for request in with_content:
        assert request.json["allowed_mentions"]["parse"] == [], request
        assert not request.json["allowed_mentions"].get("replied_user")
        assert "@everyone" not in request.json["content"]
    for message in fake.bot_messages():
        assert message["mentions"] == [] and message["mention_roles"] == []
        assert message["mention_everyone"] is False


async def test_cooldown_and_question_length_get_polite_replies(
    fake: FakeDiscord, newsbot: NewsBot, tmp_path: Path
) -> None:
    service = Recording(newsbot)
    general = fake.channel("general")
    async with running_bot(fake, service, tmp_path, discord_cooldown_seconds=30):
        too_long = await fake.send_interaction("ask", {"question": "why " * 300})
        reply = (await too_long.wait_for_callback(timeout=W)).json
        assert reply["type"] == 4 and reply["data"]["flags"] & 64
        assert "the limit is 1,000" in reply["data"]["content"]

        first = await fake.send_interaction("ask", {"question": QUESTION})
        assert (await first.wait_for_callback(timeout=W)).json["type"] == 5
        await first.wait_for_followup(timeout=W)
        second = await fake.send_interaction("search", {"query": "troops"})
        reply = (await second.wait_for_callback(timeout=W)).json
        assert reply["type"] == 4 and reply["data"]["flags"] & 64
        assert re.search(r"Please wait (29|30) seconds", reply["data"]["content"])

        since = fake.mark()
        sent = await fake.send_message(general.id, fake.member, QUESTION, mentions_bot=True)
        reaction = await fake.wait_for_request(
            "PUT", rf"/channels/{general.id}/messages/{sent['id']}/reactions/.+/@me", since=since
        )
        assert "%E2%8F%B3" in reaction.path or "⏳" in reaction.path
        await asyncio.sleep(0.2)
        assert bot_posts(fake, general.id, since) == []  # the channel is not told who waits
        assert fake.threads == []  # no thread for a refused question

        other = await fake.send_interaction("ask", {"question": QUESTION}, user=fake.admin)
        assert (await other.wait_for_callback(timeout=W)).json["type"] == 5  # per user
        await other.wait_for_followup(timeout=W)
        assert len(service.asks) == 2

        bad_date = await fake.send_interaction("ask", {"question": QUESTION, "since": "soon"})
        reply = (await bad_date.wait_for_callback(timeout=W)).json
        assert "YYYY-MM-DD" in reply["data"]["content"]


async def test_an_internal_error_gives_an_apology_with_an_error_id(
    error_log_guard: ErrorLogGuard, newsbot: NewsBot, tmp_path: Path
) -> None:
    async with FakeDiscord(heartbeat_interval=100, fail_fast_on_error_logs=False) as fake:
        general = fake.channel("general")
        async with running_bot(fake, Failing(newsbot), tmp_path):
            inter = await fake.send_interaction("ask", {"question": QUESTION})
            assert (await inter.wait_for_callback(timeout=W)).json["type"] == 5
            content = (await inter.wait_for_followup(timeout=W)).json["content"]
            assert content.startswith("Sorry, something went wrong")
            match = re.search(r"error id `([0-9a-f]{8})`", content)
            assert match is not None
            slash_id = match.group(1)

            await fake.send_message(general.id, fake.member, QUESTION, mentions_bot=True)
            create = await fake.wait_for_request("POST", r"/channels/\d+/messages/\d+/threads")
            thread_id = int(create.response["id"])
            post = await fake.wait_for_request(
                "POST", rf"/channels/{thread_id}/messages", timeout=W
            )  # the apology goes where the answer would have
            match = re.search(r"error id `([0-9a-f]{8})`", post.json["content"])
            assert match is not None and "answerer exploded" not in post.json["content"]
            mention_id = match.group(1)

        records = [r for r in error_log_guard.records if r.levelno >= logging.ERROR]
        logged = " ".join(r.getMessage() for r in records)
        assert slash_id in logged and mention_id in logged
        assert all(r.exc_info and "answerer exploded" in str(r.exc_info[1]) for r in records)
        error_log_guard.clear()  # expected: the test is that they were logged


async def test_allowed_channels_only(fake: FakeDiscord, newsbot: NewsBot, tmp_path: Path) -> None:
    service = Recording(newsbot)
    news, general = fake.channel("news"), fake.channel("general")
    async with running_bot(fake, service, tmp_path, discord_allowed_channels=str(news.id)):
        inter = await fake.send_interaction("ask", {"question": QUESTION}, channel_id=general.id)
        reply = (await inter.wait_for_callback(timeout=W)).json
        assert reply["type"] == 4 and f"<#{news.id}>" in reply["data"]["content"]

        await fake.send_message(general.id, fake.member, QUESTION, mentions_bot=True)
        post = await fake.wait_for_request("POST", rf"/channels/{general.id}/messages")
        assert "I only answer questions in" in post.json["content"]

        await fake.send_message(news.id, fake.member, QUESTION, mentions_bot=True)
        create = await fake.wait_for_request("POST", rf"/channels/{news.id}/messages/\d+/threads")
        await wait_for_answer(fake, int(create.response["id"]))
        await asyncio.sleep(0.1)
        assert len(service.asks) == 1
