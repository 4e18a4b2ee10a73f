"""`newsbot index --watch` follows the folder: new, changed, deleted and renamed files."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path


def test_watch_updates_within_seconds(corpus: tuple[Path, Path]) -> None:
    articles, data = corpus
    env = {**os.environ, "NEWSBOT_ARTICLES_DIR": str(articles), "NEWSBOT_DATA_DIR": str(data)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "index", "--watch", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()  # type: ignore[union-attr]

    def next_report(timeout: float = 60) -> dict:  # type: ignore[type-arg]
        return json.loads(lines.get(timeout=timeout))

    try:
        assert next_report(120)["added"] == 5
        time.sleep(0.5)  # let the watcher settle before the first change

        # a burst of writes to one new file is one update, not several
        started = time.monotonic()
        new = articles / "burst.md"
        for i in range(5):
            new.write_text(f"# Burst Story\n\nPart {i} of the harbour strike story is here.\n")
            time.sleep(0.1)
        report = next_report()
        assert (report["added"], report["updated"]) == (1, 0)
        assert time.monotonic() - started < 15
        assert lines.empty()

        (articles / "001_bc7f157be1aa4735.txt").write_text("Changed story about ports.\n")
        assert next_report()["updated"] == 1
        (articles / "002_3e68c3b27c9853a0.txt").unlink()
        assert next_report()["removed"] == 1
        (articles / "burst.md").rename(articles / "renamed.md")
        report = next_report()
        assert (report["added"], report["removed"]) == (1, 1)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert "Traceback" not in (proc.stderr.read() if proc.stderr else "")
