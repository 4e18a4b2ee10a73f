"""What is indexed: one record per article file, kept in Chroma beside the chunks.

The manifest is the source of truth for what readers see. A chunk is live only when its
id is listed by its file's record, so switching a file to its new version is one record
write: a crash before it leaves the old version visible, a crash after it the new one,
never a mix or a duplicate. Chunks no record lists are garbage, collected by the next run.

Keeping it in Chroma (not in a local file) means every process that talks to the same
Chroma server sees the same manifest, and a `generation` number that grows with each
change tells readers cheaply when to reload.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from index.errors import StoreError
from index.store.guard import chroma_errors

VERSION = 2
# How article dates are derived; chunks store the dates, so a new rule re-indexes once.
# 1: publication dates only (metadata, front-matter, sidecar, dateline, file name).
DATING = 1
STATE_ID = "~state"
_DUMMY = [1.0]  # records carry no meaning as vectors; Chroma just needs one


@dataclass
class FileEntry:
    sha256: str
    articles: list[str]
    chunks: list[str]
    titles: list[str] = field(default_factory=list)


@dataclass
class State:
    """The manifest's header: which model built it, and how fresh it is."""

    model: str
    chunk_tokens: int
    generation: int = 0
    updated_at: str | None = None
    clean: bool = True  # False while an update runs; a crash leaves it False
    dating: int = DATING  # see DATING; 0 for indexes built before it existed
    dimensions: int = 384  # of the vectors; indexes from before it was kept are all 384


@dataclass
class Manifest:
    state: State
    files: dict[str, FileEntry] = field(default_factory=dict)

    @property
    def article_count(self) -> int:
        return sum(len(f.articles) for f in self.files.values())

    @property
    def chunk_count(self) -> int:
        return sum(len(f.chunks) for f in self.files.values())

    def live_chunks(self) -> set[str]:
        return {cid for entry in self.files.values() for cid in entry.chunks}


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _entry_meta(entry: FileEntry) -> dict[str, Any]:
    return {
        "sha256": entry.sha256,
        "articles": json.dumps(entry.articles),
        "chunks": json.dumps(entry.chunks),
        "titles": json.dumps(entry.titles, ensure_ascii=False),
    }


def _state_meta(state: State) -> dict[str, Any]:
    return {
        "version": VERSION,
        "model": state.model,
        "chunk_tokens": state.chunk_tokens,
        "generation": state.generation,
        "updated_at": state.updated_at or "",
        "clean": state.clean,
        "dating": state.dating,
        "dimensions": state.dimensions,
    }


class ManifestStore:
    """The manifest records in a Chroma collection (`<collection>-manifest`)."""

    def __init__(self, store: Any, location: str = "the Chroma store") -> None:
        self._store = store  # a ChromaStore: its collection handle may be renewed
        self.location = location

    @property
    def _col(self) -> Any:
        return self._store.manifest_collection

    def reopen(self) -> None:
        self._store.reopen()

    def _unreadable(self, why: str) -> StoreError:
        return StoreError(
            f"The index manifest is unreadable ({why}). "
            "Run `newsbot index --rebuild` to rebuild the index from the articles."
        )

    @chroma_errors
    def state(self) -> State | None:
        """The header only: one small read, done before every search."""
        got = self._col.get(ids=[STATE_ID], include=["metadatas"])
        if not got["ids"]:
            return None
        meta = got["metadatas"][0] or {}
        if meta.get("version") != VERSION:
            raise self._unreadable(f"format {meta.get('version')!r}, expected {VERSION}")
        try:
            return State(
                model=str(meta["model"]),
                chunk_tokens=int(meta["chunk_tokens"]),
                generation=int(meta["generation"]),
                updated_at=str(meta["updated_at"]) or None,
                clean=bool(meta.get("clean", True)),
                dating=int(meta.get("dating", 0)),
                dimensions=int(meta.get("dimensions", 384)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise self._unreadable(str(exc)) from None

    @chroma_errors
    def load(self) -> Manifest | None:
        state = self.state()
        if state is None:
            return None
        got = self._col.get(include=["metadatas"])
        files: dict[str, FileEntry] = {}
        try:
            for rid, meta in zip(got["ids"], got["metadatas"], strict=True):
                if rid.startswith("~"):  # state and lock records
                    continue
                files[rid] = FileEntry(
                    sha256=meta["sha256"],
                    articles=json.loads(meta["articles"]),
                    chunks=json.loads(meta["chunks"]),
                    titles=json.loads(meta.get("titles", "[]")),
                )
        except (KeyError, TypeError, ValueError) as exc:
            raise self._unreadable(str(exc)) from None
        return Manifest(state, files)

    @chroma_errors
    def put(self, entries: dict[str, FileEntry]) -> None:
        if entries:
            names = list(entries)
            self._col.upsert(
                ids=names,
                embeddings=[_DUMMY] * len(names),
                metadatas=[_entry_meta(entries[n]) for n in names],
            )

    @chroma_errors
    def remove(self, names: list[str]) -> None:
        if names:
            self._col.delete(ids=names)

    @chroma_errors
    def set_state(self, state: State) -> None:
        self._col.upsert(ids=[STATE_ID], embeddings=[_DUMMY], metadatas=[_state_meta(state)])
