"""The discord.py bot of newsbot: intents, safe defaults, shared state, startup.

The bot gets its service (`bot.service.NewsBot`, the one door to the index) injected, so
tests can wrap the real one. It never pings anyone
(`AllowedMentions.none()`), reads message content only when the privileged intent is
switched on, and can be pointed at a Discord-compatible server (a self-hosted one, or the
fake of the tests) through DISCORD_API_BASE / DISCORD_GATEWAY_URL.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import discord
import discord.gateway
import discord.http
import yarl
from discord import app_commands
from discord.ext import commands

from bot.discord.conversations import Conversations
from bot.discord.cooldown import Cooldowns
from bot.discord.feedback import FEEDBACK_FILE, FeedbackStore, ReasonButton, VoteView
from bot.discord.formatting import bot_text, cooldown_text, not_here_text, polite_text
from bot.discord.work import Worker, failure_reply
from bot.redact import add_secrets, secret_values
from index.errors import ConfigError, NewsbotError

if TYPE_CHECKING:
    from bot.service import NewsBot
    from bot.settings import Settings

log = logging.getLogger(__name__)

EXTENSIONS = (
    "bot.discord.cogs.ask",
    "bot.discord.cogs.admin",
    "bot.discord.cogs.news",
    "bot.discord.cogs.help",
)


def bot_intents(message_content: bool) -> discord.Intents:
    """Guilds, guild messages and DMs; Message Content only when asked for (privileged).

    Without it the bot still receives the content of messages that mention it, of DMs and
    of slash commands.
    """
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = message_content
    return intents


# What the bot does in a server: read and answer in channels and the threads it opens,
# show sources as embeds, react (cooldowns), read a thread's past to rebuild its history.
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    embed_links=True,
    read_message_history=True,
    add_reactions=True,
)


def invite_url(application_id: int) -> str:
    """The OAuth2 link that adds the bot with exactly the permissions it uses, plus its
    slash commands: logged at start so nobody has to assemble it in the Developer Portal."""
    return discord.utils.oauth_url(
        application_id, permissions=INVITE_PERMISSIONS, scopes=("bot", "applications.commands")
    )


def silence_voice_warnings() -> None:
    """The bot never joins voice: discord.py's "PyNaCl/davey is not installed" warnings at
    start would only alarm whoever reads the log."""
    discord.VoiceClient.warn_nacl = False
    if hasattr(discord.VoiceClient, "warn_dave"):
        discord.VoiceClient.warn_dave = False


def parse_channel_ids(value: str) -> frozenset[int]:
    """'123, 456' -> {123, 456}; ConfigError on anything that is not a channel id."""
    ids = set()
    for part in value.replace(";", ",").split(","):
        part = part.strip().strip("<#>")
        if not part:
            continue
        if not part.isdigit():
            raise ConfigError(f"DISCORD_ALLOWED_CHANNELS: {part!r} is not a channel id")
        ids.add(int(part))
    return frozenset(ids)


@contextlib.contextmanager
def discord_endpoints(api_base: str | None, gateway_url: str | None) -> Iterator[None]:
    """Point discord.py (process-wide) at another REST base / gateway while inside."""
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    if api_base:
        discord.http.Route.BASE = api_base.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    try:
        yield
    finally:
        if api_base:
            discord.http.Route.BASE = old_base
        if gateway_url:
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


async def tell(interaction: discord.Interaction, text: str, *, ephemeral: bool = True) -> None:
    """Reply to an interaction whether or not it was already answered or deferred."""
    text = bot_text(text)  # the last stop of every reply: no secret, link or mention
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=ephemeral)
    else:
        await interaction.response.send_message(text, ephemeral=ephemeral)


class CooldownRefusal(str):
    """A refusal that only says "wait a moment": told privately (ephemeral, DM) or as a
    reaction, never as a public reply that would show everyone who asked too often."""


COOLDOWN_REACTION = "⏳"


class NewsCommandTree(app_commands.CommandTree):
    """Errors that escape a command become a short reply (apology with an error id)."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        name = interaction.command.name if interaction.command else "command"
        if isinstance(error, app_commands.CheckFailure):
            text = polite_text(str(error) or "you can't use this command here.")
        else:
            text = failure_reply(getattr(error, "original", error), f"/{name}")
        with contextlib.suppress(discord.HTTPException):
            await tell(interaction, text)


class NewsDiscordBot(commands.Bot):
    """newsbot's Discord client. Slash commands and listeners live in `bot.discord.cogs`."""

    def __init__(
        self,
        settings: Settings,
        service: NewsBot,
        *,
        feedback: FeedbackStore | None = None,
        **options: Any,
    ) -> None:
        options.setdefault("chunk_guilds_at_startup", False)
        silence_voice_warnings()
        super().__init__(
            command_prefix=commands.when_mentioned,  # unused: no prefix commands
            help_command=None,
            intents=bot_intents(settings.discord.message_content),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=NewsCommandTree,
            **options,
        )
        add_secrets(secret_values(settings))  # kept out of every message the bot sends
        self.settings = settings
        self.service = service
        self.worker = Worker(settings.discord.max_concurrency)
        self.cooldowns = Cooldowns(settings.discord.cooldown_seconds)
        self.conversations = Conversations()
        self.feedback = feedback or FeedbackStore(settings.index.data_dir / FEEDBACK_FILE)
        self.allowed_channels = parse_channel_ids(settings.discord.allowed_channels)

    # ------------------------------------------------------------------ lifecycle

    async def start(self, token: str, *, reconnect: bool = True) -> None:
        add_secrets([token])
        with discord_endpoints(self.settings.discord.api_base, self.settings.discord.gateway_url):
            await super().start(token, reconnect=reconnect)

    async def setup_hook(self) -> None:
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        self.add_view(VoteView(self.feedback))
        self.add_dynamic_items(ReasonButton)
        if self.application_id:
            log.info("invite link: %s", invite_url(self.application_id))
        await self._warm_up()
        if self.settings.discord.sync_commands:
            await self.sync_commands()

    async def sync_commands(self) -> list[app_commands.AppCommand]:
        guild_id = self.settings.discord.guild_id
        if guild_id:
            guild = discord.Object(guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d slash commands to guild %s", len(synced), guild_id)
        else:
            synced = await self.tree.sync()
            log.info("synced %d global slash commands", len(synced))
        return synced

    async def _warm_up(self) -> None:
        """Load the embedding model and open the store before the first question."""
        try:
            status = await self.worker.run(self.service.status)
            if status.files:
                await self.worker.run(self.service.search, "news", 1)
            else:
                log.warning("nothing is indexed yet: run `newsbot index` (or /reindex)")
        except NewsbotError as exc:
            log.warning("index not ready: %s", exc)

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands: messages are handled by the listeners of the cogs."""

    async def on_ready(self) -> None:
        log.info(
            "connected as %s (id %s) to %d server(s)",
            self.user,
            self.user.id if self.user else "?",
            len(self.guilds),
        )

    # ------------------------------------------------------------------ policy

    def channel_allowed(self, channel: object) -> bool:
        """DMs by setting; guild channels and their threads by DISCORD_ALLOWED_CHANNELS."""
        if isinstance(channel, discord.DMChannel | discord.GroupChannel) or channel is None:
            return self.settings.discord.allow_dms
        if isinstance(channel, discord.PartialMessageable) and channel.guild_id is None:
            return self.settings.discord.allow_dms
        if not self.allowed_channels:
            return True
        ids = {getattr(channel, "id", None), getattr(channel, "parent_id", None)}
        return bool(ids & self.allowed_channels)

    def admit(self, user_id: int, channel: object, question: str) -> tuple[str, str | None]:
        """(cleaned question, None) when it may be answered now, else (.., polite refusal).

        Checks the channel, the question (empty, too long) and the user's cooldown, in that
        order, so a refused question does not cost the user their turn.
        """
        if not self.channel_allowed(channel):
            if channel is not None and getattr(channel, "guild", None) is None:
                return question, "Sorry, I don't answer direct messages here."
            return question, not_here_text(sorted(self.allowed_channels))
        try:
            question = self.service.check_question(question)
        except NewsbotError as exc:
            return question, polite_text(str(exc))
        wait = self.cooldowns.retry_after(user_id)
        if wait > 0:
            return question, CooldownRefusal(cooldown_text(wait))
        return question, None


class ShardedNewsDiscordBot(NewsDiscordBot, commands.AutoShardedBot):
    """The same bot over several gateway shards (Discord requires it past 2,500 servers)."""


def create_bot(settings: Settings, service: NewsBot, **options: Any) -> NewsDiscordBot:
    cls = ShardedNewsDiscordBot if settings.discord.sharded else NewsDiscordBot
    return cls(settings, service, **options)
