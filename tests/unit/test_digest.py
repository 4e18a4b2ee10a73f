"""Digests from stored chunks: cutoffs, grouping, labels, lines and citations. Pure."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import numpy as np
import pytest

from bot.answer.digest import (
    SinceError,
    articles_from_chunks,
    build_digest,
    group_articles,
    parse_since,
)
from index.types import Chunk

NOW = datetime(2025, 5, 25, 9, 30, tzinfo=UTC)
ITEM_RE = re.compile(
    r"^- (?P<day>\d{4}-\d\d-\d\d)(?: · (?P<outlet>[^—]+))?"
    r" — (?P<text>.+) \[(?P<n>\d+)\]$"
)


def chunk(
    aid: str,
    title: str,
    text: str,
    day: date | None,
    outlet: str | None,
    position: int = 0,
    dated_by: str = "metadata",
) -> Chunk:
    return Chunk(
        chunk_id=f"{aid}-{position}",
        article_id=aid,
        source=f"{aid}.json",
        title=title,
        text=text,
        position=position,
        date=day,
        dated_by=dated_by,
        outlet=outlet,
        url=f"https://example.com/{aid}",
    )


def vec(*xs: float) -> np.ndarray:
    v = np.asarray(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


ROWS = [
    (
        chunk(
            "force1",
            "Reassurance force for Ukraine takes shape",
            "Reassurance force\n\nBritain and France set out plans for a reassurance force in "
            "Ukraine to defence ministers on Saturday. Officials gave no numbers.",
            date(2025, 5, 24),
            "Reuters",
        ),
        vec(1, 0.05, 0),
    ),
    (
        chunk(
            "force2",
            "Ministers back Ukraine reassurance force",
            "Defence ministers backed the reassurance force for Ukraine at a meeting in "
            "Brussels. The plan now goes to governments.",
            date(2025, 5, 25),
            "AP",
        ),
        vec(0.95, 0.1, 0),
    ),
    (
        chunk(
            "force2",
            "Ministers back Ukraine reassurance force",
            "A second passage of the same article, which must not make a second line.",
            date(2025, 5, 25),
            "AP",
            position=1,
        ),
        vec(0.9, 0.2, 0),
    ),
    (
        chunk(
            "flood",
            "Flash floods hit Valencia",
            "Flash floods swept through Valencia after record rainfall overnight, cutting roads.",
            date(2025, 5, 25),
            "El País",
        ),
        vec(0, 1, 0),
    ),
    (
        chunk(
            "rates",
            "Central bank holds interest rates",
            "Rates held",  # no full sentence: the title is the line
            date(2025, 5, 24),
            None,
            dated_by="dateline",
        ),
        vec(0, 0, 1),
    ),
    (
        chunk(
            "old",
            "Wheat harvest forecast raised",
            "Analysts raised their forecast for the wheat harvest after a mild winter.",
            date(2025, 5, 1),
            "Bloomberg",
        ),
        vec(0.2, 0.2, 0.9),
    ),
]


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("24h", date(2025, 5, 24)),
        ("48 hours", date(2025, 5, 23)),
        ("7d", date(2025, 5, 18)),
        ("2w", date(2025, 5, 11)),
        ("2025-05-01", date(2025, 5, 1)),
        ("2025-05-20T23:00:00+00:00", date(2025, 5, 20)),
    ],
)
def test_since_values(value: str, day: date) -> None:
    assert parse_since(value, NOW) == day


@pytest.mark.parametrize("value", ["yesterday", "", "24", "h", "2025-13-01", "-3d"])
def test_bad_since_values_are_one_clear_error(value: str) -> None:
    with pytest.raises(SinceError, match="24h, 7d, 2w or a date"):
        parse_since(value, NOW)


def test_digest_groups_new_articles_by_topic_each_cited() -> None:
    digest = build_digest(articles_from_chunks(ROWS), parse_since("24h", NOW), asked="24h")
    assert digest.total == 4  # "old" is before the cutoff; force2's two chunks are one article
    text = digest.text()
    heading, *rest = text.split("\n\n")
    assert heading == "What's new since 2025-05-24: 4 articles in 3 topics."
    blocks = [block.splitlines() for block in rest]
    labels = [b[0] for b in blocks]
    # the two reassurance-force articles make one group, first (largest); then newest first
    # labelled with the words both share, in the order the newest one uses them
    assert labels[0] == "Ministers · Ukraine · reassurance (2 articles)"
    assert labels[1:] == [
        "Flash floods hit Valencia (1 article)",
        "Central bank holds interest rates (1 article)",
    ]
    items = [ITEM_RE.match(line) for b in blocks for line in b[1:]]
    assert all(items), blocks
    got = [(m["day"], m["outlet"], m["n"]) for m in items if m]
    assert got == [
        ("2025-05-25", "AP", "1"),  # newest first within a group
        ("2025-05-24", "Reuters", "2"),
        ("2025-05-25", "El País", "3"),
        ("2025-05-24", None, "4"),
    ]
    texts = [m["text"] for m in items if m]
    assert texts[0].startswith("Defence ministers backed the reassurance force")
    assert texts[1].startswith("Britain and France set out plans")  # not the headline line
    assert texts[3] == "Central bank holds interest rates"
    assert "Wheat" not in text
    assert [(c.n, c.article_id) for c in digest.citations] == [
        (1, "force2"),
        (2, "force1"),
        (3, "flood"),
        (4, "rates"),
    ]
    assert digest.citations[0].date == date(2025, 5, 25)
    assert digest.citations[0].url == "https://example.com/force2"
    answer = digest.answer(markdown=True)
    assert answer.answered and answer.mode == "digest"
    assert "**Flash floods hit Valencia** (1 article)" in answer.text
    data = digest.as_dict()
    assert data["since"] == "2025-05-24" and data["articles"] == 4
    assert [len(g["items"]) for g in data["groups"]] == [2, 1, 1]  # type: ignore[index]


def test_grouping_falls_back_to_shared_words_and_is_deterministic() -> None:
    rows = [(c, None) for c, _ in ROWS]
    arts = articles_from_chunks(rows)
    groups = [[a.article_id for a in g] for g in group_articles(arts)]
    assert groups[0] == ["force2", "force1"]
    assert sorted(map(tuple, groups)) == sorted(
        map(tuple, group_articles_ids(list(reversed(rows))))
    )


def group_articles_ids(rows: list) -> list[list[str]]:  # type: ignore[type-arg]
    return [[a.article_id for a in g] for g in group_articles(articles_from_chunks(rows))]


def test_nothing_new() -> None:
    digest = build_digest(articles_from_chunks(ROWS), date(2025, 6, 1))
    assert digest.total == 0 and not digest.answered and digest.citations == []
    assert digest.text() == (
        "Nothing new since 2025-06-01: no indexed article is dated on or after that day."
    )
    assert not digest.answer().answered


def test_groups_and_items_are_capped_and_counted() -> None:
    rows = [
        (
            chunk(
                f"s{i}",
                f"Storm update number {i}",
                f"The storm moved north again today, update {i} said.",
                date(2025, 5, 25),
                "Wire",
            ),
            vec(1, 0, 0),
        )
        for i in range(9)
    ]
    digest = build_digest(articles_from_chunks(rows), date(2025, 5, 25), max_items=6)
    text = digest.text()
    assert digest.total == 9 and len(digest.groups) == 1
    assert text.count("\n- 2025-05-25") == 6
    assert "- …and 3 more" in text
    assert len(digest.citations) == 6  # only listed articles are cited


def test_undated_articles_are_left_out_and_counted_unless_asked_for() -> None:
    undated = chunk(
        "nodate",
        "Ministers discuss the reassurance force",
        "Ministers discussed the reassurance force for Ukraine again in Brussels.",
        None,
        None,
        dated_by="",
    )
    rows = [*ROWS, (undated, vec(1, 0, 0))]
    since = parse_since("24h", NOW)
    digest = build_digest(articles_from_chunks(rows), since, asked="24h", undated=1)
    assert digest.total == 4 and "nodate" not in {c.article_id for c in digest.citations}
    assert digest.text().endswith(
        "1 undated article is left out: no publication date is known "
        "(include undated articles to list them)."
    )
    assert digest.as_dict()["undated"] == 1
    listed = build_digest(articles_from_chunks(rows), since, include_undated=True, undated=1)
    assert listed.total == 5 and "left out" not in listed.text()
    lines = [m for line in listed.text().splitlines() if (m := ITEM_RE.match(line))]
    assert "- undated — Ministers discussed the reassurance force" in listed.text()
    assert len(lines) == 4  # the regex wants a day; the undated line is the fifth
    only_undated = build_digest(articles_from_chunks([(undated, None)]), since, undated=1)
    assert not only_undated.answered
    assert "1 undated article is left out" in only_undated.text()
