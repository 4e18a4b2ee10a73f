"""The index's public door: everything the service (`bot/service.py`) asks of `index`.

Reading (search, recent articles, source names, status), writing (update) and the feed
registry, behind one object. Which store, BM25 view or manifest answers is knowledge of
`index`, kept here so that the bot never needs it: when the index's internals change,
this module changes and the bot does not. The types a caller needs come from here too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.retrieve import Retriever
from index.settings import IndexConfig
from index.types import Chunk, Filters, Hit
from index.workspace import Workspace

if TYPE_CHECKING:
    import numpy as np

    from index.build import PhaseProgress as PhaseProgress
    from index.build import Problem as Problem
    from index.build import Progress as Progress
    from index.build import UpdateReport as UpdateReport
    from index.errors import NewsbotError
    from index.feeds import FeedState as FeedState
    from index.feeds import FetchReport as FetchReport


@dataclass(frozen=True)
class IndexStatus:
    """What is indexed and where; `indexed` False when there is no index yet."""

    articles: int
    files: int
    chunks: int
    updated_at: str | None
    store: str
    indexed: bool


@dataclass(frozen=True)
class RecentChunks:
    """Live chunks dated on/after a day with their vectors, and the live undated ones
    (their vectors only when asked for: nobody knows whether they are new)."""

    dated: list[tuple[Chunk, np.ndarray]]
    undated: list[tuple[Chunk, np.ndarray | None]]


class NewsIndex:
    """One index (store, keyword index, manifest, feeds) as the bot sees it."""

    def __init__(self, settings: IndexConfig) -> None:
        self.settings = settings
        # The index's internals: tests and benchmarks look inside, the bot never does.
        self.ws = Workspace(settings)
        self.retriever = Retriever(self.ws)
        self._update_lock = threading.Lock()

    # ------------------------------------------------------------------ reading

    def search(self, query: str, k: int, filters: Filters | None = None) -> list[Hit]:
        """The k best passages, each chunk with its sentence vectors decoded."""
        return self.retriever.search(query, k, filters)

    def embed_one(self, text: str) -> np.ndarray:
        """A query's vector, comparable with the index's sentence vectors."""
        return self.ws.embedder.embed_one(text)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Vectors of several texts (one row each), by the index's embedder."""
        return self.ws.embedder.embed(texts)

    def recent(self, since: date, *, undated_vectors: bool = False) -> RecentChunks:
        """Chunks of the current manifest's articles published on/after `since` (leftovers
        of a killed update are never listed), and those of undated articles."""
        from index.store.chroma import date_to_epoch

        view = self.retriever.view()
        live = view.live  # the one place the bot's reads see the live set
        store = view.replica or self.ws.store
        dated = [(c, v) for c, v in store.chunks_since(date_to_epoch(since)) if c.chunk_id in live]
        undated = [
            (c, v) for c, v in store.undated_chunks(vectors=undated_vectors) if c.chunk_id in live
        ]
        return RecentChunks(dated, undated)

    def source_names(self) -> list[str]:
        """The indexed article files (paths inside the articles folder), sorted."""
        if (summary := self._summary()) and isinstance(summary.get("files"), dict):
            return sorted(summary["files"])
        manifest = self.ws.manifest()
        return sorted(manifest.files) if manifest else []

    def status(self) -> IndexStatus:
        if fast := self._status_from_summary():
            return fast
        # a local store that does not exist is not opened: opening would create one
        manifest = self.ws.manifest() if self.ws.store_exists() else None
        return IndexStatus(
            articles=manifest.article_count if manifest else 0,
            files=len(manifest.files) if manifest else 0,
            chunks=manifest.chunk_count if manifest else 0,
            updated_at=manifest.state.updated_at if manifest else None,
            store=self.ws.store_location,
            indexed=manifest is not None,
        )

    def _summary(self) -> dict[str, Any] | None:
        """The summary the indexer published, when it still describes the store (not in
        server mode, nor when the store was written since; see index.store.summary)."""
        from index.store.summary import read_summary

        if self.settings.index.chroma_url or not self.ws.store_exists():
            return None
        summary = read_summary(self.ws.bm25_dir)
        marks = self.ws.store_marks(vectors=False) if summary else None
        if summary is None or marks is None:
            return None
        if (summary.get("store"), summary.get("log")) != (marks["store"], marks["log"]):
            return None
        return summary

    def _status_from_summary(self) -> IndexStatus | None:
        """The status from the published summary, without opening Chroma."""
        if (summary := self._summary()) is None:
            return None
        try:
            return IndexStatus(
                articles=int(summary["articles"]),
                files=len(summary["files"]),
                chunks=int(summary["chunks"]),
                updated_at=summary["updated_at"] or None,
                store=self.ws.store_location,
                indexed=True,
            )
        except (KeyError, TypeError, ValueError):
            return None

    # ------------------------------------------------------------------ writing

    def update(
        self,
        roots: list[Path] | None = None,
        rebuild: bool = False,
        progress: Progress | None = None,
        wait: float = 0.0,
        phases: PhaseProgress | None = None,
    ) -> UpdateReport:
        """Incremental index update; one at a time (across processes too, see index.lock)."""
        from index.build import Indexer

        with self._update_lock:
            return Indexer(self.ws).update(
                roots, rebuild=rebuild, progress=progress, wait=wait, phases=phases
            )

    def watch(
        self,
        roots: list[Path] | None,
        on_report: Callable[[UpdateReport], None],
        on_error: Callable[[NewsbotError], None],
        *,
        rebuild: bool = False,
        wait: float = 60.0,
        every: tuple[float, Callable[[], object]] | None = None,
    ) -> None:
        """Update now (a rebuild if asked), then after every burst of changes in `roots`
        (default: the articles folder) until interrupted; see `index.watch`. `every`:
        (seconds, job) run between updates, e.g. fetching feeds."""
        from index.watch import watch

        first = [rebuild]

        def update() -> UpdateReport:
            report = self.update(roots, rebuild=first[0], wait=wait)
            first[0] = False
            return report

        folders = roots or [self.settings.index.articles_dir]
        watch(folders, update, on_report, on_error, every=every)

    # ------------------------------------------------------------------ feeds

    def feeds(self) -> list[FeedState]:
        """The registered feeds with the state of their last fetch."""
        from index.feeds import feed_registry

        return feed_registry(self.settings).load()

    def feeds_registered(self) -> bool:
        """Was a feed ever registered here? (No registry file: nothing to fetch, ever.)"""
        from index.feeds import feed_registry

        return feed_registry(self.settings).path.exists()

    def add_feed(self, url: str) -> tuple[FeedState, bool, Path]:
        """Register a feed (nothing is fetched yet): (feed, False if it already was, the
        folder its stories will be stored in)."""
        from index.feeds import feed_registry, feeds_dir

        feed, added = feed_registry(self.settings).add(url)
        return feed, added, feeds_dir(self.settings) / feed.slug

    def remove_feed(self, url: str, delete_stories: bool = False) -> tuple[FeedState, int | None]:
        """Stop following a feed: (the feed, how many stored stories were deleted, None when
        they were kept). Deleted stories leave the index at the next update."""
        from index.feeds import delete_stories as delete
        from index.feeds import feed_registry

        feed = feed_registry(self.settings).remove(url)
        return feed, delete(self.settings, feed) if delete_stories else None

    def refresh_feeds(self) -> FetchReport:
        """Fetch the registered feeds into `<articles_dir>/feeds/` (new and corrected stories
        only); the next `update()` indexes them. No feeds: an empty report at once."""
        from index.feeds import refresh_feeds

        return refresh_feeds(self.settings)
