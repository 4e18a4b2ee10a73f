"""One feed parser: a feed file dropped in the articles folder indexes exactly like the same
feed registered with `newsbot feeds add` (same text, title, date, URL and outlet)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.feeds.conftest import Newsbot
from tests.feeds.server import ATOM, RSS, Item, NewsSite, atom
from tests.feeds.stories import BARRIER, WIND

# Late evening west of Greenwich, a tracking-tagged link, an entity in the title, a summary
# that is escaped HTML: each once read differently by the two parsers.
HAND_RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Harbour &amp; Coast</title><link>http://127.0.0.1/</link><description>d</description>
<item><title>Barrier &amp; locks approved</title>
<link>http://127.0.0.1/a/barrier.html?utm_source=rss&amp;id=7#top</link>
<guid isPermaLink="false">barrier-7</guid>
<pubDate>Mon, 02 Jun 2025 23:30:00 -0500</pubDate>
<description>Short teaser.</description>
<content:encoded><![CDATA[<div class="x"><p>{barrier}</p><script>track()</script></div>]]>
</content:encoded></item>
<item><title>Wind farm starts up</title><link>http://127.0.0.1/a/wind.html</link>
<pubDate>Tue, 03 Jun 2025 08:00:00 +0200</pubDate>
<description>&lt;p&gt;{wind}&lt;/p&gt;</description></item>
</channel></rss>
"""


def feed_doc(kind: str, site: NewsSite) -> tuple[str, str, str]:
    """(file name, body, content type) of one feed."""
    if kind == "rss":
        return "news.rss", HAND_RSS.format(barrier=BARRIER, wind=WIND), RSS
    items = [
        Item("Barrier approved", site.url("/a/b.html?utm_medium=feed"), "tag:b", BARRIER,
             date="2025-06-02T23:30:00-05:00"),
        Item("Wind farm", site.url("/a/w.html"), None, summary=WIND),
    ]  # fmt: skip
    return "news.atom", atom("Energy Weekly", items), ATOM


def indexed(bot: Newsbot) -> list[tuple[object, ...]]:
    """What the index holds, less the names derived from the file a story came in."""
    from bot.service import NewsBot
    from bot.settings import load_settings

    store = NewsBot(
        load_settings(articles_dir=bot.articles, data_dir=bot.data, _env_file=None)
    ).ws.store
    chunks = store.get(sorted(store.ids()))
    return sorted(
        (c.title, c.position, c.text, c.date, c.url, c.outlet, c.dated_by) for c in chunks
    )


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_a_feed_file_indexes_like_the_registered_feed(
    tmp_path: Path, site: NewsSite, kind: str
) -> None:
    name, body, content_type = feed_doc(kind, site)
    no_pages = {"NEWSBOT_FEED_FETCH_PAGES": "false"}  # a feed file has no pages either

    (tmp_path / "registered").mkdir()
    registered = Newsbot(tmp_path / "registered", **no_pages)
    site.put("/feed", body, content_type)
    registered.run("feeds", "add", site.url("/feed"))
    assert registered.json("index", "--feeds")["added"] == 2

    (tmp_path / "dropped").mkdir()
    dropped = Newsbot(tmp_path / "dropped", **no_pages)
    dropped.articles.mkdir(parents=True)
    (dropped.articles / name).write_text(body, encoding="utf-8")
    assert dropped.json("index")["problems"] == []

    rows = indexed(dropped)
    assert rows == indexed(registered)
    if kind == "rss":  # what used to differ
        barrier = next(r for r in rows if r[0] == "Barrier & locks approved")
        assert barrier[3:6] == (
            date(2025, 6, 3),  # 23:30 at -05:00 is the 3rd in UTC
            "http://127.0.0.1/a/barrier.html?id=7",
            "Harbour & Coast",
        )
        assert "track()" not in barrier[2]
