"""Feeds over HTTP: the registry of feeds, fetching them (and short entries' pages), and
writing one JSON file per story into the articles folder for the normal indexer.

- Registry: `<data_dir>/feeds.json`, each feed with its state (ETag, Last-Modified, last
  fetch, last error, stories), written atomically.
- Fetching: httpx with one total deadline per fetch (connect, headers, body, redirects),
  a User-Agent and a conditional GET (If-None-Match / If-Modified-Since; 304 means nothing
  to do). URLs from feed content and redirects may not reach private addresses unless the
  host is the feed's own or allowed (`index/http_guard.py`). Feeds and pages fail
  independently: each failure is reported, the rest continue.
- Stories: `<articles_dir>/feeds/<feed-slug>/<sha1(key)[:16]>.json`, key = GUID, else the
  normalised URL. The same story from another feed is stored once (by the feed that
  found it first); a correction rewrites its file; an unchanged story is not touched, so
  the indexer re-embeds nothing.

Pure parsing and record building are in `index/ingest/feeds.py`.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from index.errors import NewsbotError
from index.ingest.feeds import (
    FeedEntry,
    build_story,
    feed_slug,
    is_http_url,
    normalize_url,
    parse_feed,
    record_keys,
    story_json,
    story_name,
)
from index.ingest.sources import RawDoc, html_to_doc
from index.settings import IndexConfig

FEEDS_FOLDER = "feeds"  # inside the articles folder
REGISTRY_FILE = "feeds.json"  # inside the data folder
_PAGE_WORKERS = 4
_MAX_REDIRECTS = 5
_FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.8"
_PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


class FeedError(NewsbotError):
    """A feed cannot be registered, or the feed registry cannot be read."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write_atomic(path: Path, text: str) -> None:
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


# --- registry ---------------------------------------------------------------------------


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
    last_status: str | None = None  # "ok", "not modified" or "error"
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
        _write_atomic(self.path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")

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
        feed = FeedState(url=url, slug=slug, added_at=_now())
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


# --- HTTP -------------------------------------------------------------------------------


class FetchError(Exception):
    """A feed or page could not be fetched; the message is one line for the report."""


@dataclass
class Fetched:
    status: int
    body: bytes
    url: str
    content_type: str | None
    etag: str | None
    last_modified: str | None


class Http:
    """GET with one total deadline (connect, headers, body and every redirect together), a
    size limit, and the address guard of `index/http_guard.py`.

    Redirects are followed here, hop by hop, so each target is checked like any other URL
    from feed content. Connections are not kept alive: each request connects afresh, under
    the rules of its own fetch, so a connection opened for an exempt host is never reused
    for a URL that would be blocked. Proxies from the environment are not used: the guard
    must see the address it connects to.
    """

    def __init__(self, settings: IndexConfig) -> None:
        import httpx

        from index.http_guard import Guard

        self.timeout = settings.feeds.timeout_seconds
        self.max_bytes = int(settings.index.max_file_mb * 2**20)
        self.max_redirects = _MAX_REDIRECTS
        self.allow_hosts = settings.feeds.allow_host_set
        self.guard = Guard(self.timeout)
        transport = httpx.HTTPTransport(trust_env=False)
        # httpx has no public way to pass a network backend; httpcore takes one.
        transport._pool = httpcore_pool(self.guard)
        self.client = httpx.Client(
            timeout=httpx.Timeout(self.timeout),
            headers={"User-Agent": settings.feeds.user_agent},
            follow_redirects=False,
            transport=transport,
            trust_env=False,
        )

    def close(self) -> None:
        self.client.close()

    def get(
        self, url: str, headers: dict[str, str] | None = None, home: str | None = None
    ) -> Fetched:
        """GET url within the timeout; FetchError with a one-line reason otherwise.

        `home` is the registered feed's URL: its host, and NEWSBOT_FEED_ALLOW_HOSTS, may
        be private addresses; any other host must resolve to public addresses only.
        """
        import httpx

        exempt = set(self.allow_hosts)
        if home and (host := urlsplit(home).hostname):
            exempt.add(host)
        with self.guard.fetch(self.timeout, exempt):
            try:
                return self._follow(url, headers)
            except httpx.TimeoutException:
                raise FetchError(f"timed out after {self.timeout:g} s") from None
            except httpx.ConnectError as exc:
                raise FetchError(f"cannot connect: {_reason(exc)}") from None
            except (httpx.HTTPError, OSError) as exc:
                raise FetchError(f"{type(exc).__name__}: {_reason(exc)}") from None

    def _follow(self, url: str, headers: dict[str, str] | None) -> Fetched:
        from index.http_guard import BlockedAddress

        request = self.client.build_request("GET", url, headers=headers)
        seen = {str(request.url)}
        for hop in range(self.max_redirects + 1):
            try:
                resp = self.client.send(request, stream=True)
            except BlockedAddress as exc:
                where = f"redirected to {request.url}, which " if hop else ""
                raise FetchError(f"{where}{exc}") from None
            try:
                if resp.next_request is None:
                    return self._read(resp)
                request = resp.next_request
            finally:
                resp.close()
            target = str(request.url)
            if not is_http_url(target):
                raise FetchError(f"redirected to a non-HTTP address: {target[:200]}")
            if target in seen:
                raise FetchError(f"redirect loop at {target[:200]}")
            seen.add(target)
        raise FetchError(f"too many redirects (more than {self.max_redirects})")

    def _read(self, resp: Any) -> Fetched:
        body = bytearray()
        if resp.status_code == 200:
            for chunk in resp.iter_bytes():
                body += chunk
                if len(body) > self.max_bytes:
                    raise FetchError(f"larger than {self.max_bytes / 2**20:g} MiB")
        return Fetched(
            resp.status_code,
            bytes(body),
            str(resp.url),
            resp.headers.get("content-type"),
            resp.headers.get("etag"),
            resp.headers.get("last-modified"),
        )


def httpcore_pool(guard: Any) -> Any:
    """httpx's default connection pool with the guard as its network backend, no keep-alive."""
    import httpcore
    import httpx

    return httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_keepalive_connections=0,
        network_backend=guard,
    )


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


# --- story files ------------------------------------------------------------------------


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
        _write_atomic(path, text)
        self._remember(path, record)
        return True

    def count(self, slug: str) -> int:
        return sum(1 for _ in (self.root / slug).glob("*.json"))


# --- fetching feeds ---------------------------------------------------------------------


@dataclass(frozen=True)
class FeedProblem:
    source: str  # the feed's or the page's URL
    message: str


@dataclass
class FeedResult:
    url: str
    title: str | None = None
    status: str = "ok"  # "ok", "not modified" or "error"
    error: str | None = None
    entries: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0  # stories already stored from another feed (or twice in this one)
    pages: int = 0  # article pages fetched


@dataclass
class FetchReport:
    feeds: list[FeedResult] = field(default_factory=list)
    problems: list[FeedProblem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> int:
        return sum(f.new + f.updated for f in self.feeds)

    def as_dict(self) -> dict[str, object]:
        return {
            "feeds": [asdict(f) for f in self.feeds],
            "problems": [asdict(p) for p in self.problems],
            "seconds": round(self.seconds, 3),
        }


def refresh_feeds(settings: IndexConfig) -> FetchReport:
    """Fetch every registered feed and store its new and changed stories.

    Never raises for a feed or page that fails: it is reported and the rest continue.
    """
    started = time.perf_counter()
    registry = feed_registry(settings)
    feeds = registry.load()
    report = FetchReport()
    if not feeds:
        return report
    store = StoryFiles(feeds_dir(settings))
    registered = {f.url for f in feeds}
    with _http(settings) as http:
        for feed in feeds:
            report.feeds.append(_refresh_one(feed, http, store, settings, registered, report))
    registry.merge_states(feeds)
    report.seconds = time.perf_counter() - started
    return report


@contextmanager
def _http(settings: IndexConfig) -> Iterator[Http]:
    http = Http(settings)
    try:
        yield http
    finally:
        http.close()


def _refresh_one(
    feed: FeedState,
    http: Http,
    store: StoryFiles,
    settings: IndexConfig,
    registered: set[str],
    report: FetchReport,
) -> FeedResult:
    result = FeedResult(url=feed.url, title=feed.title)
    feed.last_fetched = _now()

    def fail(message: str) -> FeedResult:
        result.status, result.error = "error", message
        feed.last_status, feed.last_error = "error", message
        report.problems.append(FeedProblem(feed.url, message))
        return result

    headers = {"Accept": _FEED_ACCEPT}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    try:
        got = http.get(feed.url, headers, home=feed.url)
    except FetchError as exc:
        return fail(str(exc))
    if got.status == 304:
        result.status = "not modified"
        feed.last_status, feed.last_error = "not modified", None
        result.unchanged = feed.stories
        return result
    if got.status != 200:
        return fail(f"HTTP {got.status}")
    try:
        parsed = parse_feed(got.body, got.url, got.content_type)
    except ValueError as exc:
        return fail(str(exc))
    feed.title = result.title = parsed.title or feed.title
    entries = parsed.entries[: settings.feeds.max_entries]
    result.entries = len(entries)

    # Decide per entry: duplicate, unchanged (no page fetched), or to (re)build.
    todo: list[tuple[FeedEntry, Path, bool]] = []
    seen: set[str] = set()
    for entry in entries:
        if entry.key is None:
            report.problems.append(
                FeedProblem(feed.url, f"entry {entry.title!r} has neither GUID nor link")
            )
            continue
        if entry.key in seen:  # listed twice (same GUID; or same URL, without GUID)
            result.duplicates += 1
            continue
        seen.update(entry.keys)
        path = store.find(entry, feed.url)
        old = store.records.get(path) if path else None
        if old is not None and old.get("feed") != feed.url and old.get("feed") in registered:
            result.duplicates += 1  # another registered feed stored it first
            continue
        if (
            old is not None
            and old.get("entry_hash") == entry.entry_hash
            and old.get("text_from") != "summary"
        ):
            result.unchanged += 1
            continue
        wants_page = settings.feeds.fetch_pages and entry.needs_page(settings.feeds.min_text_chars)
        todo.append((entry, path or store.path_for(feed.slug, entry.key), wants_page))

    pages = _fetch_pages([e.link for e, _, want in todo if want and e.link], http, feed.url)
    clean = True
    for entry, path, wants_page in todo:
        page: RawDoc | None = None
        if wants_page and entry.link:
            result.pages += 1
            got_page = pages[entry.link]
            if isinstance(got_page, str):
                clean = False
                kept = "kept the feed's summary" if entry.text else "story skipped"
                report.problems.append(FeedProblem(entry.link, f"{got_page} ({kept})"))
            else:
                page = got_page
        record = build_story(entry, feed.url, parsed.title, page, wants_page)
        if record is None:
            continue
        existed = path.exists()
        try:
            written = store.write(path, record)
        except OSError as exc:
            clean = False
            report.problems.append(FeedProblem(str(path), f"cannot write: {exc.strerror}"))
            continue
        if not written:
            result.unchanged += 1
        elif existed:
            result.updated += 1
        else:
            result.new += 1

    feed.stories = store.count(feed.slug)
    feed.last_status, feed.last_error = "ok", None
    # After a failed page the feed is fetched in full next time, so the page is retried.
    feed.etag = got.etag if clean else None
    feed.last_modified = got.last_modified if clean else None
    return result


def _fetch_pages(links: list[str], http: Http, feed_url: str) -> dict[str, RawDoc | str]:
    """Each link's article, or a one-line reason it could not be had; a few at a time.

    The links come from the feed's content: only the feed's own host (and the allowed
    hosts) may be private addresses."""

    def one(link: str) -> RawDoc | str:
        try:
            got = http.get(link, {"Accept": _PAGE_ACCEPT}, home=feed_url)
        except FetchError as exc:
            return str(exc)
        if got.status != 200:
            return f"HTTP {got.status}"
        kind = (got.content_type or "text/html").split(";", 1)[0].strip().lower()
        if kind not in ("text/html", "application/xhtml+xml"):
            return f"not an HTML page ({kind})"
        text = got.body.decode(_charset(got.content_type), errors="replace")
        return html_to_doc(text)

    unique = list(dict.fromkeys(links))
    if not unique:
        return {}
    with ThreadPoolExecutor(min(_PAGE_WORKERS, len(unique))) as pool:
        return dict(zip(unique, pool.map(one, unique), strict=True))


def _charset(content_type: str | None) -> str:
    for part in (content_type or "").split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            import codecs

            try:
                return codecs.lookup(value.strip("\"'")).name
            except LookupError:
                break
    return "utf-8"


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
