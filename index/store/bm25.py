"""Published index snapshots: the keyword index (BM25, in bm25s's layout) and the live chunk set of
one index generation, written once by the indexer and only ever read afterwards.

A snapshot is a folder `g<generation>-<pid>-<tag>` under the snapshot directory; the file
`CURRENT` names the published one. Publishing writes a whole new folder, then replaces
`CURRENT` in one rename, so a reader finds the old snapshot or the new one, never a mix,
and nothing it has loaded ever changes under it. Readers never build or repair one: the
indexer does (`newsbot index`), and a reader that finds none it can use searches without
keywords meanwhile (see `index.retrieve`).

The terms of every chunk are kept in the snapshot (as ids into a vocabulary), so the next
publish tokenizes only the chunks that update embedded: what an update costs grows with
what changed, not with the corpus.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import StoreError
from index.store.bm25_scores import FILES, PARAMS, save_lucene
from index.store.chroma import date_to_epoch
from index.store.replica import NO_DATE, Replica, ReplicaWriter, load_replica
from index.text import terms
from index.types import Chunk

_NO_DATE = NO_DATE
_KEEP_SECONDS = 120.0  # folders this young may be another publisher's work in progress
# Which process published a snapshot: a reader in the same process shares its Chroma
# client, so it needs not reopen the store to see the new vectors.
PROCESS = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeywordHit:
    chunk_id: str
    score: float


def _doc_terms(chunk: Chunk) -> list[str]:
    return terms(f"{chunk.title}\n{chunk.text}")


def current_name(directory: Path) -> str | None:
    """The name of the published snapshot (one small file read), None when there is none."""
    try:
        name = (directory / "CURRENT").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return name or None


def _folder(directory: Path, name: str | None) -> Path:
    if not name or "/" in name or name in (".", ".."):
        raise OSError(f"CURRENT names no snapshot ({name!r})")
    return directory / name


class KeywordIndex:
    """A loaded BM25 index of one snapshot folder; `search` is pure numpy after load."""

    def __init__(self, folder: Path) -> None:
        meta = json.loads((folder / "chunks.json").read_text(encoding="utf-8"))
        self.generation: int = int(meta.get("generation", -1))
        self.ids: list[str] = [str(i) for i in meta["ids"]]
        self.sources = np.array(meta["sources"], dtype=object)
        self.dates = np.array(meta["dates"], dtype=np.int64)
        if not len(self.ids) == len(self.sources) == len(self.dates):
            raise ValueError("lists of different lengths")
        self.absent: list[str] = [str(i) for i in meta.get("absent", [])]
        self.writer = str(meta.get("writer", ""))
        self._vocab: dict[str, int] = {}
        if self.ids:  # the score matrix (CSC) as index.store.bm25_scores saves it
            params = json.loads((folder / "params.index.json").read_text(encoding="utf-8"))
            if params.get("method") != PARAMS["method"] or int(params["num_docs"]) != len(self.ids):
                raise ValueError("a keyword index of another kind or size")
            self._vocab = json.loads((folder / "vocab.index.json").read_text(encoding="utf-8"))
            self._data, self._indices, self._indptr = (
                np.load(folder / name, mmap_mode="r") for name in FILES
            )
            if int(self._indptr[-1]) != len(self._data) or len(self._data) != len(self._indices):
                raise ValueError("score arrays of different lengths")

    def __len__(self) -> int:
        return len(self.ids)

    def mask(
        self, sources: list[str] | None, since: int | None, until: int | None
    ) -> np.ndarray | None:
        """Chunks allowed by the filters (None when nothing is filtered)."""
        if not sources and since is None and until is None:
            return None
        keep = np.ones(len(self.ids), dtype=bool)
        if sources:
            keep &= np.isin(self.sources, sources)
        if since is not None:
            keep &= self.dates >= since
        if until is not None:
            keep &= (self.dates <= until) & (self.dates != _NO_DATE)
        return keep

    def scores(self, query: str) -> np.ndarray | None:
        """BM25 score of every chunk; None when no term of the query is indexed. The sum
        bm25s's `get_scores` makes, in its order (lucene scores need no more)."""
        columns = len(self._indptr) - 1 if self._vocab else 0
        ids = [i for t in terms(query) if (i := self._vocab.get(t, columns)) < columns]
        if not ids:
            return None
        scores = np.zeros(len(self.ids), dtype=np.float32)
        for t in ids:
            start, end = int(self._indptr[t]), int(self._indptr[t + 1])
            np.add.at(scores, self._indices[start:end], self._data[start:end])
        return scores

    def search(self, query: str, n: int, allowed: np.ndarray | None = None) -> list[KeywordHit]:
        scores = self.scores(query)
        if scores is None:
            return []
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top])]
        return [KeywordHit(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]


@dataclass(frozen=True)
class Snapshot:
    """One published generation as readers see it; immutable once loaded."""

    name: str
    generation: int
    live: frozenset[str]  # the chunks its manifest listed: every other chunk is hidden
    keyword: KeywordIndex
    writer: str  # PROCESS of the publisher
    folder: Path

    def replica(self) -> Replica | None:
        """Its copy of the chunks (vectors and records), when it has a usable one."""
        return load_replica(self.folder, self.keyword.ids, self.keyword.dates)


def load_snapshot(directory: Path) -> Snapshot:
    """The published snapshot, read whole. StoreError (one line) when it is missing or
    damaged; reading never changes anything on disk."""
    name = current_name(directory)
    try:
        folder = _folder(directory, name)
        keyword = KeywordIndex(folder)
    except Exception as exc:
        raise StoreError(
            f"The keyword index in {directory} is missing or unreadable "
            f"({type(exc).__name__}: {exc}). Run `newsbot index` to repair it."
        ) from None
    live = frozenset(keyword.ids) | frozenset(keyword.absent)
    return Snapshot(str(name), keyword.generation, live, keyword, keyword.writer, folder)


def snapshot_generation(directory: Path) -> int | None:
    """The generation of the published snapshot, from its small metadata file only."""
    try:
        folder = _folder(directory, current_name(directory))
        meta = json.loads((folder / "chunks.json").read_text(encoding="utf-8"))
        return int(meta["generation"])
    except (OSError, ValueError, TypeError, KeyError):
        return None


# A chunk's (article id, source, date) as the snapshot records them.
_Info = tuple[str, str, int]


def _previous_terms(
    directory: Path,
) -> tuple[int, list[str], dict[str, np.ndarray], dict[str, _Info]]:
    """(generation, vocabulary, term ids per chunk id, chunk metadata by id) of the
    published snapshot; nothing when there is none or it is damaged."""
    try:
        current = _folder(directory, current_name(directory))
        meta = json.loads((current / "chunks.json").read_text(encoding="utf-8"))
        vocab = json.loads((current / "vocab.json").read_text(encoding="utf-8"))
        with np.load(current / "terms.npz") as saved:
            flat, offsets = saved["flat"], saved["offsets"]
        ids = meta["ids"]
        terms_by_id = {cid: flat[offsets[i] : offsets[i + 1]] for i, cid in enumerate(ids)}
        articles, sources, dates = meta["articles"], meta["sources"], meta["dates"]
        info: dict[str, _Info] = {
            cid: (articles[i], sources[i], dates[i]) for i, cid in enumerate(ids)
        }
        if not isinstance(vocab, list) or any(
            t.size and int(t.max()) >= len(vocab) for t in terms_by_id.values()
        ):
            raise ValueError("terms outside the vocabulary")
        generation = int(meta["generation"])
    except Exception:  # none yet, an older layout or damage: the store has the chunks
        return -1, [], {}, {}
    return generation, vocab, terms_by_id, info


class SnapshotBuilder:
    """Collects the terms of a new snapshot while an update writes its chunks, then
    publishes it.

    Chunks the update embedded are added as they are written (`add`). The terms of the
    other live chunks are reused from the published snapshot when `reuse` is set and it
    was published for generation `base` (None: any), that is when it describes the index
    the update started from; the rest (all of them when the snapshot is damaged, which is
    how `newsbot index` repairs it) are read back from the store (`fetch`).
    """

    def __init__(
        self,
        directory: Path,
        reuse: bool = True,
        base: int | None = None,
        replica: bool = False,
        replica_max: int | None = None,
    ) -> None:
        self.directory = directory
        generation, vocab, known, info = _previous_terms(directory) if reuse else (-1, [], {}, {})
        if base is not None and generation != base:
            vocab, known, info = [], {}, {}
        self._index_of = {term: i for i, term in enumerate(vocab)}
        self._previous, self._previous_info = known, info
        self._terms: dict[str, np.ndarray] = {}
        self._info: dict[str, _Info] = {}
        self._replica: ReplicaWriter | None = None
        self._replica_max = replica_max
        if replica:  # rows of unchanged chunks come from the snapshot the terms come from
            name = current_name(directory) if known else None
            self._replica = ReplicaWriter(directory / name if name else None, list(known))

    def add(
        self,
        chunks: Iterable[Chunk],
        vectors: np.ndarray | None = None,
        metadatas: Sequence[dict[str, Any]] | None = None,
    ) -> None:
        """Tokenize chunks for the snapshot (the newest version of an id wins); with a
        replica, their records and `vectors` (rows in the order of `chunks`) are kept too
        (`metadatas`: their Chroma metadata, when already made)."""
        chunks = list(chunks)
        if self._replica is not None:
            self._replica.add(chunks, vectors, metadatas)
        index_of = self._index_of
        for chunk in chunks:
            ids = [index_of.setdefault(t, len(index_of)) for t in _doc_terms(chunk) or [""]]
            self._terms[chunk.chunk_id] = np.array(ids, dtype=np.int32)
            date = date_to_epoch(chunk.date) if chunk.date else _NO_DATE
            self._info[chunk.chunk_id] = (chunk.article_id, chunk.source, date)

    def _fill(self, live: Sequence[str], fetch: Callable[[list[str]], list[Chunk]]) -> None:
        """Terms for the live chunks that were not added: reused, else fetched."""
        rest = []
        for cid in live:
            if cid in self._terms:
                continue
            if cid in self._previous:
                self._terms[cid] = self._previous[cid]
                self._info[cid] = self._previous_info[cid]
            else:
                rest.append(cid)
        if rest:
            log.info("Reading %d chunks back from the store for the keyword index", len(rest))
            self.add(fetch(rest))  # fetch skips chunks that are gone

    def publish(
        self,
        generation: int,
        live: Iterable[str],
        fetch: Callable[[list[str]], list[Chunk]],
        fetch_vectors: Callable[[list[str]], dict[str, np.ndarray]] | None = None,
    ) -> str:
        """Write the snapshot of `generation` over the chunk ids `live` and make it the
        published one (one rename); returns its folder name. With a replica, the vectors
        of live chunks it was not given come from `fetch_vectors`."""
        live = sorted(live)
        self._fill(live, fetch)
        indexed = [cid for cid in live if cid in self._terms]
        docs, vocab = self._compact(indexed)
        name = f"g{generation}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        target = self.directory / name
        target.mkdir(parents=True)
        if docs:
            save_lucene(target, docs, vocab)
        lengths = np.array([len(d) for d in docs], dtype=np.int64)
        np.savez(
            target / "terms.npz",
            flat=np.concatenate(docs) if docs else np.zeros(0, dtype=np.int32),
            offsets=np.concatenate([[0], np.cumsum(lengths)]),
        )
        (target / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
        meta = {
            "generation": generation,
            "ids": indexed,
            "articles": [self._info[cid][0] for cid in indexed],
            "sources": [self._info[cid][1] for cid in indexed],
            "dates": [self._info[cid][2] for cid in indexed],
            "absent": [cid for cid in live if cid not in self._terms],  # gone from the store
            "writer": PROCESS,
        }
        (target / "chunks.json").write_text(json.dumps(meta), encoding="utf-8")
        if self._replica is not None and fetch_vectors is not None:
            too_big = self._replica_max is not None and len(indexed) > self._replica_max
            if not too_big and not self._replica.write(target, indexed, fetch, fetch_vectors):
                log.warning("Could not copy every chunk into the snapshot; reads use the store")
            self._replica.close()
        previous = current_name(self.directory)
        pointer = self.directory / f".CURRENT.{name}"
        pointer.write_text(name, encoding="utf-8")
        os.replace(pointer, self.directory / "CURRENT")  # the publish
        _clean_up(self.directory, {name, previous or ""})
        return name

    def _compact(self, indexed: list[str]) -> tuple[list[np.ndarray], list[str]]:
        """The term ids of `indexed` renumbered over the terms they use (so terms of deleted
        chunks do not pile up in the vocabulary), and that vocabulary."""
        docs = [self._terms[cid] for cid in indexed]
        vocab = sorted(self._index_of, key=self._index_of.__getitem__)
        if not docs:
            return [], []
        used = np.unique(np.concatenate(docs))
        renumber = np.full(len(vocab), -1, dtype=np.int32)
        renumber[used] = np.arange(len(used), dtype=np.int32)
        return [renumber[d] for d in docs], [vocab[i] for i in used]


def _clean_up(directory: Path, keep: set[str]) -> None:
    """Remove snapshots nobody will load again: not the new or the previous one (a reader
    may still be loading it), nor a folder so young it may be another publisher's."""
    now = time.time()
    for old in directory.iterdir():
        if not old.is_dir() or old.name in keep:
            continue
        try:
            young = now - old.stat().st_mtime < _KEEP_SECONDS
        except OSError:
            continue
        if not young:
            shutil.rmtree(old, ignore_errors=True)
    for pointer in directory.glob(".CURRENT.*"):  # of a publisher killed mid-way
        with contextlib.suppress(OSError):
            if now - pointer.stat().st_mtime >= _KEEP_SECONDS:
                pointer.unlink()


def scratch_dir(directory: Path) -> Path:
    """A writable stand-in for a snapshot directory that cannot be written."""
    import hashlib
    import tempfile

    tag = hashlib.sha1(str(directory.resolve()).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"newsbot-{directory.name}-{tag}"
