"""/timeline, /digest and the daily digest post: the real bot against the fake Discord."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from botkit import Recording, W, bot_posts, running_bot
from conftest import index_settings

from bot.discord import schedule
from bot.discord.schedule import due_day
from bot.service import NewsBot
from tests.fakediscord import FakeDiscord
from tests.newscorpus import TOPIC, write_corpus

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(90)]

MARKER = re.compile(r"\[(\d+)\]")
# a marker, or the same marker linked to its article ([n] -> [[n]](<url>))
CITE = r"(?:\[\d+\]|\[\[\d+\]\]\(<https?://[^<>\s]+>\))"
BULLET = re.compile(rf"^- (\d{{4}}-\d\d-\d\d) — .+ {CITE}+$")
ITEM = re.compile(rf"^- (\d{{4}}-\d\d-\d\d|undated)(?: · [^—]+)? — .+ {CITE}$")


@pytest.fixture(scope="module")
def news_bot(tmp_path_factory: pytest.TempPathFactory) -> NewsBot:
    """A NewsBot over the small dated corpus of tests/newscorpus.py, indexed once."""
    base = tmp_path_factory.mktemp("news-discord")
    bot = NewsBot(index_settings(write_corpus(base / "articles"), base / "data"))
    report = bot.update()
    assert report.added == 9 and not report.problems
    return bot


def cited_numbers(content: str) -> set[str]:
    return set(MARKER.findall(content))


def source_numbers(body: dict) -> set[str]:  # type: ignore[type-arg]
    (embed,) = body["embeds"]
    assert embed["title"] == "Sources"
    return {f["name"].split()[0].strip("[]") for f in embed["fields"]}


async def test_slash_timeline_gives_dated_cited_bullets_oldest_first(
    fake: FakeDiscord, news_bot: NewsBot, tmp_path: Path
) -> None:
    async with running_bot(fake, Recording(news_bot), tmp_path):
        inter = await fake.send_interaction("timeline", {"topic": TOPIC})
        assert (await inter.wait_for_callback(timeout=W)).json["type"] == 5  # deferred
        body = (await inter.wait_for_followup(timeout=W)).json
        content = body["content"]
        lines = [line for line in content.splitlines() if line.startswith("- ")]
        assert lines and all(BULLET.match(line) for line in lines), content
        days = [BULLET.match(line).group(1) for line in lines]  # type: ignore[union-attr]
        assert days == sorted(days) and days[0] == "2025-05-18"
        assert any("command structure" in line for line in lines if "2025-05-24" in line)
        assert "[[2]](<https://example.com/paris>)" in content  # linked to its article
        assert "Valencia" not in content
        assert cited_numbers(content) == source_numbers(body)
        assert body["allowed_mentions"]["parse"] == []
        assert fake.unhandled_requests == []

        inter = await fake.send_interaction(
            "timeline", {"topic": TOPIC, "since": "2025-05-21", "until": "2025-05-25"}
        )
        body = (await inter.wait_for_followup(timeout=W)).json
        days = [m.group(1) for line in body["content"].splitlines() if (m := BULLET.match(line))]
        assert days == ["2025-05-24"]


async def test_timeline_refusals(fake: FakeDiscord, news_bot: NewsBot, tmp_path: Path) -> None:
    async with running_bot(fake, Recording(news_bot), tmp_path):
        inter = await fake.send_interaction("timeline", {"topic": TOPIC, "since": "last week"})
        callback = (await inter.wait_for_callback(timeout=W)).json
        assert callback["type"] == 4 and callback["data"]["flags"] & 64
        assert "YYYY-MM-DD" in callback["data"]["content"]

        inter = await fake.send_interaction("timeline", {"topic": "borscht recipes"})
        body = (await inter.wait_for_followup(timeout=W)).json
        assert body["content"].startswith("I couldn't find dated events about “borscht recipes”")
        assert not body.get("embeds")


async def test_slash_digest_groups_new_articles_and_says_when_nothing_is_new(
    fake: FakeDiscord, news_bot: NewsBot, tmp_path: Path
) -> None:
    async with running_bot(fake, Recording(news_bot), tmp_path):
        inter = await fake.send_interaction("digest", {"since": "2025-05-24"})
        assert (await inter.wait_for_callback(timeout=W)).json["type"] == 5
        body = (await inter.wait_for_followup(timeout=W)).json
        content = body["content"]
        assert content.startswith("What's new since 2025-05-24: 5 articles in ")
        headings = [line for line in content.splitlines() if line.startswith("**")]
        assert len(headings) >= 2 and any("(2 articles)" in h for h in headings)
        items = [line for line in content.splitlines() if line.startswith("- ")]
        assert len(items) == 5 and all(ITEM.match(line) for line in items), content
        assert all(ITEM.match(line).group(1) >= "2025-05-24" for line in items)  # type: ignore[union-attr]
        assert cited_numbers(content) == source_numbers(body) == {"1", "2", "3", "4", "5"}
        # the undated museum file is not news (its file time is): left out, and said so
        assert "museum" not in content and "1 undated article is left out" in content

        inter = await fake.send_interaction(
            "digest", {"since": "2025-05-24", "include_undated": True}
        )
        body = (await inter.wait_for_followup(timeout=W)).json
        content = body["content"]
        assert content.startswith("What's new since 2025-05-24: 6 articles in ")
        items = [line for line in content.splitlines() if line.startswith("- ")]
        assert all(ITEM.match(line) for line in items), content
        assert next(line for line in items if "museum" in line).startswith("- undated — ")

        inter = await fake.send_interaction("digest", {"since": "24h"})  # the corpus is old
        body = (await inter.wait_for_followup(timeout=W)).json
        assert body["content"].startswith("Nothing new since ")
        assert not body.get("embeds")

        inter = await fake.send_interaction("digest", {"since": "yesterday"})
        callback = (await inter.wait_for_callback(timeout=W)).json
        assert callback["type"] == 4 and callback["data"]["flags"] & 64
        assert "24h, 7d, 2w" in callback["data"]["content"]


def daily_posts(fake: FakeDiscord, channel_id: int) -> list[dict]:  # type: ignore[type-arg]
    return [
        r.json
        for r in bot_posts(fake, channel_id)
        if r.json and (r.json.get("content") or "").startswith("**Daily digest**")
    ]


async def test_the_daily_digest_is_posted_once_a_day_from_the_hour(
    fake: FakeDiscord, news_bot: NewsBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [datetime(2025, 5, 25, 8, 59, tzinfo=UTC)]
    monkeypatch.setattr(schedule, "utc_now", lambda: clock[0])
    monkeypatch.setattr(schedule, "TICK_SECONDS", 0.05)
    channel = fake.channel("news")
    options = {
        "data_dir": tmp_path / "bot-data",
        "discord_digest_channel_id": channel.id,
        "discord_digest_hour_utc": 9,
    }
    async with running_bot(fake, Recording(news_bot), tmp_path, **options):
        await asyncio.sleep(0.4)
        assert daily_posts(fake, channel.id) == []  # not before 09:00 UTC

        clock[0] = datetime(2025, 5, 25, 9, 0, tzinfo=UTC)
        await fake.wait_for_request(
            "POST",
            rf"/channels/{channel.id}/messages",
            predicate=lambda r: bool(r.json and "Daily digest" in (r.json.get("content") or "")),
            timeout=W,
        )
        (post,) = daily_posts(fake, channel.id)
        content = post["content"]
        assert "What's new since 2025-05-24: 5 articles in " in content  # the last 24 hours
        items = [line for line in content.splitlines() if line.startswith("- ")]
        assert len(items) == 5 and all(ITEM.match(line) for line in items), content
        assert cited_numbers(content) == source_numbers(post)
        assert post["allowed_mentions"]["parse"] == []

        clock[0] = datetime(2025, 5, 25, 15, 0, tzinfo=UTC)
        await asyncio.sleep(0.4)
        assert len(daily_posts(fake, channel.id)) == 1  # once a day

    # a restart the same day does not post again; the next day does
    async with running_bot(fake, Recording(news_bot), tmp_path, **options):
        await asyncio.sleep(0.4)
        assert len(daily_posts(fake, channel.id)) == 1
        clock[0] = datetime(2025, 5, 26, 9, 30, tzinfo=UTC)
        await fake.wait_for_request(
            "POST",
            rf"/channels/{channel.id}/messages",
            predicate=lambda r: bool(
                r.json and "since 2025-05-25" in (r.json.get("content") or "")
            ),
            timeout=W,
        )
        posts = daily_posts(fake, channel.id)
        assert len(posts) == 2
        assert "What's new since 2025-05-25: 3 articles in " in posts[1]["content"]


async def test_no_daily_post_without_a_channel(
    fake: FakeDiscord, news_bot: NewsBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schedule, "utc_now", lambda: datetime(2025, 5, 25, 12, tzinfo=UTC))
    monkeypatch.setattr(schedule, "TICK_SECONDS", 0.05)
    async with running_bot(fake, Recording(news_bot), tmp_path) as bot:
        cog = bot.get_cog("NewsCog")
        assert cog is not None and not cog.daily_digest.is_running()  # type: ignore[attr-defined]
        await asyncio.sleep(0.3)
        for channel in ("general", "news"):
            assert daily_posts(fake, fake.channel(channel).id) == []


async def test_due_day() -> None:
    at = datetime(2025, 5, 25, 9, 0, tzinfo=UTC)
    assert due_day(at, 9, None) == "2025-05-25"
    assert due_day(at, 10, None) is None
    assert due_day(at, 9, "2025-05-25") is None
    assert due_day(at, 9, "2025-05-24") == "2025-05-25"
    assert due_day(datetime(2025, 5, 25, 23, 59), 0, None) == "2025-05-25"  # naive = UTC
    assert date.fromisoformat(due_day(at, 0, None) or "") == date(2025, 5, 25)
