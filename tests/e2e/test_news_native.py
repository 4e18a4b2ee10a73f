"""News-native answers on a small dated corpus: dates, "as of", recency, wire copies and
disagreeing figures, through a real index (and the real CLI for what a reader sees)."""

from __future__ import annotations

import json
import os
from datetime import date

import pytest

from tests.e2e.test_cli import run

WIRE = (
    "Defence ministers agreed on Tuesday to station a joint border monitoring mission along "
    "the eastern frontier, officials said after the meeting in Brussels. The mission will "
    "patrol the crossings and report to the ministers every month, the officials added."
)
STORIES = {
    "wire_reuters.json": {"outlet": "Reuters", "date": "2025-06-02", "text": WIRE},
    "wire_ap.json": {"outlet": "AP", "date": "2025-06-02", "text": WIRE},
    "force_jan.json": {
        "outlet": "Daily Planet",
        "date": "2025-01-10",
        "text": "Planners said the reassurance force for the harbour city would number "
        "10,000 troops, drawn from six countries, when it deploys next year.",
    },
    "force_jun.json": {
        "outlet": "Evening Post",
        "date": "2025-06-20",
        "text": "Planners now say the reassurance force for the harbour city will number "
        "25,000 troops, after two more countries joined the plan this month.",
    },
}
UNDATED = "Farmers in the valley reported the largest apricot harvest in a decade this summer."


@pytest.fixture(scope="module")
def dated(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from bot.service import NewsBot
    from bot.settings import load_settings

    base = tmp_path_factory.mktemp("dated")
    articles = base / "articles"
    articles.mkdir()
    for name, story in STORIES.items():
        title = f"{story['outlet']}: " + " ".join(str(story["text"]).split()[:6])
        record = {"title": title, "url": f"https://news.example/{name}", **story}
        (articles / name).write_text(json.dumps(record), encoding="utf-8")
    undated = articles / "apricots.txt"
    undated.write_text(UNDATED + "\n", encoding="utf-8")
    stamp = 1_750_000_000  # 2025-06-15 UTC
    os.utime(undated, (stamp, stamp))
    bot = NewsBot(load_settings(articles_dir=articles, data_dir=base / "data"))
    bot.update()
    return bot


def test_a_wire_story_in_two_outlets_is_one_source_listing_both(dated) -> None:  # type: ignore[no-untyped-def]
    answer = dated.ask("What did defence ministers agree about the eastern frontier?")
    assert answer.answered
    wire = [c for c in answer.citations if c.source.startswith("wire_")]
    assert len(wire) == 1, answer.citations  # not the same text cited twice
    assert set(wire[0].outlets) == {"Reuters", "AP"}
    assert len(wire[0].copies) == 1 and wire[0].copies[0].startswith("wire_")
    hits = dated.search("defence ministers border monitoring mission", k=5)
    assert sum(h.chunk.source.startswith("wire_") for h in hits) == 1


def test_latest_questions_cite_the_newest_report_first(dated) -> None:  # type: ignore[no-untyped-def]
    answer = dated.ask("What is the latest on the size of the reassurance force?")
    assert answer.answered
    assert answer.citations[0].source == "force_jun.json"
    assert "25,000" in answer.text
    assert answer.as_of is not None and answer.as_of.date == date(2025, 6, 20)


def test_a_later_report_of_the_same_figure_reads_as_an_update(dated) -> None:  # type: ignore[no-untyped-def]
    answer = dated.ask("How many troops will the reassurance force for the harbour city have?")
    assert answer.answered
    assert answer.text.startswith("Planners now say")  # the newest report first
    assert "updated: it rose from 10,000 (2025-01-10)" in answer.text, answer.text
    assert "to 25,000 (2025-06-20)" in answer.text
    assert "10,000" in answer.text and "25,000" in answer.text
    assert {c.source for c in answer.citations} == {"force_jan.json", "force_jun.json"}


def test_the_cli_shows_as_of_outlets_and_an_undated_file_as_undated(dated) -> None:  # type: ignore[no-untyped-def]
    env = {
        "NEWSBOT_ARTICLES_DIR": str(dated.settings.index.articles_dir),
        "NEWSBOT_DATA_DIR": str(dated.settings.index.data_dir),
    }
    out = run(
        "ask", "What did farmers in the valley report about the apricot harvest?", env=env
    ).stdout
    # its file time (2025-06-15) is not a publication date: no "as of", shown as undated
    assert "2025-06-15" not in out  # "As of" comes from a dated source cited, if any
    assert "apricots.txt · undated" in out
    data = json.loads(
        run(
            "ask",
            "What did farmers in the valley report about the apricot harvest?",
            "--json",
            env=env,
        ).stdout
    )
    assert data["as_of"] != "2025-06-15"
    (apricots,) = [c for c in data["citations"] if c["source"] == "apricots.txt"]
    assert (apricots["date"], apricots["dated_by"]) == (None, "")
    assert apricots["file_time"] == "2025-06-15T15:06:40+00:00"
    wire = run("ask", "What did defence ministers agree about the eastern frontier?", env=env)
    assert "Reuters, AP" in wire.stdout or "AP, Reuters" in wire.stdout
    assert "same story also in: wire_" in wire.stdout
    data = json.loads(
        run("ask", "What is the latest on the reassurance force?", "--json", env=env).stdout
    )
    assert data["as_of"] == "2025-06-20"
    assert data["citations"][0]["outlets"] == ["Evening Post"]


def test_since_and_until_limit_the_evidence(dated) -> None:  # type: ignore[no-untyped-def]
    from index.retrieve import Filters

    early = dated.search("reassurance force troops", k=5, filters=Filters(until=date(2025, 3, 1)))
    assert {h.chunk.source for h in early} == {"force_jan.json"}
    late = dated.search("reassurance force troops", k=5, filters=Filters(since=date(2025, 6, 1)))
    assert "force_jan.json" not in {h.chunk.source for h in late}
