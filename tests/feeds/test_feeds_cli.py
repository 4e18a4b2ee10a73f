"""Feeds through the real `newsbot` command: a real process, real HTTP on 127.0.0.1, real
Chroma. The netguard (tests/netguard) blocks every connection beyond loopback."""

from __future__ import annotations

from pathlib import Path

from tests.feeds.conftest import USER_AGENT, Newsbot
from tests.feeds.server import ATOM, RSS, Item, NewsSite, atom, page, rss
from tests.feeds.stories import (
    BARRIER,
    BARRIER_CORRECTED,
    LIGHTHOUSE_PAGE,
    LIGHTHOUSE_PAGE_CORRECTED,
    LIGHTHOUSE_SUMMARY,
    MUSEUM_PAGE,
    MUSEUM_SUMMARY,
    WIND,
)

LIGHTHOUSE_Q = "How many years did the restoration of the Kestrel Point lighthouse take?"


def one_line_error(proc: object, message: str) -> None:
    assert proc.returncode != 0  # type: ignore[attr-defined]
    lines = [line for line in proc.stderr.splitlines() if line.strip()]  # type: ignore[attr-defined]
    assert len(lines) == 1 and message in lines[0], lines


def test_feeds_add_list_remove(newsbot: Newsbot) -> None:
    rss_url, atom_url = "https://news.example.com/world/rss.xml", "http://127.0.0.1:9/atom"
    assert newsbot.run("feeds", "list").stdout.startswith("No feeds registered")
    out = newsbot.run("feeds", "add", rss_url).stdout
    assert f"added {rss_url}" in out and "news-example-com-world-rss-xml" in out
    newsbot.run("feeds", "add", atom_url)
    assert "already registered" in newsbot.run("feeds", "add", rss_url + "#top").stdout

    feeds = newsbot.json("feeds", "list")
    assert [f["url"] for f in feeds] == [rss_url, atom_url]
    assert feeds[0]["last_fetched"] is None and feeds[0]["stories"] == 0
    text = newsbot.run("feeds", "list").stdout
    assert rss_url in text and "never fetched" in text

    one_line_error(newsbot.run("feeds", "add", "ftp://example.com/x", check=False), "http://")
    one_line_error(
        newsbot.run("feeds", "remove", "https://other.example/rss", check=False),
        "No feed registered as https://other.example/rss",
    )
    assert f"removed {rss_url}" in newsbot.run("feeds", "remove", rss_url).stdout
    assert [f["url"] for f in newsbot.json("feeds", "list")] == [atom_url]
    # nothing was fetched: adding and removing never touch the network
    assert not newsbot.articles.exists()


def serve_news(site: NewsSite) -> tuple[str, str]:
    """An RSS feed (a full story, a summary-only one) and an Atom feed that repeats both
    (one under another GUID with a tracking-tagged link, one under the same GUID) and adds
    a third story."""
    barrier_link = site.url("/articles/barrier.html")
    site.put(
        "/rss.xml",
        rss(
            "Coastal Herald",
            [
                Item("Port Elwyn approves tidal barrier", barrier_link, barrier_link, BARRIER),
                Item(
                    "Kestrel Point lighthouse reopens",
                    site.url("/articles/lighthouse.html?utm_source=rss"),
                    "coastal-2025-lighthouse",
                    summary=LIGHTHOUSE_SUMMARY,
                ),
            ],
        ),
        RSS,
    )
    site.put("/articles/lighthouse.html", page("Kestrel Point lighthouse reopens", LIGHTHOUSE_PAGE))
    site.put(
        "/atom.xml",
        atom(
            "Energy Weekly",
            [
                Item("Halvard Bank wind farm starts up", site.url("/energy/wind.html"), None, WIND),
                Item(
                    "Port Elwyn approves tidal barrier",
                    barrier_link + "?utm_source=atom&utm_medium=feed#comments",
                    "tag:energy-weekly,2025:barrier",
                    BARRIER,
                ),
                Item(
                    "Lighthouse reopens",
                    site.url("/articles/lighthouse.html"),
                    "coastal-2025-lighthouse",
                    summary=LIGHTHOUSE_SUMMARY,
                ),
            ],
        ),
        ATOM,
    )
    return site.url("/rss.xml"), site.url("/atom.xml")


def test_feeds_are_fetched_indexed_cited_and_not_fetched_again(
    newsbot: Newsbot, site: NewsSite
) -> None:
    rss_url, atom_url = serve_news(site)
    newsbot.run("feeds", "add", rss_url)
    newsbot.run("feeds", "add", atom_url)

    first = newsbot.json("index", "--feeds")
    by_url = {f["url"]: f for f in first["feeds"]["feeds"]}
    assert first["feeds"]["problems"] == []
    assert (by_url[rss_url]["status"], by_url[rss_url]["new"], by_url[rss_url]["pages"]) == (
        "ok",
        2,
        1,
    )
    # the barrier (same URL once normalised) and the lighthouse (same GUID) are stored once
    assert (by_url[atom_url]["new"], by_url[atom_url]["duplicates"]) == (1, 2)
    assert (first["added"], first["problems"]) == (3, [])

    stories = newsbot.stories()
    assert len(stories) == 3
    lighthouse = next(s for s in stories.values() if s["guid"] == "coastal-2025-lighthouse")
    assert lighthouse["url"] == site.url("/articles/lighthouse.html")  # utm_* dropped
    assert lighthouse["outlet"] == "Coastal Herald" and "took 7 years" in lighthouse["text"]
    assert "Subscribe now" not in lighthouse["text"] and "Cookie" not in lighthouse["text"]
    assert lighthouse["date"].startswith("2025-06-02") and lighthouse["feed"] == rss_url
    barrier = next(s for s in stories.values() if s["title"].startswith("Port Elwyn"))
    assert barrier["feed"] == rss_url and barrier["url"] == site.url("/articles/barrier.html")
    for seen in site.requests("/rss.xml") + site.requests("/articles/lighthouse.html"):
        assert seen.headers.get("user-agent") == USER_AGENT

    answer = newsbot.json("ask", LIGHTHOUSE_Q)
    assert answer["answered"] is True and "7 years" in answer["answer"], answer
    cite = answer["citations"][0]
    assert cite["source"].startswith("feeds/127-0-0-1-") and cite["source"].endswith(".json")
    assert cite["url"] == site.url("/articles/lighthouse.html")
    text = newsbot.run("ask", LIGHTHOUSE_Q).stdout
    assert "Sources" in text and "Kestrel Point lighthouse reopens" in text

    # the barrier appears in two feeds but is one article
    hits = newsbot.json("search", "Port Elwyn tidal barrier cost", "-k", "5")
    barrier_hits = {h["article_id"] for h in hits if "tidal barrier" in h["text"]}
    assert len(barrier_hits) == 1

    # nothing changed: both feeds answer 304, no page is fetched, nothing is embedded
    second = newsbot.json("index", "--feeds")
    assert [f["status"] for f in second["feeds"]["feeds"]] == ["not modified"] * 2
    assert site.statuses("/rss.xml") == [200, 304] and site.statuses("/atom.xml") == [200, 304]
    assert site.requests("/rss.xml")[1].headers.get("if-none-match")
    assert site.statuses("/articles/lighthouse.html") == [200]
    assert (second["added"], second["updated"], second["embedded_chunks"]) == (0, 0, 0)
    assert second["unchanged"] == 3

    listed = {f["url"]: f for f in newsbot.json("feeds", "list")}
    assert listed[rss_url]["stories"] == 2 and listed[atom_url]["stories"] == 1
    assert listed[rss_url]["last_status"] == "not modified" and listed[rss_url]["etag"]
    assert listed[atom_url]["title"] == "Energy Weekly"


def test_a_correction_replaces_the_old_text(newsbot: Newsbot, site: NewsSite) -> None:
    def publish(barrier: str, lighthouse_summary: str, lighthouse_page: str) -> None:
        site.put(
            "/rss.xml",
            rss(
                "Coastal Herald",
                [
                    Item("Port Elwyn approves tidal barrier", site.url("/b"), "b-1", barrier),
                    Item(
                        "Kestrel Point lighthouse reopens",
                        site.url("/lighthouse.html"),
                        "l-1",
                        summary=lighthouse_summary,
                    ),
                ],
            ),
            RSS,
        )
        site.put("/lighthouse.html", page("Kestrel Point lighthouse reopens", lighthouse_page))

    def texts(query: str) -> str:
        return " ".join(h["text"] for h in newsbot.json("search", query, "-k", "10"))

    publish(BARRIER, LIGHTHOUSE_SUMMARY, LIGHTHOUSE_PAGE)
    newsbot.run("feeds", "add", site.url("/rss.xml"))
    assert newsbot.json("index", "--feeds")["added"] == 2
    assert "240 million euros" in texts("tidal barrier cost")
    assert "took 7 years" in texts("lighthouse restoration years")
    files = set(newsbot.stories())

    # the barrier's text is corrected in the feed; the lighthouse's summary and page too
    publish(BARRIER_CORRECTED, LIGHTHOUSE_SUMMARY + " (Updated)", LIGHTHOUSE_PAGE_CORRECTED)
    report = newsbot.json("index", "--feeds")
    assert report["feeds"]["feeds"][0]["updated"] == 2
    assert (report["added"], report["updated"], report["removed"]) == (0, 2, 0)
    assert set(newsbot.stories()) == files  # the same files, rewritten

    barrier = texts("tidal barrier cost")
    assert "310 million euros" in barrier and "240 million" not in barrier
    lighthouse = texts("lighthouse restoration years")
    assert "took 9 years" in lighthouse and "took 7 years" not in lighthouse
    assert newsbot.json("status")["articles"] == 2


def test_failures_are_reported_and_the_rest_is_indexed(tmp_path: Path, site: NewsSite) -> None:
    newsbot = Newsbot(tmp_path, NEWSBOT_FEED_TIMEOUT_SECONDS="1")
    site.put(
        "/good.xml",
        rss(
            "Good News",
            [
                Item("Halvard Bank wind farm starts up", site.url("/wind.html"), "w", WIND),
                Item("New museum wing", site.url("/museum.html"), "m", summary=MUSEUM_SUMMARY),
                Item("Slow page", site.url("/slow.html"), "s", summary="A page that hangs."),
                Item(
                    "Outside page",
                    "http://news.example.com/story.html",
                    "x",
                    summary="A page on a host the tests cannot reach.",
                ),
            ],
        ),
        RSS,
    )
    site.put("/slow.html", "never sent", hang=True)
    site.put("/broken.xml", "<html><body><p>We moved our feeds.</p></body></html>")
    site.put("/error.xml", "oops", status=500)
    site.put("/hang.xml", "never sent", RSS, hang=True)
    with NewsSite() as gone:
        dead = gone.url("/rss.xml")
    feeds = [site.url(p) for p in ("/broken.xml", "/good.xml", "/error.xml", "/hang.xml")]
    for url in [*feeds, dead]:
        newsbot.run("feeds", "add", url)

    proc = newsbot.run("index", "--feeds")
    assert "feed Good News: 4 new, 0 updated, 0 unchanged stories" in proc.stdout
    assert "added 4" in proc.stdout
    problems = [line for line in proc.stderr.splitlines() if line.startswith("feed problem:")]
    expected = {
        site.url("/broken.xml"): "not an RSS or Atom feed",
        site.url("/error.xml"): "HTTP 500",
        site.url("/hang.xml"): "timed out after 1 s",
        dead: "cannot connect",
        site.url("/museum.html"): "HTTP 404 (kept the feed's summary)",
        site.url("/slow.html"): "timed out after 1 s (kept the feed's summary)",
        "http://news.example.com/story.html": "cannot connect",
    }
    assert len(problems) == len(expected), proc.stderr
    for url, message in expected.items():
        assert any(f" {url}: {message}" in line for line in problems), (url, proc.stderr)
    assert "blocked in tests" in proc.stderr  # the netguard stopped the outside request

    hits = newsbot.json("search", "Halvard Bank offshore wind turbines", "-k", "3")
    assert "52 turbines" in hits[0]["text"]
    assert "new wing about shipwrecks" in " ".join(
        h["text"] for h in newsbot.json("search", "museum shipwrecks", "-k", "4")
    )
    listed = {f["url"]: f for f in newsbot.json("feeds", "list")}
    assert listed[site.url("/broken.xml")]["last_error"] == "not an RSS or Atom feed"
    assert listed[site.url("/good.xml")]["last_status"] == "ok"
    assert listed[site.url("/good.xml")]["etag"] is None  # pages failed: fetch in full again
    assert "last error:" in newsbot.run("feeds", "list").stdout

    # The page comes back: the story gets its full text; the rest stays as it was.
    site.put("/museum.html", page("New museum wing", MUSEUM_PAGE))
    again = newsbot.json("index", "--feeds")
    good = next(f for f in again["feeds"]["feeds"] if f["url"] == site.url("/good.xml"))
    assert (good["new"], good["updated"], good["unchanged"]) == (0, 1, 3)
    assert (again["added"], again["updated"]) == (0, 1)
    assert site.statuses("/wind.html") == []  # a full story never needs its page
    hits = newsbot.json("search", "museum shipwrecks Dutch merchant ship", "-k", "3")
    assert "sank in 1693" in hits[0]["text"]
