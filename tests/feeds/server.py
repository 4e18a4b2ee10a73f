"""A news site on 127.0.0.1 for the feed tests: RSS, Atom and article pages over real HTTP.

Each path serves a `Resource` that tests can change between requests. A resource can carry
an ETag (then a matching If-None-Match gets 304), answer any status, redirect (Location),
hang until the server stops, wait before answering, or send its head or body a byte at a
time (slow servers, for the total deadline). Unknown paths are 404. Every request is
recorded with its headers and the status it got; `hits` counts every request received.

    with NewsSite() as site:
        site.put("/rss.xml", rss(...), RSS)
        ... NEWSBOT_... = site.url("/rss.xml") ...
        assert site.statuses("/rss.xml") == [200, 304]
"""

from __future__ import annotations

import hashlib
import sys
import threading
from dataclasses import dataclass
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
HTML = "text/html; charset=utf-8"


@dataclass
class Resource:
    body: str
    content_type: str = HTML
    status: int = 200
    etag: bool = True  # send an ETag (a hash of the body) and honour If-None-Match
    hang: bool = False  # send nothing until the server stops
    location: str | None = None  # a Location header (give a 3xx status with it)
    delay: float = 0.0  # seconds to wait before answering
    drip_head: float = 0.0  # send the status line and headers a byte every so many seconds
    drip_body: float = 0.0  # send the body a byte every so many seconds


@dataclass(frozen=True)
class Seen:
    path: str
    headers: dict[str, str]  # names in lower case
    status: int | None  # None: the request hung


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that gave up
            super().handle_error(request, client_address)


class NewsSite:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host  # any 127.x.y.z: another loopback host for the address guard tests
        self.resources: dict[str, Resource] = {}
        self.seen: list[Seen] = []
        self.hits = 0  # requests received, including those that never got an answer
        self._lock = threading.Lock()
        self._stop = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                site._serve(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = _Server((host, 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def put(self, path: str, body: str, content_type: str = HTML, **options: object) -> None:
        with self._lock:
            self.resources[path] = Resource(body, content_type, **options)  # type: ignore[arg-type]

    def statuses(self, path: str) -> list[int | None]:
        with self._lock:
            return [s.status for s in self.seen if s.path == path]

    def requests(self, path: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.path == path]

    def _record(self, handler: BaseHTTPRequestHandler, path: str, status: int | None) -> None:
        with self._lock:
            headers = {k.lower(): v for k, v in handler.headers.items()}
            self.seen.append(Seen(path, headers, status))

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        path = urlsplit(handler.path).path
        with self._lock:
            self.hits += 1
            res = self.resources.get(path)
        if res is not None and res.hang:
            self._record(handler, path, None)
            self._stop.wait(30)
            handler.close_connection = True
            return
        if res is None:
            res = Resource("<html><body><h1>Not found</h1></body></html>", status=404, etag=False)
        if res.delay and self._stop.wait(res.delay):
            return
        body = res.body.encode("utf-8")
        etag = f'"{hashlib.sha1(body).hexdigest()[:12]}"' if res.etag else None
        if etag and res.status == 200 and handler.headers.get("If-None-Match") == etag:
            self._record(handler, path, 304)
            handler.send_response(304)
            handler.send_header("ETag", etag)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        self._record(handler, path, res.status)
        head = [f"HTTP/1.1 {res.status} {handler.responses.get(res.status, ('',))[0]}"]
        head += [f"Content-Type: {res.content_type}", f"Content-Length: {len(body)}"]
        if etag:
            head.append(f"ETag: {etag}")
        if res.location:
            head.append(f"Location: {res.location}")
        raw_head = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        self._send(handler, raw_head, res.drip_head)
        self._send(handler, body, res.drip_body)

    def _send(self, handler: BaseHTTPRequestHandler, data: bytes, drip: float) -> None:
        """Write data at once, or a byte every `drip` seconds until done or stopped."""
        if not drip:
            handler.wfile.write(data)
            return
        for i in range(len(data)):
            handler.wfile.write(data[i : i + 1])
            handler.wfile.flush()
            if self._stop.wait(drip):
                handler.close_connection = True
                return

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> NewsSite:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- documents --------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    title: str
    link: str
    guid: str | None = None
    text: str = ""  # full text (RSS content:encoded / Atom content)
    summary: str = ""
    date: str = "2025-06-02T09:00:00Z"


def _rfc822(iso: str) -> str:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).strftime(
        "%a, %d %b %Y %H:%M:%S +0000"
    )


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n") if p.strip())


def rss(title: str, items: list[Item]) -> str:
    parts = []
    for it in items:
        guid = f'<guid isPermaLink="false">{escape(it.guid)}</guid>' if it.guid else ""
        content = (
            f"<content:encoded><![CDATA[{_paragraphs(it.text)}]]></content:encoded>"
            if it.text
            else ""
        )
        parts.append(
            f"<item><title>{escape(it.title)}</title><link>{escape(it.link)}</link>{guid}"
            f"<pubDate>{_rfc822(it.date)}</pubDate>"
            f"<description>{escape(it.summary)}</description>{content}</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>{escape(title)}</title><link>http://127.0.0.1/</link>"
        f"<description>test feed</description>{''.join(parts)}</channel></rss>"
    )


def atom(title: str, items: list[Item]) -> str:
    parts = []
    for it in items:
        content = (
            f'<content type="html">{escape(_paragraphs(it.text))}</content>' if it.text else ""
        )
        summary = f"<summary>{escape(it.summary)}</summary>" if it.summary else ""
        parts.append(
            f"<entry><title>{escape(it.title)}</title>"
            f'<link rel="alternate" href="{escape(it.link)}"/>'
            f"<id>{escape(it.guid or it.link)}</id><updated>{it.date}</updated>"
            f"<published>{it.date}</published>{summary}{content}</entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>urn:test:{escape(title)}</id>"
        f"<updated>2025-06-02T09:00:00Z</updated>{''.join(parts)}</feed>"
    )


def page(title: str, text: str, site_name: str = "Coastal Herald") -> str:
    """An article page with the clutter real pages have around the story."""
    return (
        "<!doctype html><html><head>"
        f"<title>{escape(title)} | {escape(site_name)}</title>"
        f'<meta property="og:title" content="{escape(title)}">'
        f'<meta property="og:site_name" content="{escape(site_name)}">'
        "</head><body>"
        "<nav><a href='/'>Home</a> <a href='/world'>World</a> Subscribe now</nav>"
        f"<article><h1>{escape(title)}</h1>{_paragraphs(text)}</article>"
        "<footer>Copyright Coastal Herald. Cookie settings.</footer>"
        "<script>trackEverything()</script></body></html>"
    )
