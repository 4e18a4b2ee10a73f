"""Keyword index (BM25 via bm25s) over the same chunks as Chroma.

It is rebuilt from all chunk texts after each update (seconds even at 50k chunks) and
swapped in by directory rename, so readers see the old or the new index, never a mix.
"""

from __future__ import annotations

import json
import logging
import shutil
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


def build_bm25(chunks: list[Chunk], directory: Path) -> None:
    """Write a fresh BM25 index for `chunks` and swap it in atomically."""
    bm25s = _bm25s()

    tmp = directory.with_name(directory.name + ".new")
    old = directory.with_name(directory.name + ".old")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    if chunks:
        model = bm25s.BM25()
        corpus = [_doc_terms(c) or [""] for c in chunks]
        model.index(corpus, show_progress=False)
        model.save(str(tmp))
    meta = {
        "ids": [c.chunk_id for c in chunks],
        "articles": [c.article_id for c in chunks],
        "sources": [c.source for c in chunks],
        "dates": [date_to_epoch(c.date) if c.date else _NO_DATE for c in chunks],
    }
    (tmp / "chunks.json").write_text(json.dumps(meta), encoding="utf-8")
    shutil.rmtree(old, ignore_errors=True)
    if directory.exists():
        directory.rename(old)
    tmp.rename(directory)
    shutil.rmtree(old, ignore_errors=True)


class KeywordIndex:
    """A loaded BM25 index; `search` is pure numpy after load."""

    def __init__(self, directory: Path) -> None:
        if not directory.exists() and directory.with_name(directory.name + ".old").exists():
            directory = directory.with_name(directory.name + ".old")  # crashed mid-swap
        try:
            meta = json.loads((directory / "chunks.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreError(
                f"The keyword index in {directory} is missing or unreadable ({exc}). "
                "Run `newsbot index --rebuild`."
            ) from None
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
