"""Fixtures of the Discord tests: one real index per session, a fake Discord per test.

The real bot (`bot.discord.client.create_bot`) runs against `tests/fakediscord`'s server on
127.0.0.1, pointed at it by its settings (DISCORD_API_BASE / DISCORD_GATEWAY_URL). Any
ERROR log record fails the test (the harness's `error_log_guard`).
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `tests.fakediscord` is imported from the repository root
    sys.path.insert(0, str(ROOT))

from bot.settings import Settings, load_settings  # noqa: E402
from tests.fakediscord import FakeDiscord  # noqa: E402
from tests.fakediscord.server import error_log_guard as error_log_guard  # noqa: E402

if TYPE_CHECKING:
    from bot.service import NewsBot

ARTICLES = ROOT / "articles"


def index_settings(articles_dir: Path, data_dir: Path, **overrides: object) -> Settings:
    """Settings that ignore any .env of the developer running the tests."""
    return load_settings(_env_file=None, articles_dir=articles_dir, data_dir=data_dir, **overrides)


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample corpus indexed once per test session."""
    from bot.service import NewsBot

    data_dir = tmp_path_factory.mktemp("newsbot-index")
    report = NewsBot(index_settings(ARTICLES, data_dir)).update()
    assert report.added == 5 and not report.problems
    return data_dir


@pytest.fixture(scope="session")
def newsbot(index_dir: Path) -> NewsBot:
    """A real NewsBot over the session index (thread-safe for reads; shared by tests)."""
    from bot.service import NewsBot

    return NewsBot(index_settings(ARTICLES, index_dir))


@pytest_asyncio.fixture
async def fake(error_log_guard: object) -> AsyncIterator[FakeDiscord]:
    """A started fake Discord with 100 ms heartbeats; ERROR logs fail the test."""
    async with FakeDiscord(heartbeat_interval=100) as server:
        yield server
