"""Refreshing the registered feeds: fetch each (a conditional GET; 304 means nothing to
do), parse it, pick the entries that are new or changed (dropping duplicates), fetch the
pages of short ones, write their story files for the normal indexer, and report.

Feeds and pages fail independently: each failure is reported, the rest continue. The
parts: `registry.py` (the feed list), `fetch.py` (HTTP), `parse.py` (RSS/Atom -> records),
`stories.py` (the story files).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from index.feeds.fetch import Fetched, FetchError, Http, fetch_pages, http_client
from index.feeds.parse import FeedEntry, ParsedFeed, build_story, parse_feed
from index.feeds.registry import FeedState, FeedStatus, feed_registry, feeds_dir, now
from index.feeds.stories import StoryFiles
from index.settings import IndexConfig

_FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.8"


@dataclass(frozen=True)
class FeedProblem:
    source: str  # the feed's or the page's URL
    message: str


@dataclass
class FeedResult:
    url: str
    title: str | None = None
    status: FeedStatus = "ok"
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
    with http_client(settings) as http:
        for feed in feeds:
            report.feeds.append(_refresh_one(feed, http, store, settings, registered, report))
    registry.merge_states(feeds)
    report.seconds = time.perf_counter() - started
    return report


@dataclass
class _Todo:
    """An entry to (re)build, the file it goes to, and whether its page is wanted."""

    entry: FeedEntry
    path: Path
    wants_page: bool


@dataclass
class _Run:
    """One feed's refresh, as its phases fill it in."""

    feed: FeedState
    report: FetchReport
    result: FeedResult
    clean: bool = True  # every page fetched and every story written

    def problem(self, source: str, message: str) -> None:
        self.report.problems.append(FeedProblem(source, message))

    def fail(self, message: str) -> FeedResult:
        """The feed could not be had: reported, and its state says why."""
        self.result.status, self.result.error = "error", message
        self.feed.last_status, self.feed.last_error = "error", message
        self.problem(self.feed.url, message)
        return self.result


def _refresh_one(
    feed: FeedState,
    http: Http,
    store: StoryFiles,
    settings: IndexConfig,
    registered: set[str],
    report: FetchReport,
) -> FeedResult:
    """One feed, phase by phase: fetch, parse, select, write, report."""
    run = _Run(feed, report, FeedResult(url=feed.url, title=feed.title))
    feed.last_fetched = now()
    try:
        got = _fetch(feed, http)
    except FetchError as exc:
        return run.fail(str(exc))
    if got.status == 304:
        return _not_modified(run)
    try:
        parsed = _parse(got, run, settings.feeds.max_entries)
    except ValueError as exc:
        return run.fail(str(exc))
    todo = _select(parsed, run, store, settings, registered)
    _write(todo, parsed.title, run, store, http)
    return _report(run, got, store)


def _fetch(feed: FeedState, http: Http) -> Fetched:
    """The feed, 200 or 304 (unchanged since the ETag / Last-Modified it sent); FetchError
    for anything else."""
    headers = {"Accept": _FEED_ACCEPT}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    got = http.get(feed.url, headers, home=feed.url)
    if got.status not in (200, 304):
        raise FetchError(f"HTTP {got.status}")
    return got


def _not_modified(run: _Run) -> FeedResult:
    run.result.status = "not modified"
    run.feed.last_status, run.feed.last_error = "not modified", None
    run.result.unchanged = run.feed.stories
    return run.result


def _parse(got: Fetched, run: _Run, max_entries: int) -> ParsedFeed:
    """The feed's first `max_entries` entries; ValueError when it is not a feed."""
    parsed = parse_feed(got.body, got.url, got.content_type)
    run.feed.title = run.result.title = parsed.title or run.feed.title
    entries = parsed.entries[:max_entries]
    run.result.entries = len(entries)
    return ParsedFeed(parsed.title, entries)


def _select(
    parsed: ParsedFeed, run: _Run, store: StoryFiles, settings: IndexConfig, registered: set[str]
) -> list[_Todo]:
    """The entries to (re)build; the rest are counted as duplicates or unchanged (and
    fetch no page)."""
    feed, result = run.feed, run.result
    todo: list[_Todo] = []
    seen: set[str] = set()
    for entry in parsed.entries:
        if entry.key is None:
            run.problem(feed.url, f"entry {entry.title!r} has neither GUID nor link")
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
        todo.append(_Todo(entry, path or store.path_for(feed.slug, entry.key), wants_page))
    return todo


def _write(
    todo: list[_Todo], feed_title: str | None, run: _Run, store: StoryFiles, http: Http
) -> None:
    """Fetch the wanted pages, build each story and write its file (if it changed)."""
    feed, result = run.feed, run.result
    links = [t.entry.link for t in todo if t.wants_page and t.entry.link]
    pages = fetch_pages(links, http, feed.url)
    for item in todo:
        entry, page = item.entry, None
        if item.wants_page and entry.link:
            result.pages += 1
            got_page = pages[entry.link]
            if isinstance(got_page, str):
                run.clean = False
                kept = "kept the feed's summary" if entry.text else "story skipped"
                run.problem(entry.link, f"{got_page} ({kept})")
            else:
                page = got_page
        record = build_story(entry, feed.url, feed_title, page, item.wants_page)
        if record is None:
            continue
        existed = item.path.exists()
        try:
            written = store.write(item.path, record)
        except OSError as exc:
            run.clean = False
            run.problem(str(item.path), f"cannot write: {exc.strerror}")
            continue
        if not written:
            result.unchanged += 1
        elif existed:
            result.updated += 1
        else:
            result.new += 1


def _report(run: _Run, got: Fetched, store: StoryFiles) -> FeedResult:
    """The feed's state after a fetch that got through."""
    feed = run.feed
    feed.stories = store.count(feed.slug)
    feed.last_status, feed.last_error = "ok", None
    # After a failed page the feed is fetched in full next time, so the page is retried.
    feed.etag = got.etag if run.clean else None
    feed.last_modified = got.last_modified if run.clean else None
    return run.result
