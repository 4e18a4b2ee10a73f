"""Load: 50 questions at once through the fake Discord (not in the default run).

Run: `.venv/bin/python -m pytest tests/discord/test_discord_load.py -m slow -s`
"""

from __future__ import annotations

import logging
import re
import sqlite3
import statistics
import time
from contextlib import closing
from pathlib import Path

import pytest
from botkit import Recording, has_votes, running_bot, until

from bot.service import NewsBot
from tests.fakediscord import FakeDiscord, RecordedRequest

pytestmark = [pytest.mark.asyncio, pytest.mark.slow, pytest.mark.timeout(300)]

QUESTIONS = [
    "How many troops did Zelenskyy say were needed?",
    "What is the coalition of the willing?",
    "Where did the military chiefs meet?",
    "How many NATO countries sent military chiefs to Paris?",
    "What did the diplomats estimate for the deployment?",
    "Which countries lead the coalition?",
    "What security guarantees does Ukraine want?",
    "What did the defence ministers discuss?",
    "Who proposed a peacekeeping force?",
    "What is the capital of Peru?",  # not in the articles: a decline is an answer too
]
N = 50


async def test_fifty_questions_at_once(
    fake: FakeDiscord,
    newsbot: NewsBot,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    service = Recording(newsbot)
    general = fake.channel("general")
    users = [fake.member, fake.admin, fake.owner]
    db = tmp_path / "feedback.sqlite3"
    caplog.set_level(logging.WARNING, logger="discord")
    async with running_bot(fake, service, tmp_path, feedback=db) as bot:
        await fake.wait_for_heartbeats(3, timeout=10)
        start = time.monotonic()
        sent_at: dict[str, float] = {}  # interaction token or message id -> time sent
        kinds: dict[str, str] = {}
        for i in range(N):
            question = f"{QUESTIONS[i % len(QUESTIONS)]} (#{i})"
            user = users[i % len(users)]
            if i % 2:
                inter = await fake.send_interaction("ask", {"question": question}, user=user)
                sent_at[inter.token], kinds[inter.token] = inter.created, "slash"
            else:
                message = await fake.send_message(general.id, user, question, mentions_bot=True)
                sent_at[message["id"]], kinds[message["id"]] = time.monotonic(), "mention"
        injected = time.monotonic() - start

        def finished(request: RecordedRequest) -> str | None:
            if request.method != "POST" or not has_votes(request.json):
                return None
            webhook = re.fullmatch(rf"/webhooks/{fake.application_id}/([^/]+)", request.path)
            if webhook:
                return webhook.group(1)
            channel = re.fullmatch(r"/channels/(\d+)/messages", request.path)
            return channel.group(1) if channel else None  # thread id == question message id

        done: dict[str, float] = {}

        def all_done(request: RecordedRequest) -> bool:
            key = finished(request)
            if key in sent_at:
                done.setdefault(key, request.timestamp)
            return len(done) == N

        await fake.requests.wait_for(all_done, timeout=240, describe=lambda: f"{len(done)}/{N}")
        total = time.monotonic() - start
        gap = fake.max_heartbeat_gap(since=start)

        slash = [i for i in fake.interactions.values() if i.token in sent_at]
        assert all(i.response_type == 5 for i in slash)  # every one deferred in time
        assert len(service.asks) == N and len(fake.threads) == N // 2

        def recorded() -> int:  # each answer is put on record just after it is sent
            with closing(sqlite3.connect(db)) as conn:
                return int(conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0])

        await until(lambda: recorded() == N)
        apologies = [m for m in fake.bot_messages() if "error id" in (m.get("content") or "")]
        assert apologies == []
        assert bot.is_ready()

    latencies = sorted(done[k] - sent_at[k] for k in done)
    p50 = statistics.median(latencies)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    by_kind = {
        kind: statistics.median(done[k] - sent_at[k] for k in done if kinds[k] == kind)
        for kind in ("slash", "mention")
    }
    with capsys.disabled():
        print(
            f"\n{N} questions ({N // 2} /ask, {N // 2} @mention), injected in {injected:.2f}s, "
            f"all answered in {total:.2f}s with {bot.settings.discord.max_concurrency} workers: "
            f"latency p50 {p50:.2f}s, p95 {p95:.2f}s, max {latencies[-1]:.2f}s "
            f"(median /ask {by_kind['slash']:.2f}s, @mention {by_kind['mention']:.2f}s); "
            f"largest heartbeat gap {gap * 1000:.0f} ms (interval 100 ms)"
        )
    assert gap < 1.0, f"heartbeat blocked for {gap:.2f}s"
    blocked = [r for r in caplog.records if re.search(r"blocked|behind", r.getMessage())]
    assert blocked == []
