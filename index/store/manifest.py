"""What is indexed: one record per article file, kept in Chroma beside the chunks.

The manifest is the source of truth for what readers see. A chunk is live only when its
id is listed by its file's record, so switching a file to its new version is one record
write: a crash before it leaves the old version visible, a crash after it the new one,
never a mix or a duplicate. Chunks no record lists are garbage, collected by the next run.

Keeping it in Chroma (not in a local file) means every process that talks to the same
Chroma server sees the same manifest, and a `generation` number that grows with each
change tells readers cheaply when to reload.

File records are named by the file's path; control records (the state header) by an id that
starts with NUL, which no path can hold, so any file name indexes, `~draft.txt` included.
Format 2 kept the header at `~state`: it is still read, and moved on the first write.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from index.errors import StoreError
from index.store.guard import chroma_errors

VERSION = 3
# How article dates are derived; chunks store the dates, so a new rule re-indexes once.
# 1: publication dates only (metadata, front-matter, sidecar, dateline, file name).
DATING = 1
CONTROL_PREFIX = "\x00"  # no file path contains NUL: control ids never meet file ids
STATE_ID = CONTROL_PREFIX + "state"
_LEGACY_STATE_ID, _LEGACY_VERSION = "~state", 2  # format 2's header, migrated in place
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
        """The header only: one small read, done before every search.

        Reading never writes: a format-2 header is read where it is (`~state`) until the
        indexer's next state write moves it."""
        got = self._col.get(ids=[STATE_ID, _LEGACY_STATE_ID], include=["metadatas"])
        metas = {rid: meta or {} for rid, meta in zip(got["ids"], got["metadatas"], strict=True)}
        if STATE_ID in metas:
            meta, expected = metas[STATE_ID], VERSION
        elif _is_legacy_header(metas.get(_LEGACY_STATE_ID)):
            meta, expected = metas[_LEGACY_STATE_ID], _LEGACY_VERSION
        else:
            return None
        if meta.get("version") != expected:
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
                if rid.startswith(CONTROL_PREFIX) or (
                    rid == _LEGACY_STATE_ID and _is_legacy_header(meta)
                ):
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
        # The migration from format 2: the old header goes once the new one is written (a
        # crash in between leaves both; the new one wins and load() skips the old).
        got = self._col.get(ids=[_LEGACY_STATE_ID], include=["metadatas"])
        if got["ids"] and _is_legacy_header(got["metadatas"][0]):
            self._col.delete(ids=[_LEGACY_STATE_ID])


def _is_legacy_header(meta: Any) -> bool:
    """Whether a record at `~state` is format 2's header, not the record of a file so named."""
    return isinstance(meta, dict) and "version" in meta and "sha256" not in meta
