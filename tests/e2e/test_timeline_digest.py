"""`newsbot timeline` and `newsbot digest` as a user runs them, on a small dated corpus."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from index.store.manifest import DATING
from tests.e2e.test_cli import run
from tests.newscorpus import TOPIC, write_corpus

BULLET_RE = re.compile(r"^- (?P<day>\d{4}-\d\d-\d\d) — (?P<text>.+?) (?P<refs>(?:\[\d+\])+)$")
ITEM_RE = re.compile(
    r"^- (?P<day>\d{4}-\d\d-\d\d|undated)(?: · (?P<outlet>[^—]+))? — .+"
    r" \[(?P<n>\d+)\]$"
)
SOURCE_RE = re.compile(r"^\[(?P<n>\d+)\] .+? \((?P<meta>[^()]+)\)$")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("news")
    articles = write_corpus(base / "articles")
    env = {"NEWSBOT_ARTICLES_DIR": str(articles), "NEWSBOT_DATA_DIR": str(base / "data")}
    out = json.loads(run("index", "--json", env=env).stdout)
    assert out["added"] == 9 and not out["problems"], out
    return env


def bullets(stdout: str) -> list[re.Match[str]]:
    lines = [line for line in stdout.splitlines() if line.startswith("- ")]
    found = [BULLET_RE.match(line) for line in lines]
    assert lines and all(found), stdout
    return [m for m in found if m]


def sources(stdout: str) -> dict[int, str]:
    """[n] -> the source line's parenthesised details (file, outlet, date)."""
    after = stdout.split("\nSources\n", 1)[1]
    found = {}
    for line in after.splitlines():
        if m := SOURCE_RE.match(line):
            found[int(m["n"])] = m["meta"]
    return found


def test_timeline_is_dated_bullets_oldest_first_each_cited(env: dict[str, str]) -> None:
    out = run("timeline", TOPIC, env=env).stdout
    found = bullets(out)
    days = [m["day"] for m in found]
    assert days == sorted(days), out
    # the London meeting is dated by the day its sentence names, before its article's date
    assert found[0]["day"] == "2025-05-18" and "military chiefs" in found[0]["text"]
    assert {"2025-05-18", "2025-05-20", "2025-05-24", "2025-05-26"} <= set(days)
    brussels = next(m for m in found if "command structure" in m["text"])
    assert brussels["day"] == "2025-05-24"  # its dateline, not its (newer) file time
    assert len(found) == len({m["text"] for m in found})  # one bullet per event
    for other in ("Valencia", "interest rate", "wheat"):
        assert other not in out
    listed = sources(out)
    used = {int(n) for m in found for n in re.findall(r"\d+", m["refs"])}
    assert used == set(listed) == set(range(1, len(listed) + 1))
    assert all(re.search(r"2025-0\d-\d\d", meta) for meta in listed.values()), listed


def test_timeline_json_and_date_range(env: dict[str, str]) -> None:
    data = json.loads(run("timeline", TOPIC, "--json", env=env).stdout)
    assert data["mode"] == "timeline" and data["answered"] is True and data["topic"] == TOPIC
    events = data["events"]
    assert [e["date"] for e in events] == sorted(e["date"] for e in events)
    assert events[0]["dated_by"] == "text"
    numbers = {c["n"]: c for c in data["citations"]}
    for event in events:
        assert event["citations"] and set(event["citations"]) <= set(numbers)
        assert f"[{event['citations'][0]}]" in data["answer"]
    assert all(c["date"] for c in data["citations"])

    ranged = json.loads(
        run(
            "timeline", TOPIC, "--since", "2025-05-21", "--until", "2025-05-25", "--json", env=env
        ).stdout
    )
    assert [e["date"] for e in ranged["events"]] == ["2025-05-24"]
    assert "command structure" in ranged["events"][0]["text"]


def test_ask_answers_a_timeline_question_as_a_timeline(env: dict[str, str]) -> None:
    data = json.loads(
        run("ask", "What happened with the reassurance force, in order?", "--json", env=env).stdout
    )
    assert data["mode"] == "timeline" and data["answered"] is True
    lines = data["answer"].splitlines()
    assert lines[0] == "Timeline of “the reassurance force”, oldest first:"
    days = [BULLET_RE.match(line)["day"] for line in lines[1:]]  # type: ignore[index]
    assert days[0] == "2025-05-18" and days == sorted(days)
    # with an LLM configured (here one that is down), timelines are still built extractively
    llm = {**env, "NEWSBOT_LLM_BASE_URL": "http://127.0.0.1:9/v1", "NEWSBOT_LLM_MODEL": "m"}
    again = json.loads(
        run("ask", "What happened with the reassurance force, in order?", "--json", env=llm).stdout
    )
    assert again["mode"] == "timeline" and again["answer"] == data["answer"]
    assert again["note"] is None and again["fallback"] is False
    # an ordinary question is still an ordinary answer
    plain = json.loads(
        run("ask", "Where did the defence ministers meet?", "--json", env=env).stdout
    )
    assert plain["mode"] == "extractive" and "Brussels" in plain["answer"]


def test_digest_lists_only_new_articles_grouped_and_cited(env: dict[str, str]) -> None:
    data = json.loads(run("digest", "--since", "2025-05-24", "--json", env=env).stdout)
    assert data["since"] == "2025-05-24" and data["articles"] == 5 and data["answered"] is True
    items = [i for g in data["groups"] for i in g["items"]]
    assert sorted(i["source"] for i in items) == [
        "c_brussels.txt",
        "d_size.json",
        "e2_flood.json",
        "e_flood.json",
        "f_rates.json",
    ]
    assert all(i["date"] >= "2025-05-24" for i in items)
    groups = {frozenset(i["source"] for i in g["items"]) for g in data["groups"]}
    assert frozenset({"e_flood.json", "e2_flood.json"}) in groups  # one topic, one group
    assert frozenset({"f_rates.json"}) in groups
    assert [c["n"] for c in data["citations"]] == list(range(1, 6))
    assert {i["n"] for i in items} == {1, 2, 3, 4, 5}

    out = run("digest", "--since", "2025-05-24", env=env).stdout
    assert out.startswith("What's new since 2025-05-24: 5 articles in ")
    lines = [line for line in out.split("\nSources\n")[0].splitlines() if line.startswith("- ")]
    found = [ITEM_RE.match(line) for line in lines]
    assert len(found) == 5 and all(found), out
    assert sorted(m["outlet"] or "-" for m in found if m) == ["-", "AP", "El País", "FT", "Reuters"]
    assert set(sources(out)) == {1, 2, 3, 4, 5}
    assert "Wheat" not in out and "Paris on Tuesday" not in out  # older than the cutoff
    # the undated museum file (its file time is newer than the cutoff) is not news: left out
    assert "museum" not in out and "2025-06-30" not in out
    assert "1 undated article is left out: no publication date is known" in out
    assert data["undated"] == 1 and data["include_undated"] is False


def test_digest_include_undated_lists_undated_articles_last_marked_undated(
    env: dict[str, str],
) -> None:
    data = json.loads(
        run("digest", "--since", "2025-05-24", "--include-undated", "--json", env=env).stdout
    )
    assert data["articles"] == 6 and data["include_undated"] is True
    items = {i["source"]: i for g in data["groups"] for i in g["items"]}
    museum = items["h_museum.txt"]
    assert museum["date"] is None and museum["dated_by"] is None
    assert museum["file_time"] == "2025-06-30T12:00:00+00:00"  # kept visible, never the date
    assert items["c_brussels.txt"]["dated_by"] == "dateline"
    out = run("digest", "--since", "2025-05-24", "--include-undated", env=env).stdout
    assert out.startswith("What's new since 2025-05-24: 6 articles in ")
    assert "- undated — The city museum reopened" in out and "left out" not in out


def test_ask_and_search_json_carry_publication_dates_and_file_times(env: dict[str, str]) -> None:
    data = json.loads(run("ask", "Which museum wing reopened?", "--json", env=env).stdout)
    museum = next(c for c in data["citations"] if c["source"] == "h_museum.txt")
    assert (museum["date"], museum["dated_by"]) == (None, "")
    assert museum["file_time"] == "2025-06-30T12:00:00+00:00"
    assert data["as_of"] is None or data["as_of"] <= "2025-05-26"  # never the file time
    out = run("ask", "Which museum wing reopened?", env=env).stdout
    assert "h_museum.txt · undated" in out and "As of 2025-06-30" not in out
    hits = json.loads(run("search", "command structure Brussels", "--json", env=env).stdout)
    brussels = next(h for h in hits if h["source"] == "c_brussels.txt")
    assert (brussels["date"], brussels["dated_by"]) == ("2025-05-24", "dateline")
    assert brussels["file_time"] == "2025-06-30T12:00:00+00:00"


def test_digest_nothing_new_and_bad_since(env: dict[str, str]) -> None:
    out = run("digest", "--since", "24h", env=env).stdout  # the corpus is from May 2025
    assert out.startswith("Nothing new since ") and "[1]" not in out
    data = json.loads(run("digest", "--since", "2w", "--json", env=env).stdout)
    assert data["answered"] is False and data["articles"] == 0 and data["groups"] == []
    bad = run("digest", "--since", "yesterday", env=env, check=False)
    assert bad.returncode == 2 and "24h, 7d, 2w" in bad.stderr and not bad.stdout


def test_an_index_built_with_the_old_dating_rule_is_rebuilt_once(tmp_path: Path) -> None:
    from bot.settings import load_settings
    from index.workspace import Workspace

    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "2025-05-24-brussels.txt").write_text(
        "Ministers agree command structure\n\nDefence ministers agreed the command structure.\n"
    )
    env = {"NEWSBOT_ARTICLES_DIR": str(articles), "NEWSBOT_DATA_DIR": str(tmp_path / "data")}
    run("index", "--json", env=env)
    ws = Workspace(load_settings(articles_dir=articles, data_dir=tmp_path / "data"))
    state = ws.store.manifest.state()
    assert state is not None and state.dating == DATING
    ws.store.manifest.set_state(replace(state, dating=0))  # as an index of the old code
    again = run("index", "--json", env=env)
    assert "How publication dates are found changed" in again.stderr
    assert json.loads(again.stdout)["added"] == 1  # re-read with the new rule
    hits = json.loads(run("search", "command structure", "--json", env=env).stdout)
    assert (hits[0]["date"], hits[0]["dated_by"]) == ("2025-05-24", "filename")
    quiet = run("index", "--json", env=env)
    assert "dates are found" not in quiet.stderr and json.loads(quiet.stdout)["unchanged"] == 1
