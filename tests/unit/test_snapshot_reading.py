"""Reading a published snapshot without the libraries that wrote it: BM25 scores equal to
bm25s's own, and the copy of the chunks searched by exact cosine with the same filters as
the keyword index; the next snapshot copies the rows of unchanged chunks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import bm25s
import numpy as np
import pytest

from index.store.bm25 import SnapshotBuilder, load_snapshot
from index.store.chroma import date_to_epoch
from index.text import terms
from index.types import Chunk

WORDS = (
    "troops ceasefire Kyiv budget election flood harvest tariff minister court strike "
    "rates inflation museum coalition drone pipeline summit vote 10,000 Paris London"
).split()


def make_chunks(n: int, rng: np.random.Generator) -> list[Chunk]:
    chunks = []
    for i in range(n):
        text = " ".join(rng.choice(WORDS, size=int(rng.integers(5, 40))))
        day = None if i % 7 == 0 else date(2025, 1 + i % 12, 1 + i % 28)
        chunks.append(
            Chunk(
                chunk_id=f"c{i:04d}",
                article_id=f"a{i // 3}",
                source=f"s{i % 5}.txt",
                title=f"Story {i // 3}",
                text=text,
                position=i % 3,
                date=day,
                sentence_vectors=rng.normal(size=(2, 8)).astype(np.float32),
            )
        )
    return chunks


def no_fetch(ids: list[str]) -> list[Chunk]:
    raise AssertionError(f"read back from the store: {ids}")


def no_vectors(ids: list[str]) -> dict[str, np.ndarray]:
    raise AssertionError(f"vectors read back from the store: {ids}")


@pytest.fixture
def published(tmp_path: Path) -> tuple[Path, list[Chunk], np.ndarray]:
    rng = np.random.default_rng(7)
    chunks = make_chunks(120, rng)
    vectors = rng.normal(size=(len(chunks), 8)).astype(np.float32)
    builder = SnapshotBuilder(tmp_path, replica=True)
    builder.add(chunks, vectors)
    builder.publish(1, [c.chunk_id for c in chunks], no_fetch, no_vectors)
    return tmp_path, chunks, vectors


def test_bm25_scores_equal_bm25s(published: tuple[Path, list[Chunk], np.ndarray]) -> None:
    directory, _, _ = published
    snapshot = load_snapshot(directory)
    model = bm25s.BM25.load(str(snapshot.folder))
    queries = [" ".join(WORDS[i : i + k]) for i in range(len(WORDS)) for k in (1, 2, 4)]
    for query in [*queries, "troops troops Kyiv", "10000 troops", "nothing indexed here"]:
        ours = snapshot.keyword.scores(query)
        q = [t for t in terms(query) if t in model.vocab_dict]
        if not q:
            assert ours is None, query
            continue
        assert ours is not None and np.array_equal(ours, model.get_scores(q)), query


def test_the_copy_finds_the_nearest_chunks_within_the_filters(
    published: tuple[Path, list[Chunk], np.ndarray],
) -> None:
    directory, chunks, vectors = published
    snapshot = load_snapshot(directory)
    replica = snapshot.replica()
    assert replica is not None
    by_id = {c.chunk_id: i for i, c in enumerate(chunks)}
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    query = np.random.default_rng(3).normal(size=8).astype(np.float32)
    cosine = unit @ (query / np.linalg.norm(query))
    since = date_to_epoch(date(2025, 6, 1))
    for sources, lo, hi in [
        (None, None, None),
        (["s1.txt", "s3.txt"], since, None),
        (None, None, since),
    ]:
        allowed = snapshot.keyword.mask(sources, lo, hi)
        found = replica.search(query, 10, allowed)
        ok = [
            i
            for i, c in enumerate(chunks)
            if (not sources or c.source in sources)
            and (lo is None or (c.date and date_to_epoch(c.date) >= lo))
            and (hi is None or (c.date and date_to_epoch(c.date) <= hi))
        ]
        expected = sorted(ok, key=lambda i: -cosine[i])[:10]
        assert [by_id[c.chunk_id] for c, _ in found] == expected
        assert np.allclose([s for _, s in found], cosine[expected], atol=1e-5)

    chunk = chunks[5]
    (copy,) = replica.get([chunk.chunk_id])
    assert (copy.text, copy.date, copy.source) == (chunk.text, chunk.date, chunk.source)
    assert copy.sentence_vectors is not None and copy.sentence_vectors.shape == (2, 8)
    assert replica.get(["no-such-id"]) == []
    assert {c.chunk_id for c, _ in replica.undated_chunks(vectors=False)} == {
        c.chunk_id for c in chunks if c.date is None
    }


def test_the_next_snapshot_copies_unchanged_rows_and_reads_nothing_back(
    published: tuple[Path, list[Chunk], np.ndarray],
) -> None:
    directory, chunks, vectors = published
    rng = np.random.default_rng(11)
    (new,) = make_chunks(1, rng)
    new = Chunk(**{**new.__dict__, "chunk_id": "new", "text": "marmalade tariff"})
    builder = SnapshotBuilder(directory, base=1, replica=True)
    builder.add([new], np.ones((1, 8), dtype=np.float32))
    live = [c.chunk_id for c in chunks[1:]] + ["new"]  # one chunk dropped, one added
    builder.publish(2, live, no_fetch, no_vectors)

    replica = load_snapshot(directory).replica()
    assert replica is not None and sorted(replica.ids) == sorted(live)
    (copy,) = replica.get(["new"])
    assert copy.text == "marmalade tariff"
    row = replica.ids.index(chunks[9].chunk_id)
    expected = vectors[9] / np.linalg.norm(vectors[9])
    assert np.allclose(replica.vectors[row], expected, atol=1e-6)


def test_a_copy_it_cannot_complete_is_not_published(tmp_path: Path) -> None:
    (chunk,) = make_chunks(1, np.random.default_rng(1))
    builder = SnapshotBuilder(tmp_path, replica=True)
    builder.add([chunk])  # no vector, and the store has none either
    builder.publish(1, [chunk.chunk_id], no_fetch, lambda ids: {})
    snapshot = load_snapshot(tmp_path)
    assert snapshot.replica() is None and snapshot.keyword.ids == [chunk.chunk_id]
