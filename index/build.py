"""Bring the index in line with the articles folder: embed what is new or changed only."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from index.errors import SourceError
from index.ingest.chunk import Chunker
from index.ingest.sources import discover, read_docs, to_articles
from index.store import sentvec
from index.store.bm25 import build_bm25
from index.store.embedder import MODEL_ID
from index.store.manifest import FileEntry, Manifest, save_manifest
from index.text import sentence_spans
from index.types import Chunk
from index.workspace import Workspace

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]  # (files done, files to embed)
_FLUSH_CHUNKS = 256


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
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

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


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Indexer:
    """Incremental updates of one workspace (store + manifest + keyword index)."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._chunker: Chunker | None = None

    @property
    def chunker(self) -> Chunker:
        if self._chunker is None:
            s = self.ws.settings
            self._chunker = Chunker(self.ws.embedder.tokens, s.chunk_tokens, s.chunk_overlap)
        return self._chunker

    def update(
        self,
        roots: list[Path] | None = None,
        rebuild: bool = False,
        progress: Progress | None = None,
    ) -> UpdateReport:
        """Index new and changed files, drop deleted ones; unchanged files cost one hash."""
        started = time.perf_counter()
        settings = self.ws.settings
        roots = roots or [settings.articles_dir]
        for root in roots:
            if not root.is_dir():
                raise SourceError(f"Articles folder not found: {root}")
        manifest = None if rebuild else self.ws.manifest()
        if manifest and (manifest.model, manifest.chunk_tokens) != (
            MODEL_ID,
            settings.chunk_tokens,
        ):
            log.warning("Embedding model or chunk size changed: rebuilding the index")
            manifest = None
        if manifest is None:
            self.ws.store.reset()
            manifest = Manifest(model=MODEL_ID, chunk_tokens=settings.chunk_tokens)
        report = UpdateReport()

        seen: dict[str, Path] = {}
        for root in roots:
            for path, rel in discover(root):
                name = rel if len(roots) == 1 else f"{root.name}/{rel}"
                seen[name] = path
        for name in sorted(set(manifest.files) - set(seen)):
            entry = manifest.files.pop(name)
            self.ws.store.delete(entry.chunks)
            report.removed += 1

        todo: list[tuple[str, Path, str]] = []
        for name, path in seen.items():
            try:
                digest = file_digest(path)
            except OSError as exc:
                report.problems.append(Problem(name, f"cannot read: {exc.strerror or exc}"))
                continue
            entry = manifest.files.get(name)
            if entry and entry.sha256 == digest:
                report.unchanged += 1
            else:
                todo.append((name, path, digest))

        pending: list[_Pending] = []
        for done, (name, path, digest) in enumerate(todo, 1):
            item = self._prepare(name, path, digest, manifest, report)
            if item:
                pending.append(item)
            if sum(len(p.chunks) for p in pending) >= _FLUSH_CHUNKS:
                self._flush(pending, manifest, report)
                pending = []
            if progress:
                progress(done, len(todo))
        self._flush(pending, manifest, report)

        if report.changed or rebuild or not self.ws.bm25_dir.exists():
            build_bm25(self.ws.store.all_chunks(), self.ws.bm25_dir)
        manifest.touch()
        save_manifest(self.ws.manifest_path, manifest)
        report.chunks = manifest.chunk_count
        report.seconds = time.perf_counter() - started
        return report

    def _prepare(
        self, name: str, path: Path, digest: str, manifest: Manifest, report: UpdateReport
    ) -> _Pending | None:
        try:
            docs, warnings = read_docs(path, int(self.ws.settings.max_file_mb * 2**20))
            articles = to_articles(name, docs)
            if not articles:
                raise SourceError("no article text left after cleaning")
        except SourceError as exc:
            # A broken file keeps whatever version of it was indexed before.
            report.problems.append(Problem(name, str(exc)))
            return None
        report.warnings.extend(Problem(name, w) for w in warnings)
        chunks = [c for a in articles for c in self.chunker.chunk(a)]
        return _Pending(
            source=name,
            sha256=digest,
            chunks=chunks,
            articles=[a.article_id for a in articles],
            titles=[a.title for a in articles],
            is_new=name not in manifest.files,
        )

    def _flush(self, pending: list[_Pending], manifest: Manifest, report: UpdateReport) -> None:
        """Embed and write a group of files, then record them; new chunks land before old
        ones are deleted, so a reader never sees an article missing."""
        if not pending:
            return
        chunks = [c for p in pending for c in p.chunks]
        texts, spans = [], []
        for c in chunks:
            head = f"{c.header()}\n\n"
            texts.append(head + c.text)
            spans.append([(a + len(head), b + len(head)) for a, b in sentence_spans(c.text)])
        vectors, sentence_vectors = self.ws.embedder.embed_passages(texts, spans)
        chunks = [
            replace(c, sentence_vectors=sentvec.encode(sv))
            for c, sv in zip(chunks, sentence_vectors, strict=True)
        ]
        self.ws.store.upsert(chunks, vectors)
        report.embedded += len(chunks)
        for item in pending:
            old = manifest.files.get(item.source)
            keep = {c.chunk_id for c in item.chunks}
            if old:
                self.ws.store.delete([cid for cid in old.chunks if cid not in keep])
            manifest.files[item.source] = FileEntry(
                sha256=item.sha256,
                articles=item.articles,
                chunks=[c.chunk_id for c in item.chunks],
                titles=item.titles,
            )
            if item.is_new:
                report.added += 1
            else:
                report.updated += 1
        save_manifest(self.ws.manifest_path, manifest)
