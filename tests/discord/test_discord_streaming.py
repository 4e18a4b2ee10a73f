"""Live drafts of LLM answers: the real bot, the fake Discord and a fake OpenAI-compatible
server that streams its reply slowly. Drafts are edited in at most once a second, never ping
anyone, carry no buttons or embeds, and give way to the checked answer."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botkit import QUESTION, Recording, W, has_votes, running_bot, wait_for_answer

from bot.discord.feedback import EVIDENCE_ID
from bot.discord.streaming import DRAFT_CURSOR, draft_text
from bot.service import NewsBot
from bot.settings import load_settings
from tests.fakediscord import FakeDiscord, RecordedRequest
from tests.fakeopenai.server import FakeOpenAI, Reply, Request

pytestmark = [pytest.mark.timeout(60)]  # async tests run by asyncio_mode = "auto"

FACT = "100,000 to 150,000"
ANSWER = "Zelenskyy said that 100,000 to 150,000 troops were needed to secure the peace [{n}]."
UNSUPPORTED = "Zelenskyy said that five million troops were needed on the moon [{n}]."
ARTICLES = Path(__file__).resolve().parents[2] / "articles"
CHUNK_DELAY = 0.2  # 15 chunks: about 3 s of streaming


def source_number(request: Request, needle: str = FACT) -> int:
    for n, body in re.findall(r'<source id="(\d+)">(.*?)</source>', request.user, re.S):
        if needle in body:
            return int(n)
    raise AssertionError(f"{needle!r} is in no source of the prompt")


def slowly(template: str) -> Any:
    """A fake model streaming `template` (its {n} the right source) a word at a time."""

    def respond(request: Request) -> Reply:
        words = template.format(n=source_number(request)).split(" ")
        chunks = [w + " " for w in words[:-1]] + [words[-1]]
        return Reply(chunks=chunks, chunk_delay=CHUNK_DELAY)

    return respond


@pytest.fixture(scope="module")
def llm_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def openai(llm_server: FakeOpenAI) -> Iterator[FakeOpenAI]:
    llm_server.reset()
    yield llm_server
    llm_server.reset()


@pytest.fixture
def llm_newsbot(index_dir: Path, openai: FakeOpenAI) -> NewsBot:
    """A real NewsBot over the session index whose LLM is the fake endpoint."""
    return NewsBot(
        load_settings(
            _env_file=None, articles_dir=ARTICLES, data_dir=index_dir, **llm_settings(openai)
        )
    )


def llm_settings(openai: FakeOpenAI) -> dict[str, Any]:
    return {
        "llm_base_url": openai.url,
        "llm_model": "fake-model",
        "llm_timeout_seconds": 10.0,
        "llm_max_retries": 0,
    }


def is_draft(req: RecordedRequest) -> bool:
    body = req.json or {}
    return (
        str(body.get("content", "")).endswith(DRAFT_CURSOR)
        and not body.get("embeds")
        and not body.get("components")
    )


def assert_drafts(drafts: list[RecordedRequest]) -> None:
    assert len(drafts) >= 2, [d.json for d in drafts]
    times = [d.timestamp for d in drafts]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.9, gaps
    for d in drafts:
        assert d.json["allowed_mentions"]["parse"] == [], d.json
        assert len(d.json["content"]) <= 2000
        assert not d.json.get("embeds") and not d.json.get("components")
    # the drafts grow: each shows the text so far
    texts = [d.json["content"].removesuffix(DRAFT_CURSOR) for d in drafts]
    assert all(b.startswith(a) for a, b in itertools.pairwise(texts)), texts


async def test_slash_ask_edits_drafts_then_the_checked_answer(
    fake: FakeDiscord, llm_newsbot: NewsBot, openai: FakeOpenAI, tmp_path: Path
) -> None:
    openai.responder = slowly(ANSWER)
    async with running_bot(fake, Recording(llm_newsbot), tmp_path, **llm_settings(openai)):
        await fake.wait_for_heartbeats(2, timeout=W)
        since = time.monotonic()
        inter = await fake.send_interaction("ask", {"question": QUESTION})
        assert (await inter.wait_for_callback(timeout=W)).json["type"] == 5
        original = rf"/webhooks/{fake.application_id}/[^/]+/messages/@original"
        final = await fake.wait_for_request(
            "PATCH", original, predicate=lambda r: has_votes(r.json), timeout=W
        )
        edits = fake.find_requests("PATCH", original)
        drafts = [e for e in edits if is_draft(e)]
        assert edits == [*drafts, final]
        assert_drafts(drafts)
        assert final.timestamp - drafts[-1].timestamp >= 0.9

        body = final.json
        assert FACT in body["content"] and "[1]" in body["content"]
        assert not body["content"].endswith(DRAFT_CURSOR)
        assert body["embeds"][0]["title"] == "Sources"
        assert body["allowed_mentions"]["parse"] == []
        assert inter.original_message["content"] == body["content"]
        assert inter.followups == []  # one message: the drafts became the answer
        assert fake.max_heartbeat_gap(since) < 0.5  # the loop never stalled
        assert openai.chat_requests[0].body["stream"] is True
        assert fake.unhandled_requests == []


async def test_mention_sends_a_draft_edits_it_and_ends_with_the_answer(
    fake: FakeDiscord, llm_newsbot: NewsBot, openai: FakeOpenAI, tmp_path: Path
) -> None:
    openai.responder = slowly(ANSWER)
    general = fake.channel("general")
    async with running_bot(fake, Recording(llm_newsbot), tmp_path, **llm_settings(openai)):
        await fake.wait_for_heartbeats(2, timeout=W)
        since = time.monotonic()
        await fake.send_message(general.id, fake.member, QUESTION, mentions_bot=True)
        create = await fake.wait_for_request(
            "POST", rf"/channels/{general.id}/messages/\d+/threads", timeout=W
        )
        thread_id = int(create.response["id"])
        final = await fake.wait_for_request(
            "PATCH",
            rf"/channels/{thread_id}/messages/\d+",
            predicate=lambda r: has_votes(r.json),
            timeout=W,
        )
        (first,) = fake.find_requests("POST", rf"/channels/{thread_id}/messages")
        message_id = first.response["id"]
        edits = fake.find_requests("PATCH", rf"/channels/{thread_id}/messages/{message_id}")
        drafts = [first, *(e for e in edits if is_draft(e))]
        assert edits[-1] is final and len(drafts) == len(edits)
        assert_drafts(drafts)

        body = final.json
        assert FACT in body["content"] and "[1]" in body["content"]
        assert body["embeds"][0]["title"] == "Sources"
        (shown,) = fake.bot_messages(thread_id)
        assert shown["content"] == body["content"] and shown["embeds"]
        assert fake.max_heartbeat_gap(since) < 0.5
        assert fake.unhandled_requests == []


async def test_a_draft_that_fails_the_check_gives_way_to_the_fallback_with_its_note(
    fake: FakeDiscord, llm_newsbot: NewsBot, openai: FakeOpenAI, tmp_path: Path
) -> None:
    openai.responder = slowly(UNSUPPORTED)
    general = fake.channel("general")
    async with running_bot(fake, Recording(llm_newsbot), tmp_path, **llm_settings(openai)):
        await fake.send_message(general.id, fake.member, QUESTION, mentions_bot=True)
        create = await fake.wait_for_request(
            "POST", rf"/channels/{general.id}/messages/\d+/threads", timeout=W
        )
        thread_id = int(create.response["id"])
        final = await fake.wait_for_request(
            "PATCH",
            rf"/channels/{thread_id}/messages/\d+",
            predicate=lambda r: has_votes(r.json),
            timeout=W,
        )
        drafts = fake.find_requests(None, rf"/channels/{thread_id}/messages(/\d+)?")
        assert any("five million" in (r.json or {}).get("content", "") for r in drafts)
        content = final.json["content"]
        assert "five million" not in content
        assert "-# The model's answer was not supported by the sources" in content


async def test_without_an_llm_nothing_is_edited(
    fake: FakeDiscord, newsbot: NewsBot, tmp_path: Path
) -> None:
    general = fake.channel("general")
    async with running_bot(fake, Recording(newsbot), tmp_path):
        inter = await fake.send_interaction("ask", {"question": QUESTION})
        follow = await inter.wait_for_followup(timeout=W)
        assert has_votes(follow.json)

        await fake.send_message(general.id, fake.member, QUESTION, mentions_bot=True)
        create = await fake.wait_for_request(
            "POST", rf"/channels/{general.id}/messages/\d+/threads", timeout=W
        )
        thread_id = int(create.response["id"])
        (post,) = await wait_for_answer(fake, thread_id)
        assert has_votes(post.json) and post.json["embeds"]
        assert fake.find_requests("PATCH", r".*") == []
        bodies = [r.json for r in fake.requests if isinstance(r.json, dict)]
        assert not any(DRAFT_CURSOR in str(b.get("content")) for b in bodies)


def test_draft_text_is_safe_and_short() -> None:
    text = draft_text("@everyone look <@123> " + "word " * 1000)
    assert len(text) <= 2000 and text.endswith(DRAFT_CURSOR)
    assert "@everyone" not in text and "<@123>" not in text
    assert draft_text("   ") == ""


TWISTED = (
    "Zelenskyy said that 100,000 to 150,000 troops were needed to secure the peace [{n}]. "
    "Hegseth said any deployment should come from NATO forces rather than from European "
    "and non-European forces [{n}]."
)


def evidence_button(body: dict[str, Any]) -> dict[str, Any] | None:
    buttons = [c for row in body.get("components") or [] for c in row["components"]]
    return next((b for b in buttons if b.get("custom_id") == EVIDENCE_ID), None)


async def test_show_evidence_replies_privately_with_each_claim_and_its_source(
    fake: FakeDiscord, llm_newsbot: NewsBot, openai: FakeOpenAI, tmp_path: Path
) -> None:
    openai.responder = slowly(TWISTED)
    db = tmp_path / "feedback.sqlite3"
    settings = llm_settings(openai)
    async with running_bot(fake, Recording(llm_newsbot), tmp_path, feedback=db, **settings):
        inter = await fake.send_interaction("ask", {"question": QUESTION})
        original = rf"/webhooks/{fake.application_id}/[^/]+/messages/@original"
        final = await fake.wait_for_request(
            "PATCH", original, predicate=lambda r: has_votes(r.json), timeout=W
        )
        assert (button := evidence_button(final.json)) and button["label"] == "Show evidence"
        answer_id = int(inter.original_message["id"])
        click = await fake.send_component_interaction(EVIDENCE_ID, message_id=answer_id)
        reply = (await click.wait_for_callback(timeout=W)).json
    assert reply["type"] == 4 and reply["data"]["flags"] & 64  # ephemeral
    text = reply["data"]["content"]
    assert len(text) <= 2000 and reply["data"]["allowed_mentions"]["parse"] == []
    assert "**[1] European Countries Explore Security Plan for Post-War Ukraine**" in text
    assert "Zelenskyy said that 100,000 to 150,000 troops were needed" in text
    assert "> source: “Zelenskyy has expressed the need for significant military" in text
    assert "Removed from the answer" in text and "contradicted: polarity" in text
    assert "Hegseth said any deployment should come from NATO forces" in text

    # After a restart the stored claims answer the same click.
    async with running_bot(fake, Recording(llm_newsbot), tmp_path, feedback=db, **settings):
        again = await fake.send_component_interaction(EVIDENCE_ID, message_id=answer_id)
        assert (await again.wait_for_callback(timeout=W)).json["data"]["content"] == text
    # A store that lost the answer (reset) says the evidence is gone, privately.
    reset = tmp_path / "reset.sqlite3"
    async with running_bot(fake, Recording(llm_newsbot), tmp_path, feedback=reset, **settings):
        old = await fake.send_component_interaction(EVIDENCE_ID, message_id=answer_id)
        gone = (await old.wait_for_callback(timeout=W)).json["data"]
        assert gone["flags"] & 64 and "no longer available" in gone["content"]
    assert fake.unhandled_requests == []
