"""End to end, in process: the sample corpus in a real embedded Chroma."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.answer.citations import markers
from bot.answer.model import Turn
from bot.service import NewsBot, QuestionError
from bot.settings import load_settings
from index.errors import EmptyIndexError, SourceError, StoreError
from index.retrieve import Filters
from index.store.manifest import STATE_ID


def make_bot(articles: Path, data: Path) -> NewsBot:
    return NewsBot(load_settings(articles_dir=articles, data_dir=data))


def test_answer_quotes_the_article_and_cites_it(sample_bot: NewsBot) -> None:
    answer = sample_bot.ask("How many troops did Zelenskyy say were needed?")
    assert answer.answered
    assert "100,000 to 150,000" in answer.text
    assert set(markers(answer.text)) == {c.n for c in answer.citations}
    (cite,) = [c for c in answer.citations if "100,000" in c.snippet]
    assert cite.source == "003_d4d2200b856d5f09.txt"
    assert cite.title == "European Countries Explore Security Plan for Post-War Ukraine"


def test_disagreeing_estimates_are_both_shown_and_cited(sample_bot: NewsBot) -> None:
    answer = sample_bot.ask(
        "Do the estimates of how many troops a Ukraine security force needs agree across reports?"
    )
    assert "10,000 to 30,000" in answer.text and "100,000 to 150,000" in answer.text
    sources = {c.source for c in answer.citations}
    assert {"001_bc7f157be1aa4735.txt", "003_d4d2200b856d5f09.txt"} <= sources


def test_unanswerable_question_is_declined(sample_bot: NewsBot) -> None:
    answer = sample_bot.ask("Who won the last Champions League final?")
    assert not answer.answered and answer.citations == []


def test_follow_up_uses_the_conversation(sample_bot: NewsBot) -> None:
    first = sample_bot.ask("How many troops did Zelenskyy say were needed?")
    follow = sample_bot.ask(
        "and how many did the diplomats estimate?",
        history=[Turn(first.question, first.text)],
    )
    assert follow.answered and "30,000 to 40,000" in follow.text
    # a follow-up that only makes sense with the conversation ("they" = the troops)
    where = sample_bot.ask(
        "where would they be stationed?", history=[Turn("How big is the peacekeeping force?", "")]
    )
    assert where.answered and "frontline" in where.text


def test_search_mixes_articles_and_has_no_duplicates(sample_bot: NewsBot) -> None:
    hits = sample_bot.search("coalition of the willing troops for Ukraine", k=5)
    assert len(hits) == 5
    assert len({h.chunk.chunk_id for h in hits}) == 5
    assert len({h.chunk.article_id for h in hits}) >= 3
    assert all(0 < h.score <= 1 for h in hits)


def test_story_pages_are_split_and_their_undated_stories_stay_undated(
    sample_bot: NewsBot,
) -> None:
    hits = sample_bot.search("missile and drone strike injures eight in Kyiv", k=3)
    top = hits[0].chunk
    assert top.article_id == "003_d4d2200b856d5f09~3"
    assert top.title == "Russian Missile and Drone Attack Injures Eight in Kyiv"
    # "On May 24, 2025, a missile and drone strike…" says when the strike was, not when the
    # story ran; the sample files carry no publication date, and their file time is not one
    assert (top.date, top.dated_by) == (None, "")
    assert top.file_time  # kept for display


def test_date_and_source_filters(sample_bot: NewsBot) -> None:
    # undated articles never pass a date filter (their file time is not a date)
    assert sample_bot.search("attack", k=5, filters=Filters(since=date(2025, 5, 25))) == []
    only = sample_bot.search("troops", k=5, filters=Filters(sources=("001_bc7f157be1aa4735.txt",)))
    assert only and {h.chunk.source for h in only} == {"001_bc7f157be1aa4735.txt"}


def test_bad_questions_are_refused_politely(sample_bot: NewsBot) -> None:
    with pytest.raises(QuestionError, match="ask a question"):
        sample_bot.ask("   \n ")
    with pytest.raises(QuestionError, match="limit is 1,000"):
        sample_bot.ask("why " * 2500)


def test_incremental_update_adds_changes_removes_without_duplicates(
    corpus: tuple[Path, Path],
) -> None:
    articles, data = corpus
    bot = make_bot(articles, data)
    first = bot.update()
    assert (first.added, first.updated, first.removed, first.unchanged) == (5, 0, 0, 0)
    chunks = first.chunks
    assert bot.ws.store.count() == chunks

    again = bot.update()
    assert (again.added, again.updated, again.removed, again.unchanged, again.embedded) == (
        0,
        0,
        0,
        5,
        0,
    )

    (articles / "000_01c106b21defd341.txt").write_text(
        (articles / "000_01c106b21defd341.txt").read_text()
        + "\nA new paragraph says the summit ended with a joint statement on drones.\n"
    )
    (articles / "002_3e68c3b27c9853a0.txt").unlink()
    (articles / "new_story.md").write_text(
        "# Marmalade Summit Ends\n\nDelegates agreed on a marmalade tariff of 7 percent.\n"
    )
    report = bot.update()
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 1, 1, 3)
    manifest = bot.ws.manifest()
    assert manifest is not None
    assert bot.ws.store.count() == manifest.chunk_count == report.chunks
    ids = [c.chunk_id for c in bot.ws.store.all_chunks()]
    assert len(ids) == len(set(ids))
    assert "002_3e68c3b27c9853a0.txt" not in {c.source for c in bot.ws.store.all_chunks()}
    answer = bot.ask("What tariff did the delegates agree on marmalade?")
    assert answer.answered and "7 percent" in answer.text
    assert answer.citations[0].source == "new_story.md"


def test_broken_file_is_reported_and_the_rest_indexed(corpus: tuple[Path, Path]) -> None:
    articles, data = corpus
    (articles / "broken.json").write_text("{oops")
    (articles / "empty.txt").write_text("")
    report = make_bot(articles, data).update()
    assert report.added == 5
    assert {p.source for p in report.problems} == {"broken.json", "empty.txt"}


def test_broken_edit_keeps_the_indexed_version(corpus: tuple[Path, Path]) -> None:
    articles, data = corpus
    bot = make_bot(articles, data)
    bot.update()
    (articles / "001_bc7f157be1aa4735.txt").write_bytes(b"\x00\x01 binary garbage")
    report = bot.update()
    assert [p.source for p in report.problems] == ["001_bc7f157be1aa4735.txt"]
    assert "10,000 to 30,000" in " ".join(
        h.chunk.text for h in bot.search("proposed troop levels range", k=5)
    )


def test_empty_index_and_missing_folder_are_domain_errors(tmp_path: Path) -> None:
    bot = make_bot(tmp_path / "nope", tmp_path / "data")
    with pytest.raises(EmptyIndexError):
        bot.ask("anything at all?")
    with pytest.raises(SourceError, match="not found"):
        bot.update()


def test_damaged_data_folder_says_how_to_recover(corpus: tuple[Path, Path]) -> None:
    articles, data = corpus
    make_bot(articles, data).update()
    (data / "chroma" / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="--rebuild"):
        make_bot(articles, data).ask("How many troops were proposed?")
    bot = make_bot(articles, data)
    report = bot.update(rebuild=True)
    assert report.added == 5 and bot.ws.store.count() == report.chunks
    assert list(data.glob("chroma.damaged-*"))  # kept for inspection, not deleted
    assert bot.ask("How many troops did Zelenskyy say were needed?").answered


def test_foreign_manifest_format_says_how_to_recover(corpus: tuple[Path, Path]) -> None:
    articles, data = corpus
    bot = make_bot(articles, data)
    bot.update()
    bot.ws.store.manifest_collection.upsert(
        ids=[STATE_ID], embeddings=[[1.0]], metadatas=[{"version": 99}]
    )
    with pytest.raises(StoreError, match="--rebuild"):
        make_bot(articles, data).ask("How many troops were proposed?")
    with pytest.raises(StoreError, match="--rebuild"):
        make_bot(articles, data).update()
    assert make_bot(articles, data).update(rebuild=True).added == 5


def test_rebuild_starts_from_scratch(corpus: tuple[Path, Path]) -> None:
    articles, data = corpus
    bot = make_bot(articles, data)
    first = bot.update()
    report = bot.update(rebuild=True)
    assert report.added == 5 and report.chunks == first.chunks == bot.ws.store.count()
