"""Keyword index (BM25 via bm25s) over the same chunks as Chroma.

It is rebuilt from all chunk texts after each update (seconds even at 50k chunks) and
swapped in by directory rename, so readers see the old or the new index, never a mix.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.errors import StoreError
from index.store.chroma import date_to_epoch
from index.text import terms
from index.types import Chunk

_NO_DATE = -1


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
    return meta.get("generation") == generation


def build_bm25(chunks: list[Chunk], directory: Path, generation: int) -> None:
    """Write a fresh BM25 index for `chunks` and switch to it atomically.

    Each build goes to its own sub-folder and the `CURRENT` pointer is replaced in one
    rename, so a reader always finds a complete index, even while several processes build.
    """
    bm25s = _bm25s()
    name = f"g{generation}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    target = directory / name
    target.mkdir(parents=True)
    if chunks:
        model = bm25s.BM25()
        corpus = [_doc_terms(c) or [""] for c in chunks]
        model.index(corpus, show_progress=False)
        model.save(str(target))
    meta = {
        "generation": generation,
        "ids": [c.chunk_id for c in chunks],
        "articles": [c.article_id for c in chunks],
        "sources": [c.source for c in chunks],
        "dates": [date_to_epoch(c.date) if c.date else _NO_DATE for c in chunks],
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


class KeywordIndex:
    """A loaded BM25 index; `search` is pure numpy after load."""

    def __init__(self, directory: Path) -> None:
        current = _current(directory)
        try:
            if current is None:
                raise OSError("no index built yet")
            directory = current
            meta = json.loads((directory / "chunks.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreError(
                f"The keyword index in {directory} is missing or unreadable ({exc}). "
                "Run `newsbot index --rebuild`."
            ) from None
        self.generation: int = int(meta.get("generation", -1))
        self.ids: list[str] = meta["ids"]
        self.sources = np.array(meta["sources"], dtype=object)
        self.dates = np.array(meta["dates"], dtype=np.int64)
        self._model = None
        if self.ids:
            self._model = _bm25s().BM25.load(str(directory))

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
