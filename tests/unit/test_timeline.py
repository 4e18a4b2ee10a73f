"""Timelines from scored sentences: dates, order, merging, citations. Pure, no index."""

from __future__ import annotations

import re
from datetime import date

import pytest

from bot.answer.extractive import score_sentences
from bot.answer.model import day_label
from bot.answer.timeline import build_timeline, timeline_topic
from index.types import Chunk, Hit

TOPIC = "reassurance force"
LINE_RE = re.compile(r"^- (?P<label>\S+) — (?P<text>.+?) (?P<refs>(?:\[\d+\])+)$")


def chunk(aid: str, text: str, day: date | None, dated_by: str = "metadata") -> Chunk:
    return Chunk(
        chunk_id=f"{aid}-0",
        article_id=aid,
        source=f"{aid}.json",
        title=f"Story {aid}",
        text=text,
        position=0,
        date=day,
        dated_by=dated_by if day else "",
        outlet="Wire",
    )


def timeline_of(chunks: list[Chunk], topic: str = TOPIC, **kwargs: object):  # type: ignore[no-untyped-def]
    hits = [Hit(chunk=c, score=1.0) for c in chunks]
    return build_timeline(topic, score_sentences(topic, hits), hits, **kwargs)  # type: ignore[arg-type]


CORPUS = [
    chunk(
        "paris",
        "Britain and France proposed a reassurance force for Ukraine at talks in Paris. "
        "Officials expect planning to take several more weeks.",
        date(2025, 5, 20),
    ),
    chunk(
        "brussels",
        "Defence ministers agreed the command structure of the reassurance force in Brussels. "
        "Britain will lead the headquarters for its first year.",
        date(2025, 5, 24),
        "dateline",
    ),
    chunk(
        "london",
        "On May 18, 2025, military chiefs first discussed a reassurance force in London. "
        "Nothing was announced after the closed meeting.",
        date(2025, 5, 22),
    ),
    chunk(
        "copy",
        "Britain and France proposed a reassurance force for Ukraine at talks in Paris, "
        "officials said. European governments asked for more detail before committing.",
        date(2025, 5, 26),
    ),
    chunk(
        "rates",
        "The central bank raised interest rates by half a point on Tuesday afternoon. "
        "Markets had expected the decision for weeks.",
        date(2025, 5, 23),
    ),
    chunk(
        "undated",
        "The reassurance force would be led jointly by Britain and France, diplomats said. "
        "Its size has not been agreed yet by the allies.",
        None,
    ),
]


def parsed(text: str) -> list[dict[str, str]]:
    heading, *lines = text.splitlines()
    assert heading == f"Timeline of “{TOPIC}”, oldest first:"
    out = []
    for line in lines:
        m = LINE_RE.match(line)
        assert m, line
        out.append(m.groupdict())
    return out


def test_bullets_are_dated_oldest_first_each_cited_and_merged() -> None:
    tl = timeline_of(CORPUS)
    answer = tl.answer
    assert answer.answered and answer.mode == "timeline"
    bullets = parsed(answer.text)
    assert [b["label"] for b in bullets] == [
        "2025-05-18",  # the date the sentence names, not its article's 2025-05-22
        "2025-05-20",
        "2025-05-24",
        "undated",
    ]
    assert bullets[0]["text"].startswith("On May 18, 2025, military chiefs")
    # the copy reported the same event: one bullet, dated by the first report, citing both
    assert bullets[1]["text"].startswith("Britain and France proposed")
    assert bullets[1]["refs"] == "[2][3]"
    assert [b["refs"] for b in bullets] == ["[1]", "[2][3]", "[4]", "[5]"]
    assert "interest rates" not in answer.text  # not about the topic
    # the same citation objects as answers: numbered 1..N in order of first use
    cited = {c.n: c for c in answer.citations}
    assert sorted(cited) == [1, 2, 3, 4, 5]
    assert [cited[n].article_id for n in range(1, 6)] == [
        "london",
        "paris",
        "copy",
        "brussels",
        "undated",
    ]
    assert cited[1].date == date(2025, 5, 22) and cited[4].dated_by == "dateline"
    assert "military chiefs first discussed" in cited[1].snippet
    assert [e.day for e in tl.events] == [
        date(2025, 5, 18),
        date(2025, 5, 20),
        date(2025, 5, 24),
        None,
    ]
    assert tl.events[0].dated_by == "text"


def test_json_shape() -> None:
    data = timeline_of(CORPUS, since=date(2025, 5, 1)).as_dict()
    assert data["topic"] == TOPIC and data["mode"] == "timeline" and data["since"] == "2025-05-01"
    assert data["events"][0] == {
        "date": "2025-05-18",
        "dated_by": "text",
        "text": CORPUS[2].text.split(". ")[0] + ".",
        "citations": [1],
        "articles": ["london"],
    }
    assert data["events"][1]["citations"] == [2, 3]
    assert [c["n"] for c in data["citations"]] == [1, 2, 3, 4, 5]  # type: ignore[index]


def test_an_article_can_add_the_other_dates_it_names() -> None:
    story = chunk(
        "story",
        "On June 2, 2025, the reassurance force headquarters opened in Paris. "
        "On June 9, 2025, the first reassurance force troops arrived in Kyiv by train.",
        date(2025, 6, 10),
    )
    bullets = parsed(timeline_of([story]).answer.text)
    assert [(b["label"], b["refs"]) for b in bullets] == [
        ("2025-06-02", "[1]"),
        ("2025-06-09", "[1]"),
    ]


def test_nothing_about_the_topic_declines() -> None:
    tl = timeline_of(CORPUS, topic="borscht recipe")
    assert not tl.answer.answered and tl.events == ()
    assert tl.answer.citations == []
    assert (
        tl.answer.text
        == "I couldn't find dated events about “borscht recipe” in the indexed articles."
    )


def test_names_in_the_topic_must_be_in_the_article() -> None:
    assert timeline_of(CORPUS, topic="Macron reassurance force").events == ()
    paris = timeline_of(CORPUS, topic="Paris reassurance force")
    assert paris.events
    assert {c.article_id for e in paris.events for c in e.chunks} <= {"paris", "copy"}


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("What happened with the reassurance force, in order?", "the reassurance force"),
        ("timeline of the coalition of the willing", "the coalition of the willing"),
        ("Give me a chronology of the Brussels talks.", "the Brussels talks"),
        ("How has the coalition of the willing evolved?", "the coalition of the willing"),
        ("List the events around the Paris summit in chronological order", "the Paris summit"),
        ("How many troops were needed in order to secure Ukraine?", None),
        ("What happened at the meeting in Paris?", None),
        ("Where did the ministers meet?", None),
        ("timeline", None),
        ("and in order?", None),
    ],
)
def test_timeline_questions_are_recognised(question: str, topic: str | None) -> None:
    assert timeline_topic(question) == topic


def test_day_labels() -> None:
    assert day_label(date(2025, 5, 24), "published") == "2025-05-24"
    assert day_label(date(2025, 5, 24), "dateline") == "2025-05-24"
    assert day_label(None, "") == "undated"
