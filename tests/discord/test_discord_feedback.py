"""👍 / 👎 buttons: stored with the answer, and still working after a restart."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from botkit import QUESTION, Recording, W, running_bot

from bot.discord.feedback import (
    EVIDENCE_ID,
    FEEDBACK_FILE,
    VOTE_DOWN_ID,
    VOTE_UP_ID,
    FeedbackStore,
)
from bot.service import NewsBot
from tests.fakediscord import FakeDiscord

pytestmark = [pytest.mark.timeout(60)]


@pytest.mark.asyncio
async def test_votes_are_stored_and_the_buttons_survive_a_restart(
    fake: FakeDiscord, newsbot: NewsBot, tmp_path: Path
) -> None:
    db = tmp_path / "votes" / "feedback.sqlite3"
    async with running_bot(fake, Recording(newsbot), tmp_path, feedback=db):
        inter = await fake.send_interaction("ask", {"question": QUESTION})
        follow = await inter.wait_for_followup(timeout=W)
        answer_text = follow.json["content"]
        message_id = int(follow.response["id"])
        click = await fake.send_component_interaction(VOTE_UP_ID, message_id=message_id)
        reply = (await click.wait_for_callback(timeout=W)).json
        assert reply["type"] == 4 and reply["data"]["flags"] & 64
        assert "👍" in reply["data"]["content"]

    # A new bot process: the view is registered again from its custom_ids, the store reopened.
    async with running_bot(fake, Recording(newsbot), tmp_path, feedback=db):
        change = await fake.send_component_interaction(VOTE_DOWN_ID, message_id=message_id)
        assert "👎" in (await change.wait_for_callback(timeout=W)).json["data"]["content"]
        other = await fake.send_component_interaction(
            VOTE_UP_ID, message_id=message_id, user=fake.admin
        )
        await other.wait_for_callback(timeout=W)

    votes = {v.user_id: v for v in FeedbackStore(db).votes()}
    assert {u: v.vote for u, v in votes.items()} == {fake.member.id: "down", fake.admin.id: "up"}
    vote = votes[fake.member.id]
    assert vote.question == QUESTION
    assert vote.answer == answer_text.split("\n-# ")[0]  # the answer, not its "as of" line
    assert vote.sources and vote.sources[0]["n"] == 1 and vote.sources[0]["title"]
    assert vote.voted_at.endswith("+00:00")


@pytest.mark.asyncio
async def test_a_vote_on_an_unknown_answer_is_still_kept(
    fake: FakeDiscord, newsbot: NewsBot, tmp_path: Path
) -> None:
    db = tmp_path / "feedback.sqlite3"
    async with running_bot(fake, Recording(newsbot), tmp_path, feedback=db):
        click = await fake.send_component_interaction(VOTE_UP_ID)  # a message from long ago
        assert (await click.wait_for_callback(timeout=W)).json["type"] == 4
    (vote,) = FeedbackStore(db).votes()
    assert vote.vote == "up" and vote.question == "" and vote.sources == []


@pytest.mark.asyncio
async def test_a_thumbs_down_asks_what_was_wrong_and_the_export_has_it(
    fake: FakeDiscord, newsbot: NewsBot, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    db = data / FEEDBACK_FILE
    async with running_bot(fake, Recording(newsbot), tmp_path, feedback=db):
        inter = await fake.send_interaction("ask", {"question": QUESTION})
        answer_id = int((await inter.wait_for_followup(timeout=W)).response["id"])
        down = await fake.send_component_interaction(VOTE_DOWN_ID, message_id=answer_id)
        reply = (await down.wait_for_callback(timeout=W)).json
        assert reply["type"] == 4 and reply["data"]["flags"] & 64  # private
        buttons = [c for row in reply["data"]["components"] for c in row["components"]]
        assert [b["label"] for b in buttons] == ["Wrong", "Outdated", "Missing source", "Other"]
        outdated = next(b["custom_id"] for b in buttons if b["label"] == "Outdated")

    # a click after a restart still lands (the answer's id is in the button)
    async with running_bot(fake, Recording(newsbot), tmp_path, feedback=db):
        click = await fake.send_component_interaction(outdated)
        done = (await click.wait_for_callback(timeout=W)).json
        assert done["type"] == 7  # the prompt is replaced: no buttons left
        assert "Outdated" in done["data"]["content"] and not done["data"].get("components")
        up = await fake.send_component_interaction(
            VOTE_UP_ID, message_id=answer_id, user=fake.admin
        )
        assert "👍" in (await up.wait_for_callback(timeout=W)).json["data"]["content"]

    votes = {v.user_id: v for v in FeedbackStore(db).votes()}
    assert votes[fake.member.id].reason == "outdated" and votes[fake.admin.id].reason is None

    env = {**os.environ, "NEWSBOT_DATA_DIR": str(data), "NEWSBOT_ARTICLES_DIR": str(tmp_path)}
    exported = json.loads(newsbot_cli("feedback", "export", env=env))
    assert exported == json.loads(newsbot_cli("feedback", "export", "--json", env=env))
    down_row = next(r for r in exported if r["vote"] == "down")
    assert down_row["question"] == QUESTION and down_row["reason"] == "outdated"
    assert "troops" in down_row["answer"] and down_row["sources"][0]["n"] == 1
    rows = list(csv.DictReader(io.StringIO(newsbot_cli("feedback", "export", "--csv", env=env))))
    assert {r["vote"] for r in rows} == {"up", "down"}
    assert json.loads(rows[0]["sources"])[0]["title"]
    assert {r["reason"] for r in rows} == {"outdated", ""}


def test_the_export_of_no_votes_is_empty_and_creates_nothing(tmp_path: Path) -> None:
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(tmp_path / "d"), "NEWSBOT_ARTICLES_DIR": "."}
    assert json.loads(newsbot_cli("feedback", "export", env=env)) == []
    assert not (tmp_path / "d" / FEEDBACK_FILE).exists()


def test_an_old_database_gains_the_reason_column(tmp_path: Path) -> None:
    db = tmp_path / FEEDBACK_FILE
    with sqlite3.connect(db) as old:
        old.executescript(
            "CREATE TABLE feedback (message_id INTEGER NOT NULL, user_id INTEGER NOT NULL,"
            " vote TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL,"
            " sources TEXT NOT NULL, voted_at TEXT NOT NULL, PRIMARY KEY (message_id, user_id));"
            "INSERT INTO feedback VALUES (1, 2, 'down', 'q', 'a', '[]', '2025-01-01');"
        )
    old.close()
    store = FeedbackStore(db)
    assert store.record_reason(1, 2, "wrong")
    assert not store.record_reason(1, 3, "wrong")  # no such 👎
    (vote,) = store.votes()
    assert vote.reason == "wrong"


def newsbot_cli(*args: str, env: dict[str, str]) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return proc.stdout


@pytest.mark.asyncio
async def test_show_evidence_of_an_extractive_answer_quotes_each_source(
    fake: FakeDiscord, newsbot: NewsBot, tmp_path: Path
) -> None:
    async with running_bot(fake, Recording(newsbot), tmp_path, feedback=tmp_path / "f.sqlite3"):
        inter = await fake.send_interaction("ask", {"question": QUESTION})
        follow = await inter.wait_for_followup(timeout=W)
        ids = [c["custom_id"] for row in follow.json["components"] for c in row["components"]]
        assert ids == [VOTE_UP_ID, VOTE_DOWN_ID, EVIDENCE_ID]
        click = await fake.send_component_interaction(
            EVIDENCE_ID, message_id=int(follow.response["id"])
        )
        reply = (await click.wait_for_callback(timeout=W)).json["data"]
    assert reply["flags"] & 64
    text = reply["content"]
    assert "**[1] European Countries Explore Security Plan for Post-War Ukraine**" in text
    assert "100,000 to 150,000 troops" in text and "(the source's own words)" in text


def test_an_old_database_gains_the_claims_column(tmp_path: Path) -> None:
    from bot.answer.model import Answer, Citation

    db = tmp_path / FEEDBACK_FILE
    with sqlite3.connect(db) as old:
        old.executescript(
            "CREATE TABLE answers (message_id INTEGER PRIMARY KEY, channel_id INTEGER,"
            " guild_id INTEGER, user_id INTEGER, question TEXT NOT NULL, answer TEXT NOT NULL,"
            " sources TEXT NOT NULL, mode TEXT, created_at TEXT NOT NULL);"
            "INSERT INTO answers VALUES (1, 0, 0, 0, 'q', 'Old. [1]', '[]', 'extractive', 'x');"
        )
    old.close()
    store = FeedbackStore(db)
    cite = Citation(1, "a", "a.txt", "Title A", None, "Said it.", 0.5)
    claim = {"claim": "It was said", "n": 1, "supported": True, "evidence": "Said it."}
    store.record_answer(2, Answer("q", "It was said [1].", True, "llm", [cite], claims=[claim]))
    (backed,) = store.evidence(2).backed  # type: ignore[union-attr]
    assert (backed.claim, backed.evidence) == ("It was said", "Said it.")
    assert store.evidence(1).backed[0].claim == "Old."  # type: ignore[union-attr]
    assert store.evidence(3) is None
