"""Pure decisions of the command line (bot/textout.py) and of --source matching."""

from __future__ import annotations

from datetime import datetime

from bot.service import match_sources
from bot.textout import PhaseClock, change_lines, chat_command, repeats_answer
from index.ingest.sources import unsupported_message


def test_a_snippet_inside_the_answer_repeats_it() -> None:
    answer = "Troops: 100,000 to 150,000 were needed. [1] Others disagreed. [2]"
    assert repeats_answer("troops: 100,000 to 150,000 were needed.", answer)
    assert repeats_answer("…100,000 to 150,000 were needed…", answer)
    assert not repeats_answer("Diplomats estimated 30,000 to 40,000.", answer)
    assert not repeats_answer("", answer)


def test_chat_commands() -> None:
    assert chat_command("/help") == "/help"
    assert chat_command("/EXIT") == "/quit"
    assert chat_command("/frobnicate") == "?"
    assert chat_command("/etc/hosts is what?") is None  # a question that starts with a slash
    assert chat_command("How many troops?") is None


def test_phase_lines_carry_counts_and_a_rate() -> None:
    clock = PhaseClock()
    assert clock.line("embedding", 0, 200, at=10.0) == "embedding 0 of 200 chunks"
    assert (
        clock.line("embedding", 100, 200, at=12.0) == "embedding 100 of 200 chunks · 50.0 chunks/s"
    )
    assert clock.line("chunking", 3, 9, at=12.0) == "chunking 3 of 9 files"
    assert clock.line("keyword index", 0, 0, at=13.0) == "keyword index"


def test_change_lines_are_timestamped_and_capped() -> None:
    when = datetime(2025, 5, 20, 9, 5, 7)
    changes = [("added", f"f{i}.txt") for i in range(3)]
    assert change_lines(changes[:1], when) == ["09:05:07 added f0.txt"]
    assert change_lines(changes, when, limit=2)[-1] == "09:05:07 ... and 1 more"


def test_sources_match_by_file_name_or_path() -> None:
    names = ["desk/rotterdam.txt", "003.txt", "/srv/other/003.txt"]
    assert match_sources(["rotterdam.txt"], names) == (["desk/rotterdam.txt"], [])
    assert match_sources(["/data/articles/desk/rotterdam.txt"], names)[0] == ["desk/rotterdam.txt"]
    assert match_sources(["003.txt"], names)[0] == ["003.txt", "/srv/other/003.txt"]
    assert match_sources(["nope.txt", "./003.txt"], names) == (
        ["003.txt", "/srv/other/003.txt"],
        ["nope.txt"],
    )


def test_unsupported_files_say_what_to_do() -> None:
    assert "PDF files (.pdf) are not read" in unsupported_message("a/report.PDF")
    assert ".txt" in unsupported_message("table.csv")
