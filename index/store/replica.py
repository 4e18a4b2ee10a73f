"""The snapshot's copy of every indexed chunk (its vector and its record), so that an
embedded index is searched without opening Chroma.

Importing chromadb and opening a collection costs ~0.9 s of every cold `ask` on two cores,
more than the search itself; the copy costs a few file opens. It lives in the published
snapshot folder (see index.store.bm25), its rows in the order of the keyword index's ids,
so one filter mask serves both rankings:

- `dense.npy`: float32 unit vectors, one row per chunk, memory-mapped. A search reads them
  all (exact cosine: 46 MB at 30,000 chunks, ~10 ms), which is also exact where Chroma's
  HNSW is approximate.
- `records.jsonl`: one line per chunk, `{"id", "text", "meta"}`, `meta` being exactly the
  Chroma metadata (`chunk_metadata`), so a chunk read here equals one read from Chroma.
- `records.idx.npy`: the byte offset of each line, and the end.

The indexer writes it with each snapshot, copying the lines and rows of unchanged chunks
from the previous one. Readers use it only while the published summary vouches that the
store is as the snapshot describes (see index.retrieve); otherwise Chroma answers.
"""

from __future__ import annotations

import contextlib
import json
import mmap
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.store.chroma import chunk_from_record, chunk_metadata
from index.types import Chunk

DENSE, RECORDS, OFFSETS = "dense.npy", "records.jsonl", "records.idx.npy"
FILES = (DENSE, RECORDS, OFFSETS)
NO_DATE = -1  # the snapshot's date of an undated chunk (see index.store.bm25)


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.clip(norms, 1e-12, None)


def _line(chunk: Chunk, meta: dict[str, Any] | None = None) -> bytes:
    meta = chunk_metadata(chunk) if meta is None else meta
    record = {"id": chunk.chunk_id, "text": chunk.text, "meta": meta}
    return json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n"


class Replica:
    """A loaded copy; `search` is one matrix product over the memory-mapped vectors."""

    def __init__(self, folder: Path, ids: Sequence[str], dates: np.ndarray) -> None:
        self.vectors: np.ndarray = np.load(folder / DENSE, mmap_mode="r")
        self._offsets = np.load(folder / OFFSETS)
        with (folder / RECORDS).open("rb") as f:
            size = f.seek(0, 2)
            self._records: mmap.mmap | bytes = (
                mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
            )
        if not (len(self.vectors) == len(ids) == len(self._offsets) - 1 == len(dates)):
            raise ValueError("replica files of different lengths")
        if len(ids) and int(self._offsets[-1]) != len(self._records):
            raise ValueError("records file of another length than its index says")
        self.ids = list(ids)
        self.dates = dates
        self._row = {cid: i for i, cid in enumerate(self.ids)}

    def _chunk(self, row: int) -> Chunk | None:
        line = self._records[int(self._offsets[row]) : int(self._offsets[row + 1])]
        record = json.loads(line)
        return chunk_from_record(record["id"], record["text"], record["meta"])

    def search(
        self, vector: np.ndarray, n: int, allowed: np.ndarray | None = None
    ) -> list[tuple[Chunk, float]]:
        """The n nearest chunks (among `allowed`) with their cosine similarity."""
        if not self.ids or n <= 0:
            return []
        q = _unit(vector)
        scores = self.vectors @ q
        if allowed is not None:
            scores = np.where(allowed, scores, -np.inf)
        n = min(n, int(np.isfinite(scores).sum()))
        if n == 0:
            return []
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        out = []
        for row in top:
            if chunk := self._chunk(int(row)):
                out.append((chunk, float(scores[row])))
        return out

    def get(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        """Chunks by id, in the order asked; ids it does not hold are skipped."""
        rows = [self._row[cid] for cid in chunk_ids if cid in self._row]
        return [c for row in rows if (c := self._chunk(row))]

    def vectors_of(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        return {
            cid: np.array(self.vectors[self._row[cid]]) for cid in chunk_ids if cid in self._row
        }

    def chunks_since(self, epoch: int) -> list[tuple[Chunk, np.ndarray]]:
        """As ChromaStore.chunks_since: chunks dated on/after `epoch`, with vectors."""
        return [(c, v) for c, v in self._where(self.dates >= epoch) if v is not None]

    def undated_chunks(self, vectors: bool = True) -> list[tuple[Chunk, np.ndarray | None]]:
        """As ChromaStore.undated_chunks."""
        return self._where(self.dates == NO_DATE, vectors)

    def _where(
        self, keep: np.ndarray, vectors: bool = True
    ) -> list[tuple[Chunk, np.ndarray | None]]:
        out: list[tuple[Chunk, np.ndarray | None]] = []
        for row in np.flatnonzero(keep):
            if chunk := self._chunk(int(row)):
                out.append((chunk, np.array(self.vectors[row]) if vectors else None))
        return out


def load_replica(folder: Path, ids: Sequence[str], dates: np.ndarray) -> Replica | None:
    """The replica of a snapshot folder; None when it has none or it is damaged (the
    reader then asks Chroma, and `newsbot index` writes it again)."""
    if not all((folder / name).is_file() for name in FILES):
        return None
    try:
        return Replica(folder, ids, dates)
    except (OSError, ValueError, EOFError):
        return None


class _Previous:
    """The replica an update started from, read for the rows of unchanged chunks."""

    def __init__(self, folder: Path, ids: Sequence[str]) -> None:
        self.vectors = np.load(folder / DENSE, mmap_mode="r")
        self._offsets = np.load(folder / OFFSETS)
        self._records = (folder / RECORDS).read_bytes()
        self._row = {cid: i for i, cid in enumerate(ids)}
        if not (len(self.vectors) == len(self._row) == len(self._offsets) - 1):
            raise ValueError("replica files of different lengths")
        if int(self._offsets[-1]) != len(self._records):
            raise ValueError("records file of another length than its index says")

    def __contains__(self, cid: str) -> bool:
        return cid in self._row

    def line(self, cid: str) -> bytes:
        row = self._row[cid]
        return self._records[int(self._offsets[row]) : int(self._offsets[row + 1])]

    def vector(self, cid: str) -> np.ndarray:
        return np.asarray(self.vectors[self._row[cid]])


class ReplicaWriter:
    """Gathers the rows of a snapshot's replica while an update writes its chunks.

    Lines of new chunks wait in a spool file (not in memory: a rebuild writes them all);
    those of unchanged chunks are copied from the replica the update started from.
    """

    def __init__(self, previous: Path | None = None, previous_ids: Sequence[str] = ()) -> None:
        self._spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self._spooled: dict[str, tuple[int, int]] = {}
        self._end = 0
        self._vectors: dict[str, np.ndarray] = {}
        self._previous: _Previous | None = None
        if previous is not None and previous_ids:
            with contextlib.suppress(OSError, ValueError, EOFError):  # none, or damaged
                self._previous = _Previous(previous, previous_ids)

    def add(
        self,
        chunks: Sequence[Chunk],
        vectors: np.ndarray | None = None,
        metadatas: Sequence[dict[str, Any]] | None = None,
    ) -> None:
        """Spool chunks' lines (the newest version of an id wins), with their vectors when
        known (chunks read back from the store come without) and their Chroma metadata when
        the caller has it already."""
        self._spool.seek(self._end)
        for i, chunk in enumerate(chunks):
            line = _line(chunk, metadatas[i] if metadatas is not None else None)
            self._spool.write(line)
            self._spooled[chunk.chunk_id] = (self._end, self._end + len(line))
            self._end += len(line)
            if vectors is not None:
                self._vectors[chunk.chunk_id] = _unit(vectors[i])

    def write(
        self,
        folder: Path,
        ids: Sequence[str],
        fetch: Callable[[list[str]], list[Chunk]],
        fetch_vectors: Callable[[list[str]], dict[str, np.ndarray]],
    ) -> bool:
        """Write the replica of `ids` into `folder`; what neither the update nor the previous
        replica holds is read from the store (`fetch`, `fetch_vectors`). False (nothing
        usable written) when a chunk's vector or record cannot be found."""
        old = self._previous
        unknown = [c for c in ids if c not in self._spooled and (old is None or c not in old)]
        if unknown:
            self.add(fetch(unknown))
        need = [c for c in ids if c not in self._vectors and (old is None or c not in old)]
        fetched = {k: _unit(v) for k, v in fetch_vectors(need).items()} if need else {}
        vectors = {**self._vectors, **fetched}
        dims = next((int(v.shape[-1]) for v in vectors.values()), None)
        if dims is None and old is not None:
            dims = int(old.vectors.shape[1])
        dense = np.zeros((len(ids), dims or 0), dtype=np.float32)
        offsets = np.zeros(len(ids) + 1, dtype=np.int64)
        with (folder / RECORDS).open("wb") as out:
            for row, cid in enumerate(ids):
                line = self._spooled_line(cid)
                if line is None and old is not None and cid in old:
                    line = old.line(cid)
                vector = vectors.get(cid)
                if vector is None and old is not None and cid in old:
                    vector = old.vector(cid)
                if line is None or vector is None or vector.shape[-1] != dims:
                    out.close()
                    (folder / RECORDS).unlink()
                    return False
                out.write(line)
                dense[row] = vector
                offsets[row + 1] = offsets[row] + len(line)
        np.save(folder / OFFSETS, offsets)
        np.save(folder / DENSE, dense)
        return True

    def _spooled_line(self, cid: str) -> bytes | None:
        span = self._spooled.get(cid)
        if span is None:
            return None
        self._spool.seek(span[0])
        return self._spool.read(span[1] - span[0])

    def close(self) -> None:
        self._spool.close()
