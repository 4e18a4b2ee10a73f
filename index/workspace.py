"""The one place that builds the index's real objects (store, embedder, files) from settings.

Everything is created lazily, so a command only pays for what it touches.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from index.settings import Settings
from index.store.chroma import ChromaStore
from index.store.embedder import MiniLMEmbedder
from index.store.manifest import Manifest, load_manifest


class Workspace:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def manifest_path(self) -> Path:
        return self.settings.data_dir / "manifest.json"

    @property
    def bm25_dir(self) -> Path:
        return self.settings.data_dir / "bm25"

    @property
    def store_location(self) -> str:
        return str(self.settings.chroma_path.resolve())

    def manifest(self) -> Manifest | None:
        return load_manifest(self.manifest_path)

    @cached_property
    def embedder(self) -> MiniLMEmbedder:
        return MiniLMEmbedder(self.settings.embed_threads, self.settings.embed_batch_size)

    @cached_property
    def store(self) -> ChromaStore:
        return ChromaStore(self.settings.chroma_path, self.settings.collection)
