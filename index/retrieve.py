"""Hybrid retrieval: dense (Chroma) + keyword (BM25), fused by reciprocal rank."""

from __future__ import annotations

import logging
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
from index.store.bm25 import (
    PROCESS,
    KeywordHit,
    KeywordIndex,
    Snapshot,
    SnapshotBuilder,
    current_name,
    load_snapshot,
    scratch_dir,
)
from index.store.chroma import ChromaStore, chroma_where, date_to_epoch
from index.store.manifest import State
from index.store.replica import Replica
from index.store.summary import read_summary
from index.text import facts
from index.types import Chunk, Filters, Hit
from index.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class View:
    """What searches see of one published index generation. Immutable: a search keeps the
    view it started with, while a newer one is swapped in beside it for the next search."""

    generation: int
    live: frozenset[str]  # chunks the generation lists; any other chunk is never shown
    keyword: KeywordIndex | None  # None: no usable snapshot, so dense retrieval only
    store: ChromaStore | None  # the store handle that sees this generation's vectors
    pointer: str | None  # the published snapshot's name when this view was made
    dimensions: int = 384
    replica: Replica | None = None  # the snapshot's copy of the chunks, read instead of store
    log: object = None  # with a replica: the store's write log it was vouched for at

    def get(self, chunk_ids: list[str]) -> list[Chunk]:
        if self.replica is not None:
            return self.replica.get(chunk_ids)
        assert self.store is not None
        return self.store.get(chunk_ids)

    def vectors(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        if self.replica is not None:
            return self.replica.vectors_of(chunk_ids)
        assert self.store is not None
        return self.store.vectors(chunk_ids)


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
    """Searches one workspace, following the index as updates land (any process's).

    Reading never writes: a search reads the manifest's state (one small request) and the
    name of the published snapshot (one small file), and moves to a new view only when
    either changed. The snapshot is built and published by the indexer; when it is missing,
    damaged or not of the store's generation, the reader keeps the view it has for that
    generation or searches without keywords, with one warning, until `newsbot index`
    repairs it. Only with a Chroma server, where each machine keeps its own copy of the
    snapshot and no indexer runs on most of them, does a reader bring its copy up to date
    (derived from the server, written beside the copy in use and swapped in).
    """

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._view: View | None = None
        # (snapshot, store's write log) found without a usable copy: not loaded again
        self._no_copy: tuple[str, object] | None = None
        self._lock = threading.Lock()

    def view(self) -> View:
        """The current view; one small manifest read, a new view only when it changed."""
        if "store" not in self.ws.__dict__:  # first search: load the model meanwhile
            warm = getattr(self.ws.embedder, "warm", None)
            if warm is not None:
                warm()
        if not self.ws.store_exists():
            raise EmptyIndexError("Nothing is indexed yet. Run `newsbot index` first.")
        if fast := self._replica_view():
            return fast
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
        pointer = current_name(self.ws.bm25_dir)
        view = self._view
        if view is not None and (view.generation, view.pointer) == (state.generation, pointer):
            return view
        with self._lock:
            view = self._view
            if view is None or (view.generation, view.pointer) != (state.generation, pointer):
                self._view = view = self._next_view(state, pointer, view)
            return view

    def _replica_view(self) -> View | None:
        """The view of an embedded index at rest, read from its snapshot alone (no Chroma);
        None unless the published summary vouches that the store is as the snapshot says:
        the same folder and write log (see index.store.summary), and the same model."""
        if self.ws.settings.index.chroma_url:
            return None
        pointer = current_name(self.ws.bm25_dir)
        marks = self.ws.store_marks(vectors=False)
        if pointer is None or marks is None:
            return None
        key = (pointer, marks["log"])
        view = self._view
        if view is not None and view.replica is not None and (view.pointer, view.log) == key:
            return view
        if self._no_copy == key:  # e.g. an index over the copy's cap: Chroma's path
            return None
        summary = read_summary(self.ws.bm25_dir)
        if summary is None or summary.get("snapshot") != pointer:
            return None
        if (summary.get("store"), summary.get("log")) != (marks["store"], marks["log"]):
            return None
        if summary.get("model") != self.ws.embedder.model_id:
            return None  # the full path says why it cannot search
        try:
            snapshot = load_snapshot(self.ws.bm25_dir)
        except StoreError:
            return None
        replica = snapshot.replica() if snapshot.generation == summary["generation"] else None
        if replica is None or snapshot.name != pointer:
            self._no_copy = key
            return None
        dims = int(summary.get("dimensions") or replica.vectors.shape[1])
        fast = View(
            snapshot.generation,
            snapshot.live,
            snapshot.keyword,
            None,
            pointer,
            dims,
            replica,
            marks["log"],
        )
        with self._lock:
            self._view = fast
        return fast

    def _next_view(self, state: State, pointer: str | None, old: View | None) -> View:
        """The view of the store's current generation, built from its published snapshot."""
        snapshot, problem = self._snapshot(state)
        if self.ws.settings.index.chroma_url:
            pointer = current_name(self.ws.bm25_dir)  # a copy brought up to date is new
        if (
            snapshot is None
            and old is not None
            and old.keyword is not None
            and old.generation == state.generation
        ):
            # the published one is damaged or of another generation (a rebuild between its
            # two renames): keep the snapshot this generation was loaded with
            return replace(old, pointer=pointer)
        fresh = old is None or old.generation == state.generation
        if not fresh and (snapshot is None or snapshot.writer != PROCESS):
            self.ws.reopen_store()  # another process changed it: see its vectors
        store = self.ws.store
        if snapshot is not None and state.clean:
            live = snapshot.live
        else:
            # No snapshot, or an update is running or was killed: its file records may
            # have moved past the last snapshot, and they are what is live.
            manifest = store.manifest.load()
            if manifest is None:
                raise EmptyIndexError("Nothing is indexed yet. Run `newsbot index` first.")
            live = frozenset(manifest.live_chunks())
        if snapshot is None:
            log.warning(
                "Searching without the keyword index: %s Run `newsbot index` to repair it.",
                problem,
            )
        keyword = snapshot.keyword if snapshot is not None else None
        return View(state.generation, live, keyword, store, pointer, state.dimensions)

    def _snapshot(self, state: State) -> tuple[Snapshot | None, str]:
        """The published snapshot of the store's generation, or None and why not."""
        try:
            snapshot = load_snapshot(self.ws.bm25_dir)
        except StoreError as exc:
            problem = str(exc).split(" Run `newsbot index`")[0]
        else:
            if snapshot.generation == state.generation:
                return snapshot, ""
            problem = (
                f"it was built for index generation {snapshot.generation}, "
                f"the store is at {state.generation}."
            )
        if self.ws.settings.index.chroma_url:
            return self._mirror(state), problem
        return None, problem

    def _mirror(self, state: State) -> Snapshot | None:
        """With a Chroma server: this machine's copy of the snapshot, brought up to the
        server's generation from the server's chunks (its known terms reused)."""
        manifest = self.ws.store.manifest.load()
        if manifest is None:
            return None
        live = manifest.live_chunks()
        directory = self.ws.bm25_dir
        log.info("Updating this machine's keyword index to generation %d", state.generation)
        try:
            try:
                SnapshotBuilder(directory).publish(state.generation, live, self.ws.store.get)
            except OSError:  # a read-only data folder: keep the copy in a scratch folder
                directory = scratch_dir(directory)
                SnapshotBuilder(directory).publish(state.generation, live, self.ws.store.get)
            return load_snapshot(directory)
        except (OSError, StoreError) as exc:
            log.warning("Could not update this machine's keyword index: %s", exc)
            return None

    def _rankings(
        self, query: str, n: int, filters: Filters
    ) -> tuple[View, np.ndarray, list[tuple[Chunk, float]], list[KeywordHit]]:
        """The view searched, the query vector, the dense candidates (with cosine) and the
        BM25 candidates."""
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
        allowed = (
            view.keyword.mask(
                list(filters.sources),
                date_to_epoch(filters.since) if filters.since else None,
                date_to_epoch(filters.until) if filters.until else None,
            )
            if view.keyword is not None
            else None
        )
        if view.replica is not None:
            found_dense = view.replica.search(qvec, min(n, len(view.live)), allowed)
        else:
            assert view.store is not None
            found_dense = view.store.query(
                qvec, min(n, len(view.live)), chroma_where(filters), counted=True
            )
        # leftovers of a killed update are never shown
        dense = [(c, sim) for c, sim in found_dense if c.chunk_id in view.live]
        sparse: list[KeywordHit] = []
        if view.keyword is not None:
            found = view.keyword.search(query, n, allowed)
            sparse = [h for h in found if h.chunk_id in view.live]
        return view, qvec, dense, sparse

    def search(
        self,
        query: str,
        k: int = 5,
        filters: Filters | None = None,
        dense_weight: float | None = None,
    ) -> list[Hit]:
        """The k best passages for `query`, near-duplicates collapsed, articles mixed."""
        n = max(self.ws.settings.retrieval.candidates, k * 3)
        view, qvec, dense, sparse = self._rankings(query, n, filters or Filters())
        rankings = {"dense": [c.chunk_id for c, _ in dense]}
        if view.keyword is not None:  # without it, scores scale to the dense ranking alone
            rankings["bm25"] = [h.chunk_id for h in sparse]
        fused = reciprocal_rank_fusion(
            rankings,
            weights={
                "dense": self.ws.settings.retrieval.dense_weight
                if dense_weight is None
                else dense_weight
            },
        )
        chunks = {c.chunk_id: c for c, _ in dense}
        cosine = {c.chunk_id: sim for c, sim in dense}
        missing = [cid for cid, _, _ in fused if cid not in chunks]
        for chunk in view.get(missing):
            chunks[chunk.chunk_id] = chunk
        for cid, vec in view.vectors(missing).items():
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
        n_candidates = max(self.ws.settings.retrieval.candidates, n * 3)
        view, _, dense, sparse = self._rankings(query, n_candidates, Filters())
        keyword = view.keyword
        source_of = dict(zip(keyword.ids, keyword.sources, strict=True)) if keyword else {}
        rankings = {
            "dense": [c.source for c, _ in dense],
            "bm25": [source_of[h.chunk_id] for h in sparse],
            "fused": [h.chunk.source for h in self.search(query, n)],
            "fused, equal weights": [h.chunk.source for h in self.search(query, n, None, 1.0)],
        }
        return {mode: list(dict.fromkeys(found))[:n] for mode, found in rankings.items()}
