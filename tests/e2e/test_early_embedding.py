"""A small change is chunked and embedded while the store opens (index.build's early
group): the index it leaves is the one the usual pipeline leaves, the work is done once,
and a broken file among the new ones is reported once while the rest is indexed."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import index.build
from bot.service import NewsBot
from bot.settings import load_settings
from tests.conftest import SAMPLE_ARTICLES

NEW = {
    "zz_quokka.txt": "Quokka census finished\n\nRangers on Rottnest Island finished the first "
    "quokka census in a decade on Monday and counted 12,400 of the marsupials. Officials said "
    "the number had grown since the last count, helped by a wet winter.\n",
    "zz_ferry.txt": "Ferry strike called off\n\nA planned ferry strike was called off late on "
    "Sunday after the operator raised its pay offer to crews by four percent.\n",
}
QUERIES = ("quokka census Rottnest", "ferry strike pay offer", "troops needed")


class Order:
    """When the embedder gets passages and when the update opens the store, in order (the
    real embedder and store do the work)."""

    def __init__(self, bot: NewsBot, monkeypatch: pytest.MonkeyPatch) -> None:
        self.events: list[str] = []
        embedder = bot.ws.embedder
        submit, open_ = embedder.submit_passages, index.build.Indexer._open

        def submitted(texts, spans):  # type: ignore[no-untyped-def]
            self.events.append("embed")
            return submit(texts, spans)

        def opened(indexer, rebuild):  # type: ignore[no-untyped-def]
            self.events.append("open store")
            return open_(indexer, rebuild)

        monkeypatch.setattr(embedder, "submit_passages", submitted)
        monkeypatch.setattr(index.build.Indexer, "_open", opened)


def indexed_bot(tmp_path: Path, name: str) -> NewsBot:
    articles = tmp_path / name / "articles"
    shutil.copytree(SAMPLE_ARTICLES, articles)
    bot = NewsBot(load_settings(articles_dir=articles, data_dir=tmp_path / name / "data"))
    assert bot.update().added == 5
    for file, text in NEW.items():
        (articles / file).write_text(text, encoding="utf-8")
    return bot


def results(bot: NewsBot) -> list[list[tuple[str, str, float]]]:
    return [
        [(h.chunk.chunk_id, h.chunk.text, round(h.score, 6)) for h in bot.search(q, 5)]
        for q in QUERIES
    ]


def test_an_early_group_leaves_the_index_the_usual_pipeline_leaves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    early = indexed_bot(tmp_path, "early")
    with monkeypatch.context() as m:
        order = Order(early, m)
        report = early.update()
    assert (report.added, report.unchanged, report.problems) == (2, 5, [])
    assert order.events == ["embed", "open store"]  # before the store opened, and once

    monkeypatch.setattr(index.build, "_EARLY_FILES", 0)  # the usual pipeline
    usual = indexed_bot(tmp_path, "usual")
    order = Order(usual, monkeypatch)
    assert usual.update().added == 2
    assert order.events == ["open store", "embed"]

    assert results(early) == results(usual)
    assert results(early)[0][0][1].startswith("Rangers on Rottnest")
    ids = sorted(early.ws.store.ids())
    assert ids == sorted(usual.ws.store.ids())
    ours, theirs = early.ws.store.vectors(ids), usual.ws.store.vectors(ids)
    assert all(np.allclose(ours[i], theirs[i], atol=1e-6) for i in ids)


def test_a_broken_new_file_is_reported_once_and_the_rest_indexed(tmp_path: Path) -> None:
    bot = indexed_bot(tmp_path, "broken")
    articles = bot.settings.index.articles_dir
    (articles / "zz_broken.json").write_text("{not json", encoding="utf-8")
    report = bot.update()
    assert report.added == 2
    assert [p.source for p in report.problems] == ["zz_broken.json"]
    assert bot.search("quokka census", 1)[0].chunk.source == "zz_quokka.txt"
    again = bot.update()  # the broken file is tried again, the others are at rest
    assert (again.added, again.unchanged, [p.source for p in again.problems]) == (
        0,
        7,
        ["zz_broken.json"],
    )
