"""Keyword index (BM25 via bm25s) over the same chunks as Chroma.

Each update writes a whole new index and swaps it in with one rename, so readers see the
old or the new index, never a mix. The terms of every chunk are kept beside the index (as
ids into a vocabulary), so an update tokenizes and fetches only the chunks that are new:
what an update costs grows with what changed, not with the corpus.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.errors import StoreError
from index.store.chroma import date_to_epoch
from index.text import terms
from index.types import Chunk

_NO_DATE = -1
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeywordHit:
    chunk_id: str
    score: float


def _doc_terms(chunk: Chunk) -> list[str]:
    return terms(f"{chunk.title}\n{chunk.text}")


def _bm25s():  # type: ignore[no-untyped-def]
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets itself to DEBUG on import
    return bm25s


def _current(directory: Path) -> Path | None:
    try:
        name = (directory / "CURRENT").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return directory / name if name else None


def keyword_index_current(directory: Path, generation: int) -> bool:
    """Is the index on disk the one built for this manifest generation?"""
    current = _current(directory)
    try:
        meta = json.loads((current / "chunks.json").read_text(encoding="utf-8"))  # type: ignore[operator]
    except (OSError, ValueError, TypeError):
        return False
    return isinstance(meta, dict) and meta.get("generation") == generation


def _previous_terms(directory: Path) -> tuple[list[str], dict[str, np.ndarray], dict]:  # type: ignore[type-arg]
    """(vocabulary, term ids per chunk id, chunk metadata by id) of the current index."""
    current = _current(directory)
    try:
        meta = json.loads((current / "chunks.json").read_text(encoding="utf-8"))  # type: ignore[operator]
        vocab = json.loads((current / "vocab.json").read_text(encoding="utf-8"))  # type: ignore[operator]
        with np.load(current / "terms.npz") as saved:  # type: ignore[operator]
            flat, offsets = saved["flat"], saved["offsets"]
        ids = meta["ids"]
        terms_by_id = {cid: flat[offsets[i] : offsets[i + 1]] for i, cid in enumerate(ids)}
        fields = ("articles", "sources", "dates")
        info = {cid: tuple(meta[f][i] for f in fields) for i, cid in enumerate(ids)}
        if not isinstance(vocab, list) or any(
            t.size and int(t.max()) >= len(vocab) for t in terms_by_id.values()
        ):
            raise ValueError("terms outside the vocabulary")
    except Exception:  # none yet, an older layout or damage: it is only a cache, start afresh
        return [], {}, {}
    return vocab, terms_by_id, info


def build_bm25(
    live: Sequence[str],
    fetch: Callable[[list[str]], list[Chunk]],
    directory: Path,
    generation: int,
) -> None:
    """Write a fresh BM25 index over the chunk ids `live` and switch to it atomically.

    Terms of chunks already in the current index are reused; only the others are fetched
    (`fetch(ids) -> chunks`) and tokenized. Each build goes to its own sub-folder and the
    `CURRENT` pointer is replaced in one rename, so a reader always finds a complete index,
    even while several processes build.
    """
    vocab, known, info = _previous_terms(directory)
    if len(vocab) > 2 * max(1, sum(len(t) for t in known.values())) + 1000:
        vocab, known, info = [], {}, {}  # mostly terms of deleted chunks: start afresh
    index_of = {term: i for i, term in enumerate(vocab)}
    for chunk in fetch([cid for cid in live if cid not in known]):
        ids = [index_of.setdefault(t, len(index_of)) for t in _doc_terms(chunk) or [""]]
        known[chunk.chunk_id] = np.array(ids, dtype=np.int32)
        date = date_to_epoch(chunk.date) if chunk.date else _NO_DATE
        info[chunk.chunk_id] = (chunk.article_id, chunk.source, date)
    live = [cid for cid in live if cid in known]  # fetch skips chunks that are gone
    vocab = sorted(index_of, key=index_of.__getitem__)

    name = f"g{generation}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    target = directory / name
    target.mkdir(parents=True)
    docs = [known[cid] for cid in live]
    if docs:
        model = _bm25s().BM25()
        model.index(([d.tolist() for d in docs], dict(index_of)), show_progress=False)
        model.save(str(target))
    lengths = np.array([len(d) for d in docs], dtype=np.int64)
    np.savez(
        target / "terms.npz",
        flat=np.concatenate(docs) if docs else np.zeros(0, dtype=np.int32),
        offsets=np.concatenate([[0], np.cumsum(lengths)]),
    )
    (target / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    meta = {
        "generation": generation,
        "ids": list(live),
        "articles": [info[cid][0] for cid in live],
        "sources": [info[cid][1] for cid in live],
        "dates": [info[cid][2] for cid in live],
    }
    (target / "chunks.json").write_text(json.dumps(meta), encoding="utf-8")
    previous = _current(directory)
    pointer = directory / f".CURRENT.{name}"
    pointer.write_text(name, encoding="utf-8")
    os.replace(pointer, directory / "CURRENT")
    keep = {name, previous.name if previous else ""}  # a reader may still be loading it
    for old in directory.iterdir():
        if old.is_dir() and old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)


def open_keyword_index(
    directory: Path,
    generation: int,
    live: Sequence[str],
    fetch: Callable[[list[str]], list[Chunk]],
) -> KeywordIndex:
    """The keyword index for this generation, built when missing or stale and rebuilt when
    damaged: it is derived from the store, so it is never a reason to fail.

    On a read-only data folder it is built in a temporary folder instead.
    """
    if keyword_index_current(directory, generation):
        try:
            return KeywordIndex(directory)
        except Exception as exc:
            aside = directory.with_name(f"{directory.name}.damaged-{uuid.uuid4().hex[:6]}")
            log.warning("The keyword index in %s is damaged (%s); rebuilding it", directory, exc)
            try:
                directory.rename(aside)
            except OSError:
                directory = _scratch(directory)
    try:
        build_bm25(live, fetch, directory, generation)
    except OSError:
        directory = _scratch(directory)
        build_bm25(live, fetch, directory, generation)
    return KeywordIndex(directory)


def _scratch(directory: Path) -> Path:
    """A writable stand-in for a keyword index folder that cannot be written."""
    import hashlib
    import tempfile

    tag = hashlib.sha1(str(directory.resolve()).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"newsbot-{directory.name}-{tag}"


class KeywordIndex:
    """A loaded BM25 index; `search` is pure numpy after load."""

    def __init__(self, directory: Path) -> None:
        current = _current(directory)
        try:
            if current is None:
                raise OSError("no index built yet")
            directory = current
            meta = json.loads((directory / "chunks.json").read_text(encoding="utf-8"))
            self.generation: int = int(meta.get("generation", -1))
            self.ids: list[str] = [str(i) for i in meta["ids"]]
            self.sources = np.array(meta["sources"], dtype=object)
            self.dates = np.array(meta["dates"], dtype=np.int64)
            if not len(self.ids) == len(self.sources) == len(self.dates):
                raise ValueError("lists of different lengths")
            self._model = None
            if self.ids:
                self._model = _bm25s().BM25.load(str(directory))
        except Exception as exc:
            raise StoreError(
                f"The keyword index in {directory} is missing or unreadable "
                f"({type(exc).__name__}: {exc})."
            ) from None

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

    def search(self, query: str, n: int, allowed: np.ndarray | None = None) -> list[KeywordHit]:
        q = [t for t in terms(query) if t in self._model.vocab_dict] if self._model else []
        if not q:
            return []
        scores = self._model.get_scores(q)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top])]
        return [KeywordHit(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]
