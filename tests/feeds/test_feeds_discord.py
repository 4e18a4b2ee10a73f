"""The Discord bot's background update fetches the registered feeds first."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from bot.discord.cogs.admin import AdminCog
from bot.discord.work import Worker
from bot.settings import Settings, load_settings
from index.build import UpdateReport
from index.feeds import FeedResult, FetchReport, feed_registry


class Service:
    """Records the order of calls; the update reports one added file."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.calls: list[str] = []

    def feeds_registered(self) -> bool:
        return feed_registry(self.settings).path.exists()

    def refresh_feeds(self) -> FetchReport:
        self.calls.append("refresh_feeds")
        return FetchReport([FeedResult("http://127.0.0.1:1/rss.xml", new=1)])

    def update(self) -> UpdateReport:
        self.calls.append("update")
        return UpdateReport(added=1)


def cog_for(tmp_path: Path) -> tuple[AdminCog, Service]:
    settings = load_settings(_env_file=None, data_dir=tmp_path / "data", articles_dir=tmp_path)
    service = Service(settings)
    bot = SimpleNamespace(settings=settings, service=service, worker=Worker(2))
    return AdminCog(bot), service  # type: ignore[arg-type]


async def test_the_background_update_fetches_feeds_first(tmp_path: Path) -> None:
    cog, service = cog_for(tmp_path)
    feed_registry(cog.bot.settings).add("http://127.0.0.1:1/rss.xml")
    await cog._auto_update()
    assert service.calls == ["refresh_feeds", "update"]


async def test_without_feeds_only_the_index_is_updated(tmp_path: Path) -> None:
    cog, service = cog_for(tmp_path)
    await cog._auto_update()
    assert service.calls == ["update"]
