"""Readers only pick up snapshots the indexer published; they never build or repair one."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from bot.service import NewsBot
from bot.settings import load_settings
from index.store.bm25 import load_snapshot


def make_bot(articles: Path, data: Path) -> NewsBot:
    return NewsBot(load_settings(articles_dir=articles, data_dir=data))


def files_under(folder: Path) -> list[tuple[str, int]]:
    return sorted((str(p.relative_to(folder)), p.stat().st_mtime_ns) for p in folder.rglob("*"))


def test_reader_without_a_usable_snapshot_searches_by_meaning_until_index_repairs_it(
    corpus: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    articles, data = corpus
    make_bot(articles, data).update()
    bm25 = next(data.glob("bm25-*"))
    (bm25 / "CURRENT").write_text("gone")
    before = files_under(bm25)

    reader = make_bot(articles, data)
    with caplog.at_level(logging.WARNING, logger="index.retrieve"):
        hits = reader.search("reassurance force", k=3)
        reader.search("troops needed", k=3)
    assert hits and all("bm25" not in h.ranks for h in hits)
    warnings = [r.getMessage() for r in caplog.records if r.name == "index.retrieve"]
    assert len(warnings) == 1 and "newsbot index" in warnings[0], warnings
    assert files_under(bm25) == before  # reading wrote nothing

    report = make_bot(articles, data).update()  # the indexer repairs it
    assert report.unchanged == 5 and not report.changed
    hits = reader.search("reassurance force", k=3)
    assert any("bm25" in h.ranks for h in hits)


def test_an_update_builds_the_keyword_index_from_what_it_embedded(
    corpus: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    articles, data = corpus
    bot = make_bot(articles, data)
    with caplog.at_level(logging.INFO, logger="index.store.bm25"):
        bot.update()
        (articles / "marmalade.md").write_text(
            "# Marmalade Summit Ends\n\nDelegates agreed on a marmalade tariff of 7 percent.\n"
        )
        assert bot.update().added == 1
    assert not [r for r in caplog.records if "back from the store" in r.getMessage()]
    snapshot = load_snapshot(next(data.glob("bm25-*")))
    replica = snapshot.replica()  # the chunks' copy: the new one and the unchanged ones
    assert replica is not None and replica.ids == snapshot.keyword.ids
    for chunk in bot.ws.store.get(replica.ids):
        (copy,) = replica.get([chunk.chunk_id])
        assert (copy.text, copy.title, copy.source, copy.date) == (
            chunk.text,
            chunk.title,
            chunk.source,
            chunk.date,
        )
        assert np.array_equal(copy.sentence_vectors, chunk.sentence_vectors)
        stored = bot.ws.store.vectors([chunk.chunk_id])[chunk.chunk_id]
        assert np.allclose(replica.vectors_of([chunk.chunk_id])[chunk.chunk_id], stored, atol=1e-6)
    hits = bot.search("marmalade tariff", k=1)
    assert hits[0].chunk.source == "marmalade.md" and hits[0].ranks.get("bm25") == 1
    assert bot.search("reassurance force", k=3)[0].ranks.get("bm25")  # unchanged files too
