"""The one place that builds the index's real objects (store, embedder, files) from settings.

Everything is created lazily, so a command only pays for what it touches.
"""

from __future__ import annotations

import time
from functools import cached_property
from pathlib import Path

from index.errors import StoreError
from index.lock import IndexLock
from index.settings import Settings
from index.store.chroma import ChromaStore
from index.store.embedder import MiniLMEmbedder
from index.store.manifest import Manifest


class Workspace:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.written_generation: int | None = None  # set when this process updates the index

    @property
    def bm25_dir(self) -> Path:
        """Local keyword index; with a Chroma server each machine keeps its own copy."""
        return self.settings.data_dir / f"bm25-{self.settings.collection}"

    @property
    def store_location(self) -> str:
        if self.settings.chroma_url:
            return f"{self.settings.chroma_url} (collection {self.settings.collection})"
        return str(self.settings.chroma_path.resolve())

    def manifest(self) -> Manifest | None:
        return self.store.manifest.load()

    def lock(self) -> IndexLock:
        lease = self.store.manifest_collection if self.settings.chroma_url else None
        return IndexLock(self.settings.data_dir, lease)

    @cached_property
    def embedder(self) -> MiniLMEmbedder:
        return MiniLMEmbedder(self.settings.embed_threads, self.settings.embed_batch_size)

    @cached_property
    def store(self) -> ChromaStore:
        s = self.settings
        return ChromaStore(None if s.chroma_url else s.chroma_path, s.collection, s.chroma_url)

    def reopen_store(self) -> None:
        """Re-read an embedded store that another process has written to.

        Embedded Chroma keeps its vector index in memory, so a bot process does not see
        vectors that a separate `newsbot index` process added until it opens the store again.
        """
        if self.settings.chroma_url:
            return
        from chromadb.api.client import SharedSystemClient

        self.__dict__.pop("store", None)
        SharedSystemClient.clear_system_cache()

    def set_aside_damaged_store(self) -> Path | None:
        """For `--rebuild`: move an embedded store that cannot be opened out of the way."""
        if self.settings.chroma_url or not self.settings.chroma_path.exists():
            return None
        try:
            self.store  # noqa: B018 - opening it is the test
            return None
        except StoreError:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            target = self.settings.chroma_path.with_name(f"chroma.damaged-{stamp}")
            self.settings.chroma_path.rename(target)
            self.reopen_store()  # Chroma caches the broken database by path
            return target
