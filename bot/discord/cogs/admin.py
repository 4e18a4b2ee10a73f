"""/status for everyone; /reindex for members with Manage Server; the optional background
index update every `discord_reindex_minutes`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.discord.client import tell
from bot.discord.formatting import (
    ADMIN_ONLY_TEXT,
    REINDEX_BUSY_TEXT,
    feeds_report_text,
    status_embed,
    update_report_text,
)
from bot.discord.work import failure_reply
from index.errors import NewsbotError, describe

if TYPE_CHECKING:
    from bot.discord.client import NewsDiscordBot
    from bot.service import FetchReport, Problem, UpdateReport

log = logging.getLogger(__name__)


def problem_line(problem: Problem) -> tuple[str, str]:
    """A problem's file and message, each cut to one line for the log."""
    return problem.source, " ".join(problem.message.split())


class AdminCog(commands.Cog):
    def __init__(self, bot: NewsDiscordBot) -> None:
        self.bot = bot
        self._update_lock = asyncio.Lock()
        minutes = bot.settings.discord.reindex_minutes
        self.auto_update = tasks.loop(minutes=minutes or 60.0)(self._auto_update)
        self.auto_update.before_loop(self._before_auto_update)

    async def cog_load(self) -> None:
        if self.bot.settings.discord.reindex_minutes > 0:
            self.auto_update.start()

    async def cog_unload(self) -> None:
        self.auto_update.cancel()

    @app_commands.command(name="status", description="What is indexed and when it was updated")
    @app_commands.allowed_contexts(guilds=True, dms=True)
    async def status(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        try:
            status = await self.bot.worker.run(self.bot.service.status)
            embed = status_embed(status, self.bot.settings.discord.reindex_minutes)
            await interaction.followup.send(embed=embed, ephemeral=True)
        except Exception as exc:
            with contextlib.suppress(discord.HTTPException):
                await tell(interaction, failure_reply(exc, "/status"))

    @app_commands.command(name="reindex", description="Update the index from the articles folder")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def reindex(self, interaction: discord.Interaction) -> None:
        # default_permissions only hides the command by default: server admins can change
        # who sees it, so the permission is checked here as well.
        if interaction.guild is None or not interaction.permissions.manage_guild:
            await tell(interaction, ADMIN_ONLY_TEXT)
            return
        if self._update_lock.locked():
            await tell(interaction, REINDEX_BUSY_TEXT)
            return
        await interaction.response.defer(thinking=True, ephemeral=True)
        try:
            fetched = await self._refresh_feeds()
            report = await self.update_index()
            log.info("/reindex by %s: %s", interaction.user.id, report.as_dict())
            text = update_report_text(report)
            if fetched is not None:
                text = f"{feeds_report_text(fetched)}\n{text}"
            await interaction.followup.send(text, ephemeral=True)
        except Exception as exc:
            with contextlib.suppress(discord.HTTPException):
                await tell(interaction, failure_reply(exc, "/reindex"))

    async def update_index(self) -> UpdateReport:
        """One incremental update at a time, in a worker thread."""
        async with self._update_lock:
            return await self.bot.worker.run(self.bot.service.update)

    async def _before_auto_update(self) -> None:
        await self.bot.wait_until_ready()

    async def _auto_update(self) -> None:
        """One background cycle. It never raises: an exception would end the task loop, and
        with it every later update, so a failure is one log line and the next cycle runs."""
        if self._update_lock.locked():
            return
        await self._refresh_feeds()
        try:
            report = await self.update_index()
        except NewsbotError as exc:
            log.warning("automatic index update failed: %s", exc)
        except Exception as exc:
            log.error("automatic index update failed: %s", describe(exc))  # one line
            log.debug("automatic index update failed", exc_info=True)
        else:
            for problem in report.problems:
                log.warning("automatic index update: skipped %s: %s", *problem_line(problem))
            if report.changed or report.problems:
                log.info(
                    "automatic index update: %d added, %d updated, %d removed, %d problems",
                    report.added,
                    report.updated,
                    report.removed,
                    len(report.problems),
                )

    async def _refresh_feeds(self) -> FetchReport | None:
        """Fetch the registered feeds (if any) into the articles folder, in a worker thread.

        A feed or page that fails is only logged: the update runs on what was fetched.
        None when no feed is registered or the refresh failed as a whole."""
        try:
            if not await self.bot.worker.run(self.bot.service.feeds_registered):
                return None  # no feed was ever registered
            report = await self.bot.worker.run(self.bot.service.refresh_feeds)
        except NewsbotError as exc:
            log.warning("feed refresh failed: %s", exc)
        except Exception:
            log.exception("feed refresh failed")
        else:
            for problem in report.problems:
                log.warning("feed refresh: %s: %s", problem.source, problem.message)
            if report.feeds:
                log.info("feed refresh: %d new or corrected stories", report.changed)
            return report
        return None


async def setup(bot: NewsDiscordBot) -> None:
    await bot.add_cog(AdminCog(bot))
