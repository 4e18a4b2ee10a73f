"""/timeline and /digest, and the optional daily digest post.

Both commands follow /ask: check the options and the asker, defer at once (Discord's 3 s),
do the work in a worker thread (`bot.worker`), then send the text in pieces of at most
2,000 characters with the sources as an embed (`answer_messages`). Failures get the same
polite reply or apology with an error id.

The daily post (NEWSBOT_DISCORD_DIGEST_CHANNEL_ID, at NEWSBOT_DISCORD_DIGEST_HOUR_UTC) is a
`tasks.loop` that looks at the clock every `schedule.TICK_SECONDS` and posts the digest of
the last 24 hours once per UTC day, from that hour on (`schedule.due_day`). The day of the
last post is kept in the data folder, so a restart does not post twice.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.answer.digest import SinceError, parse_since
from bot.answer.model import Answer
from bot.discord import schedule
from bot.discord.client import tell
from bot.discord.cogs.ask import BadOption, make_filters
from bot.discord.formatting import answer_messages
from bot.discord.work import failure_reply
from index.errors import NewsbotError

if TYPE_CHECKING:
    from bot.discord.client import NewsDiscordBot

log = logging.getLogger(__name__)

BAD_SINCE_TEXT = "`since` takes 24h, 7d, 2w or a date like 2025-03-01; `{value}` is not one."
DAILY_HEADING = "**Daily digest** · the last 24 hours"
_NO_MENTIONS = discord.AllowedMentions.none()


class NewsCog(commands.Cog):
    def __init__(self, bot: NewsDiscordBot) -> None:
        self.bot = bot
        self.daily_digest = tasks.loop(seconds=schedule.TICK_SECONDS)(self._daily_tick)
        self.daily_digest.before_loop(self._before_daily)
        self._posted_day: str | None = None

    async def cog_load(self) -> None:
        if self.bot.settings.discord.digest_channel_id:
            self._posted_day = self._read_posted_day()
            self.daily_digest.start()

    async def cog_unload(self) -> None:
        self.daily_digest.cancel()

    # ------------------------------------------------------------------ slash commands

    @app_commands.command(name="timeline", description="Dated events about a topic, oldest first")
    @app_commands.describe(
        topic="What the timeline is about, e.g. the reassurance force",
        since="Only articles dated on or after this day (YYYY-MM-DD)",
        until="Only articles dated on or before this day (YYYY-MM-DD)",
    )
    @app_commands.allowed_contexts(guilds=True, dms=True)
    async def timeline(
        self,
        interaction: discord.Interaction,
        topic: str,
        since: str | None = None,
        until: str | None = None,
    ) -> None:
        try:
            filters = make_filters(None, since, until)
        except BadOption as exc:
            await tell(interaction, str(exc))
            return
        topic, refusal = self.bot.admit(interaction.user.id, interaction.channel, topic)
        if refusal:
            await tell(interaction, refusal)
            return
        await interaction.response.defer(thinking=True)
        try:
            result = await self.bot.worker.run(self.bot.service.timeline, topic, filters=filters)
            await self._follow_up(interaction, result.answer)
        except Exception as exc:
            with contextlib.suppress(discord.HTTPException):
                await tell(interaction, failure_reply(exc, "/timeline"), ephemeral=False)

    @app_commands.command(name="digest", description="What is new in the news, by topic")
    @app_commands.describe(
        since="How far back: 24h, 7d, 2w or a day (YYYY-MM-DD); default 24h",
        include_undated="Also list articles with no known publication date",
    )
    @app_commands.allowed_contexts(guilds=True, dms=True)
    async def digest(
        self,
        interaction: discord.Interaction,
        since: str | None = None,
        include_undated: bool = False,
    ) -> None:
        since = " ".join((since or "").split()) or "24h"
        try:
            parse_since(since)
        except SinceError:
            await tell(interaction, BAD_SINCE_TEXT.format(value=since[:40].replace("`", "'")))
            return
        _, refusal = self.bot.admit(interaction.user.id, interaction.channel, f"digest {since}")
        if refusal:
            await tell(interaction, refusal)
            return
        await interaction.response.defer(thinking=True)
        try:
            result = await self.bot.worker.run(
                self.bot.service.digest, since, include_undated=include_undated
            )
            await self._follow_up(interaction, result.answer(markdown=True), markdown=True)
        except Exception as exc:
            with contextlib.suppress(discord.HTTPException):
                await tell(interaction, failure_reply(exc, "/digest"), ephemeral=False)

    async def _follow_up(
        self, interaction: discord.Interaction, answer: Answer, *, markdown: bool = False
    ) -> None:
        """The answer after a defer: its first piece replaces "thinking…", then the rest."""
        for out in answer_messages(answer, markdown=markdown):
            await interaction.followup.send(
                out.content or discord.utils.MISSING,
                embed=out.embed or discord.utils.MISSING,
                allowed_mentions=_NO_MENTIONS,
                wait=True,
            )

    # ------------------------------------------------------------------ daily digest

    async def _before_daily(self) -> None:
        await self.bot.wait_until_ready()

    async def _daily_tick(self) -> None:
        now = schedule.utc_now()
        today = schedule.due_day(now, self.bot.settings.discord.digest_hour_utc, self._posted_day)
        if today is None:
            return
        # Marked first: a channel that refuses the post is tried again tomorrow, not every tick.
        self._posted_day = today
        self._write_posted_day(today)
        try:
            await self.post_digest(now)
        except NewsbotError as exc:
            log.warning("daily digest not posted: %s", exc)
        except Exception as exc:  # a Discord or store failure must not stop the loop
            log.warning("daily digest not posted: %s: %s", type(exc).__name__, exc)

    async def post_digest(self, now: datetime | None = None) -> list[discord.Message]:
        """Post the digest of the 24 hours before `now` to the configured channel."""
        channel_id = self.bot.settings.discord.digest_channel_id
        if not channel_id:
            return []
        channel = self.bot.get_channel(channel_id) or await self.bot.fetch_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            raise TypeError(f"DISCORD_DIGEST_CHANNEL_ID {channel_id} is not a text channel")
        now = now or schedule.utc_now()
        result = await self.bot.worker.run(self.bot.service.digest, "24h", now=now)
        answer = result.answer(markdown=True)
        answer = replace(answer, text=f"{DAILY_HEADING}\n{answer.text}")
        sent = []
        for out in answer_messages(answer, markdown=True):
            sent.append(
                await channel.send(
                    out.content or None,
                    # discord.py's send() accepts None; its overloads omit it
                    embed=out.embed,  # type: ignore[arg-type]
                    allowed_mentions=_NO_MENTIONS,
                )
            )
        log.info("daily digest posted to %s: %d articles", channel_id, result.total)
        return sent

    @property
    def _posted_path(self) -> Path:
        return self.bot.settings.index.data_dir / "discord-digest-posted.json"

    def _read_posted_day(self) -> str | None:
        """The day of the last daily post to the configured channel, if any."""
        try:
            data = json.loads(self._posted_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict):
            return None
        if data.get("channel") != self.bot.settings.discord.digest_channel_id:
            return None
        day = data.get("day")
        return day if isinstance(day, str) else None

    def _write_posted_day(self, day: str) -> None:
        try:
            self._posted_path.parent.mkdir(parents=True, exist_ok=True)
            self._posted_path.write_text(
                json.dumps({"channel": self.bot.settings.discord.digest_channel_id, "day": day}),
                encoding="utf-8",
            )
        except OSError as exc:
            log.warning("could not remember the daily digest post: %s", exc)


async def setup(bot: NewsDiscordBot) -> None:
    await bot.add_cog(NewsCog(bot))
