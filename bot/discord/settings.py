"""Discord's settings (group `discord`): the token, where the bot answers, how it paces."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from index.settings import SettingsGroup


class DiscordSettings(SettingsGroup):
    """`newsbot bot`: connection, permissions, pacing and the daily digest."""

    model_config = SettingsConfigDict(env_prefix="NEWSBOT_DISCORD_")

    token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("DISCORD_TOKEN", "NEWSBOT_DISCORD_TOKEN"),
        description="Discord bot token. Never logged or printed.",
    )
    guild_id: int | None = Field(
        None,
        validation_alias=AliasChoices("DISCORD_GUILD_ID", "NEWSBOT_DISCORD_GUILD_ID"),
        description="Optional: sync slash commands to this guild only (instant, for testing).",
    )
    allowed_channels: str = Field(
        "",
        validation_alias=AliasChoices(
            "DISCORD_ALLOWED_CHANNELS", "NEWSBOT_DISCORD_ALLOWED_CHANNELS"
        ),
        description="Optional comma-separated channel ids the bot answers in (empty: all).",
    )
    api_base: str | None = Field(
        None,
        validation_alias=AliasChoices("DISCORD_API_BASE", "NEWSBOT_DISCORD_API_BASE"),
        description="Optional REST base URL of a Discord-compatible server, e.g. "
        "http://127.0.0.1:3001/api/v10 (self-hosted Spacebar, or a test server).",
    )
    gateway_url: str | None = Field(
        None,
        validation_alias=AliasChoices("DISCORD_GATEWAY_URL", "NEWSBOT_DISCORD_GATEWAY_URL"),
        description="Optional gateway websocket URL to go with DISCORD_API_BASE.",
    )
    cooldown_seconds: float = Field(
        10.0, ge=0, description="Per-user pause between questions in Discord (0: none)."
    )
    max_concurrency: int = Field(
        4, ge=1, le=64, description="Questions answered at once by the Discord bot."
    )
    reindex_minutes: float = Field(
        0.0, ge=0, description="Check the articles folder every N minutes from the bot (0: off)."
    )
    message_content: bool = Field(
        False,
        description="Ask Discord for the privileged Message Content intent (switch it on in the "
        "Developer Portal first): follow-ups in the bot's threads then need no @mention.",
    )
    allow_dms: bool = Field(
        True, description="Answer questions sent to the bot in direct messages."
    )
    sync_commands: bool = Field(
        True,
        description="Register the slash commands at startup (to DISCORD_GUILD_ID if set, "
        "else globally, which Discord can take up to an hour to show).",
    )
    sharded: bool = Field(
        False, description="Run as discord.py's AutoShardedBot (needed past 2,500 servers)."
    )
    digest_channel_id: int | None = Field(
        None,
        description="Post the digest of the last 24 hours once a day to this channel id "
        "(empty: no daily post).",
    )
    digest_hour_utc: int = Field(
        8, ge=0, le=23, description="Hour of the day (UTC, 0-23) of the daily digest post."
    )
