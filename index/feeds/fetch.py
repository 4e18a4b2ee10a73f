"""Feeds and pages over HTTP: one total deadline per fetch (connect, headers, body,
redirects), a User-Agent, a size limit, and URLs from feed content and redirects kept off
private addresses unless the host is the feed's own or allowed (`index/http_guard.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from index.feeds.parse import is_http_url
from index.ingest.sources import RawDoc, html_to_doc
from index.settings import IndexConfig

_PAGE_WORKERS = 4
_MAX_REDIRECTS = 5
_PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


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


@contextmanager
def http_client(settings: IndexConfig) -> Iterator[Http]:
    http = Http(settings)
    try:
        yield http
    finally:
        http.close()


def fetch_pages(links: list[str], http: Http, feed_url: str) -> dict[str, RawDoc | str]:
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
