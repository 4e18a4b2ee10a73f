"""What is indexed: one entry per article file with its content hash and chunk ids.

The manifest is what makes re-indexing incremental: a file whose hash is unchanged is
never read into the model again. It is written atomically (temp file + os.replace), so a
crash leaves either the old or the new manifest, never half of one.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from index.errors import StoreError

VERSION = 1


@dataclass
class FileEntry:
    sha256: str
    articles: list[str]
    chunks: list[str]
    titles: list[str] = field(default_factory=list)


@dataclass
class Manifest:
    model: str
    chunk_tokens: int
    files: dict[str, FileEntry] = field(default_factory=dict)
    updated_at: str | None = None

    @property
    def article_count(self) -> int:
        return sum(len(f.articles) for f in self.files.values())

    @property
    def chunk_count(self) -> int:
        return sum(len(f.chunks) for f in self.files.values())

    def touch(self) -> None:
        self.updated_at = datetime.now(UTC).isoformat(timespec="seconds")


def write_json_atomic(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_manifest(path: Path) -> Manifest | None:
    """The manifest on disk, None when there is none; StoreError when it is unreadable."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != VERSION:
            raise ValueError(f"version {data.get('version')!r}, expected {VERSION}")
        return Manifest(
            model=data["model"],
            chunk_tokens=int(data["chunk_tokens"]),
            files={k: FileEntry(**v) for k, v in data["files"].items()},
            updated_at=data.get("updated_at"),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StoreError(
            f"The index manifest {path} is unreadable ({exc}). "
            "Run `newsbot index --rebuild` to rebuild the index from the articles."
        ) from None


def save_manifest(path: Path, manifest: Manifest) -> None:
    data = asdict(manifest)
    data["version"] = VERSION
    write_json_atomic(path, data)
