"""Bring the index in line with the articles folder: embed what is new or changed only."""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import time
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from index.errors import SourceError, StoreError
from index.ingest.chunk import Chunker
from index.ingest.sources import (
    describe,
    discover,
    plausible,
    printable,
    read_bytes,
    read_docs,
    sidecar_bytes,
    to_articles,
    unsupported,
    unsupported_message,
)
from index.lock import IndexLock
from index.store.bm25 import SnapshotBuilder, current_name, load_snapshot, snapshot_generation
from index.store.chroma import chunk_metadata
from index.store.embedder import PendingEmbeddings
from index.store.manifest import (
    DATING,
    VERSION,
    FileEntry,
    Manifest,
    ManifestStore,
    State,
    now,
)
from index.store.replica import FILES as REPLICA_FILES
from index.store.summary import drop_summary, read_summary, snapshot_checksums, write_summary
from index.text import sentence_spans
from index.types import Chunk
from index.workspace import Workspace

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]  # (files done, files to embed)
# (phase, done, total): "reading" and "chunking" count files, "embedding" and "writing"
# count chunks (total: those queued so far), "keyword index" has no count (0, 0).
PhaseProgress = Callable[[str, int, int], None]
_FLUSH_CHUNKS = 256  # chunks embedded and switched per group: the unit a crash can cut
# A change this small is chunked and embedded while the store opens (see Indexer._start_early).
_EARLY_FILES, _EARLY_BYTES = 8, 256 * 1024


@dataclass(frozen=True)
class Problem:
    source: str
    message: str


@dataclass
class UpdateReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    chunks: int = 0
    embedded: int = 0
    recovered: int = 0  # leftover chunks of a killed update, cleaned up
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    changes: list[tuple[str, str]] = field(default_factory=list)  # ("added", name), ...
    files_seen: int = 0  # article files found in the folders (whatever their state)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def as_dict(self) -> dict[str, object]:
        return {
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "chunks": self.chunks,
            "embedded_chunks": self.embedded,
            "recovered_chunks": self.recovered,
            "seconds": round(self.seconds, 3),
            "problems": [{"source": p.source, "message": p.message} for p in self.problems],
            "warnings": [{"source": p.source, "message": p.message} for p in self.warnings],
        }


@dataclass
class _Pending:
    source: str
    sha256: str
    chunks: list[Chunk]
    articles: list[str]
    titles: list[str]
    is_new: bool


@dataclass
class _Group:
    """Files written together; their chunks are embedded in the background meanwhile."""

    files: list[_Pending]
    chunks: list[Chunk]
    embedded: PendingEmbeddings


@dataclass
class _Early:
    """The first group of a small change, started before the store opened: the files it
    was made for (name, path, sha256) and what reading them reported."""

    todo: list[tuple[str, Path, str]]
    report: UpdateReport
    group: _Group | None


@dataclass
class _Run:
    """One update in progress: the manifest it works on and what it has done so far."""

    manifest: Manifest
    records: ManifestStore
    report: UpdateReport
    snapshot: SnapshotBuilder  # terms of the chunks written, for the snapshot to publish
    stale: set[str] = field(default_factory=set)  # chunks to delete once nothing lists them
    live: set[str] = field(default_factory=set)  # what the published generation lists
    # The last update was killed: it may have switched files after its last publish
    # without a new generation, so this one publishes whatever else it finds.
    resumed: bool = False


def fault_point(name: str) -> None:
    """Fault injection for the crash tests: NEWSBOT_FAULT_POINT=name:n SIGKILLs this process
    the n-th time it passes `name`. Inert unless that variable is set."""
    spec = os.environ.get("NEWSBOT_FAULT_POINT", "")
    if not spec.startswith(name + ":"):
        return
    _fault_counts[name] = _fault_counts.get(name, 0) + 1
    if _fault_counts[name] >= int(spec.rsplit(":", 1)[1]):
        os.kill(os.getpid(), signal.SIGKILL)


_fault_counts: dict[str, int] = {}


def _file_time(path: Path) -> str:
    """The file's modification time (ISO, UTC), kept for display only: a copy or download
    time is not a publication date. "" when the clock of whoever wrote it was absurd."""
    try:
        moment = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except (OSError, OverflowError, ValueError):
        return ""
    return moment.isoformat(timespec="seconds") if plausible(moment.date()) else ""


def file_digest(path: Path, max_bytes: int = 1 << 62) -> str:
    """SHA-256 of a regular file of at most max_bytes (SourceError otherwise), and of its
    date sidecar when it has one: editing the sidecar re-dates the file."""
    digest = hashlib.sha256(read_bytes(path, max_bytes))
    if side := sidecar_bytes(path):
        digest.update(b"\x00sidecar\x00" + side)
    return digest.hexdigest()


def _name_prefix(root: Path, articles_dir: Path) -> str:
    """What the manifest names of root's files start with.

    Files of the configured articles folder (or a folder inside it) are named relative to
    it, so indexing a subfolder finds the same records; any other folder's files carry its
    absolute path, which no relative name can collide with. A run only ever removes names
    under the prefixes of the roots it was given.
    """
    real, base = root.resolve(), articles_dir.resolve()
    if real == base:
        return ""
    if real.is_relative_to(base):
        return printable(real.relative_to(base).as_posix()) + "/"
    return printable(real.as_posix()).rstrip("/") + "/"


def _gone(known: Iterable[str], seen: dict[str, Path], prefixes: list[str]) -> list[str]:
    """The names of `known` that belong to the roots (by prefix) but were not found there."""
    return sorted(n for n in set(known) - set(seen) if _owned(n, prefixes))


def _owned(name: str, prefixes: list[str]) -> bool:
    """Whether a manifest name belongs to one of the roots with these prefixes."""
    absolute = name.startswith("/")
    return any(name.startswith(p) and absolute == p.startswith("/") for p in prefixes)


class Indexer:
    """Incremental updates of one workspace (store + manifest + keyword index)."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._chunker: Chunker | None = None
        self._phase: PhaseProgress | None = None
        self._queued = 0  # chunks sent to the embedder in this update
        self._inflight: list[PendingEmbeddings] = []  # cancelled if the update is interrupted
        self._done: Manifest | None = None  # the manifest a full update ended with
        # Within one update: the folders scanned and the files hashed by the summary's check,
        # reused when it sends the update down the full path (not read twice).
        self._scanned: dict[tuple[Path, ...], tuple[dict[str, Path], list[str], list[Problem]]]
        self._scanned = {}
        self._digests: dict[Path, str] = {}
        # The summary's check found the store as the last clean update left it (vector
        # files last known to work): the full path need not probe it again.
        self._vouched = False
        self._early: _Early | None = None

    def _tell(self, phase: str, done: int = 0, total: int = 0) -> None:
        if self._phase is not None:
            self._phase(phase, done, total)

    @property
    def chunker(self) -> Chunker:
        if self._chunker is None:
            s = self.ws.settings
            self._chunker = Chunker(
                self.ws.embedder.tokens,
                s.index.chunk_tokens,
                s.index.chunk_overlap,
                self.ws.embedder.token_counts,
            )
        return self._chunker

    def update(
        self,
        roots: list[Path] | None = None,
        rebuild: bool = False,
        progress: Progress | None = None,
        wait: float = 0.0,
        phases: PhaseProgress | None = None,
    ) -> UpdateReport:
        """Index new and changed files, drop deleted ones; unchanged files cost one hash.

        `progress` hears of files done; `phases` of what the update is doing right now
        (see PhaseProgress), so a display never sits on a number that no longer moves.

        Crash-safe: a kill at any point leaves every article in its old or its new state,
        and the next run collects what was left over (the order is in `_update`).
        """
        settings = self.ws.settings
        roots = roots or [settings.index.articles_dir]
        for root in roots:
            if not root.is_dir():
                raise SourceError(f"Articles folder not found: {printable(str(root))}")
        self._phase = phases
        self._scanned, self._digests, self._vouched, self._early = {}, {}, False, None
        lock = self.ws.lock()
        lock.acquire(wait)
        try:
            embedded = not settings.index.chroma_url
            if embedded and not rebuild and (report := self._unchanged(roots)):
                return report
            drop_summary(self.ws.bm25_dir)  # from here on the store may change
            if rebuild and embedded:
                report = self._rebuild_beside(roots, progress, lock)
            else:
                report = self._update(roots, rebuild, progress, lock)
                self.ws.mark_vectors_checked()
            if embedded and self._done is not None:
                self._summarize(self._done)
            return report
        except BaseException:  # Ctrl-C: the embedding workers need not finish queued work
            for pending in self._inflight:
                pending.cancel()
            raise
        finally:
            self._inflight.clear()
            self._scanned, self._digests, self._early = {}, {}, None
            lock.release()

    def _rebuild_beside(
        self, roots: list[Path], progress: Progress | None, lock: IndexLock
    ) -> UpdateReport:
        """Build a whole new embedded store beside the live one and swap it in at the end:
        the old store is never read (it may be damaged) and keeps serving until the swap.

        The new snapshot is published just before the swap; readers keep the snapshot they
        hold until the store they read has moved to its generation too.
        """
        staged = self.ws.staging()
        if "embedder" in self.ws.__dict__:
            staged.__dict__["embedder"] = self.ws.embedder
        builder = Indexer(staged)
        builder._chunker = self._chunker
        builder._phase = self._phase
        builder._inflight = self._inflight
        report = builder._update(roots, True, progress, lock)
        staged.mark_vectors_checked()
        self._chunker = builder._chunker
        self._done = builder._done
        if damaged := self.ws.swap_in(staged):
            report.warnings.append(
                Problem(str(damaged), "the old index store was damaged; kept here, not used")
            )
        return report

    def _update(
        self, roots: list[Path], rebuild: bool, progress: Progress | None, lock: IndexLock
    ) -> UpdateReport:
        """One update, phase by phase, in the order that makes it crash-safe:

        1. `_open`: load the manifest (or start afresh) and mark it unclean. A kill from
           here on leaves chunks that no record lists; the next run's `_open` deletes them.
        2. `_scan`, `_remove_gone`, `_diff`: find the files; records of deleted files go at
           once (their chunks only become stale), changed files are queued.
        3. `_embed_and_write`: per group, the chunks are written first, then the group's
           file records switch to them in one write, so a kill leaves every file in its old
           or its new state.
        4. `_publish`: the snapshot of the new generation (keyword index + live chunks) is
           built from the chunks just written and published in one rename, then the state
           moves to that generation; readers follow from their next search. After a killed
           run it always publishes: that run may have switched files and died before its
           publish, leaving a snapshot whose generation is current but whose chunks are not.
        5. `_finish`: chunks no record lists any more are deleted, and only then is the
           manifest marked clean.
        """
        started = time.perf_counter()
        run = self._open(rebuild)
        seen, prefixes = self._scan(roots, run.report)
        self._remove_gone(seen, prefixes, run)
        todo = self._diff(seen, run)
        self._embed_and_write(todo, run, progress, lock)
        self._publish(run)
        self._finish(run)
        self._done = run.manifest
        run.report.seconds = time.perf_counter() - started
        return run.report

    # --- the summary: a no-change run without opening the store ------------------------

    def _summarize(self, manifest: Manifest) -> None:
        """Publish the summary of the index at rest (see index.store.summary); nothing when
        the snapshot is not of this generation or the store's marks cannot be read."""
        directory = self.ws.bm25_dir
        marks = self.ws.store_marks()
        if not marks or not marks["checked"]:
            return  # vector files not known to work: the next run checks them
        if snapshot_generation(directory) != manifest.state.generation:
            return
        name = current_name(directory)
        state = manifest.state
        write_summary(
            directory,
            {
                "generation": state.generation,
                "model": state.model,
                "chunk_tokens": state.chunk_tokens,
                "dating": state.dating,
                "dimensions": state.dimensions,
                "manifest_version": VERSION,
                "updated_at": state.updated_at,
                "articles": manifest.article_count,
                "chunks": manifest.chunk_count,
                "live": len(manifest.live_chunks()),
                "files": {n: e.sha256 for n, e in manifest.files.items()},
                "checksums": snapshot_checksums(directory / str(name)),
                **marks,
            },
        )

    def _unchanged(self, roots: list[Path]) -> UpdateReport | None:
        """The report of an update that finds nothing to do, from the summary alone (no
        Chroma, no model); None when anything differs or is in doubt: the full path decides.

        Nothing to do means: the folders hold the files the summary lists, unchanged; the
        store and the snapshot are byte for byte as the last clean update left them (so no
        damage, no lost chunks, no leftovers of a killed run); and the model, chunk size and
        dating rule are those the index was built with.
        """
        started = time.perf_counter()
        settings, directory = self.ws.settings, self.ws.bm25_dir
        summary = read_summary(directory)
        if summary is None:
            return None
        try:
            expected = (self.ws.embedder.model_id, settings.index.chunk_tokens, DATING, VERSION)
            built = (
                summary["model"],
                summary["chunk_tokens"],
                summary["dating"],
                summary["manifest_version"],
            )
            if expected != built:
                return None
            marks = self.ws.store_marks()
            if marks is None or any(summary[k] != v for k, v in marks.items()):
                return None
            self._vouched = bool(marks.get("checked"))
            copy = set(REPLICA_FILES) <= set(summary["checksums"])
            if copy != (
                self._replica and int(summary["live"]) <= settings.index.read_copy_max_chunks
            ):
                return None  # a copy of the chunks to write (or one no longer wanted)
            # the snapshot as published for this generation (checked when summarized)
            if snapshot_checksums(directory / summary["snapshot"]) != summary["checksums"]:
                return None
            known: dict[str, str] = summary["files"]
            report = UpdateReport()
            seen, prefixes = self._scan(roots, report)
            if _gone(known, seen, prefixes):
                return None
            if todo := self._changed(seen, known, report):
                self._start_early(todo, known)
                return None
            report.chunks = int(summary["live"])
        except (KeyError, TypeError, ValueError, OSError):
            return None
        write_summary(directory, {**summary, "updated_at": now()})  # as the full path would
        report.seconds = time.perf_counter() - started
        return report

    def _start_early(self, todo: list[tuple[str, Path, str]], known: dict[str, str]) -> None:
        """Something to embed: load the model while the store opens, and when the change is
        small (an article or a few), chunk it and start embedding it now too.

        Opening the store is mostly importing chromadb, which holds one core; the model runs
        on the other, so an added article's embedding (~0.1 s) costs no wall time.
        `_embed_and_write` uses this group only when the full path finds the same files to
        do; otherwise it is dropped and the files are done as usual.
        """
        warm = getattr(self.ws.embedder, "warm", None)
        if warm is not None:
            warm()
        try:
            size = sum(path.stat().st_size for _, path, _ in todo)
        except OSError:
            return
        if len(todo) > _EARLY_FILES or size > _EARLY_BYTES:
            return
        report = UpdateReport()
        pending = [
            item
            for name, path, digest in todo
            if (item := self._prepare(name, path, digest, known, report))
        ]
        if sum(len(p.chunks) for p in pending) > _FLUSH_CHUNKS:
            return  # more than one group: the usual pipeline
        self._early = _Early(todo, report, self._embed(pending) if pending else None)

    def _open(self, rebuild: bool) -> _Run:
        """The manifest to update (a new one when the index must be rebuilt), after the
        leftovers of a killed update are collected; marked unclean until `_finish`."""
        settings = self.ws.settings
        store, records = self.ws.store, self.ws.store.manifest
        manifest = None if rebuild else records.load()
        model_id = self.ws.embedder.model_id
        if manifest and (manifest.state.model, manifest.state.chunk_tokens) != (
            model_id,
            settings.index.chunk_tokens,
        ):
            log.warning(
                "The index was built with %s (chunks of %d tokens); now %s (%d): rebuilding it",
                manifest.state.model,
                manifest.state.chunk_tokens,
                model_id,
                settings.index.chunk_tokens,
            )
            manifest = None
        elif manifest and manifest.state.dating != DATING:
            log.warning(
                "How publication dates are found changed (dating %s -> %s): "
                "rebuilding the index once",
                manifest.state.dating,
                DATING,
            )
            manifest = None
        report = UpdateReport()
        if manifest is None:
            store.reset()
            records = store.manifest  # the collections were recreated
            manifest = Manifest(State(model_id, settings.index.chunk_tokens))
            snapshot = SnapshotBuilder(
                self.ws.bm25_dir,
                reuse=False,
                replica=self._replica,
                replica_max=settings.index.read_copy_max_chunks,
            )
        else:
            # a store the summary vouches for is as the last clean update left it: working,
            # and holding every chunk the manifest lists
            lost: list[str] = []
            if not self._vouched:
                store.probe()  # a store that cannot be queried fails here, with advice
                lost = self._lost_files(manifest)
            if lost:
                records.remove(lost)  # re-indexed below as new files
                report.warnings.extend(
                    Problem(name, "was listed in the index but missing from the store; re-indexed")
                    for name in lost
                )
            if not manifest.state.clean:
                # The last update was killed: drop chunks that no record points at.
                orphans = store.ids() - manifest.live_chunks()
                store.delete(orphans)
                report.recovered = len(orphans)
            # terms of unchanged chunks come from the snapshot of the index we start from
            snapshot = SnapshotBuilder(
                self.ws.bm25_dir,
                base=manifest.state.generation,
                replica=self._replica,
                replica_max=settings.index.read_copy_max_chunks,
            )
        resumed = not manifest.state.clean
        manifest.state.clean = False
        records.set_state(manifest.state)
        return _Run(manifest, records, report, snapshot, resumed=resumed)

    def _scan(self, roots: list[Path], report: UpdateReport) -> tuple[dict[str, Path], list[str]]:
        """The article files under `roots` by manifest name, and the roots' name prefixes."""
        if (done := self._scanned.get(tuple(roots))) is None:
            seen: dict[str, Path] = {}
            skipped: list[Problem] = []
            prefixes = [_name_prefix(root, self.ws.settings.index.articles_dir) for root in roots]
            for root, prefix in zip(roots, prefixes, strict=True):
                for path, rel in discover(root):
                    seen[prefix + printable(rel)] = path
                skipped.extend(
                    Problem(prefix + printable(rel), unsupported_message(rel))
                    for rel in unsupported(root)
                )
            done = self._scanned[tuple(roots)] = (seen, prefixes, skipped)
        seen, prefixes, skipped = done
        report.warnings.extend(skipped)
        report.files_seen = len(seen)
        return dict(seen), list(prefixes)

    def _remove_gone(self, seen: dict[str, Path], prefixes: list[str], run: _Run) -> None:
        """Drop the records of files deleted under the roots; their chunks become stale."""
        gone = _gone(run.manifest.files, seen, prefixes)
        run.records.remove(gone)
        for name in gone:
            run.stale.update(run.manifest.files.pop(name).chunks)
            run.report.removed += 1
            run.report.changes.append(("removed", name))

    def _diff(self, seen: dict[str, Path], run: _Run) -> list[tuple[str, Path, str]]:
        """(name, path, sha256) of the files that are new or changed; the rest are counted."""
        known = {name: entry.sha256 for name, entry in run.manifest.files.items()}
        return self._changed(seen, known, run.report)

    def _changed(
        self, seen: dict[str, Path], known: dict[str, str], report: UpdateReport
    ) -> list[tuple[str, Path, str]]:
        """(name, path, sha256) of the files of `seen` that are new or changed against
        `known` (name -> sha256); unchanged ones are counted, unreadable ones reported."""
        todo: list[tuple[str, Path, str]] = []
        owner = {sha256: name for name, sha256 in known.items()}
        max_bytes = int(self.ws.settings.index.max_file_mb * 2**20)
        for checked, (name, path) in enumerate(seen.items()):
            self._tell("reading", checked, len(seen))
            try:
                digest = self._digests.get(path) or file_digest(path, max_bytes)
                self._digests[path] = digest
            except SourceError as exc:
                report.problems.append(Problem(name, str(exc)))
                continue
            except Exception as exc:  # a bug must cost one file, not the run
                report.problems.append(Problem(name, f"could not read: {describe(exc)}"))
                continue
            if known.get(name) == digest:
                report.unchanged += 1
            elif owner.get(digest, name) != name:
                # the same file twice would only crowd other evidence out of the answers
                report.warnings.append(Problem(name, f"skipped: same content as {owner[digest]}"))
            else:
                owner[digest] = name
                todo.append((name, path, digest))
        return todo

    def _embed_and_write(
        self,
        todo: list[tuple[str, Path, str]],
        run: _Run,
        progress: Progress | None,
        lock: IndexLock,
    ) -> None:
        """Chunk, embed and write the queued files, group by group.

        Group N+1 is embedded (on every core) while group N is written and further files
        are read and chunked here: the model never waits for I/O.
        """
        early, self._early = self._early, None
        if early is not None and early.todo == todo:
            self._write_early(early, run, progress)
            return
        if early is not None and early.group is not None:
            early.group.embedded.cancel()
        ahead: _Group | None = None
        pending: list[_Pending] = []
        self._queued = 0
        for done, (name, path, digest) in enumerate(todo, 1):
            self._tell("chunking", done - 1, len(todo))
            item = self._prepare(name, path, digest, run.manifest.files, run.report)
            if item:
                pending.append(item)
            if sum(len(p.chunks) for p in pending) >= _FLUSH_CHUNKS:
                group = self._embed(pending)
                if ahead:
                    self._write(ahead, run)
                    lock.renew()
                ahead, pending = group, []
            if progress:
                progress(done, len(todo))
        for last in (ahead, self._embed(pending) if pending else None):
            if last:
                self._write(last, run)

    def _write_early(self, early: _Early, run: _Run, progress: Progress | None) -> None:
        """Write the group `_start_early` made, as `_embed_and_write` would have."""
        run.report.problems.extend(early.report.problems)
        run.report.warnings.extend(early.report.warnings)
        if early.group is not None:
            for item in early.group.files:
                item.is_new = item.source not in run.manifest.files
            self._queued = len(early.group.chunks)
            self._write(early.group, run)
        if progress:
            progress(len(early.todo), len(early.todo))

    def _publish(self, run: _Run) -> None:
        """Publish the snapshot of a new generation when anything changed (or repair the
        published one when it is missing or damaged), then move the state to it."""
        manifest, report = run.manifest, run.report
        run.live = manifest.live_chunks()
        new = report.changed or report.recovered or run.resumed
        if new:
            # never reuse a number, even after a rebuild restarted the manifest
            generation = max(manifest.state.generation + 1, time.time_ns() // 1_000_000)
            manifest.state.generation = generation
        fault_point("before-publish")
        if new or not self._snapshot_ok(manifest.state.generation):
            self._tell("keyword index")
            vectors = self.ws.store.vectors if self._replica else None
            run.snapshot.publish(manifest.state.generation, run.live, self.ws.store.get, vectors)
        manifest.state.updated_at = now()
        run.records.set_state(manifest.state)  # readers move to the new generation

    @property
    def _replica(self) -> bool:
        """Does the snapshot carry a copy of the chunks (read by embedded readers only)?"""
        index = self.ws.settings.index
        return not index.chroma_url and index.read_copy_max_chunks > 0

    def _snapshot_ok(self, generation: int) -> bool:
        """Can readers load the published snapshot (with its copy of the chunks when they
        read one), and is it of this generation?"""
        try:
            snapshot = load_snapshot(self.ws.bm25_dir)
        except StoreError:
            return False
        wanted = (
            self._replica and len(snapshot.keyword) <= self.ws.settings.index.read_copy_max_chunks
        )
        if wanted != (snapshot.replica() is not None):
            return False
        return snapshot.generation == generation

    def _finish(self, run: _Run) -> None:
        """Delete the chunks no record lists any more, then mark the manifest clean."""
        fault_point("before-cleanup")
        self.ws.store.delete(run.stale - run.live)
        run.manifest.state.clean = True  # only now: a kill before this is cleaned up next run
        run.records.set_state(run.manifest.state)
        run.report.chunks = len(run.live)

    def _lost_files(self, manifest: Manifest) -> list[str]:
        """Files whose chunks the manifest lists but the store does not hold (a store
        emptied behind the manifest's back); they are dropped from `manifest` to be redone."""
        live = manifest.live_chunks()
        if self.ws.store.count() >= len(live):
            return []  # the usual case, for the price of one count
        missing = live - self.ws.store.ids()
        lost = [name for name, e in manifest.files.items() if missing.intersection(e.chunks)]
        for name in lost:
            del manifest.files[name]
        return lost

    def _prepare(
        self, name: str, path: Path, digest: str, indexed: Container[str], report: UpdateReport
    ) -> _Pending | None:
        """A file read, cleaned and chunked (`indexed`: the names the index already has);
        None when it cannot be read, with the problem in `report`."""
        try:
            docs, warnings = read_docs(path, int(self.ws.settings.index.max_file_mb * 2**20))
            articles = to_articles(name, docs, _file_time(path))
            if not articles:
                raise SourceError("no article text left after cleaning")
            chunks = [c for a in articles for c in self.chunker.chunk(a)]
        except SourceError as exc:
            # A broken file keeps whatever version of it was indexed before.
            report.problems.append(Problem(name, str(exc)))
            return None
        except Exception as exc:  # a bug in a parser must cost one file, not the run
            report.problems.append(Problem(name, f"could not read: {describe(exc)}"))
            return None
        report.warnings.extend(Problem(name, w) for w in warnings)
        return _Pending(
            source=name,
            sha256=digest,
            chunks=chunks,
            articles=[a.article_id for a in articles],
            titles=[a.title for a in articles],
            is_new=name not in indexed,
        )

    def _embed(self, pending: list[_Pending]) -> _Group:
        """Queue a group's chunks for embedding (with their sentence spans); returns at once."""
        chunks = [c for p in pending for c in p.chunks]
        self._queued += len(chunks)
        texts, spans = [], []
        for c in chunks:
            head = f"{c.header()}\n\n"
            texts.append(head + c.text)
            spans.append([(a + len(head), b + len(head)) for a, b in sentence_spans(c.text)])
        embedded = self.ws.embedder.submit_passages(texts, spans)
        self._inflight.append(embedded)
        return _Group(pending, chunks, embedded)

    def _write(self, group: _Group, run: _Run) -> None:
        """Write an embedded group, then switch its files' records to the new chunks.

        The chunks the switch made stale are added to `run.stale`; they are deleted at the
        very end, so readers that still hold the previous generation keep finding them.
        """
        manifest, report = run.manifest, run.report
        embedded = [report.embedded]

        def on_batch(n: int) -> None:
            embedded[0] += n
            self._tell("embedding", embedded[0], self._queued)

        self._tell("embedding", report.embedded, self._queued)
        vectors, sentence_vectors = group.embedded.result(on_batch)
        self._tell("writing", report.embedded, self._queued)
        chunks = [
            replace(c, sentence_vectors=sv)
            for c, sv in zip(group.chunks, sentence_vectors, strict=True)
        ]
        metadatas = [chunk_metadata(c) for c in chunks]  # made once for store and snapshot
        self.ws.store.upsert(chunks, vectors, metadatas)
        manifest.state.dimensions = int(vectors.shape[1])  # recorded with the next state write
        fault_point("after-upsert")
        run.snapshot.add(chunks, vectors, metadatas)  # the snapshot is built from these
        report.embedded += len(chunks)
        entries: dict[str, FileEntry] = {}
        for item in group.files:
            old = manifest.files.get(item.source)
            keep = {c.chunk_id for c in item.chunks}
            if old:
                run.stale.update(cid for cid in old.chunks if cid not in keep)
            entries[item.source] = FileEntry(
                sha256=item.sha256,
                articles=item.articles,
                chunks=[c.chunk_id for c in item.chunks],
                titles=item.titles,
            )
            if item.is_new:
                report.added += 1
            else:
                report.updated += 1
            report.changes.append(("added" if item.is_new else "updated", item.source))
        run.records.put(entries)  # the switch: one write for the whole group
        fault_point("after-switch")
        manifest.files.update(entries)
