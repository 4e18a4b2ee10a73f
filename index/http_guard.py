"""What the feed fetcher may connect to, and until when: the SSRF guard and the deadline.

Feed content (entry links, redirects) is written by whoever runs the feed server, so a URL
taken from it must not make newsbot reach inside the network it runs in (a router, a
database, the cloud metadata service at 169.254.169.254). The guard works where the
connection is made: an httpcore network backend that resolves the host, checks every
address it resolves to, and connects to one of those checked addresses, never to a name
resolved again later, so a DNS answer that changes between check and connect (rebinding)
cannot slip through. Hosts that are exempt (the registered feed's own host, hosts the
operator lists in NEWSBOT_FEED_ALLOW_HOSTS) connect as usual.

The same backend enforces one total deadline per fetch: every connect, read and write
waits at most until the deadline, so a server that drips its headers or body, or a chain
of slow redirects, cannot stretch a fetch beyond its timeout.

The policy and deadline of the fetch in progress are per thread (pages are fetched from a
small thread pool), set by `Guard.fetch`.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpcore

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedAddress(Exception):
    """A host resolves to an address that feed content may not reach."""

    def __init__(self, host: str, address: str) -> None:
        super().__init__(f"points to a private address ({address})")
        self.host = host
        self.address = address


def blocked_kind(address: IPAddress) -> str | None:
    """Why an address is off limits to URLs from feed content; None when it is public.

    IPv4 inside IPv6 (::ffff:10.0.0.1, 6to4, Teredo) is judged by its IPv4 address.
    """
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if inner is not None:
            return blocked_kind(inner)
    checks = (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("unspecified", address.is_unspecified),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("site-local", isinstance(address, ipaddress.IPv6Address) and address.is_site_local),
        ("not global", not address.is_global),  # e.g. 100.64.0.0/10, shared address space
    )
    return next((kind for kind, hit in checks if hit), None)


def normal_host(host: str) -> str:
    """A host name as compared with the exempt hosts: lower case, no brackets, no final dot."""
    return host.strip().strip("[]").rstrip(".").lower()


def parse_hosts(text: str) -> frozenset[str]:
    """The host names of a comma-separated setting (NEWSBOT_FEED_ALLOW_HOSTS)."""
    return frozenset(h for part in text.split(",") if (h := normal_host(part)))


@dataclass(frozen=True)
class Fetch:
    """The rules of one fetch: until when, and which hosts skip the address check."""

    deadline: float  # time.monotonic()
    exempt: frozenset[str]

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def clamp(self, timeout: float | None, error: type[Exception]) -> float:
        """The time one wait may take: what is left of the deadline at most."""
        left = self.remaining()
        if left <= 0:
            raise error("the deadline of the fetch has passed")
        return left if timeout is None else min(timeout, left)


def resolve_checked(host: str, port: int) -> list[str]:
    """The addresses of a host, each checked; BlockedAddress if any of them is off limits.

    Every address counts, not just the first: a name that resolves to a public and a
    private address could be connected to either.
    """
    try:
        literal: IPAddress | None = ipaddress.ip_address(normal_host(host).split("%")[0])
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    for text in addresses:
        address = ipaddress.ip_address(text.split("%")[0])
        if (kind := blocked_kind(address)) is not None:
            shown = text if kind in ("private", "loopback") else f"{text}, {kind}"
            raise BlockedAddress(host, shown)
    return addresses


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write ends by the deadline of the fetch."""

    def __init__(self, inner: httpcore.NetworkStream, guard: Guard) -> None:
        self._inner = inner
        self._guard = guard

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(
            max_bytes, self._guard.current().clamp(timeout, httpcore.ReadTimeout)
        )

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._guard.current().clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        wait = self._guard.current().clamp(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, wait), self._guard
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class Guard(httpcore.NetworkBackend):
    """An httpcore network backend that checks addresses and keeps the deadline."""

    def __init__(self, default_seconds: float) -> None:
        self._sync = httpcore.SyncBackend()
        self._local = threading.local()
        self._default_seconds = default_seconds

    @contextmanager
    def fetch(self, seconds: float, exempt: Iterable[str] = ()) -> Iterator[Fetch]:
        """The rules for the requests this thread makes inside the block."""
        rules = Fetch(time.monotonic() + seconds, frozenset(normal_host(h) for h in exempt))
        previous = getattr(self._local, "fetch", None)
        self._local.fetch = rules
        try:
            yield rules
        finally:
            self._local.fetch = previous

    def current(self) -> Fetch:
        """The rules of this thread's fetch; outside one, no host is exempt."""
        rules = getattr(self._local, "fetch", None)
        return rules or Fetch(time.monotonic() + self._default_seconds, frozenset())

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        rules = self.current()
        if normal_host(host) in rules.exempt:
            targets = [host]  # the operator's own choice: connect as usual
        else:
            try:
                targets = resolve_checked(host, port)
            except OSError as exc:  # cannot resolve
                raise httpcore.ConnectError(str(exc)) from None
        error: Exception | None = None
        for target in targets:  # connect to a checked address, never to the name again
            wait = rules.clamp(timeout, httpcore.ConnectTimeout)
            try:
                stream = self._sync.connect_tcp(target, port, wait, local_address, socket_options)
            except httpcore.ConnectError as exc:
                error = exc
                continue
            return _DeadlineStream(stream, self)
        raise error or httpcore.ConnectError(f"no address for {host}")

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("feeds are fetched over TCP only")

    def sleep(self, seconds: float) -> None:
        self._sync.sleep(seconds)
