"""The summary published beside a snapshot: what `status` prints and what a no-change
`index` compares the folder with, readable without opening Chroma (importing chromadb costs
more than the whole of either command otherwise).

`summary.json` sits in the published snapshot folder (see index.store.bm25). The indexer
deletes it before it changes anything and writes it again when its update has ended cleanly,
so a summary exists only for an index at rest; a killed update leaves none, and the next run
takes the full path that collects what it left over. Besides the manifest's header and file
table it records the marks of the store it describes (its folder, Chroma's write log, the
vector files' checksums) and the checksums of the snapshot's own files: when any of them
differs, something happened that the summary does not know about, and it is not used.
"""

from __future__ import annotations

import contextlib
import json
import os
import zlib
from pathlib import Path
from typing import Any

from index.store.bm25 import current_name

FORMAT = 1
NAME = "summary.json"


def _current_folder(directory: Path) -> Path | None:
    name = current_name(directory)
    if not name or "/" in name or name in (".", ".."):
        return None
    return directory / name


_CRC_LIMIT = 16 << 20  # bigger files (the copy of the chunks) are known by size and time


def snapshot_checksums(folder: Path) -> dict[str, str]:
    """CRC-32 of each file of a snapshot folder (the summary left out): a damaged or
    replaced keyword index shows as a difference. Files over 16 MB (the copy of the chunks,
    ~200 MB at 10,000 articles, read on every no-change `index` otherwise) are compared by
    size and modification time: a truncated, rewritten or replaced file shows, a flipped
    bit does not."""
    sums = {}
    for path in sorted(folder.iterdir()):
        if path.name == NAME or path.name.startswith(".") or not path.is_file():
            continue
        stat = path.stat()
        if stat.st_size > _CRC_LIMIT:
            sums[path.name] = f"{stat.st_size}:{stat.st_mtime_ns}"
            continue
        crc = 0
        with path.open("rb") as f:
            while block := f.read(1 << 20):
                crc = zlib.crc32(block, crc)
        sums[path.name] = f"{crc:08x}"
    return sums


def read_summary(directory: Path) -> dict[str, Any] | None:
    """The summary of the published snapshot; None when there is none or it is unreadable."""
    folder = _current_folder(directory)
    if folder is None:
        return None
    try:
        data = json.loads((folder / NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    if data.get("snapshot") != folder.name or not isinstance(data.get("files"), dict):
        return None
    return data


def write_summary(directory: Path, data: dict[str, Any]) -> bool:
    """Write the summary of the published snapshot (one rename); False when there is none."""
    folder = _current_folder(directory)
    if folder is None or not folder.is_dir():
        return False
    data = {**data, "format": FORMAT, "snapshot": folder.name}
    temp = folder / f".{NAME}.{os.getpid()}"
    try:
        temp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(temp, folder / NAME)
    except OSError:
        with contextlib.suppress(OSError):
            temp.unlink()
        return False
    return True


def drop_summary(directory: Path) -> None:
    """Forget the summary before an update changes anything (a kill then leaves none)."""
    folder = _current_folder(directory)
    if folder is not None:
        with contextlib.suppress(OSError):
            (folder / NAME).unlink()
