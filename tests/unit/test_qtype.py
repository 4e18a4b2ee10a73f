"""The answer-type detector: what kind of answer a question asks for, and where it is."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from bot.answer.qtype import TYPES, answer_type, holds

EVAL = Path(__file__).parents[1] / "eval"


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How old was Jane Smith when she died?", "age"),  # "when" does not make it a date
        ("What age did he retire at?", "age"),
        ("Who is older, Tony Blair or Prince Charles?", "age"),
        ("What time did she run in the 100m final?", "time"),  # a race time, not a date
        ("When did the firm start trading?", "date"),
        ("In what year was the club founded?", "date"),
        ("How much did Glazer pay for Manchester United?", "money"),
        ("What was the pre-tax profit of BP?", "money"),
        ("What percentage of voters backed Labour?", "percent"),
        ("How long did the strike last?", "duration"),
        ("What was the score in the final?", "score"),
        ("How many jobs will go at the plant?", "number"),
        ("How many blogs were there when the word was coined?", "number"),  # not a date
        ("Who is the chief executive of BP?", "person"),
        ("Which company bought Rover?", "organisation"),
        ("Where was the summit held?", "place"),
        ("Why did shares fall?", "other"),
    ],
)
def test_question_types(question: str, kind: str) -> None:
    assert answer_type(question) == kind


def test_the_detector_agrees_with_the_labels_of_the_real_news_questions() -> None:
    """Every BBC question was labelled with its answer type by the person who wrote it."""
    rows = [
        json.loads(line)
        for split in ("train", "dev", "test")
        for line in (EVAL / f"bbc_{split}.jsonl").read_text().splitlines()
        if line.strip()
    ]
    labelled = [r for r in rows if r.get("type") in TYPES and r["kind"] != "multi"]
    agree = Counter(answer_type(r["question"]) == r["type"] for r in labelled)
    assert len(labelled) > 200
    assert agree[True] / len(labelled) >= 0.75, agree


@pytest.mark.parametrize(
    ("kind", "sentence", "question", "expected"),
    [
        ("age", "Jane Smith died on Tuesday aged 94.", "How old was Jane Smith?", True),
        ("age", "The 34-year-old left the band.", "How old is Welch?", True),
        ("age", "Jane Smith died on Tuesday.", "How old was Jane Smith?", False),
        ("money", "The deal was worth £1.2bn.", "How much was the deal worth?", True),
        ("money", "The deal was agreed on Friday.", "How much was the deal worth?", False),
        ("percent", "Profits rose 26.5% on 2003.", "By how much did profits rise?", True),
        ("time", "She won in 10.92 seconds.", "What time did she run?", True),
        ("date", "The talks start next month.", "When do the talks start?", True),
        ("duration", "The strike lasted three weeks.", "How long did the strike last?", True),
        ("score", "Chelsea beat West Ham 1-0.", "What was the score?", True),
        ("number", "The firm cut 5,500 jobs.", "How many jobs did the firm cut?", True),
        ("number", "The firm cut 5,500 jobs.", "Did the firm cut 5,500 jobs?", False),
        ("person", "The studio was founded by Jerry Ragovoy in 1968.", "Who started it?", True),
    ],
)
def test_a_sentence_holds_an_answer_of_the_asked_kind(
    kind: str, sentence: str, question: str, expected: bool
) -> None:
    assert holds(kind, sentence, question) is expected
