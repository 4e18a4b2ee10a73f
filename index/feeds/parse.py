"""The one RSS/Atom parser: feed bytes -> entries -> story records, no I/O.

Both ways a feed reaches the index go through it: a registered feed (`refresh.py` fetches
it and writes each record as a JSON story file) and a feed file dropped in the articles
folder (`index.ingest.sources` reads each entry as the same record). So one feed indexes
alike either way: the same content choice, HTML cleanup, URL spelling and dates. A record
holds `title`, `url`, `date`, `outlet`, `text`; `guid`, `feed` and the rest are bookkeeping.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from index.ingest.sources import RawDoc, html_to_doc

# Query parameters that only track where a click came from: dropped from story URLs.
_TRACKING = re.compile(r"^(utm_\w*|fbclid|gclid|mc_cid|mc_eid)$", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_http_url(url: str | None) -> bool:
    """True for an absolute http(s) URL with a host."""
    if not url:
        return False
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in _DEFAULT_PORTS and bool(parts.hostname)


def normalize_url(url: str) -> str:
    """A story URL in one spelling: fragment and utm_*/click-id parameters dropped, scheme
    and host lower-cased, default port dropped. Other URLs lose their fragment only."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url.split("#", 1)[0]
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return urlunsplit(parts._replace(fragment=""))
    host = parts.hostname.lower()
    netloc = f"[{host}]" if ":" in host else host
    if port and port != _DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not _TRACKING.match(k)
        ]
    )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def fragment_text(fragment: str) -> str:
    """Plain text of an HTML fragment (a feed's summary or content)."""
    if "<" not in fragment:
        return html.unescape(fragment).strip()
    return html_to_doc(f"<body>{fragment}</body>").text.strip()


@dataclass(frozen=True)
class FeedEntry:
    """What a feed says about one story."""

    guid: str | None
    link: str | None  # as the feed gives it (fetched when the entry is short)
    title: str | None
    published: str | None  # ISO date-time, UTC
    text: str  # plain text of the content, else of the summary
    entry_hash: str  # changes when the feed changes anything about the entry

    @property
    def url(self) -> str | None:
        """The normalised link: one spelling per story."""
        return normalize_url(self.link) if self.link else None

    @property
    def keys(self) -> list[str]:
        """Identities of the story, strongest first: its GUID, then its URL."""
        keys = [f"guid:{self.guid}"] if self.guid else []
        if self.url:
            keys.append(f"url:{self.url}")
        return keys

    @property
    def key(self) -> str | None:
        """The key the story's file is named after (GUID, else URL); None: no identity."""
        keys = self.keys
        return keys[0] if keys else None

    def needs_page(self, min_chars: int) -> bool:
        """True when the entry carries little text and links to a page that may hold more."""
        return len(self.text) < min_chars and is_http_url(self.link)


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    entries: list[FeedEntry]


def _iso(parsed: Any) -> str | None:
    if not parsed:
        return None
    try:
        return datetime(*parsed[:6]).replace(tzinfo=UTC).isoformat()
    except (TypeError, ValueError):
        return None


def _entry(entry: Any) -> FeedEntry:
    contents = [c.get("value") or "" for c in entry.get("content") or []]
    body = max(contents, key=len, default="") or entry.get("summary") or ""
    text = fragment_text(body)
    guid = (entry.get("id") or "").strip() or None
    link = (entry.get("link") or "").strip() or None
    title = fragment_text(entry.get("title") or "") or None
    # dict.get: feedparser's own get maps a missing "updated" to "published", with a warning
    updated = dict.get(entry, "updated")
    published = _iso(dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed"))
    stamp = [guid, link, title, published, updated, text]
    digest = hashlib.sha1(json.dumps(stamp, ensure_ascii=False).encode()).hexdigest()
    return FeedEntry(guid, link, title, published, text, digest[:16])


def parse_feed(data: bytes, url: str | None = None, content_type: str | None = None) -> ParsedFeed:
    """Entries of an RSS/Atom document; ValueError when it is not a feed.

    Relative links resolve against `url` (a feed file has none: they stay as written). The
    bytes go in as a stream: feedparser would otherwise treat a body that happens to be a
    path as a file name to open. A document that declares XML entities is refused
    (`refuse_xml_entities`).
    """
    import feedparser

    refuse_xml_entities(data)

    headers = {"content-location": url} if url else {}
    if content_type:
        headers["content-type"] = content_type
    feed = feedparser.parse(io.BytesIO(data), response_headers=headers)
    if not feed.get("version") and not feed.entries:
        raise ValueError("not an RSS or Atom feed")
    title = fragment_text(feed.feed.get("title") or "") or None
    return ParsedFeed(title, [_entry(e) for e in feed.entries])


def build_story(
    entry: FeedEntry,
    feed_url: str,
    feed_title: str | None,
    page: RawDoc | None = None,
    page_wanted: bool = False,
) -> dict[str, object] | None:
    """The record stored for a story; None when there is no text at all.

    The page's text is used when it is longer than the feed's; `page_wanted` without a
    page marks the record (`text_from: "summary"`) so the page is tried again next time.
    """
    text, outlet, text_from = entry.text, feed_title, "feed"
    if page is not None and len(page.text.strip()) > len(text):
        text, outlet, text_from = page.text.strip(), page.outlet or feed_title, "page"
    elif page_wanted and page is None:
        text_from = "summary"
    if not text:
        return None
    published = entry.published
    if not published and page is not None and page.date:
        published = page.date.isoformat()
    title = entry.title or (page.title if page is not None else None)
    return {
        "title": title,
        "url": entry.url,
        "date": published,
        "outlet": outlet,
        "text": text,
        "guid": entry.guid,
        "feed": feed_url,
        "entry_hash": entry.entry_hash,
        "text_from": text_from,
    }


_ENTITY_DECLARATION = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)


def refuse_xml_entities(data: bytes) -> None:
    """ValueError when an XML document declares entities or references external ones.

    feedparser expands entities it deems safe (plain text, one level), which still lets a
    small feed grow to gigabytes (one long entity referenced many times), and its loose
    parser takes the same entities. So entity expansion is off by refusing such documents
    before feedparser sees them: defusedxml decides for well-formed XML (in any encoding
    expat reads); a malformed document is refused when its bytes (NULs dropped, for
    UTF-16/32) hold an entity declaration anywhere.
    """
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
        return
    except DefusedXmlException:
        pass
    except (ParseError, ValueError, LookupError):
        if not _ENTITY_DECLARATION.search(data.replace(b"\x00", b"")):
            return
    raise ValueError("declares XML entities (refused: entity expansion is off)")
