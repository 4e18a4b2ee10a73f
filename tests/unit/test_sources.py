import json
from datetime import date
from pathlib import Path

import pytest

from index.errors import SourceError
from index.ingest.sources import decode, discover, read_docs, to_articles

MB = 2**20


def test_discover_skips_hidden_unknown_and_outside_links(tmp_path: Path) -> None:
    root = tmp_path / "articles"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("x")
    (root / "sub" / "b.md").write_text("x")
    (root / ".hidden.txt").write_text("x")
    (root / "image.png").write_bytes(b"x")
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    (root / "link.txt").symlink_to(outside)
    (root / "inside.txt").symlink_to(root / "a.txt")
    assert [rel for _, rel in discover(root)] == ["a.txt", "inside.txt", "sub/b.md"]


def test_json_and_jsonl_carry_metadata(tmp_path: Path) -> None:
    f = tmp_path / "feed.jsonl"
    rows = [
        {"title": "T1", "text": "Body one. " * 5, "published": "2025-03-01T10:00:00Z", "url": "u1"},
        {"headline": "T2", "content": "Body two. " * 5, "date": "March 2, 2025"},
    ]
    f.write_text("\n".join(json.dumps(r) for r in rows))
    docs, warnings = read_docs(f, MB)
    assert warnings == []
    arts = to_articles("feed.jsonl", docs)
    assert [(a.title, a.date, a.url) for a in arts] == [
        ("T1", date(2025, 3, 1), "u1"),
        ("T2", date(2025, 3, 2), None),
    ]
    assert len({a.article_id for a in arts}) == 2


def test_html_uses_article_text_and_meta(tmp_path: Path) -> None:
    f = tmp_path / "page.html"
    f.write_text(
        "<html><head><title>Site</title><meta property='og:title' content='Real Title'>"
        "<meta property='article:published_time' content='2025-05-24T08:00:00Z'></head>"
        "<body><nav>Home | World | Sport</nav><article><h1>Real Title</h1>"
        "<p>First paragraph of the story.</p><p>Second paragraph.</p></article>"
        "<footer>Copyright</footer><script>var x=1;</script></body></html>"
    )
    (art,) = to_articles("page.html", read_docs(f, MB)[0])
    assert art.title == "Real Title" and art.date == date(2025, 5, 24)
    assert art.text == "First paragraph of the story.\n\nSecond paragraph."


def test_rss_feed_entries_become_articles(tmp_path: Path) -> None:
    f = tmp_path / "news.rss"
    f.write_text(
        """<?xml version="1.0"?><rss version="2.0"><channel><title>Outlet</title>
        <item><title>Story A</title><link>http://example.org/a</link>
        <pubDate>Sat, 24 May 2025 10:00:00 GMT</pubDate>
        <description>&lt;p&gt;Story A body text here.&lt;/p&gt;</description></item>
        </channel></rss>"""
    )
    (art,) = to_articles("news.rss", read_docs(f, MB)[0])
    assert (art.title, art.date, art.url, art.outlet) == (
        "Story A",
        date(2025, 5, 24),
        "http://example.org/a",
        "Outlet",
    )
    assert art.text == "Story A body text here."


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"   \n", "empty file"),
        ("bin.txt", b"\x00\x01\x02abc", "binary"),
        ("bad.json", b"{not json", "invalid JSON"),
        ("none.json", b'{"title": "no body"}', "no object with a text"),
    ],
)
def test_unusable_files_raise_a_clear_error(
    tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    f = tmp_path / name
    f.write_bytes(data)
    with pytest.raises(SourceError, match=message):
        read_docs(f, MB)


def test_size_cap(tmp_path: Path) -> None:
    f = tmp_path / "big.txt"
    f.write_text("word " * 1000)
    with pytest.raises(SourceError, match="too big"):
        read_docs(f, 100)


def test_non_utf8_is_read_with_a_warning() -> None:
    text, warning = decode("Caf\xe9 talks".encode("cp1252"))
    assert text == "Café talks" and warning and "UTF-8" in warning
