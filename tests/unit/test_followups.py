"""Elliptical follow-ups are rewritten against the last answered question. Pure."""

from __future__ import annotations

from bot.answer.condense import rewrite
from bot.answer.model import DECLINE_TEXT, Turn

HEGSETH = "What did Hegseth say about where troops for Ukraine should come from?"


def test_what_about_a_name_puts_it_in_the_subject_slot() -> None:
    s = rewrite([Turn(HEGSETH, "He said … [1]")], "And what about Zelenskyy?")
    assert s.question == "What did Zelenskyy say about where troops for Ukraine should come from?"
    assert s.rewritten


def test_a_new_year_replaces_the_old_one() -> None:
    history = [Turn("How many jobs did BT cut in 2003?", "BT cut 5,000 jobs. [1]")]
    assert rewrite(history, "and in 2004?").question == "How many jobs did BT cut in 2004?"
    history = [Turn("How many jobs did BT cut?", "BT cut 5,000 jobs. [1]")]
    assert rewrite(history, "What about 2004?").question == "How many jobs did BT cut in 2004?"


def test_a_declined_turn_is_not_context() -> None:
    history = [
        Turn(HEGSETH, "He said … [1]"),
        Turn("What is the weather on Mars?", DECLINE_TEXT),
    ]
    s = rewrite(history, "And what about Zelenskyy?")
    assert "Mars" not in s.question and "Zelenskyy" in s.question


def test_a_chain_of_follow_ups_builds_on_the_rewritten_question() -> None:
    first = rewrite([Turn(HEGSETH, "He said … [1]")], "What about Macron?")
    history = [
        Turn(HEGSETH, "He said … [1]"),
        Turn("What about Macron?", "Macron said … [1]", first.question),
    ]
    assert rewrite(history, "And Starmer?").question == (
        "What did Starmer say about where troops for Ukraine should come from?"
    )


def test_a_pronoun_becomes_the_name_the_last_answer_gave() -> None:
    history = [Turn("Who started the Hit Factory studio?", "It was founded by Jerry Ragovoy. [1]")]
    s = rewrite(history, "And how old is he?")
    assert s.question == "How old is Jerry Ragovoy?"
    assert "Hit Factory" in s.context


def test_a_pronoun_after_a_question_about_someone_is_that_someone() -> None:
    history = [Turn("When did Lord Callaghan die?", "Lord Callaghan died on Saturday. [1]")]
    assert rewrite(history, "When was he made a peer?").question == (
        "When was Lord Callaghan made a peer?"
    )
    history = [Turn("How much did General Motors lose?", "GM lost $1bn. [1]")]
    assert rewrite(history, "And when is it due to publish its results?").question == (
        "When is General Motors due to publish its results?"
    )


def test_a_fresh_question_is_left_alone() -> None:
    s = rewrite([Turn(HEGSETH, "He said … [1]")], "How many troops did Zelenskyy ask for?")
    assert s.question == "How many troops did Zelenskyy ask for?" and not s.context
