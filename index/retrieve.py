"""Hybrid retrieval: dense (Chroma) + keyword (BM25), fused by reciprocal rank."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import EmptyIndexError
from index.fusion import collapse_near_duplicates, diversify, reciprocal_rank_fusion
from index.store.bm25 import KeywordIndex
from index.store.chroma import date_to_epoch
from index.text import terms
from index.types import Hit
from index.workspace import Workspace


@dataclass(frozen=True)
class Filters:
    """Narrow a search to some source files and/or a date range (inclusive)."""

    sources: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None

    def chroma_where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.sources:
            clauses.append({"source": {"$in": list(self.sources)}})
        if self.since:
            clauses.append({"date_ts": {"$gte": date_to_epoch(self.since)}})
        if self.until:
            clauses.append({"date_ts": {"$lte": date_to_epoch(self.until)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class Retriever:
    """Searches one workspace. Reloads the keyword index when an update replaced it."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._keyword: KeywordIndex | None = None
        self._keyword_stamp: float | None = None

    def _stamp(self) -> float | None:
        path: Path = self.ws.bm25_dir / "chunks.json"
        try:
            return path.stat().st_mtime_ns
        except OSError:
            return None

    def keyword_index(self) -> KeywordIndex:
        stamp = self._stamp()
        if self._keyword is None or stamp != self._keyword_stamp:
            if stamp is None and self.ws.manifest() is None:
                raise EmptyIndexError("Nothing is indexed yet. Run `newsbot index` first.")
            self._keyword = KeywordIndex(self.ws.bm25_dir)
            self._keyword_stamp = stamp
        return self._keyword

    def search(self, query: str, k: int = 5, filters: Filters | None = None) -> list[Hit]:
        """The k best passages for `query`, near-duplicates collapsed, articles mixed."""
        filters = filters or Filters()
        keyword = self.keyword_index()
        if len(keyword) == 0:
            raise EmptyIndexError("The index is empty. Add articles and run `newsbot index`.")
        n = max(self.ws.settings.candidates, k * 3)
        qvec = self.ws.embedder.embed_one(query)
        dense = self.ws.store.query(qvec, n, filters.chroma_where())
        allowed = keyword.mask(
            list(filters.sources),
            date_to_epoch(filters.since) if filters.since else None,
            date_to_epoch(filters.until) if filters.until else None,
        )
        sparse = keyword.search(query, n, allowed)
        fused = reciprocal_rank_fusion(
            {"dense": [c.chunk_id for c, _ in dense], "bm25": [h.chunk_id for h in sparse]}
        )
        chunks = {c.chunk_id: c for c, _ in dense}
        cosine = {c.chunk_id: sim for c, sim in dense}
        missing = [cid for cid, _, _ in fused if cid not in chunks]
        for chunk in self.ws.store.get(missing):
            chunks[chunk.chunk_id] = chunk
        for cid, vec in self.ws.store.vectors(missing).items():
            cosine[cid] = float(np.dot(vec, qvec))
        hits = [
            Hit(chunk=chunks[cid], score=score, dense=cosine.get(cid), ranks=ranks)
            for cid, score, ranks in fused
            if cid in chunks
        ]
        hits = collapse_near_duplicates(hits[: k * 4], lambda h: set(terms(h.chunk.text)))
        return diversify(hits, k, lambda h: h.chunk.article_id)
