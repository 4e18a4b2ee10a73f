"""The real newsbot Discord bot against the fake Discord server, end to end."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest
from botkit import (
    FOLLOW_UP,
    QUESTION,
    Recording,
    W,
    bot_posts,
    has_votes,
    running_bot,
    wait_for_answer,
)

from bot.answer.model import Turn
from bot.service import NewsBot
from tests.fakediscord import FakeDiscord

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]

MARKER = re.compile(r"\[\d+\]")


def without_subtext(content: str) -> str:
    """A reply's answer without its "-# " subtext lines (as of, notes)."""
    return "\n".join(line for line in content.splitlines() if not line.startswith("-# "))


async def test_mention_opens_a_thread_and_answers_with_sources(
    fake: FakeDiscord, newsbot: NewsBot, tmp_path: Path
) -> None:
    service = Recording(newsbot)
    general = fake.channel("general")
    async with running_bot(fake, service, tmp_path) as bot:
        sent = await fake.send_message(general.id, fake.member, QUESTION, mentions_bot=True)
        create = await fake.wait_for_request(
            "POST", rf"/channels/{general.id}/messages/{sent['id']}/threads", timeout=W
        )
        assert create.json["name"] == QUESTION
        thread_id = int(create.response["id"])
        posts = await wait_for_answer(fake, thread_id)

        answer = posts[-1].json
        assert MARKER.search(answer["content"]), answer["content"]
        assert "troops" in answer["content"]
        (embed,) = answer["embeds"]
        assert embed["title"] == "Sources"
        numbers = {f["name"].split()[0] for f in embed["fields"]}
        assert set(MARKER.findall(answer["content"])) <= numbers
        assert all(f["value"].startswith("`0") for f in embed["fields"])  # the source file
        assert has_votes(answer)
        assert fake.find_requests("POST", rf"/channels/{thread_id}/typing")
        assert service.asks == [(QUESTION, (), None)]
        # nothing was posted in the channel itself, and the question was not answered twice
        assert bot_posts(fake, general.id) == []
        stored = bot.feedback.votes()
        assert stored == []  # no votes yet, but the answer is on record for them
        assert fake.unhandled_requests == []


async def test_slash_ask_defers_then_follows_up(
    fake: FakeDiscord, newsbot: NewsBot, tmp_path: Path
) -> None:
    async with running_bot(fake, Recording(newsbot), tmp_path):
        started = time.monotonic()
        inter = await fake.send_interaction("ask", {"question": QUESTION})
        callback = await inter.wait_for_callback(timeout=W)
        assert callback.json["type"] == 5  # deferred: "newsbot is thinking…"
        assert callback.timestamp - started < 1.0  # well within Discord's 3 s
        follow = await inter.wait_for_followup(timeout=W)
        assert follow.timestamp >= callback.timestamp
        body = follow.json
        assert MARKER.search(body["content"]) and "troops" in body["content"]
        assert body["embeds"][0]["title"] == "Sources"
        assert has_votes(body)
        assert body["allowed_mentions"]["parse"] == []
        original = inter.original_message
        assert original is not None and original["content"] == body["content"]


async def test_follow_ups_in_the_thread_use_its_context(
    fake: FakeDiscord, newsbot: NewsBot, tmp_path: Path
) -> None:
    service = Recording(newsbot)
    general = fake.channel("general")
    async with running_bot(fake, service, tmp_path):
        await fake.send_message(general.id, fake.member, QUESTION, mentions_bot=True)
        create = await fake.wait_for_request("POST", r"/channels/\d+/messages/\d+/threads")
        thread_id = int(create.response["id"])
        first = (await wait_for_answer(fake, thread_id))[-1].json["content"]

        since = fake.mark()
        await fake.send_message(thread_id, fake.member, FOLLOW_UP, mentions_bot=True)
        posts = await wait_for_answer(fake, thread_id, since)
        assert posts[0].json["message_reference"]  # replies to the follow-up
        assert len(service.asks) == 2
        question, history, _ = service.asks[1]
        assert question == FOLLOW_UP
        # the sample articles have no publication date: no "as of" from their file times
        assert "-# As of" not in first
        assert history == (Turn(QUESTION, without_subtext(first)),)
        # the follow-up was read with the first question: it is about troops, not anything
        assert "diplomats" in posts[-1].json["content"]

        since = fake.mark()
        await fake.send_message(thread_id, fake.admin, "and the others?", mentions_bot=True)
        await wait_for_answer(fake, thread_id, since)
        assert [t.question for t in service.asks[2][1]] == [QUESTION, FOLLOW_UP]
        assert len(fake.threads) == 1  # follow-ups stay in the thread


async def test_follow_ups_without_mention_need_the_message_content_intent(
    fake: FakeDiscord, newsbot: NewsBot, tmp_path: Path
) -> None:
    service = Recording(newsbot)
    general = fake.channel("general")
    async with running_bot(fake, service, tmp_path, discord_message_content=True) as bot:
        assert bot.intents.message_content
        await fake.send_message(general.id, fake.member, QUESTION, mentions_bot=True)
        create = await fake.wait_for_request("POST", r"/channels/\d+/messages/\d+/threads")
        thread_id = int(create.response["id"])
        await wait_for_answer(fake, thread_id)
        since = fake.mark()
        await fake.send_message(thread_id, fake.member, FOLLOW_UP)  # no mention
        await wait_for_answer(fake, thread_id, since)
        assert [t.question for t in service.asks[1][1]] == [QUESTION]
        # a plain message in a channel is not a question
        await fake.send_message(general.id, fake.member, "just chatting")
        await asyncio.sleep(0.3)
        assert len(service.asks) == 2


async def test_thread_history_is_rebuilt_after_a_restart(
    fake: FakeDiscord, newsbot: NewsBot, tmp_path: Path
) -> None:
    general = fake.channel("general")
    async with running_bot(fake, Recording(newsbot), tmp_path):
        await fake.send_message(general.id, fake.member, QUESTION, mentions_bot=True)
        create = await fake.wait_for_request("POST", r"/channels/\d+/messages/\d+/threads")
        thread_id = int(create.response["id"])
        first = (await wait_for_answer(fake, thread_id))[-1].json["content"]

    service = Recording(newsbot)  # a new process: nothing in memory
    async with running_bot(fake, service, tmp_path):
        since = fake.mark()
        await fake.send_message(thread_id, fake.member, FOLLOW_UP, mentions_bot=True)
        await wait_for_answer(fake, thread_id, since)
        assert service.asks[0][1] == (Turn(QUESTION, without_subtext(first)),)


async def test_direct_messages_are_answered_with_their_history(
    fake: FakeDiscord, newsbot: NewsBot, tmp_path: Path
) -> None:
    service = Recording(newsbot)
    stranger = fake.add_user("stranger")
    dm = fake.dm_channel(stranger)
    async with running_bot(fake, service, tmp_path):
        await fake.send_message(None, stranger, QUESTION, guild=False)
        posts = await wait_for_answer(fake, dm.id)
        assert "troops" in posts[-1].json["content"] and has_votes(posts[-1].json)
        since = fake.mark()
        await fake.send_message(None, stranger, FOLLOW_UP, guild=False)
        await wait_for_answer(fake, dm.id, since)
        assert [t.question for t in service.asks[1][1]] == [QUESTION]
        assert fake.threads == []
        inter = await fake.send_interaction(
            "ask", {"question": QUESTION}, guild=False, user=stranger
        )
        assert "troops" in (await inter.wait_for_followup(timeout=W)).json["content"]

    async with running_bot(fake, Recording(newsbot), tmp_path, discord_allow_dms=False):
        since = fake.mark()
        await fake.send_message(None, stranger, QUESTION, guild=False)
        post = await fake.wait_for_request("POST", rf"/channels/{dm.id}/messages", since=since)
        assert post.json["content"] == "Sorry, I don't answer direct messages here."


async def test_status_and_search(fake: FakeDiscord, newsbot: NewsBot, tmp_path: Path) -> None:
    async with running_bot(fake, Recording(newsbot), tmp_path):
        inter = await fake.send_interaction("status")
        assert (await inter.wait_for_callback(timeout=W)).json["type"] == 5
        body = (await inter.wait_for_followup(timeout=W)).json
        fields = {f["name"]: f["value"] for f in body["embeds"][0]["fields"]}
        assert fields["Articles"] == "8" and fields["Files"] == "5"
        assert fields["Last update"].startswith("<t:")
        assert body["flags"] & 64  # only the asker sees it

        inter = await fake.send_interaction("search", {"query": "coalition of the willing"})
        await inter.wait_for_callback(timeout=W)
        body = (await inter.wait_for_followup(timeout=W)).json
        embed = body["embeds"][0]
        assert "coalition of the willing" in embed["title"]
        assert 1 <= len(embed["fields"]) <= 5
        assert embed["fields"][0]["name"].startswith("1. ")
        assert all(".txt`" in f["value"] for f in embed["fields"])


async def test_reindex_is_refused_for_a_non_admin(
    fake: FakeDiscord, newsbot: NewsBot, tmp_path: Path
) -> None:
    service = Recording(newsbot)
    async with running_bot(fake, service, tmp_path):
        (command,) = [c for c in fake.global_commands if c["name"] == "reindex"]
        assert int(command["default_member_permissions"]) == 1 << 5  # Manage Server
        inter = await fake.send_interaction("reindex", user=fake.member)
        callback = (await inter.wait_for_callback(timeout=W)).json
        assert callback["type"] == 4 and callback["data"]["flags"] & 64
        assert "Manage Server" in callback["data"]["content"]
        await asyncio.sleep(0.2)
        assert service.updates == 0


async def test_reindex_by_an_admin_reports_counts(fake: FakeDiscord, tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    source = sorted(Path(__file__).resolve().parents[2].joinpath("articles").glob("*.txt"))[0]
    (articles / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    from conftest import index_settings

    service = Recording(NewsBot(index_settings(articles, tmp_path / "data")))
    async with running_bot(fake, service, tmp_path):
        inter = await fake.send_interaction("reindex", user=fake.admin)
        assert (await inter.wait_for_callback(timeout=W)).json["type"] == 5
        body = (await inter.wait_for_followup(timeout=30)).json
        assert "**1** added, **0** updated, **0** removed" in body["content"]
        assert service.updates == 1

        (articles / source.name).unlink()
        inter = await fake.send_interaction("reindex", user=fake.owner)
        await inter.wait_for_callback(timeout=W)
        body = (await inter.wait_for_followup(timeout=30)).json
        assert "**0** added, **0** updated, **1** removed" in body["content"]


async def test_reindex_fetches_the_registered_feeds_first(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    from conftest import index_settings

    from index.feeds import feed_registry
    from tests.feeds.server import RSS, Item, NewsSite, rss
    from tests.feeds.stories import BARRIER

    articles = tmp_path / "articles"
    articles.mkdir()
    settings = index_settings(articles, tmp_path / "data")
    with NewsSite() as site:
        item = Item("Port Elwyn votes for a tidal barrier", site.url("/barrier"), text=BARRIER)
        site.put("/rss.xml", rss("Coastal Herald", [item]), RSS)
        site.put("/broken.xml", "not a feed", RSS)
        feed_registry(settings).add(site.url("/rss.xml"))
        feed_registry(settings).add(site.url("/broken.xml"))
        service = Recording(NewsBot(settings))
        async with running_bot(fake, service, tmp_path):
            inter = await fake.send_interaction("reindex", user=fake.admin)
            await inter.wait_for_callback(timeout=W)
            body = (await inter.wait_for_followup(timeout=60)).json
        assert "Feeds: 2 fetched, **1** new or corrected stories. 1 problem(s)" in body["content"]
        assert "**1** added" in body["content"]
        (hit,) = service.inner.search("Port Elwyn tidal barrier cost", k=1)
        assert "240 million euros" in hit.chunk.text and hit.chunk.source.startswith("feeds/")


async def test_guild_sync_filters_and_source_autocomplete(
    fake: FakeDiscord, newsbot: NewsBot, tmp_path: Path
) -> None:
    service = Recording(newsbot)
    async with running_bot(fake, service, tmp_path, discord_guild_id=fake.guild_id):
        put = await fake.wait_for_request(
            "PUT", rf"/applications/{fake.application_id}/guilds/{fake.guild_id}/commands"
        )
        assert {c["name"] for c in put.json} == {
            "ask",
            "search",
            "status",
            "reindex",
            "timeline",
            "digest",
            "help",
        }
        ask = next(c for c in put.json if c["name"] == "ask")
        assert [o["name"] for o in ask["options"]] == ["question", "source", "since", "until"]
        assert [o.get("autocomplete", False) for o in ask["options"]] == [
            False,
            True,
            False,
            False,
        ]

        typed = await fake.send_interaction(
            "ask", {"question": "x", "source": "003"}, focused="source"
        )
        choices = (await typed.wait_for_callback(timeout=W)).json["data"]["choices"]
        assert [c["value"] for c in choices] == ["003_d4d2200b856d5f09.txt"]

        inter = await fake.send_interaction(
            "ask",
            {"question": QUESTION, "source": "003_d4d2200b856d5f09.txt", "since": "2020-01-31"},
        )
        body = (await inter.wait_for_followup(timeout=W)).json
        assert body["content"]
        (_, _, filters) = service.asks[-1]
        assert filters is not None and filters.sources == ("003_d4d2200b856d5f09.txt",)
        assert filters.since is not None and filters.since.isoformat() == "2020-01-31"


async def test_help_lists_every_command_with_an_example(
    fake: FakeDiscord, newsbot: NewsBot, tmp_path: Path
) -> None:
    async with running_bot(fake, Recording(newsbot), tmp_path):
        inter = await fake.send_interaction("help")
        reply = (await inter.wait_for_callback(timeout=W)).json
        assert reply["type"] == 4 and reply["data"]["flags"] & 64  # only the asker sees it
        text = reply["data"]["content"]
        for command in fake.global_commands:
            assert f"**/{command['name']}**" in text, command["name"]
            assert f"`/{command['name']}" in text, command["name"]  # an example
        assert f"@{fake.bot_user.username}" in text and "reply" in text
        assert len(text) <= 2000
