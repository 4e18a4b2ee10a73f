"""`newsbot index --watch --feeds`: the feeds are fetched again on every cycle, and what
they bring is indexed, while the folder is still followed."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from typing import Any

from tests.feeds.conftest import Newsbot
from tests.feeds.server import RSS, Item, NewsSite, rss
from tests.feeds.stories import BARRIER, WIND


def test_watch_with_feeds_fetches_them_every_cycle(newsbot: Newsbot, site: NewsSite) -> None:
    barrier = Item("Port Elwyn approves tidal barrier", site.url("/barrier"), text=BARRIER)
    site.put("/rss.xml", rss("Coastal Herald", [barrier]), RSS)
    newsbot.run("feeds", "add", site.url("/rss.xml"))
    newsbot.articles.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "index", "--watch", "--feeds", "--json"],
        env={**os.environ, **newsbot.env, "NEWSBOT_FEED_REFRESH_MINUTES": "0.02"},  # 1.2 s
        cwd=newsbot.cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()  # type: ignore[union-attr]

    def next_report(timeout: float = 60) -> dict[str, Any]:
        return json.loads(lines.get(timeout=timeout))  # type: ignore[no-any-return]

    try:
        assert next_report(120)["added"] == 1  # the first fetch, indexed at start
        wind = Item("Halvard Bank wind farm starts up", site.url("/wind"), text=WIND)
        site.put("/rss.xml", rss("Coastal Herald", [barrier, wind]), RSS)
        report = next_report()  # fetched by a later cycle, indexed as a new file
        while report["added"] == 0:
            report = next_report()
        assert report["added"] == 1
        assert len(site.requests("/rss.xml")) >= 2
        assert len(newsbot.stories()) == 2
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert "Traceback" not in proc.stderr.read()  # type: ignore[union-attr]
