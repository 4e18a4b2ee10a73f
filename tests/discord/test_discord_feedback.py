"""👍 / 👎 buttons: stored with the answer, and still working after a restart."""

from __future__ import annotations

from pathlib import Path

import pytest
from botkit import QUESTION, Recording, W, running_bot

from bot.discord.feedback import VOTE_DOWN_ID, VOTE_UP_ID, FeedbackStore
from bot.service import NewsBot
from tests.fakediscord import FakeDiscord

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


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


async def test_a_vote_on_an_unknown_answer_is_still_kept(
    fake: FakeDiscord, newsbot: NewsBot, tmp_path: Path
) -> None:
    db = tmp_path / "feedback.sqlite3"
    async with running_bot(fake, Recording(newsbot), tmp_path, feedback=db):
        click = await fake.send_component_interaction(VOTE_UP_ID)  # a message from long ago
        assert (await click.wait_for_callback(timeout=W)).json["type"] == 4
    (vote,) = FeedbackStore(db).votes()
    assert vote.vote == "up" and vote.question == "" and vote.sources == []
