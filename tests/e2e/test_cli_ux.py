"""The command line as a person at a terminal meets it (issue 13, "CLI and chat"):
help and version, what text output shows, chat editing and commands, truthful progress,
and warnings where a user would want one. Real processes; a pseudo-terminal where the
behaviour depends on one."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_ARTICLES
from tests.e2e.ptyrun import Terminal
from tests.e2e.test_cli import run
from tests.newscorpus import write_corpus

TROOPS = "How many troops did Zelenskyy say were needed?"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The sample corpus (copied: tests add files to it), indexed once."""
    base = tmp_path_factory.mktemp("ux")
    articles = base / "articles"
    shutil.copytree(SAMPLE_ARTICLES, articles)
    env = {"NEWSBOT_ARTICLES_DIR": str(articles), "NEWSBOT_DATA_DIR": str(base / "data")}
    run("index", env=env)
    return env


# ---------------------------------------------------------------- help, version, completion


def test_version_short_help_and_completion() -> None:
    env: dict[str, str] = {}
    assert re.fullmatch(r"newsbot \d+\.\d+\.\d+\n", run("--version", env=env).stdout)
    for args in (["-h"], ["ask", "-h"], ["index", "-h"], ["feeds", "add", "-h"]):
        shown = run(*args, env={"COLUMNS": "120"}).stdout
        assert "Usage: newsbot" in shown and "<bool>" not in shown, shown
    assert "[default: 24h]" in run("digest", "--help", env={"COLUMNS": "120"}).stdout
    assert "NEWSBOT_TOP_K" in run("ask", "--help", env={"COLUMNS": "120"}).stdout
    script = run(
        "--show-completion", "bash", env={"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    )
    assert "_newsbot_completion" in script.stdout


# ---------------------------------------------------------------- text output


def test_a_source_shows_its_url(tmp_path: Path) -> None:
    env = {
        "NEWSBOT_ARTICLES_DIR": str(write_corpus(tmp_path / "articles")),
        "NEWSBOT_DATA_DIR": str(tmp_path / "data"),
    }
    run("index", env=env)
    shown = run("ask", "reassurance force Paris", env=env).stdout
    assert "https://example.com/paris" in shown.split("Sources", 1)[1], shown


def test_a_snippet_that_only_repeats_the_answer_is_dropped(env: dict[str, str]) -> None:
    shown = run("ask", TROOPS, env=env).stdout
    sentence = "potentially involving 100,000 to 150,000 troops"
    assert shown.count(sentence) == 1, shown  # in the answer, not again under [1]
    assert "003_d4d2200b856d5f09.txt" in shown


def test_text_wraps_to_the_terminal_without_breaking_words(env: dict[str, str]) -> None:
    answer = json.loads(run("ask", TROOPS, "--json", env=env).stdout)
    term = Terminal("ask", TROOPS, env=env, columns=50)
    assert term.wait() == 0
    lines = term.text.splitlines()
    assert max(len(line) for line in lines) <= 50, term.text
    assert len(lines) > 8  # wrapped, not one long line per paragraph
    flowed = " ".join(term.text.split())
    assert " ".join(answer["answer"].split()) in flowed  # no word split across lines
    for c in answer["citations"]:
        assert " ".join(c["title"].split()) in flowed


# ---------------------------------------------------------------- chat


def test_chat_has_line_editing_history_help_and_unknown_commands(env: dict[str, str]) -> None:
    term = Terminal("chat", env=env)
    end = term.expect("you>")
    term.send("/help\r")
    end = term.expect("/reset", start=end)
    end = term.expect("you>", start=end)
    term.send("\x1b[A\r")  # up arrow: the last line again
    end = term.expect("/reset", start=end)
    end = term.expect("you>", start=end)
    term.send("/frobnicate\r")
    end = term.expect("unknown command /frobnicate", start=end)
    end = term.expect("you>", start=end)
    # editing: type "Hw", go left, insert "o" -> "How ..."
    term.send("Hw many troops did Zelenskyy say were needed?" + "\x1b[D" * 44 + "o\r")
    end = term.expect("100,000 to 150,000", start=end)
    term.expect("you>", start=end)
    term.send("/quit\r")
    assert term.wait() == 0
    assert "^[[" not in term.raw and "Traceback" not in term.text


def test_a_stray_or_declined_turn_does_not_spoil_the_next_follow_up(env: dict[str, str]) -> None:
    term = Terminal("chat", env=env)
    end = term.expect("you>")
    for line, shows in (
        (TROOPS, "100,000 to 150,000"),
        ("What's a good recipe for borscht?", "couldn't find"),
        ("/frobnicate", "unknown command"),
        ("and how many did the diplomats estimate?", "30,000 to 40,000"),
    ):
        term.send(line + "\r")
        end = term.expect(shows, start=end)
        end = term.expect("you>", start=end)
    term.send("\x04")  # Ctrl-D
    assert term.wait() == 0


# ---------------------------------------------------------------- progress


def test_index_progress_names_its_phases_with_counts(tmp_path: Path) -> None:
    env = {"NEWSBOT_ARTICLES_DIR": str(SAMPLE_ARTICLES), "NEWSBOT_DATA_DIR": str(tmp_path)}
    term = Terminal("index", env=env)
    assert term.wait() == 0
    shown = term.text
    for phase in ("reading", "chunking", "embedding", "keyword index"):
        assert phase in shown, shown
    assert re.search(r"embedding \d+ of 19 chunks", shown), shown
    assert "added 5" in shown


def _many_articles(folder: Path, n: int) -> None:
    texts = [p.read_text() for p in sorted(SAMPLE_ARTICLES.glob("*.txt"))]
    for i in range(n):
        (folder / f"extra_{i:03}.txt").write_text(f"Copy {i} of a story.\n\n{texts[i % 5]}")


def test_an_interrupted_rebuild_keeps_the_old_index_and_says_so(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    shutil.copytree(SAMPLE_ARTICLES, articles)
    env = {"NEWSBOT_ARTICLES_DIR": str(articles), "NEWSBOT_DATA_DIR": str(tmp_path / "data")}
    run("index", env=env)
    before = json.loads(run("status", "--json", env=env).stdout)
    _many_articles(articles, 60)
    term = Terminal("index", "--rebuild", env=env)
    term.expect("embedding")
    term.interrupt()
    assert term.wait() == 130
    # the last thing on the screen, after the bar was cleared, is the interruption
    last = term.raw.rsplit("\x1b[2K", 1)[-1]  # what follows the last erased line
    assert "interrupted; the previous index is kept" in last, term.raw[-500:]
    after = json.loads(run("status", "--json", env=env).stdout)
    assert (after["files"], after["chunks"]) == (before["files"], before["chunks"])
    assert "100,000 to 150,000" in run("ask", TROOPS, env=env).stdout
    proc = run("index", env=env)  # the next run does the work
    assert "added 60" in proc.stdout


# ---------------------------------------------------------------- watch


def test_watch_prints_changes_with_a_time_and_stops_quietly(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    shutil.copytree(SAMPLE_ARTICLES, articles)
    env = {
        **os.environ,
        "NEWSBOT_ARTICLES_DIR": str(articles),
        "NEWSBOT_DATA_DIR": str(tmp_path / "data"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "index", "--watch"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = [proc.stdout.readline() for _ in range(6)]
        assert re.fullmatch(r"\d\d:\d\d:\d\d added 000_01c106b21defd341\.txt\n", first[0])
        assert re.match(r"\d\d:\d\d:\d\d added 5, updated 0", first[5]), first
        time.sleep(0.5)
        (articles / "harbour.md").write_text("# Harbour strike\n\nDock workers walked out.\n")
        line = proc.stdout.readline()
        assert re.fullmatch(r"\d\d:\d\d:\d\d added harbour\.md\n", line), line
        assert re.match(r"\d\d:\d\d:\d\d added 1, updated 0", proc.stdout.readline())
    finally:
        proc.send_signal(signal.SIGINT)
        _, errors = proc.communicate(timeout=30)
    assert proc.returncode == 0, errors
    assert "error" not in errors and "Traceback" not in errors


# ---------------------------------------------------------------- warnings


def test_unsupported_files_are_listed_as_skipped(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    (articles / "docs").mkdir(parents=True)
    (articles / "story.txt").write_text("Dock workers walked out in Rotterdam on Monday.\n")
    (articles / "docs" / "report.pdf").write_bytes(b"%PDF-1.7\n")
    (articles / "memo.docx").write_bytes(b"PK\x03\x04")
    env = {"NEWSBOT_ARTICLES_DIR": str(articles), "NEWSBOT_DATA_DIR": str(tmp_path / "data")}
    proc = run("index", env=env)
    assert "docs/report.pdf: skipped: PDF files (.pdf) are not read" in proc.stderr
    assert "memo.docx: skipped: Word files (.docx) are not read" in proc.stderr
    report = json.loads(run("index", "--json", env=env).stdout)
    assert {w["source"] for w in report["warnings"]} == {"docs/report.pdf", "memo.docx"}


def test_an_empty_folder_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "articles").mkdir()
    env = {
        "NEWSBOT_ARTICLES_DIR": str(tmp_path / "articles"),
        "NEWSBOT_DATA_DIR": str(tmp_path / "data"),
    }
    assert "warning: no article files in" in run("index", env=env).stderr


def test_source_matches_by_file_name_and_warns_when_nothing_matches(env: dict[str, str]) -> None:
    sub = Path(env["NEWSBOT_ARTICLES_DIR"]) / "desk"
    sub.mkdir(exist_ok=True)
    (sub / "rotterdam.txt").write_text(
        "Rotterdam dock strike\n\nDock workers in Rotterdam walked out on Monday over pay.\n"
    )
    run("index", env=env)
    for given in ("rotterdam.txt", "desk/rotterdam.txt", str(sub / "rotterdam.txt")):
        rows = json.loads(run("search", "strike", "--source", given, "--json", env=env).stdout)
        assert rows and {r["source"] for r in rows} == {"desk/rotterdam.txt"}, given
    proc = run("search", "strike", "--source", "rotterdam.txt", "--source", "nope.txt", env=env)
    assert "warning: --source nope.txt matches no indexed file" in proc.stderr
    proc = run("ask", "strike?", "--source", "nope.txt", env=env, check=False)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1
    assert "No indexed file matches 'nope.txt'" in proc.stderr


def test_since_after_until_and_an_empty_search_are_said(env: dict[str, str]) -> None:
    proc = run(
        "search", "troops", "--since", "2025-06-01", "--until", "2025-01-01", env=env, check=False
    )
    assert proc.returncode == 2
    assert "--since 2025-06-01 is after --until 2025-01-01" in proc.stderr
    proc = run("search", "troops", "--since", "2999-01-01", env=env)
    assert proc.stdout == "" and "warning: no passage matches" in proc.stderr


def test_without_an_index_commands_say_so_and_create_nothing(tmp_path: Path) -> None:
    env = {"NEWSBOT_ARTICLES_DIR": str(SAMPLE_ARTICLES), "NEWSBOT_DATA_DIR": str(tmp_path / "d")}
    assert "No index yet" in run("status", env=env).stdout
    assert json.loads(run("status", "--json", env=env).stdout)["indexed"] is False
    for command in (("ask", "Who won?"), ("search", "troops")):
        done = run(*command, env=env, check=False)
        assert done.returncode == 1 and "newsbot index" in done.stderr, done.stderr
    assert not (tmp_path / "d").exists()
