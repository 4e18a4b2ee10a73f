"""Story files: `<articles_dir>/feeds/<feed-slug>/<sha1(key)[:16]>.json`, key = GUID, else
the normalised URL, one per story, read by the normal incremental indexer.

The same story from another feed is stored once (by the feed that found it first); a
correction rewrites its file; an unchanged story is not touched, so the indexer re-embeds
nothing.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from index.feeds.parse import FeedEntry, normalize_url
from index.feeds.registry import FeedState, feeds_dir, write_atomic
from index.settings import IndexConfig


def story_name(key: str) -> str:
    """The file name of a story: 16 hex digits of the SHA-1 of its key."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16] + ".json"


def story_json(record: dict[str, object]) -> str:
    """A record as the file holds it: the same record gives the same bytes."""
    return json.dumps(record, ensure_ascii=False, indent=2) + "\n"


def record_keys(record: dict[str, Any]) -> list[str]:
    """The identities of a stored record (see `FeedEntry.keys`)."""
    keys = [f"guid:{record['guid']}"] if record.get("guid") else []
    if record.get("url"):
        keys.append(f"url:{normalize_url(str(record['url']))}")
    return keys


class StoryFiles:
    """The story files under `<articles_dir>/feeds/`, indexed by GUID and URL."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.records: dict[Path, dict[str, Any]] = {}
        self._by_key: dict[str, list[Path]] = {}
        for path in sorted(root.glob("*/*.json")):
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # not ours, or damaged: rewritten if a feed still carries it
            if isinstance(record, dict):
                self._remember(path, record)

    def _remember(self, path: Path, record: dict[str, Any]) -> None:
        self.records[path] = record
        for key in record_keys(record):
            paths = self._by_key.setdefault(key, [])
            if path not in paths:
                paths.append(path)

    def find(self, entry: FeedEntry, feed_url: str) -> Path | None:
        """The file already holding this story: same GUID; or same URL, unless both have
        GUIDs and come from the same feed (then they are different stories of that feed)."""
        if entry.guid and (paths := self._by_key.get(f"guid:{entry.guid}")):
            return paths[0]
        for path in self._by_key.get(f"url:{entry.url}", []) if entry.url else []:
            record = self.records[path]
            if not entry.guid or not record.get("guid") or record.get("feed") != feed_url:
                return path
        return None

    def path_for(self, slug: str, key: str) -> Path:
        return self.root / slug / story_name(key)

    def write(self, path: Path, record: dict[str, Any]) -> bool:
        """Write a story unless the file already holds exactly it; True if written."""
        text = story_json(record)
        try:
            if path.read_text(encoding="utf-8") == text:
                self._remember(path, record)
                return False
        except (OSError, UnicodeDecodeError):
            pass
        write_atomic(path, text)
        self._remember(path, record)
        return True

    def count(self, slug: str) -> int:
        return sum(1 for _ in (self.root / slug).glob("*.json"))


def delete_stories(settings: IndexConfig, feed: FeedState) -> int:
    """Delete the story files of a feed (its folder); the next index run drops them."""
    folder = feeds_dir(settings) / feed.slug
    removed = 0
    for path in folder.glob("*.json"):
        path.unlink(missing_ok=True)
        removed += 1
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
    return removed
