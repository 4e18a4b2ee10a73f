"""LLM answers end to end: the sample index in real Chroma, the real HTTP client, and a fake
OpenAI-compatible endpoint scripted per test. Citations are verified; failures fall back."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any

import pytest

from bot.answer.citations import markers
from bot.answer.model import Turn
from bot.answer.templates import load_prompts
from tests.fakeopenai.server import FakeOpenAI, Reply, Request, closed_port_url
from tests.llm.conftest import SECRET_KEY

TROOPS_Q = "How many troops did Zelenskyy say were needed?"
TROOPS_FACT = "100,000 to 150,000"


def source_number(request: Request, needle: str) -> int:
    """The number the prompt gave to the source whose text contains `needle`."""
    for n, body in re.findall(r'<source id="(\d+)">(.*?)</source>', request.user, re.S):
        if needle in body:
            return int(n)
    raise AssertionError(f"{needle!r} is in no source of the prompt")


def answering(template: str, needle: str = TROOPS_FACT) -> Callable[[Request], Reply]:
    """A fake model that cites the source holding `needle` as {n} in `template`."""

    def respond(request: Request) -> Reply:
        n = source_number(request, needle)
        return Reply(template.format(n=n, other=n % 5 + 1, bad=99))

    return respond


def test_a_verified_answer(llm_bot: Any, fake: FakeOpenAI) -> None:
    fake.responder = answering(
        "Zelenskyy said 100,000 to 150,000 troops could be needed [{n}], while diplomats "
        "suggested a deployment of 30,000 to 40,000 [{n}]."
    )
    answer = llm_bot.ask(TROOPS_Q)
    assert (answer.mode, answer.answered, answer.fallback, answer.note) == (
        "llm",
        True,
        False,
        None,
    )
    assert TROOPS_FACT in answer.text and markers(answer.text) == [1, 1]
    (cite,) = answer.citations
    assert cite.n == 1 and cite.source == "003_d4d2200b856d5f09.txt"
    assert TROOPS_FACT in cite.snippet
    assert answer.verification["citations_kept"] == 2
    data = answer.as_dict()
    assert {"question", "answer", "answered", "mode", "note", "citations", "fallback"} <= set(data)
    json.dumps(data)
    # what the model was shown: our system prompt, the sources as data, then the question
    (req,) = fake.chat_requests
    assert req.system == load_prompts().answer_system
    assert req.user.index("<sources>") < req.user.index(TROOPS_Q)


def test_citations_to_sources_that_were_not_given_are_removed(llm_bot: Any, fake: FakeOpenAI):
    fake.responder = answering("Zelenskyy said 100,000 to 150,000 troops were needed [{bad}][{n}].")
    answer = llm_bot.ask(TROOPS_Q)
    assert answer.mode == "llm" and not answer.fallback
    assert markers(answer.text) == [1] and len(answer.citations) == 1
    assert answer.verification["citations_unknown"] == 1
    assert "1 citation removed" in answer.note


def test_an_unsupported_sentence_loses_its_citation(llm_bot: Any, fake: FakeOpenAI) -> None:
    fake.responder = answering(
        "Zelenskyy said 100,000 to 150,000 troops were needed [{n}]. "
        "He added that Canada would send 500,000 tanks [{n}]."
    )
    answer = llm_bot.ask(TROOPS_Q)
    assert answer.mode == "llm" and "Canada" not in answer.text and TROOPS_FACT in answer.text
    assert answer.verification["citations_unsupported"] == 1
    assert answer.verification["sentences_removed"] == 1


def test_an_answer_without_citations_falls_back_to_extractive(llm_bot: Any, fake: FakeOpenAI):
    fake.script("Zelenskyy said that 100,000 to 150,000 troops were needed.")
    answer = llm_bot.ask(TROOPS_Q)
    assert (answer.mode, answer.fallback, answer.answered) == ("extractive-fallback", True, True)
    assert "not supported by the sources" in answer.note
    assert answer.citations and TROOPS_FACT in answer.text
    assert answer.verification["citations_kept"] == 0


def test_an_answer_from_the_models_own_knowledge_falls_back(llm_bot: Any, fake: FakeOpenAI):
    fake.responder = answering(
        "The war began in February 2022 [{n}]. Vladimir Putin ordered the invasion from the "
        "Kremlin [{other}]."
    )
    answer = llm_bot.ask(TROOPS_Q)
    assert answer.mode == "extractive-fallback" and answer.fallback
    assert "Kremlin" not in answer.text


def test_a_model_that_finds_nothing_falls_back(llm_bot: Any, fake: FakeOpenAI) -> None:
    fake.script("The sources do not mention how many troops were needed.")
    answer = llm_bot.ask(TROOPS_Q)
    assert answer.mode == "extractive-fallback" and answer.fallback and answer.answered
    assert "found no answer" in answer.note and TROOPS_FACT in answer.text


def test_nothing_relevant_declines_without_asking_the_model(llm_bot: Any, fake: FakeOpenAI):
    answer = llm_bot.ask("What's a good recipe for borscht?")
    assert not answer.answered and answer.citations == [] and answer.mode == "llm"
    assert "couldn't find" in answer.text and fake.chat_requests == []


def test_endpoint_down_gives_the_extractive_answer_with_a_note(make_bot: Callable[..., Any]):
    bot = make_bot(llm_base_url=closed_port_url(), llm_max_retries=1)
    start = time.monotonic()
    answer = bot.ask(TROOPS_Q)
    assert time.monotonic() - start < 10
    assert (answer.mode, answer.fallback, answer.answered) == ("extractive-fallback", True, True)
    assert "could not be reached" in answer.note and TROOPS_FACT in answer.text


def test_a_slow_endpoint_times_out_into_the_fallback(make_bot: Callable[..., Any], fake):
    fake.script(Reply("Too late [1].", delay=4.0))
    bot = make_bot(llm_timeout_seconds=0.5)
    start = time.monotonic()
    answer = bot.ask(TROOPS_Q)
    assert time.monotonic() - start < 3.5
    assert answer.fallback and "did not answer within 0.5 s" in answer.note
    assert TROOPS_FACT in answer.text


def test_a_failing_endpoint_is_retried(make_bot: Callable[..., Any], fake: FakeOpenAI) -> None:
    fake.script(Reply(status=503))
    fake.responder = answering("Zelenskyy said 100,000 to 150,000 troops were needed [{n}].")
    answer = make_bot(llm_max_retries=1).ask(TROOPS_Q)
    assert answer.mode == "llm" and len(fake.chat_requests) == 2


def test_streamed_tokens_arrive_before_the_answer(llm_bot: Any, fake: FakeOpenAI) -> None:
    def respond(request: Request) -> Reply:
        n = source_number(request, TROOPS_FACT)
        return Reply(
            chunks=["Zelenskyy said ", "100,000 to 150,000 ", "troops were needed ", f"[{n}]", "."],
            chunk_delay=0.15,
        )

    fake.responder = respond
    start = time.monotonic()
    got: list[tuple[float, str]] = []
    answer = llm_bot.ask(TROOPS_Q, on_token=lambda t: got.append((time.monotonic() - start, t)))
    done = time.monotonic() - start
    draft = "".join(t for _, t in got)
    assert draft == answer.text == "Zelenskyy said 100,000 to 150,000 troops were needed [1]."
    assert got[0][0] < done - 0.4  # the first words came well before the answer
    assert fake.chat_requests[0].body["stream"] is True


def test_the_streamed_draft_already_drops_unknown_numbers(llm_bot: Any, fake: FakeOpenAI):
    fake.responder = answering(
        "Zelenskyy said 100,000 to 150,000 troops were needed [{bad}] [{n}]."
    )
    parts: list[str] = []
    answer = llm_bot.ask(TROOPS_Q, on_token=parts.append)
    assert "".join(parts) == answer.text and "[99]" not in answer.text


def test_a_broken_stream_callback_does_not_break_the_answer(llm_bot: Any, fake: FakeOpenAI):
    fake.responder = answering("Zelenskyy said 100,000 to 150,000 troops were needed [{n}].")

    def broken(_token: str) -> None:
        raise RuntimeError("terminal closed")

    answer = llm_bot.ask(TROOPS_Q, on_token=broken)
    assert answer.mode == "llm" and answer.answered


def test_follow_up_is_condensed_by_the_model(llm_bot: Any, fake: FakeOpenAI) -> None:
    history = [Turn(TROOPS_Q, "Zelenskyy said 100,000 to 150,000 troops were needed [1].")]
    fake.script("How many troops did diplomats estimate for the deployment in Ukraine?")
    fake.responder = answering(
        "Diplomats suggested a deployment of 30,000 to 40,000 troops [{n}].", "30,000 to 40,000"
    )
    answer = llm_bot.ask("and the diplomats?", history=history)
    condense, ask = fake.chat_requests
    assert condense.system == load_prompts().condense
    assert TROOPS_Q in condense.user and condense.user.rstrip().endswith("Standalone question:")
    assert "How many troops did diplomats estimate" in ask.user
    assert answer.question == "and the diplomats?"
    assert answer.mode == "llm" and "30,000 to 40,000" in answer.text


def test_a_rewrite_that_invents_is_not_used(llm_bot: Any, fake: FakeOpenAI) -> None:
    history = [Turn(TROOPS_Q, "Zelenskyy said 100,000 to 150,000 troops were needed [1].")]
    fake.script("Macron hosted Starmer in Paris for a summit about energy prices on Tuesday.")
    fake.responder = answering(
        "Diplomats suggested a deployment of 30,000 to 40,000 troops [{n}].", "30,000 to 40,000"
    )
    answer = llm_bot.ask("and how many did the diplomats estimate?", history=history)
    assert "and how many did the diplomats estimate?" in fake.chat_requests[1].user
    assert "energy" not in fake.chat_requests[1].user and answer.mode == "llm"


def test_follow_up_without_the_model_uses_earlier_questions(make_bot: Callable[..., Any]):
    bot = make_bot(llm_base_url=closed_port_url())
    history = [Turn(TROOPS_Q, "Zelenskyy said 100,000 to 150,000 troops were needed [1].")]
    answer = bot.ask("and how many did the diplomats estimate?", history=history)
    assert answer.fallback and "30,000 to 40,000" in answer.text
    assert "could not be reached" in answer.note


def test_a_slow_endpoint_is_waited_for_once_per_question(make_bot: Callable[..., Any], fake):
    fake.script(Reply("Too late?", delay=4.0), Reply("Too late [1].", delay=4.0))
    bot = make_bot(llm_timeout_seconds=0.5)
    history = [Turn(TROOPS_Q, "Zelenskyy said 100,000 to 150,000 troops were needed [1].")]
    start = time.monotonic()
    answer = bot.ask("and how many did the diplomats estimate?", history=history)
    assert time.monotonic() - start < 3.5 and len(fake.chat_requests) == 1
    assert answer.fallback and "did not answer within 0.5 s" in answer.note
    assert "30,000 to 40,000" in answer.text


def test_long_history_stays_within_the_context_window(make_bot: Callable[..., Any], fake):
    history = [Turn(f"Question {i} about troops?", "Long answer. " * 300) for i in range(40)]
    fake.script("How many troops did diplomats estimate?")
    fake.responder = answering(
        "Diplomats suggested a deployment of 30,000 to 40,000 troops [{n}].", "30,000 to 40,000"
    )
    bot = make_bot(llm_context_tokens=2048, llm_max_answer_tokens=256)
    answer = bot.ask("and the diplomats?", history=history)
    for req in fake.chat_requests:
        size = sum(len(m["content"]) for m in req.messages) // 3 + 1
        assert size + req.body["max_tokens"] <= 2048
    assert "Question 39" in fake.chat_requests[0].user
    assert "Question 0 " not in fake.chat_requests[0].user
    assert answer.answered


def test_the_api_key_never_shows(make_bot: Callable[..., Any], fake, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    bot = make_bot(llm_max_retries=1)
    fake.script(Reply(status=401, error_message=f"Incorrect API key provided: {SECRET_KEY}"))
    refused = bot.ask(TROOPS_Q)
    fake.script(Reply(status=500, error_message=f"boom {SECRET_KEY}"), Reply(status=500))
    failed = bot.ask(TROOPS_Q)
    fake.responder = answering("Zelenskyy said 100,000 to 150,000 troops were needed [{n}].")
    fine = bot.ask(TROOPS_Q)
    assert "refused the API key" in refused.note and failed.fallback and fine.mode == "llm"
    shown = [json.dumps(a.as_dict()) for a in (refused, failed, fine)]
    shown += [caplog.text, repr(bot.status()), json.dumps(bot.status().as_dict())]
    shown += [repr(bot.settings), str(bot.generative.model.__dict__)]
    for text in shown:
        assert SECRET_KEY not in text
    assert fake.chat_requests[0].headers["authorization"] == f"Bearer {SECRET_KEY}"


def test_status_names_the_model_but_not_the_key(llm_bot: Any, fake: FakeOpenAI) -> None:
    st = llm_bot.status()
    assert st.answerer == "llm" and st.llm_model == f"fake-model at {fake.url}"


@pytest.mark.parametrize("reply", ["", "I couldn't find that in the indexed articles."])
def test_empty_or_declining_reply(llm_bot: Any, fake: FakeOpenAI, reply: str) -> None:
    fake.script(reply)
    answer = llm_bot.ask(TROOPS_Q)
    assert answer.fallback and TROOPS_FACT in answer.text


def test_a_failing_endpoint_is_not_asked_again_during_the_cooldown(
    make_bot: Callable[..., Any], fake: FakeOpenAI
) -> None:
    fake.script(Reply(status=503), Reply("Recovered answer [1]."))
    bot = make_bot(llm_cooldown_seconds=60)
    first = bot.ask(TROOPS_Q)
    assert first.fallback and len(fake.chat_requests) == 1
    start = time.monotonic()
    second = bot.ask(TROOPS_Q)
    assert time.monotonic() - start < 1.0  # no waiting on a known-bad endpoint
    assert second.fallback and "not retried for 60 s" in (second.note or "")
    assert TROOPS_FACT in second.text and len(fake.chat_requests) == 1
    bot.generative._down = None  # the cooldown has passed
    assert bot.ask(TROOPS_Q).mode in ("llm", "extractive-fallback")
    assert len(fake.chat_requests) == 2
