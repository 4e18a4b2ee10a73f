"""Everything that talks to Chroma. Vectors are always ours: Chroma never embeds."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import StoreError
from index.store import sentvec
from index.store.guard import chroma_errors
from index.store.manifest import ManifestStore
from index.types import Chunk, Filters, dated_by_of

_WRITE_BATCH = 1000


def date_to_epoch(day: date) -> int:
    """Chroma range filters take numbers only, so dates are also stored as epoch seconds."""
    return int(datetime.combine(day, time(), tzinfo=UTC).timestamp())


def chroma_where(filters: Filters) -> dict[str, Any] | None:
    """The Chroma `where` clause of a search's sources and date range (None: everything)."""
    clauses: list[dict[str, Any]] = []
    if filters.sources:
        clauses.append({"source": {"$in": list(filters.sources)}})
    if filters.since:
        clauses.append({"date_ts": {"$gte": date_to_epoch(filters.since)}})
    if filters.until:
        clauses.append({"date_ts": {"$lte": date_to_epoch(filters.until)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "article_id": chunk.article_id,
        "source": chunk.source,
        "title": chunk.title,
        "position": chunk.position,
    }
    if chunk.date:
        meta["date"] = chunk.date.isoformat()
        meta["date_ts"] = date_to_epoch(chunk.date)
    if chunk.url:
        meta["url"] = chunk.url
    if chunk.outlet:
        meta["outlet"] = chunk.outlet
    if chunk.dated_by:
        meta["dated_by"] = chunk.dated_by
    if not chunk.date:
        meta["undated"] = True  # Chroma cannot filter on a missing field
    if chunk.file_time:
        meta["file_time"] = chunk.file_time
    if chunk.sentence_vectors is not None and len(chunk.sentence_vectors):
        meta["sv"] = sentvec.encode(chunk.sentence_vectors)  # stored as text, read as arrays
    return meta


def chunk_from_record(chunk_id: str, text: str, meta: dict[str, Any] | None) -> Chunk | None:
    """The chunk of a stored record; None for a record a killed writer left half-written
    (Chroma can return an id from its vector index whose metadata is not there)."""
    if not meta or "article_id" not in meta:
        return None
    return Chunk(
        chunk_id=chunk_id,
        article_id=str(meta["article_id"]),
        source=str(meta["source"]),
        title=str(meta["title"]),
        text=text,
        position=int(meta.get("position", 0)),
        date=date.fromisoformat(meta["date"]) if meta.get("date") else None,
        url=meta.get("url"),
        outlet=meta.get("outlet"),
        dated_by=dated_by_of(meta.get("dated_by", "")),
        file_time=str(meta.get("file_time", "")),
        sentence_vectors=sentvec.decode(meta["sv"]) if meta.get("sv") else None,
    )


def _unreachable(exc: BaseException) -> bool:
    """A connection failure (server down, wrong host or port), not a refusal by the server."""
    text = f"{type(exc).__name__} {exc}".lower()
    return isinstance(exc, ConnectionError | TimeoutError) or any(
        cue in text for cue in ("connect", "timeout", "timed out", "unreachable", "refused")
    )


class ChromaStore:
    """A Chroma collection of chunks, embedded (PersistentClient) or remote (HttpClient)."""

    def __init__(self, path: Path | None, collection: str, url: str | None = None) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        self.location = url or str(path)
        self._cache_key: str | None = None  # chromadb's key of this folder's shared client
        try:
            if url:
                from urllib.parse import urlparse

                parsed = urlparse(url)
                self._client = chromadb.HttpClient(
                    host=parsed.hostname or "127.0.0.1",
                    port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                    ssl=parsed.scheme == "https",
                    settings=chroma_settings,
                )
            else:
                assert path is not None
                path.mkdir(parents=True, exist_ok=True)
                self._cache_key = str(path.resolve())
                self._client = chromadb.PersistentClient(
                    path=self._cache_key, settings=chroma_settings
                )
            self._name = collection
            self._col, self._manifest_col = self._open()
        except StoreError:
            raise
        except OSError as exc:
            raise StoreError(
                f"Cannot create the index folder {path}: {exc.strerror or exc}. "
                "Check NEWSBOT_DATA_DIR and its permissions."
            ) from None
        except Exception as exc:  # chromadb raises many types; all mean "store unusable"
            detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            what = f"{type(exc).__name__}" + (f": {detail}" if detail else "")
            if url and _unreachable(exc):
                raise StoreError(
                    f"Cannot reach the Chroma server at {url} ({what}). Check that it is "
                    "running and that NEWSBOT_CHROMA_URL is right."
                ) from None
            if url:
                raise StoreError(
                    f"The Chroma server at {url} cannot open collection {collection!r} "
                    f"({what}). Check NEWSBOT_COLLECTION."
                ) from None
            if "readonly" in detail.lower() or "read-only" in detail.lower():
                raise StoreError(
                    f"The index folder {path} is read-only ({what}). Make it writable, "
                    "or see the README on read-only deployments."
                ) from None
            raise StoreError(
                f"Cannot open the index store at {path} ({what}). "
                "Run `newsbot index --rebuild` to build a new one from the articles."
            ) from None
        self._lease_col: Any | None = None

    def _open(self) -> tuple[Any, Any]:
        """The chunk and manifest collections. Typed Any: chromadb types every result field
        as optional even when `include` asks for it, which would mean a check per read."""
        chunks = self._client.get_or_create_collection(
            self._name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        manifest = self._client.get_or_create_collection(
            f"{self._name}-manifest", embedding_function=None
        )
        return chunks, manifest

    def release(self) -> None:
        """Let the next store opened on this folder read its files afresh (embedded only).

        chromadb shares one client per folder within a process and keeps the vector index
        in memory, so another process's writes stay unseen until a new client loads them.
        Only this folder's entry is dropped from chromadb's cache: this store keeps working
        for the searches still running on it, and other folders' clients are untouched.
        """
        if self._cache_key is not None:
            from chromadb.api.shared_system_client import SharedSystemClient

            SharedSystemClient._identifier_to_system.pop(self._cache_key, None)

    def reopen(self) -> None:
        """Find the collections again by name: another process's rebuild replaced them."""
        self._col, self._manifest_col = self._open()

    @property
    def manifest_collection(self) -> Any:
        """The raw collection of manifest records."""
        return self._manifest_col

    @property
    def lease_collection(self) -> Any:
        """Where indexers take their lease with a Chroma server: a collection of its own,
        so that `reset()` (a rebuild) never deletes the lease it is running under."""
        if self._lease_col is None:
            self._lease_col = self._client.get_or_create_collection(
                f"{self._name}-lock", embedding_function=None
            )
        return self._lease_col

    @property
    def manifest(self) -> ManifestStore:
        return ManifestStore(self, self.location)

    @chroma_errors
    def reset(self) -> None:
        """Drop every chunk and the manifest (for `index --rebuild` with a Chroma server)."""
        if self._col.count() == 0 and self._manifest_col.count() == 0:
            return  # nothing to drop; readers' handles stay valid
        for name in (self._name, f"{self._name}-manifest"):
            with contextlib.suppress(Exception):
                self._client.delete_collection(name)
        self._col, self._manifest_col = self._open()

    @chroma_errors
    def probe(self) -> None:
        """Touch the vector index once: a damaged one fails here, not in the middle of a run."""
        got = self._col.get(limit=1, include=["embeddings"])
        if got["ids"]:
            self._col.query(query_embeddings=[got["embeddings"][0]], n_results=1)

    @chroma_errors
    def ids(self) -> set[str]:
        """Every chunk id stored, live or not (for garbage collection after a crash)."""
        out: set[str] = set()
        offset, page = 0, 10000
        while True:
            got = self._col.get(include=[], limit=page, offset=offset)
            out.update(got["ids"])
            if len(got["ids"]) < page:
                return out
            offset += page

    @chroma_errors
    def count(self) -> int:
        return self._col.count()

    @chroma_errors
    def upsert(
        self,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        metadatas: Sequence[dict[str, Any]] | None = None,
    ) -> None:
        """Write chunks (`metadatas`: their `chunk_metadata`, when the caller made it)."""
        metas = list(metadatas) if metadatas is not None else [chunk_metadata(c) for c in chunks]
        for start in range(0, len(chunks), _WRITE_BATCH):
            part = chunks[start : start + _WRITE_BATCH]
            self._col.upsert(
                ids=[c.chunk_id for c in part],
                embeddings=vectors[start : start + _WRITE_BATCH],
                documents=[c.text for c in part],
                metadatas=metas[start : start + _WRITE_BATCH],
            )

    @chroma_errors
    def delete(self, chunk_ids: Iterable[str]) -> None:
        ids = list(chunk_ids)
        for start in range(0, len(ids), _WRITE_BATCH):
            self._col.delete(ids=ids[start : start + _WRITE_BATCH])

    @chroma_errors
    def get(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        """Chunks by id, in the order asked; ids that are gone are skipped."""
        found: dict[str, Chunk] = {}
        ids = list(chunk_ids)
        for start in range(0, len(ids), _WRITE_BATCH):
            got = self._col.get(
                ids=ids[start : start + _WRITE_BATCH], include=["documents", "metadatas"]
            )
            for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                if chunk := chunk_from_record(cid, doc or "", meta):
                    found[cid] = chunk
        return [found[cid] for cid in ids if cid in found]

    @chroma_errors
    def vectors(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored embeddings by id (to score keyword-only hits by cosine too)."""
        found: dict[str, np.ndarray] = {}
        ids = list(chunk_ids)
        for start in range(0, len(ids), _WRITE_BATCH):
            got = self._col.get(ids=ids[start : start + _WRITE_BATCH], include=["embeddings"])
            for cid, vec in zip(got["ids"], got["embeddings"], strict=True):
                found[cid] = np.asarray(vec, dtype=np.float32)
        return found

    @chroma_errors
    def all_chunks(self, page: int = 5000) -> list[Chunk]:
        out: list[Chunk] = []
        offset = 0
        while True:
            got = self._col.get(include=["documents", "metadatas"], limit=page, offset=offset)
            for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                if chunk := chunk_from_record(cid, doc or "", meta):
                    out.append(chunk)
            if len(got["ids"]) < page:
                return out
            offset += page

    @chroma_errors
    def query(
        self,
        vector: np.ndarray,
        n: int,
        where: dict[str, Any] | None = None,
        counted: bool = False,
    ) -> list[tuple[Chunk, float]]:
        """Nearest chunks with their cosine similarity (1 - cosine distance).

        `counted`: the caller knows the store holds at least n records (saves a request).
        """
        total = n if counted else self.count()
        if total == 0 or n == 0:
            return []
        res = self._col.query(
            query_embeddings=[vector],
            n_results=min(n, total),
            where=where or None,
            include=["documents", "metadatas", "distances"],
        )
        out: list[tuple[Chunk, float]] = []
        rows = zip(
            res["ids"][0],
            res["documents"][0],
            res["metadatas"][0],
            res["distances"][0],
            strict=True,
        )
        for cid, doc, meta, dist in rows:
            if chunk := chunk_from_record(cid, doc or "", meta):
                out.append((chunk, 1.0 - float(dist)))
        return out

    def chunks_since(self, epoch: int, page: int = 5000) -> list[tuple[Chunk, np.ndarray]]:
        """Chunks dated on/after `epoch` (seconds, see `date_to_epoch`) with their vectors,
        live or not (filter by the manifest); for digests of what is new."""
        return self._chunks_where({"date_ts": {"$gte": int(epoch)}}, page)

    def undated_chunks(
        self, vectors: bool = True, page: int = 5000
    ) -> list[tuple[Chunk, np.ndarray | None]]:
        """Chunks of articles without a publication date (with their vectors unless
        `vectors` is False), live or not; for digests, which leave them out unless asked."""
        return self._chunks_where({"undated": True}, page, vectors)

    @chroma_errors
    def _chunks_where(
        self, where: dict[str, Any], page: int, vectors: bool = True
    ) -> list[tuple[Chunk, Any]]:
        out: list[tuple[Chunk, Any]] = []
        offset = 0
        include = ["documents", "metadatas", *(["embeddings"] if vectors else [])]
        while True:
            got = self._col.get(where=where, include=include, limit=page, offset=offset)
            vecs = got["embeddings"] if vectors else [None] * len(got["ids"])
            rows = zip(got["ids"], got["documents"], got["metadatas"], vecs, strict=True)
            for cid, doc, meta, vec in rows:
                if chunk := chunk_from_record(cid, doc or "", meta):
                    out.append((chunk, None if vec is None else np.asarray(vec, np.float32)))
            if len(got["ids"]) < page:
                return out
            offset += page
