"""Feed parsing, URL normalising, story records, the registry and the fetcher, in-process."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pytest

from bot.settings import load_settings
from index.errors import SourceError
from index.feeds import FeedError, FeedRegistry, FeedResult, FetchReport, refresh_feeds
from index.feeds.fetch import FetchError, Http
from index.feeds.parse import build_story, normalize_url, parse_feed
from index.feeds.registry import feed_slug
from index.feeds.stories import StoryFiles, story_json
from index.http_guard import BlockedAddress, blocked_kind, parse_hosts, resolve_checked
from index.ingest.sources import read_docs
from tests.feeds.conftest import USER_AGENT
from tests.feeds.server import ATOM, RSS, Item, NewsSite, atom, page, rss
from tests.feeds.stories import BARRIER, LIGHTHOUSE_PAGE, LIGHTHOUSE_SUMMARY


@pytest.mark.parametrize(
    ("url", "normal"),
    [
        ("https://Example.COM/a/b.html#comments", "https://example.com/a/b.html"),
        (
            "https://example.com/a?id=3&utm_source=rss&utm_medium=feed&UTM_Campaign=x",
            "https://example.com/a?id=3",
        ),
        ("http://example.com:80/a?utm_source=x", "http://example.com/a"),
        ("https://example.com:8443/a?fbclid=1&b=2", "https://example.com:8443/a?b=2"),
        ("https://example.com", "https://example.com/"),
        ("tag:example.com,2025:story#x", "tag:example.com,2025:story"),
    ],
)
def test_story_urls_are_normalised(url: str, normal: str) -> None:
    assert normalize_url(url) == normal


def test_feed_slugs_are_folder_names() -> None:
    assert feed_slug("https://www.Example.com/world/rss.xml?x=1") == "www-example-com-world-rss-xml"
    assert feed_slug("http://127.0.0.1:8080/") == "127-0-0-1-8080"


def test_rss_entries_keys_and_text() -> None:
    doc = rss(
        "Coastal Herald",
        [
            Item("Barrier", "/articles/barrier.html?utm_source=rss#top", "g-1", BARRIER),
            Item("Lighthouse", "http://h.example/l.html", None, summary=LIGHTHOUSE_SUMMARY),
        ],
    )
    feed = parse_feed(doc.encode(), "http://h.example/feeds/rss.xml", RSS)
    assert feed.title == "Coastal Herald"
    barrier, lighthouse = feed.entries
    assert barrier.link == "http://h.example/articles/barrier.html?utm_source=rss#top"
    assert barrier.url == "http://h.example/articles/barrier.html"
    assert barrier.keys == ["guid:g-1", "url:http://h.example/articles/barrier.html"]
    assert "240 million euros" in barrier.text and "<p>" not in barrier.text
    assert barrier.published == "2025-06-02T09:00:00+00:00"
    assert not barrier.needs_page(400)
    assert lighthouse.key == "url:http://h.example/l.html" and lighthouse.needs_page(400)
    assert not lighthouse.needs_page(10)


def test_atom_entries() -> None:
    doc = atom("Energy", [Item("Barrier", "http://h.example/b", "tag:x,2025:b", BARRIER)])
    (entry,) = parse_feed(doc.encode(), "http://h.example/atom.xml", ATOM).entries
    assert entry.guid == "tag:x,2025:b" and entry.title == "Barrier"
    assert "12,000 homes" in entry.text


def test_an_entry_hash_changes_with_a_correction_only() -> None:
    def entry(text: str):  # type: ignore[no-untyped-def]
        doc = rss("F", [Item("Barrier", "http://h.example/b", "g", text)])
        return parse_feed(doc.encode(), "http://h.example/f").entries[0]

    assert entry(BARRIER).entry_hash == entry(BARRIER).entry_hash
    assert entry(BARRIER).entry_hash != entry(BARRIER + " Corrected.").entry_hash


@pytest.mark.parametrize("body", [b"<html><body>moved</body></html>", b"", b"/etc/passwd"])
def test_what_is_not_a_feed_is_an_error(body: bytes) -> None:
    # "/etc/passwd" as a body must not be opened as a file (feedparser would, given bytes)
    with pytest.raises(ValueError, match="not an RSS or Atom feed"):
        parse_feed(body, "http://h.example/feed")


def test_a_story_file_reads_back_as_an_article(tmp_path: Path) -> None:
    doc = rss("Coastal Herald", [Item("Lighthouse", "http://h.example/l", "l", summary="S.")])
    (entry,) = parse_feed(doc.encode(), "http://h.example/f").entries
    from index.ingest.sources import html_to_doc

    from_page = html_to_doc(page("Kestrel Point lighthouse reopens", LIGHTHOUSE_PAGE, "Herald"))
    record = build_story(entry, "http://h.example/f", "Coastal Herald", from_page, True)
    assert record is not None and record["text_from"] == "page" and record["outlet"] == "Herald"
    path = tmp_path / "story.json"
    path.write_text(story_json(record))
    (raw,), _ = read_docs(path, 2**20)
    assert (raw.title, raw.url, raw.date, raw.outlet) == (
        "Lighthouse",
        "http://h.example/l",
        date(2025, 6, 2),
        "Herald",
    )
    assert raw.text.startswith("Kestrel Point lighthouse reopens\nThe restoration")

    # the page could not be fetched: the summary is kept, and marked to try again
    kept = build_story(entry, "http://h.example/f", "Coastal Herald", None, True)
    assert kept is not None and (kept["text"], kept["text_from"]) == ("S.", "summary")


def test_the_registry(tmp_path: Path) -> None:
    registry = FeedRegistry(tmp_path / "data" / "feeds.json")
    feed, added = registry.add("https://example.com/rss.xml")
    assert added and feed.slug == "example-com-rss-xml"
    assert registry.add("https://EXAMPLE.com/rss.xml#x") == (feed, False)
    other, _ = registry.add("https://example.com/rss.xml?utm_source=a&page=2")
    assert other.slug == "example-com-rss-xml-2"  # one folder per feed
    with pytest.raises(FeedError, match="Not a feed address"):
        registry.add("example.com/rss")
    assert registry.remove("https://example.com/rss.xml").url == feed.url
    assert [f.url for f in registry.load()] == [other.url]
    with pytest.raises(FeedError, match="No feed registered"):
        registry.remove("https://example.com/rss.xml")
    # written atomically: no temp files left beside it
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["feeds.json"]
    (tmp_path / "data" / "feeds.json").write_text("{not json")
    with pytest.raises(FeedError, match=r"feed registry .* is unreadable"):
        registry.load()


def test_story_files_dedupe_by_guid_else_url(tmp_path: Path) -> None:
    doc = rss(
        "F",
        [
            Item("A", "http://h.example/home", "a-1", "Story A."),
            Item("B", "http://h.example/home", "b-1", "Story B."),  # same link, other GUID
        ],
    )
    a, b = parse_feed(doc.encode(), "http://h.example/f").entries
    files = StoryFiles(tmp_path)
    path = files.path_for("f", a.key or "")
    assert files.write(path, build_story(a, "http://h.example/f", "F") or {})
    assert not files.write(path, build_story(a, "http://h.example/f", "F") or {})  # unchanged
    assert StoryFiles(tmp_path).find(a, "http://h.example/f") == path
    # in the same feed, another GUID is another story even with the same link...
    assert StoryFiles(tmp_path).find(b, "http://h.example/f") is None
    # ...but from another feed, the same link is the same story
    assert StoryFiles(tmp_path).find(b, "http://other.example/g") == path


def test_fetching_sends_the_user_agent_and_uses_conditional_get(tmp_path: Path) -> None:
    settings = load_settings(
        _env_file=None,
        articles_dir=tmp_path / "articles",
        data_dir=tmp_path / "data",
        feed_user_agent=USER_AGENT,
        feed_timeout_seconds=1,
    )
    with NewsSite() as site:
        body = rss("F", [Item("Barrier", site.url("/b"), "b", BARRIER)])
        site.put("/rss.xml", body, RSS)
        etag = f'"{hashlib.sha1(body.encode()).hexdigest()[:12]}"'
        FeedRegistry(settings.index.data_dir / "feeds.json").add(site.url("/rss.xml"))
        first = refresh_feeds(settings)
        assert [(f.status, f.new) for f in first.feeds] == [("ok", 1)]
        second = refresh_feeds(settings)
        assert [f.status for f in second.feeds] == ["not modified"]
        seen = site.requests("/rss.xml")
        assert [s.status for s in seen] == [200, 304]
        assert seen[0].headers["user-agent"] == USER_AGENT
        assert "if-none-match" not in seen[0].headers
        assert seen[1].headers["if-none-match"] == etag
        (story,) = (settings.index.articles_dir / "feeds").glob("*/*.json")
        assert json.loads(story.read_text())["title"] == "Barrier"


def test_the_fetcher_never_leaves_loopback(tmp_path: Path) -> None:
    http = Http(load_settings(_env_file=None, data_dir=tmp_path, feed_timeout_seconds=1))
    try:
        with pytest.raises(FetchError, match=r"cannot connect.*blocked in tests"):
            http.get("http://example.com/rss.xml")
    finally:
        http.close()


def test_a_fetch_report_as_json() -> None:
    report = FetchReport([FeedResult("http://h.example/f", "F", new=2, updated=1)])
    assert report.changed == 3
    assert report.as_dict()["feeds"][0]["new"] == 2  # type: ignore[index]


# --- issue 12: XML entities, private addresses -------------------------------------------

_ITEM = "<item><title>T</title><link>http://h.example/a</link><description>{}</description></item>"


def _feed_with_dtd(subset: str, text: str) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [{subset}]>\n'
        f'<rss version="2.0"><channel><title>F</title>{_ITEM.format(text)}</channel></rss>'
    ).encode()


def _entity_bombs(secret: Path) -> dict[str, bytes]:
    lol = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 9)
    )
    return {
        "xxe": _feed_with_dtd(f'<!ENTITY x SYSTEM "file://{secret}">', "see &x;"),
        "billion laughs": _feed_with_dtd(lol, "&l8;"),
        "quadratic": _feed_with_dtd(f'<!ENTITY a "{"A" * 5000}">', "&a;" * 5000),
        "malformed": _feed_with_dtd(f'<!ENTITY a "{"A" * 500}">', "&a;" * 500 + "<b>"),
    }


@pytest.mark.parametrize("kind", ["xxe", "billion laughs", "quadratic", "malformed"])
def test_xml_entities_are_refused_by_both_feed_parsers(tmp_path: Path, kind: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-LOCAL-FILE")
    doc = _entity_bombs(secret)[kind]
    with pytest.raises(ValueError, match="declares XML entities"):
        parse_feed(doc, "http://h.example/f")
    path = tmp_path / "local.xml"  # the same document as a local feed file
    path.write_bytes(doc)
    with pytest.raises(SourceError, match="declares XML entities"):
        read_docs(path, 2**20)


def test_ordinary_dtds_and_character_references_still_parse() -> None:
    doc = (
        '<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS '
        '0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd">\n'
        '<rss version="0.91"><channel><title>A &amp; B</title>'
        f"{_ITEM.format('caf&#233;')}</channel></rss>"
    )
    feed = parse_feed(doc.encode(), "http://h.example/f")
    assert feed.title == "A & B" and feed.entries[0].text == "café"
    utf16 = doc.replace('"1.0"?>', '"1.0" encoding="utf-16"?>', 1).encode("utf-16")
    assert len(parse_feed(utf16, "http://h.example/f").entries) == 1


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.2", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("172.16.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "not global"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("::1", "loopback"),
        ("fd00::1", "private"),
        ("fe80::1", "link-local"),
        ("::ffff:169.254.169.254", "link-local"),
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("93.184.216.34", None),
        ("2606:4700::1111", None),
    ],
)
def test_address_kinds(address: str, kind: str | None) -> None:
    import ipaddress

    assert blocked_kind(ipaddress.ip_address(address)) == kind


def test_every_resolved_address_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def both(host: str, port: int, **kw: object) -> list[tuple[object, ...]]:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", both)
    with pytest.raises(BlockedAddress, match=r"private address \(10\.0\.0\.7\)"):
        resolve_checked("rebind.example", 80)
    assert resolve_checked("93.184.216.34", 80) == ["93.184.216.34"]  # literal: no lookup
    assert parse_hosts(" Intranet.Local., ,[::1] ") == {"intranet.local", "::1"}


def test_the_guard_connects_to_the_address_it_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS rebinding: the name is resolved once; the connection goes to that checked address."""
    import socket

    import httpcore

    from index.http_guard import Guard

    lookups: list[str] = []
    connects: list[str] = []

    def answer(host: str, port: int, **kw: object) -> list[tuple[object, ...]]:
        lookups.append(host)  # a second lookup would answer 127.0.0.1
        ip = "93.184.216.34" if len(lookups) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))]

    def connect(self: object, host: str, port: int, *args: object) -> object:
        connects.append(host)
        raise httpcore.ConnectError("not really connecting")

    monkeypatch.setattr(socket, "getaddrinfo", answer)
    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", connect)
    guard = Guard(1)
    with pytest.raises(httpcore.ConnectError), guard.fetch(1):
        guard.connect_tcp("rebind.example", 80)
    assert (lookups, connects) == (["rebind.example"], ["93.184.216.34"])
    with guard.fetch(1, exempt=["Rebind.Example"]), pytest.raises(httpcore.ConnectError):
        guard.connect_tcp("rebind.example", 80)  # exempt: connects by name, as usual
    assert connects[-1] == "rebind.example"
