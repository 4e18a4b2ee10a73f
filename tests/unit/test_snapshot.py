"""Published snapshots (index.store.bm25): written once by the indexer, only read after."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from index.errors import StoreError
from index.store.bm25 import SnapshotBuilder, current_name, load_snapshot
from index.types import Chunk


def chunk(cid: str, text: str, day: date | None = None) -> Chunk:
    return Chunk(cid, f"art-{cid}", f"{cid}.txt", f"Story {cid}", text, 0, day)


CHUNKS = [
    chunk("a", "Delegates agreed on a marmalade tariff of seven percent."),
    chunk("b", "The reassurance force would need many troops.", date(2025, 5, 24)),
]


def no_fetch(ids: list[str]) -> list[Chunk]:
    raise AssertionError(f"read back from the store: {ids}")


def publish(directory: Path, generation: int, chunks: list[Chunk], base: int | None) -> None:
    builder = SnapshotBuilder(directory, base=base)
    builder.add(chunks)
    live = {c.chunk_id for c in chunks} | {"a", "b"}
    builder.publish(generation, live, no_fetch)


def test_an_update_tokenizes_only_the_chunks_it_embedded(tmp_path: Path) -> None:
    publish(tmp_path, 1, CHUNKS, base=None)
    publish(tmp_path, 2, [chunk("c", "Fishermen protested the new quota.")], base=1)
    snap = load_snapshot(tmp_path)
    assert snap.generation == 2 and snap.live == {"a", "b", "c"}
    assert [h.chunk_id for h in snap.keyword.search("marmalade tariff", 5)] == ["a"]
    assert [h.chunk_id for h in snap.keyword.search("fishermen quota", 5)] == ["c"]
    since = snap.keyword.mask(None, 1_700_000_000, None)
    assert [h.chunk_id for h in snap.keyword.search("troops", 5, since)] == ["b"]


def test_a_loaded_snapshot_never_changes_under_its_reader(tmp_path: Path) -> None:
    publish(tmp_path, 1, CHUNKS, base=None)
    first = load_snapshot(tmp_path)
    publish(tmp_path, 2, [chunk("a", "Fishermen protested the new quota.")], base=1)
    assert first.generation == 1
    assert [h.chunk_id for h in first.keyword.search("marmalade", 5)] == ["a"]
    assert load_snapshot(tmp_path).keyword.search("marmalade", 5) == []


def test_a_damaged_snapshot_is_reported_without_touching_the_disk(tmp_path: Path) -> None:
    publish(tmp_path, 1, CHUNKS, base=None)
    folder = tmp_path / str(current_name(tmp_path))
    for npy in folder.glob("*.np*"):
        npy.write_bytes(b"\x93NUMPY garbage")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    with pytest.raises(StoreError, match="newsbot index"):
        load_snapshot(tmp_path)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_the_indexer_repairs_a_damaged_snapshot_from_the_store(tmp_path: Path) -> None:
    publish(tmp_path, 1, CHUNKS, base=None)
    folder = tmp_path / str(current_name(tmp_path))
    (folder / "terms.npz").write_bytes(b"garbage")
    asked: list[list[str]] = []

    def fetch(ids: list[str]) -> list[Chunk]:
        asked.append(sorted(ids))
        return [c for c in CHUNKS if c.chunk_id in ids]

    SnapshotBuilder(tmp_path, base=1).publish(1, {"a", "b"}, fetch)
    assert asked == [["a", "b"]]
    assert [h.chunk_id for h in load_snapshot(tmp_path).keyword.search("marmalade", 5)] == ["a"]


def test_terms_of_another_generation_are_not_trusted(tmp_path: Path) -> None:
    """A snapshot older than the index an update starts from (another machine indexed)
    may describe chunks differently: what it lacks is read from the store."""
    publish(tmp_path, 1, CHUNKS, base=None)
    fetched: list[str] = []

    def fetch(ids: list[str]) -> list[Chunk]:
        fetched.extend(ids)
        return [c for c in CHUNKS if c.chunk_id in ids]

    SnapshotBuilder(tmp_path, base=5).publish(6, {"a", "b"}, fetch)
    assert sorted(fetched) == ["a", "b"]
