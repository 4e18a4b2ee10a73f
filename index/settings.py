"""All settings of newsbot, from the environment or a `.env` file, in one place.

Every field carries a description: `.env.example` and the README are checked against them
by the tests, so a new setting cannot go undocumented. Secrets are `SecretStr`, so they
never print.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.errors import ConfigError


class Settings(BaseSettings):
    """newsbot's settings; env names are `NEWSBOT_<FIELD>` unless an alias says otherwise."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSBOT_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    # --- corpus and index -------------------------------------------------------------
    articles_dir: Path = Field(
        Path("articles"),
        description="Folder of articles to index (txt, md, html, json, jsonl, rss/atom).",
    )
    data_dir: Path = Field(
        Path(".newsbot"),
        description="Where the embedded Chroma database, the manifest and the BM25 index live.",
    )
    chroma_url: str | None = Field(
        None,
        description="Chroma server URL, e.g. http://127.0.0.1:8000. Unset: embedded Chroma "
        "in the data folder. Several bots and one indexer can share one server.",
    )
    collection: str = Field(
        "newsbot", description="Chroma collection name (3-63 chars, letters, digits, . _ -)."
    )
    chunk_tokens: int = Field(
        256, ge=64, le=256, description="Chunk size in model word-pieces (the model reads 256)."
    )
    chunk_overlap: int = Field(32, ge=0, le=128, description="Overlap between chunks, in tokens.")
    embed_batch_size: int = Field(
        1,
        ge=1,
        le=512,
        description="Texts per ONNX call; 1 (no padding) measured fastest on CPU.",
    )
    embed_threads: int = Field(
        0, ge=0, description="ONNX calls run side by side (one core each); 0 = every core."
    )
    embed_base_url: str | None = Field(
        None,
        description="OpenAI-compatible embeddings endpoint (vLLM, Ollama, TEI, OpenAI), e.g. "
        "http://127.0.0.1:8080 or https://api.openai.com/v1: passages, their sentences and "
        "questions are embedded by POST <url>/v1/embeddings (<url>/embeddings when it ends "
        "in /v1). Unset: the bundled offline MiniLM model. Changing it needs "
        "`newsbot index --rebuild`.",
    )
    embed_model: str | None = Field(
        None, description="Model name to ask the embeddings endpoint for."
    )
    embed_api_key: SecretStr | None = Field(
        None, description="API key for the embeddings endpoint, if it needs one. Never logged."
    )
    max_file_mb: float = Field(
        20.0, gt=0, description="Files bigger than this many MiB are skipped with a warning."
    )

    # --- feeds (`newsbot feeds`, `newsbot index --feeds`) --------------------------------
    feed_timeout_seconds: float = Field(
        15.0,
        gt=0,
        le=300,
        description="Seconds a feed or article page fetch may take in all (connecting, "
        "headers, body and every redirect together); then it is reported as timed out "
        "and skipped.",
    )
    feed_allow_hosts: str = Field(
        "",
        description="Comma-separated host names that links and redirects in feed content "
        "may reach even when they resolve to a private, loopback or link-local address "
        "(a feed's own host always may); all other such addresses are refused.",
    )
    feed_max_entries: int = Field(
        50, ge=1, le=1000, description="Newest entries read from each feed per fetch."
    )
    feed_user_agent: str = Field(
        "newsbot/0.1 (feed reader)",
        description="User-Agent sent with every feed and article page request.",
    )
    feed_fetch_pages: bool = Field(
        True,
        description="Fetch the linked page of an entry that carries little text (summary "
        "only) and index the article extracted from it.",
    )
    feed_min_text_chars: int = Field(
        400,
        ge=0,
        le=100_000,
        description="Entries with less text than this many characters count as summary "
        "only: their linked page is fetched (with NEWSBOT_FEED_FETCH_PAGES).",
    )
    feed_refresh_minutes: float = Field(
        30.0,
        gt=0,
        le=10_080,
        description="Minutes between feed fetches of `newsbot index --watch --feeds` "
        "(the articles folder itself is followed as it changes).",
    )

    # --- retrieval and answers ----------------------------------------------------------
    top_k: int = Field(5, ge=1, le=50, description="How many passages an answer draws on.")
    candidates: int = Field(
        30, ge=5, le=500, description="Candidates taken from each of dense and BM25 before fusion."
    )
    dense_weight: float = Field(
        0.7,
        ge=0.0,
        le=5.0,
        description="Weight of the meaning (dense) ranking against BM25's 1.0 in fusion "
        "(0.7 measured best on the eval set).",
    )
    answer_threshold: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Probability an extractive answer must reach, else the bot declines. "
        "Unset: the threshold fitted with the weights (bot/answer/scorer.json). Higher "
        "declines more and answers more precisely; lower answers more.",
    )
    min_relevance: float = Field(
        0.33,
        ge=0.0,
        le=1.0,
        description=(
            "Relevance floor for timelines and for asking the LLM at all: below it "
            "nothing retrieved counts as being about the question."
        ),
    )

    max_question_chars: int = Field(
        1000, ge=10, le=10000, description="Longest question accepted, in characters."
    )

    # --- LLM (optional) -----------------------------------------------------------------
    llm_base_url: str | None = Field(
        None,
        description="OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp server, OpenAI). "
        "Unset: answers stay extractive and offline.",
    )
    llm_model: str | None = Field(None, description="Model name to ask the LLM endpoint for.")
    llm_api_key: SecretStr | None = Field(
        None, description="API key for the LLM endpoint, if it needs one. Never logged."
    )
    llm_gguf_path: Path | None = Field(
        None,
        description="A local GGUF model file run in-process by llama-cpp-python "
        "(`pip install .[local-llm]`); used when NEWSBOT_LLM_BASE_URL is unset.",
    )
    llm_timeout_seconds: float = Field(
        30.0,
        gt=0,
        le=600,
        description="Seconds to wait for the LLM endpoint to connect, to reply, and between "
        "streamed tokens; then the answer falls back to the extractive one.",
    )
    llm_max_retries: int = Field(
        2,
        ge=0,
        le=10,
        description="Retries after a connection error, timeout, HTTP 429 or 5xx, with "
        "exponential backoff from 0.5 s; never once tokens have been streamed.",
    )
    llm_context_tokens: int = Field(
        8192,
        ge=1024,
        le=1_000_000,
        description="The model's context window in tokens: sources and conversation are "
        "trimmed so that prompt plus answer fit in it.",
    )
    llm_max_answer_tokens: int = Field(
        512, ge=32, le=16384, description="Most tokens the LLM may write for one answer."
    )
    llm_temperature: float = Field(
        0.1, ge=0.0, le=2.0, description="Sampling temperature of the LLM (low: fewer inventions)."
    )
    llm_cooldown_seconds: float = Field(
        30.0,
        ge=0,
        le=3600,
        description="After the LLM endpoint fails, answer extractively (with a note) for this "
        "many seconds before asking it again, so users don't each wait out the timeout.",
    )
    prompts_dir: Path | None = Field(
        None,
        description="Folder with the prompt templates answer.md, condense.md and decline.md "
        "(default: the project's prompts/ folder).",
    )

    # --- Discord --------------------------------------------------------------------------
    discord_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("DISCORD_TOKEN", "NEWSBOT_DISCORD_TOKEN"),
        description="Discord bot token. Never logged or printed.",
    )
    discord_guild_id: int | None = Field(
        None,
        validation_alias=AliasChoices("DISCORD_GUILD_ID", "NEWSBOT_DISCORD_GUILD_ID"),
        description="Optional: sync slash commands to this guild only (instant, for testing).",
    )
    discord_allowed_channels: str = Field(
        "",
        validation_alias=AliasChoices(
            "DISCORD_ALLOWED_CHANNELS", "NEWSBOT_DISCORD_ALLOWED_CHANNELS"
        ),
        description="Optional comma-separated channel ids the bot answers in (empty: all).",
    )
    discord_api_base: str | None = Field(
        None,
        validation_alias=AliasChoices("DISCORD_API_BASE", "NEWSBOT_DISCORD_API_BASE"),
        description="Optional REST base URL of a Discord-compatible server, e.g. "
        "http://127.0.0.1:3001/api/v10 (self-hosted Spacebar, or a test server).",
    )
    discord_gateway_url: str | None = Field(
        None,
        validation_alias=AliasChoices("DISCORD_GATEWAY_URL", "NEWSBOT_DISCORD_GATEWAY_URL"),
        description="Optional gateway websocket URL to go with DISCORD_API_BASE.",
    )
    discord_cooldown_seconds: float = Field(
        10.0, ge=0, description="Per-user pause between questions in Discord (0: none)."
    )
    discord_max_concurrency: int = Field(
        4, ge=1, le=64, description="Questions answered at once by the Discord bot."
    )
    discord_reindex_minutes: float = Field(
        0.0, ge=0, description="Check the articles folder every N minutes from the bot (0: off)."
    )
    discord_message_content: bool = Field(
        False,
        description="Ask Discord for the privileged Message Content intent (switch it on in the "
        "Developer Portal first): follow-ups in the bot's threads then need no @mention.",
    )
    discord_allow_dms: bool = Field(
        True, description="Answer questions sent to the bot in direct messages."
    )
    discord_sync_commands: bool = Field(
        True,
        description="Register the slash commands at startup (to DISCORD_GUILD_ID if set, "
        "else globally, which Discord can take up to an hour to show).",
    )
    discord_sharded: bool = Field(
        False, description="Run as discord.py's AutoShardedBot (needed past 2,500 servers)."
    )
    discord_digest_channel_id: int | None = Field(
        None,
        description="Post the digest of the last 24 hours once a day to this channel id "
        "(empty: no daily post).",
    )
    discord_digest_hour_utc: int = Field(
        8, ge=0, le=23, description="Hour of the day (UTC, 0-23) of the daily digest post."
    )

    @field_validator("discord_digest_channel_id", mode="before")
    @classmethod
    def _blank_channel_is_off(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("collection")
    @classmethod
    def _collection_name(cls, value: str) -> str:
        if not 3 <= len(value) <= 63:
            raise ValueError("must be 3 to 63 characters long")
        if not re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9._-]*[a-zA-Z0-9]", value):
            raise ValueError(
                "must use letters, digits, '.', '_' or '-' and start and end with a letter or digit"
            )
        return value

    @model_validator(mode="after")
    def _llm_model_with_url(self) -> Settings:
        if self.llm_base_url and not self.llm_model:
            raise ValueError("NEWSBOT_LLM_MODEL must be set along with NEWSBOT_LLM_BASE_URL")
        return self

    @model_validator(mode="after")
    def _embed_model_with_url(self) -> Settings:
        if self.embed_base_url and not self.embed_model:
            raise ValueError("NEWSBOT_EMBED_MODEL must be set along with NEWSBOT_EMBED_BASE_URL")
        return self

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def feed_allow_host_set(self) -> frozenset[str]:
        """NEWSBOT_FEED_ALLOW_HOSTS as lower-case host names."""
        from index.http_guard import parse_hosts

        return parse_hosts(self.feed_allow_hosts)

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model) or self.llm_gguf_path is not None


@lru_cache(maxsize=1)
def _cached() -> Settings:
    return load_settings()


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning pydantic's validation dump into one readable line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"Bad settings: {problems}") from None


def get_settings() -> Settings:
    """Process-wide settings, read once."""
    return _cached()
