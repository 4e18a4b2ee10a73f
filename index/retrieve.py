"""Hybrid retrieval: dense (Chroma) + keyword (BM25), fused by reciprocal rank."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace

import numpy as np

from index.errors import EmptyIndexError, StoreError
from index.fusion import (
    collapse_near_duplicates,
    diversify,
    prefer_recent,
    reciprocal_rank_fusion,
)
from index.store.bm25 import KeywordHit, KeywordIndex, open_keyword_index
from index.store.chroma import chroma_where, date_to_epoch
from index.text import facts
from index.types import Chunk, Filters, Hit
from index.workspace import Workspace


@dataclass(frozen=True)
class _View:
    """What one manifest generation makes visible: its live chunks and keyword index."""

    generation: int
    live: frozenset[str]
    keyword: KeywordIndex
    dimensions: int = 384


_RECENT_RE = re.compile(
    r"\b(latest|most recent|recent(ly)?|newest|new developments?|lately|this (week|month)|"
    r"last (week|few days)|so far|right now|currently|today|any news|what's new|update on)\b",
    re.I,
)


def embedder_mismatch(built: str, configured: str) -> str:
    """One line: the index's vectors and the configured embedder's cannot be compared."""
    return (
        f"The index was built with the embedder {built}, but {configured} is configured "
        "(NEWSBOT_EMBED_BASE_URL / NEWSBOT_EMBED_MODEL): its vectors cannot be compared. "
        "Run `newsbot index --rebuild`, or set the embedder the index was built with."
    )


def asks_for_recent(query: str) -> bool:
    """Does the question ask for the newest state of things ("latest", "recent", ...)?"""
    return bool(_RECENT_RE.search(query))


def _same_story(kept: Hit, copy: Hit) -> Hit:
    """The kept passage, now also standing for a copy of it from another file or outlet."""
    if copy.chunk.article_id == kept.chunk.article_id:
        return kept
    return replace(kept, also=(*kept.also, copy.chunk, *copy.also))


class Retriever:
    """Searches one workspace, following the index as updates land (any process's)."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._view: _View | None = None
        self._lock = threading.Lock()

    def view(self) -> _View:
        """The current view; one small manifest read, a reload only when it changed."""
        if "store" not in self.ws.__dict__:  # first search: load the model meanwhile
            warm = getattr(self.ws.embedder, "warm", None)
            if warm is not None:
                warm()
        if not self.ws.store_exists():
            raise EmptyIndexError("Nothing is indexed yet. Run `newsbot index` first.")
        if self.ws.store_replaced():  # another process's rebuild swapped in a new store
            with self._lock:
                if self.ws.store_replaced():
                    self.ws.reopen_store()
                    self._view = None
        state = self.ws.store.manifest.state()
        if state is None:
            raise EmptyIndexError("Nothing is indexed yet. Run `newsbot index` first.")
        if state.model != self.ws.embedder.model_id:
            raise StoreError(embedder_mismatch(state.model, self.ws.embedder.model_id))
        with self._lock:
            if self._view is None or self._view.generation != state.generation:
                if self._view is not None and state.generation != self.ws.written_generation:
                    self.ws.reopen_store()  # another process changed it
                records = self.ws.store.manifest
                manifest = records.load()
                if manifest is None:
                    raise EmptyIndexError("Nothing is indexed yet. Run `newsbot index` first.")
                live = manifest.live_chunks()
                # stale when e.g. another machine indexed into the shared Chroma server
                keyword = open_keyword_index(
                    self.ws.bm25_dir, manifest.state.generation, sorted(live), self.ws.store.get
                )
                self._view = _View(
                    manifest.state.generation, frozenset(live), keyword, manifest.state.dimensions
                )
            return self._view

    def _rankings(
        self, query: str, n: int, filters: Filters
    ) -> tuple[np.ndarray, list[tuple[Chunk, float]], list[KeywordHit]]:
        """The query vector, the dense candidates (with cosine) and the BM25 candidates."""
        view = self.view()
        if not view.live:
            raise EmptyIndexError("The index is empty. Add articles and run `newsbot index`.")
        qvec = self.ws.embedder.embed_one(query)
        if qvec.shape[0] != view.dimensions:
            raise StoreError(
                embedder_mismatch(
                    f"{self.ws.embedder.model_id} ({view.dimensions} dimensions)",
                    f"{self.ws.embedder.model_id} ({qvec.shape[0]} dimensions)",
                )
            )
        dense = [
            (c, sim)
            for c, sim in self.ws.store.query(
                qvec, min(n, len(view.live)), chroma_where(filters), counted=True
            )
            if c.chunk_id in view.live  # leftovers of a killed update are never shown
        ]
        allowed = view.keyword.mask(
            list(filters.sources),
            date_to_epoch(filters.since) if filters.since else None,
            date_to_epoch(filters.until) if filters.until else None,
        )
        sparse = [h for h in view.keyword.search(query, n, allowed) if h.chunk_id in view.live]
        return qvec, dense, sparse

    def search(
        self,
        query: str,
        k: int = 5,
        filters: Filters | None = None,
        dense_weight: float | None = None,
    ) -> list[Hit]:
        """The k best passages for `query`, near-duplicates collapsed, articles mixed."""
        n = max(self.ws.settings.retrieval.candidates, k * 3)
        qvec, dense, sparse = self._rankings(query, n, filters or Filters())
        fused = reciprocal_rank_fusion(
            {"dense": [c.chunk_id for c, _ in dense], "bm25": [h.chunk_id for h in sparse]},
            weights={
                "dense": self.ws.settings.retrieval.dense_weight
                if dense_weight is None
                else dense_weight
            },
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
        if asks_for_recent(query):
            hits = prefer_recent(hits, lambda h: h.chunk.date)
        hits = collapse_near_duplicates(
            hits[: k * 4],
            lambda h: set(h.chunk.text.lower().split()),  # cheap: copies share words as-is
            facts_of=lambda h: facts(h.chunk.text),
            merge=_same_story,
        )
        return diversify(hits, k, lambda h: h.chunk.article_id)

    def source_rankings(self, query: str, n: int = 10) -> dict[str, list[str]]:
        """Source files in rank order by dense only, BM25 only and the fused search.

        For measuring what fusion buys (benchmarks), not for answering.
        """
        _, dense, sparse = self._rankings(
            query, max(self.ws.settings.retrieval.candidates, n * 3), Filters()
        )
        keyword = self.view().keyword
        source_of = dict(zip(keyword.ids, keyword.sources, strict=True))
        rankings = {
            "dense": [c.source for c, _ in dense],
            "bm25": [source_of[h.chunk_id] for h in sparse],
            "fused": [h.chunk.source for h in self.search(query, n)],
            "fused, equal weights": [h.chunk.source for h in self.search(query, n, None, 1.0)],
        }
        return {mode: list(dict.fromkeys(found))[:n] for mode, found in rankings.items()}
