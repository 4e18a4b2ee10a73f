"""newsbot's settings: the index's groups plus the bot's own (LLM, Discord), read in one go.

`settings.index.data_dir`, `settings.retrieval.top_k`, `settings.feeds.timeout_seconds`,
`settings.llm.model`, `settings.discord.token`: each group is defined beside its owner
(`index/settings.py`, `bot/answer/settings.py`, `bot/discord/settings.py`) and read from the
environment and `.env` under the names users have always set.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.answer.settings import LLMSettings
from bot.discord.settings import DiscordSettings
from index.settings import ENV_FILE, IndexConfig, load_config


class Settings(IndexConfig):
    """Every setting of newsbot, grouped by owner; `index` code sees only `IndexConfig`."""

    llm: LLMSettings
    discord: DiscordSettings


def load_settings(_env_file: str | Path | None = ENV_FILE, **overrides: Any) -> Settings:
    """Read settings; `top_k=3` overrides `NEWSBOT_TOP_K` (names as the variables')."""
    return load_config(Settings, _env_file, **overrides)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings, read once."""
    return load_settings()
