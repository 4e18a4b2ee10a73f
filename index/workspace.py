"""The one place that builds the index's real objects (store, embedder, files) from settings.

Everything is created lazily, so a command only pays for what it touches.

An embedded store lives in a folder that `<data>/chroma` points to (a symlink). A rebuild
writes a whole new store beside the live one and swaps the link in one rename, so a killed
rebuild leaves the old index serving, and damage to the old store cannot stop a rebuild.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import zlib
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from index.errors import StoreError
from index.lock import IndexLock
from index.settings import IndexConfig
from index.store.chroma import ChromaStore
from index.store.embedder import MiniLMEmbedder
from index.store.manifest import Manifest

if TYPE_CHECKING:
    from index.store.remote_embedder import RemoteEmbedder

log = logging.getLogger(__name__)
_PROBE_SECONDS = 60.0
_CHECKED = ".newsbot-checked"  # inside the store folder, so it moves with the store


class Workspace:
    def __init__(self, settings: IndexConfig, chroma_path: Path | None = None) -> None:
        self.settings = settings
        self.chroma_path = chroma_path or settings.index.chroma_path
        self._opened: str | None = None  # the real folder of the store this process opened

    @property
    def bm25_dir(self) -> Path:
        """Where published snapshots (keyword index + live chunks, see index.store.bm25)
        live; with a Chroma server each machine keeps its own copy."""
        return self.settings.index.data_dir / f"bm25-{self.settings.index.collection}"

    @property
    def store_location(self) -> str:
        if self.settings.index.chroma_url:
            return f"{self.settings.index.chroma_url} (collection {self.settings.index.collection})"
        return str(self.chroma_path.resolve())

    def manifest(self) -> Manifest | None:
        return self.store.manifest.load()

    def lock(self) -> IndexLock:
        lease = self.store.lease_collection if self.settings.index.chroma_url else None
        return IndexLock(self.settings.index.data_dir, lease)

    @cached_property
    def embedder(self) -> MiniLMEmbedder | RemoteEmbedder:
        """The bundled model, or the embeddings endpoint when NEWSBOT_EMBED_BASE_URL is set.
        Creating either loads nothing: the model or the HTTP client come with the first text."""
        s = self.settings
        if s.index.embed_base_url and s.index.embed_model:
            from index.store.remote_embedder import RemoteEmbedder

            key = s.index.embed_api_key.get_secret_value() if s.index.embed_api_key else None
            return RemoteEmbedder(s.index.embed_base_url, s.index.embed_model, key)
        return MiniLMEmbedder(s.index.embed_threads, s.index.embed_batch_size)

    @cached_property
    def store(self) -> ChromaStore:
        s = self.settings
        if s.index.chroma_url:
            return ChromaStore(None, s.index.collection, s.index.chroma_url)
        self._opened = os.path.realpath(self.chroma_path)
        if not self.vectors_checked() and not store_works(self.chroma_path, s.index.collection):
            raise StoreError(
                f"The index store at {self._opened} is damaged: it cannot be queried. "
                "Run `newsbot index --rebuild` to build a new one from the articles."
            )
        path = self.chroma_path
        if path.exists() and not os.access(path, os.W_OK):
            path = _writable_copy(path)
        store = ChromaStore(path, s.index.collection)
        self.mark_vectors_checked()
        return store

    def vectors_checked(self) -> bool:
        """Are the store's vector files as they were when last known to work?

        Reading damaged vector files can crash the process (a segmentation fault), so files
        that changed behind our back are tried in a child process first; a checksum of the
        files (about 1 ms per MB) is all it costs when nothing changed.
        """
        folder = Path(os.path.realpath(self.chroma_path))
        if not (folder / "chroma.sqlite3").exists():
            return True  # nothing written yet
        try:
            return (folder / _CHECKED).read_text(encoding="utf-8") == _fingerprint(folder)
        except OSError:
            return False

    def mark_vectors_checked(self) -> None:
        folder = Path(os.path.realpath(self.chroma_path))
        if not (folder / "chroma.sqlite3").exists():
            return
        with contextlib.suppress(OSError):  # a read-only store simply is checked again
            (folder / _CHECKED).write_text(_fingerprint(folder), encoding="utf-8")

    def store_marks(self, vectors: bool = True) -> dict[str, object] | None:
        """What tells, without opening Chroma, that the embedded store is as it was: its
        folder's name, the end of Chroma's write log (every write adds to it, reads never do) and
        (`vectors`) the vector files' checksums and whether they are those last known to
        work. None in server mode or when unreadable."""
        if self.settings.index.chroma_url:
            return None
        folder = Path(os.path.realpath(self.chroma_path))
        try:
            with contextlib.closing(
                sqlite3.connect(f"file:{folder / 'chroma.sqlite3'}?mode=ro", uri=True)
            ) as db:
                row = db.execute("SELECT max(seq_id), count(*) FROM embeddings_queue").fetchone()
        except sqlite3.Error:
            return None
        # the store's own folder name (unique per build): a data folder copied or mounted
        # elsewhere keeps its summary
        marks: dict[str, object] = {"store": folder.name, "log": list(row)}
        if vectors:
            marks["vectors"] = fingerprint = _fingerprint(folder)
            try:  # as vectors_checked(): still the files last known to work
                marks["checked"] = (folder / _CHECKED).read_text(encoding="utf-8") == fingerprint
            except OSError:
                marks["checked"] = False
        return marks

    def store_exists(self) -> bool:
        """Is there a store to read? Asking must not create an empty one (a server always
        counts: its collections are made by whoever indexes first)."""
        if self.settings.index.chroma_url:
            return True
        data = self.settings.index.data_dir
        if data.exists() and not data.is_dir():
            raise StoreError(
                f"The data folder {data} is a file, not a folder. Check NEWSBOT_DATA_DIR."
            )
        return self.chroma_path.exists()

    def store_replaced(self) -> bool:
        """Has another process's rebuild swapped a new embedded store in since we opened?"""
        return self._opened is not None and os.path.realpath(self.chroma_path) != self._opened

    def reopen_store(self) -> None:
        """Re-read an embedded store that another process has written to.

        Embedded Chroma keeps its vector index in memory, so a bot process does not see
        vectors that a separate `newsbot index` process added until it opens the store again.
        The store object replaced keeps working for whoever still holds it (a search in
        flight on another thread); the next use of `store` opens the folder afresh.
        """
        if self.settings.index.chroma_url:
            return
        old = self.__dict__.pop("store", None)
        self._opened = None
        if old is not None:
            old.release()

    # --- rebuilds of an embedded store -------------------------------------------------

    def staging(self) -> Workspace:
        """A workspace over a new, empty store beside the live one (for `--rebuild`).

        Leftovers of rebuilds that were killed are removed first.
        """
        live = os.path.realpath(self.chroma_path)
        for old in self.chroma_path.parent.glob(f"{self.chroma_path.name}.g*"):
            if str(old.resolve()) != live and old.is_dir() and not old.is_symlink():
                shutil.rmtree(old, ignore_errors=True)
        stamp = time.strftime("%Y%m%d%H%M%S")
        path = self.chroma_path.with_name(f"{self.chroma_path.name}.g{stamp}-{os.getpid()}")
        return Workspace(self.settings, chroma_path=path)

    def swap_in(self, staged: Workspace) -> Path | None:
        """Make the staged store the live one, in one rename; returns the store it replaced.

        The replaced store is checked (in a child process: a damaged vector file can crash
        whoever reads it) and kept as `chroma.damaged-<time>` when it cannot be queried, or
        deleted when it was healthy.
        """
        live = self.chroma_path
        link = live.with_name(f".{live.name}.link-{os.getpid()}")
        link.unlink(missing_ok=True)
        os.symlink(staged.chroma_path.name, link)
        previous: Path | None = None
        if live.is_symlink():
            previous = live.resolve()
        elif live.exists():  # a store from before links were used: move it aside once
            previous = live.with_name(f"{live.name}.old-{os.getpid()}")
            live.rename(previous)
        os.replace(link, live)
        self.reopen_store()
        if previous is None or not previous.exists():
            return None
        if store_works(previous, self.settings.index.collection):
            shutil.rmtree(previous, ignore_errors=True)
            return None
        damaged = live.with_name(f"{live.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        previous.rename(damaged)
        return damaged


def _fingerprint(folder: Path) -> str:
    """A checksum of the vector files. Chroma rewrites them on every open, so times say
    nothing; their content stays the same unless written (`length.bin` changes on reads and
    is left out)."""
    parts = []
    for path in sorted(folder.glob("*/*")):
        if path.name == "length.bin":
            continue
        crc = 0
        with contextlib.suppress(OSError), path.open("rb") as f:
            while block := f.read(1 << 20):
                crc = zlib.crc32(block, crc)
        parts.append(f"{path.relative_to(folder)}:{crc:08x}")
    return "\n".join(parts)


def _writable_copy(path: Path) -> Path:
    """A private copy of a store on a read-only data folder (a container mounting the index
    read-only): Chroma writes even to read, so readers work on the copy, which is removed
    when the process ends. It costs a copy of the store's files per process."""
    import atexit
    import tempfile

    scratch = Path(tempfile.mkdtemp(prefix="newsbot-store-"))
    atexit.register(shutil.rmtree, scratch, True)
    copy = scratch / "chroma"
    shutil.copytree(path, copy, symlinks=False)
    log.info("The index folder %s is read-only; reading a copy in %s", path, copy)
    return copy


def store_works(path: Path, collection: str) -> bool:
    """Can the embedded store at `path` be opened and queried? Asked in a child process."""
    code = (
        "import sys; from pathlib import Path; from index.store.chroma import ChromaStore; "
        "ChromaStore(Path(sys.argv[1]), sys.argv[2]).probe()"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, str(path), collection],
            capture_output=True,
            timeout=_PROBE_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0
