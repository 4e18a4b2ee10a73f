"""Dates, "as of", disagreeing figures, wire copies and recency: the pure parts."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from bot.answer.citations import Claim, number_claims
from bot.answer.extractive import Scored, disagreement
from bot.answer.model import Answer, Citation
from index.fusion import collapse_near_duplicates, prefer_recent
from index.ingest.sources import RawDoc, discover, read_docs, to_articles
from index.retrieve import _same_story, asks_for_recent
from index.types import Chunk, Hit

MB = 1 << 20
WIRE = (
    "Defence ministers agreed on Tuesday to send 30,000 troops to the border region, "
    "officials said after the meeting in Brussels."
)


def chunk(aid: str, text: str = WIRE, **kw: object) -> Chunk:
    fields: dict[str, object] = {"source": f"{aid}.json", "title": f"Title {aid}", "position": 0}
    fields.update(kw)
    return Chunk(chunk_id=f"c-{aid}", article_id=aid, text=text, **fields)  # type: ignore[arg-type]


def test_a_story_is_dated_by_metadata_or_dateline_else_undated_whatever_its_file_time() -> None:
    day = date(2025, 5, 1)
    docs = [
        RawDoc(key="#1", text="Talks resumed in Geneva after a long pause.", date=day),
        RawDoc(key="#2", text="Geneva, 3 March 2025 — Talks resumed after a long pause."),
        RawDoc(key="#3", text="On March 3, 2025, talks resumed in Geneva after a pause."),
        RawDoc(key="#4", text="Talks resumed in Geneva after a long pause, again."),
    ]
    a, b, c, d = to_articles("x.jsonl", docs, file_time="2026-11-28T09:00:00+00:00")
    assert (a.date, a.dated_by) == (day, "metadata")
    assert (b.date, b.dated_by) == (date(2025, 3, 3), "dateline")
    # a date in the reporting is not when the story ran, and neither is the copy time
    assert (c.date, c.dated_by) == (None, "")
    assert (d.date, d.dated_by) == (None, "")
    assert {x.file_time for x in (a, b, c, d)} == {"2026-11-28T09:00:00+00:00"}


def test_a_yyyy_mm_dd_file_name_dates_an_article_that_has_nothing_better() -> None:
    plain = RawDoc(key="", text="Talks resumed in Geneva after a long pause.")
    (named,) = to_articles("news/2025-05-24-geneva.txt", [plain])
    assert (named.date, named.dated_by) == (date(2025, 5, 24), "filename")
    (folder,) = to_articles("2025-05-24/geneva.txt", [plain])  # only the file's own name
    assert folder.date is None
    (odd,) = to_articles("geneva-2025-13-40.txt", [plain])
    assert odd.date is None


def cite(n: int, day: date | None, dated_by: str = "metadata") -> Citation:
    return Citation(n, f"a{n}", f"a{n}.txt", "T", day, "s", 1.0, dated_by=dated_by)


def test_as_of_is_the_newest_published_date_and_undated_sources_never_set_it() -> None:
    answer = Answer(
        "q",
        "x [1][2][3]",
        True,
        "extractive",
        [cite(1, date(2025, 1, 2)), cite(2, date(2025, 3, 4)), cite(3, None, "")],
    )
    assert answer.as_of_line() == "As of 2025-03-04 (newest source cited)."
    assert answer.as_dict()["as_of"] == "2025-03-04"
    undated = Answer("q", "x [1]", True, "extractive", [cite(1, None, "")])
    assert undated.as_of_line() == "" and undated.as_dict()["as_of"] is None
    assert undated.citations[0].meta() == "undated"
    assert Answer("q", "x", False, "extractive").as_of_line() == ""


def test_wire_copies_collapse_into_one_source_listing_every_outlet() -> None:
    hits = [
        Hit(chunk("reuters", outlet="Reuters"), 1.0),
        Hit(chunk("ap", outlet="AP", source="feeds/ap.json"), 0.9),
        Hit(
            chunk("other", "A different story about harvests in Kansas and rain.", outlet="X"), 0.5
        ),
    ]
    kept = collapse_near_duplicates(hits, lambda h: set(h.chunk.text.split()), merge=_same_story)
    assert [h.chunk.article_id for h in kept] == ["reuters", "other"]
    assert [c.article_id for c in kept[0].also] == ["ap"]
    _, citations = number_claims([Claim(WIRE, (kept[0].chunk,))], kept)
    assert citations[0].outlets == ("Reuters", "AP")
    assert citations[0].copies == ("feeds/ap.json",)
    assert citations[0].meta() == "Reuters, AP · undated"


def scored(aid: str, text: str) -> Scored:
    return Scored(text, chunk(aid, text), 1.0, 1.0, 1.0, frozenset(), frozenset())


def test_disagreeing_figures_are_named_with_each_side_cited() -> None:
    chosen = [
        scored("a", "On May 24, 2025, Zelenskyy said 100,000 to 150,000 troops were needed."),
        scored("b", "Diplomats estimate that 30,000 to 40,000 troops may be more realistic."),
    ]
    text = disagreement("How many troops are needed?", chosen, {"a": 1, "b": 2})
    assert text == (
        "The sources give different figures: [1] 100,000 and 150,000; [2] 30,000 and 40,000."
    )
    same = [scored("a", "They sent 500 troops."), scored("b", "Some 500 troops were sent.")]
    assert disagreement("How many troops?", same, {"a": 1, "b": 2}) == ""
    one_source = [chosen[0], scored("a", "Later 20,000 more were promised.")]
    assert disagreement("How many troops?", one_source, {"a": 1}) == ""


def test_recent_questions_prefer_newer_reports_without_ignoring_relevance() -> None:
    old = Hit(chunk("old", date=date(2024, 1, 1)), 1.0)
    new = Hit(chunk("new", date=date(2025, 6, 1)), 0.8)
    undated = Hit(chunk("undated"), 0.9)
    assert [h.chunk.article_id for h in prefer_recent([old, undated, new], _date)] == [
        "new",
        "old",
        "undated",
    ]
    # far down the ranking, freshness alone does not win
    many = [Hit(chunk(f"o{i}", date=date(2025, 5, 30)), 1.0) for i in range(5)]
    assert prefer_recent([*many, new], _date)[0].chunk.article_id == "o0"
    assert asks_for_recent("What is the latest on the ceasefire talks?")
    assert asks_for_recent("Any recent news about the force?")
    assert not asks_for_recent("How many troops did Zelenskyy want?")


def _date(h: Hit) -> date | None:
    return h.chunk.date


def test_front_matter_is_metadata_not_text(tmp_path: Path) -> None:
    page = tmp_path / "brussels.md"
    page.write_text(
        '---\ntitle: "Ministers agree command"\ndate: 2025-05-24\noutlet: BBC\n---\n'
        "# Ministers agree command\n\nDefence ministers agreed the command structure.\n",
        encoding="utf-8",
    )
    docs, warnings = read_docs(page, MB)
    (art,) = to_articles("brussels.md", docs)
    assert (art.title, art.date, art.dated_by, art.outlet) == (
        "Ministers agree command",
        date(2025, 5, 24),
        "front-matter",
        "BBC",
    )
    assert art.text == "Defence ministers agreed the command structure." and not warnings


def test_a_sidecar_dates_its_file_is_not_an_article_and_a_bad_one_is_a_warning(
    tmp_path: Path,
) -> None:
    page = tmp_path / "story.txt"
    page.write_text("Headline of the story\n\nLondon, 2 May 2025 — Talks resumed.\n")
    sidecar = tmp_path / "story.txt.meta.json"
    sidecar.write_text(json.dumps({"date": "2025-05-03"}))
    assert [rel for _, rel in discover(tmp_path)] == ["story.txt"]
    (art,) = to_articles("story.txt", read_docs(page, MB)[0])
    assert (art.date, art.dated_by) == (date(2025, 5, 3), "sidecar")
    sidecar.write_text('{"date": "someday"}')
    docs, warnings = read_docs(page, MB)
    assert warnings == [
        'story.txt.meta.json holds no usable date (expected {"date": "YYYY-MM-DD"}); ignored'
    ]
    (art,) = to_articles("story.txt", docs)
    assert (art.date, art.dated_by) == (date(2025, 5, 2), "dateline")
