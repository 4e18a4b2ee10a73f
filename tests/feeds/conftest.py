"""Fixtures of the feed tests: a news site on 127.0.0.1 and the `newsbot` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.feeds.server import NewsSite

USER_AGENT = "newsbot-feed-tests/1.0"


@pytest.fixture
def site() -> Iterator[NewsSite]:
    with NewsSite() as s:
        yield s


class Newsbot:
    """`newsbot` in a real process, with its own articles and data folders."""

    def __init__(self, tmp_path: Path, **settings: str) -> None:
        self.articles = tmp_path / "articles"
        self.data = tmp_path / "data"
        self.cwd = tmp_path  # not the repository: no developer .env is read
        self.env = {
            "NEWSBOT_ARTICLES_DIR": str(self.articles),
            "NEWSBOT_DATA_DIR": str(self.data),
            "NEWSBOT_FEED_USER_AGENT": USER_AGENT,
            **settings,
        }

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=300,
            cwd=self.cwd,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--json").stdout)

    def stories(self) -> dict[str, dict[str, Any]]:
        """Stored story files (path relative to the articles folder) and their records."""
        root = self.articles / "feeds"
        return {
            p.relative_to(self.articles).as_posix(): json.loads(p.read_text())
            for p in sorted(root.glob("*/*.json"))
        }


@pytest.fixture
def newsbot(tmp_path: Path) -> Newsbot:
    return Newsbot(tmp_path)
