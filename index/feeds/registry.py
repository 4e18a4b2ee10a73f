"""The registered feeds: `<data_dir>/feeds.json`, each feed with its state (ETag,
Last-Modified, last fetch, last error, stories), written atomically."""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from index.errors import NewsbotError
from index.feeds.parse import is_http_url, normalize_url
from index.settings import IndexConfig

FEEDS_FOLDER = "feeds"  # inside the articles folder
REGISTRY_FILE = "feeds.json"  # inside the data folder


class FeedError(NewsbotError):
    """A feed cannot be registered, or the feed registry cannot be read."""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_atomic(path: Path, text: str) -> None:
    """Write via a hidden temp file and os.replace: readers see the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# How a feed's last fetch went: new stories taken, nothing changed (HTTP 304), or failed.
FeedStatus = Literal["ok", "not modified", "error"]


@dataclass
class FeedState:
    """A registered feed and what the last fetch left behind."""

    url: str
    slug: str
    title: str | None = None
    added_at: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_fetched: str | None = None
    last_status: FeedStatus | None = None
    last_error: str | None = None
    stories: int = 0  # story files stored from this feed

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeedState:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def check_feed_url(url: str) -> str:
    """The URL as registered (fragment dropped); FeedError when it is not http(s)."""
    url = url.strip()
    if not is_http_url(url):
        raise FeedError(f"Not a feed address: {url!r} (give an http:// or https:// URL)")
    return url.split("#", 1)[0]


class FeedRegistry:
    """The registered feeds and their state, in one JSON file written atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> list[FeedState]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return [FeedState.from_dict(d) for d in data["feeds"]]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, KeyError, TypeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not a feed list"
            raise FeedError(
                f"The feed registry {self.path} is unreadable ({reason}); "
                "fix or delete it and add the feeds again"
            ) from None

    def save(self, feeds: list[FeedState]) -> None:
        data = {"version": 1, "feeds": [asdict(f) for f in feeds]}
        write_atomic(self.path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")

    def find(self, feeds: list[FeedState], url: str) -> FeedState | None:
        wanted = normalize_url(url)
        return next((f for f in feeds if normalize_url(f.url) == wanted), None)

    def add(self, url: str) -> tuple[FeedState, bool]:
        """Register a feed (nothing is fetched yet); (feed, False) if it already was."""
        url = check_feed_url(url)
        feeds = self.load()
        if existing := self.find(feeds, url):
            return existing, False
        slugs = {f.slug for f in feeds}
        slug, n = feed_slug(url), 2
        while slug in slugs:
            slug, n = f"{feed_slug(url)}-{n}", n + 1
        feed = FeedState(url=url, slug=slug, added_at=now())
        self.save([*feeds, feed])
        return feed, True

    def remove(self, url: str) -> FeedState:
        feeds = self.load()
        feed = self.find(feeds, url.strip())
        if feed is None:
            raise FeedError(f"No feed registered as {url.strip()} (see `newsbot feeds list`)")
        self.save([f for f in feeds if f is not feed])
        return feed

    def merge_states(self, fetched: list[FeedState]) -> None:
        """Store the state of fetched feeds, keeping feeds added or removed meanwhile."""
        by_url = {f.url: f for f in fetched}
        self.save([by_url.get(f.url, f) for f in self.load()])


def feed_registry(settings: IndexConfig) -> FeedRegistry:
    return FeedRegistry(settings.index.data_dir / REGISTRY_FILE)


def feeds_dir(settings: IndexConfig) -> Path:
    return settings.index.articles_dir / FEEDS_FOLDER


def feed_slug(url: str) -> str:
    """A folder name for a feed, from its host and path: `example-com-world-rss`."""
    parts = urlsplit(url.strip())
    raw = f"{parts.netloc}{parts.path}".lower()
    slug = re.sub(r"[^a-z0-9]+", "-", raw).strip("-")
    return slug[:60].strip("-") or "feed"
