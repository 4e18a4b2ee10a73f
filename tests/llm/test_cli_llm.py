"""`newsbot` in a real process with an LLM endpoint (the fake one, on 127.0.0.1)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.test_cli import run
from tests.fakeopenai.server import FakeOpenAI, Reply, closed_port_url
from tests.llm.conftest import SECRET_KEY
from tests.llm.test_answers import TROOPS_FACT, TROOPS_Q, answering


@pytest.fixture
def env(sample_bot: Any, fake: FakeOpenAI) -> dict[str, str]:
    return {
        "NEWSBOT_ARTICLES_DIR": str(sample_bot.settings.index.articles_dir),
        "NEWSBOT_DATA_DIR": str(sample_bot.settings.index.data_dir),
        "NEWSBOT_LLM_BASE_URL": fake.url,
        "NEWSBOT_LLM_MODEL": "fake-model",
        "NEWSBOT_LLM_API_KEY": SECRET_KEY,
        "NEWSBOT_LLM_TIMEOUT_SECONDS": "5",
        "NEWSBOT_LLM_MAX_RETRIES": "0",
    }


def test_ask_json_reports_the_mode(env: dict[str, str], fake: FakeOpenAI) -> None:
    fake.responder = answering("Zelenskyy said 100,000 to 150,000 troops were needed [{n}].")
    out = json.loads(run("ask", TROOPS_Q, "--json", env=env).stdout)
    assert out["mode"] == "llm" and out["fallback"] is False and out["answered"] is True
    assert out["citations"][0]["n"] == 1 and TROOPS_FACT in out["answer"]
    assert out["verification"]["citations_kept"] == 1


def test_ask_streams_then_lists_sources(env: dict[str, str], fake: FakeOpenAI) -> None:
    fake.responder = answering("Zelenskyy said 100,000 to 150,000 troops were needed [{n}].")
    out = run("ask", TROOPS_Q, env=env).stdout
    assert out.count(TROOPS_FACT + " troops were needed [1].") == 1
    assert "Sources" in out and "Checked against the sources" not in out
    assert fake.chat_requests[0].body["stream"] is True


def test_ask_shows_the_checked_answer_when_it_differs(env: dict[str, str], fake: FakeOpenAI):
    fake.responder = answering(
        "Zelenskyy said 100,000 to 150,000 troops were needed [{n}]. Canada sent 9,999 jets [{n}]."
    )
    out = run("ask", TROOPS_Q, env=env).stdout
    draft, checked = out.split("Checked against the sources:")
    assert "9,999" in draft and "9,999" not in checked and TROOPS_FACT in checked
    assert "1 sentence removed" in checked


def test_endpoint_down_is_a_note_not_an_error(env: dict[str, str]) -> None:
    down = {**env, "NEWSBOT_LLM_BASE_URL": closed_port_url()}
    proc = run("ask", TROOPS_Q, env=down)
    assert proc.returncode == 0 and TROOPS_FACT in proc.stdout
    assert "could not be reached" in proc.stdout and "Sources" in proc.stdout
    data = json.loads(run("ask", TROOPS_Q, "--json", env=down).stdout)
    assert data["mode"] == "extractive-fallback" and data["fallback"] is True


def test_status_shows_the_model_not_the_key(env: dict[str, str], fake: FakeOpenAI) -> None:
    text = run("status", env=env).stdout
    assert f"fake-model at {fake.url}" in text and "answers:       llm" in text
    data = json.loads(run("status", "--json", env=env).stdout)
    assert data["answerer"] == "llm" and data["llm_model"] == f"fake-model at {fake.url}"
    assert SECRET_KEY not in text + json.dumps(data)


def test_the_key_never_shows_even_when_debugging(env: dict[str, str], fake: FakeOpenAI) -> None:
    fake.default = Reply(status=401, error_message=f"Incorrect API key provided: {SECRET_KEY}")
    try:
        debug = {**env, "NEWSBOT_DEBUG": "1"}
        for args in (["ask", TROOPS_Q], ["ask", TROOPS_Q, "--json"]):
            proc = run(*args, env=debug)
            assert "refused the API key" in proc.stdout
            assert SECRET_KEY not in proc.stdout + proc.stderr
    finally:
        fake.default = Reply("I couldn't find that in the indexed articles.")


def test_chat_condenses_follow_ups(env: dict[str, str], fake: FakeOpenAI) -> None:
    fake.script(
        Reply("Zelenskyy said 100,000 to 150,000 troops were needed [1]."),
        "How many troops did diplomats suggest for the deployment?",
        Reply("Diplomats suggested a deployment of 30,000 to 40,000 [1]."),
    )
    out = run("chat", env=env, stdin=f"{TROOPS_Q}\nand the diplomats?\n").stdout
    assert out.count("newsbot>") == 2 and "30,000 to 40,000" in out.split("newsbot>")[2]
    assert "Last question: and the diplomats?" in fake.chat_requests[1].user


HEGSETH_TWIST = (
    "Hegseth said any deployment should come from NATO forces rather than from "
    "European and non-European forces"
)


def test_show_evidence_prints_each_claim_with_its_source_sentence(
    env: dict[str, str], fake: FakeOpenAI
) -> None:
    fake.responder = answering("Zelenskyy said 100,000 to 150,000 troops were needed [{n}].")
    out = run("ask", TROOPS_Q, "--show-evidence", env=env).stdout
    evidence = out.split("\nEvidence\n", 1)[1]
    assert "[1] " in evidence and "Zelenskyy said 100,000 to 150,000 troops were needed" in evidence
    # the supporting sentence of the article, not the claim again
    assert "source: “Zelenskyy has expressed the need for significant military" in evidence
    assert "Removed" not in evidence
    data = json.loads(run("ask", TROOPS_Q, "--json", "--show-evidence", env=env).stdout)
    assert data["claims"][0]["supported"] is True and data["claims"][0]["cited"] == 1
    assert data["claims"][0]["title"]


def test_show_evidence_names_the_removed_claim_and_why(
    env: dict[str, str], fake: FakeOpenAI
) -> None:
    fake.responder = answering(
        "Zelenskyy said 100,000 to 150,000 troops were needed [{n}]. " + HEGSETH_TWIST + " [{n}]."
    )
    out = run("ask", TROOPS_Q, "--show-evidence", env=env).stdout
    evidence = out.split("\nEvidence\n", 1)[1]
    kept, removed = evidence.split("\nRemoved from the answer\n")
    assert "Zelenskyy said 100,000 to 150,000" in kept and "NATO forces rather" not in kept
    assert "removed: “" + HEGSETH_TWIST in " ".join(removed.split())
    assert "contradicted: polarity" in removed


def test_show_evidence_of_an_extractive_answer_quotes_its_sources(env: dict[str, str]) -> None:
    plain = {k: v for k, v in env.items() if not k.startswith("NEWSBOT_LLM")}
    out = run("ask", TROOPS_Q, "--show-evidence", env=plain).stdout
    evidence = out.split("\nEvidence\n", 1)[1]
    assert "[1] " in evidence and "(the source's own words)" in evidence
    assert TROOPS_FACT in evidence


def test_one_source_prints_the_same_in_llm_and_extractive_answers(
    env: dict[str, str], fake: FakeOpenAI
) -> None:
    """Both answer paths build citations with one factory: the troops article reads the
    same under Sources (title, outlet, date and how it was found) whichever path answered."""
    fake.responder = answering("Zelenskyy said 100,000 to 150,000 troops were needed [{n}].")
    extractive_env = {k: v for k, v in env.items() if not k.startswith("NEWSBOT_LLM_")}
    llm = json.loads(run("ask", TROOPS_Q, "--json", env=env).stdout)
    plain = json.loads(run("ask", TROOPS_Q, "--json", env=extractive_env).stdout)
    assert llm["mode"] == "llm" and plain["mode"] == "extractive"
    fields = ("article_id", "source", "title", "date", "dated_by", "url", "outlets", "copies")

    article = llm["citations"][0]["article_id"]

    def cited(out: dict[str, Any]) -> dict[str, Any]:
        (c,) = [c for c in out["citations"] if c["article_id"] == article]
        return {f: c[f] for f in fields}

    assert cited(llm) == cited(plain)

    def sources_line(text: str, title: str) -> str:
        return next(line for line in text.splitlines() if title in line and "]" in line)

    title = cited(llm)["title"]
    llm_text = run("ask", TROOPS_Q, env=env).stdout
    plain_text = run("ask", TROOPS_Q, env=extractive_env).stdout
    # the number may differ between the paths; the rest of the line may not
    strip = lambda line: line.split("]", 1)[1]  # noqa: E731
    assert strip(sources_line(llm_text, title)) == strip(sources_line(plain_text, title))
