"""The index's settings (groups `index`, `retrieval`, `feeds`) and the loader every group uses.

Each group is a small `BaseSettings` defined beside its owner: the index's here, the LLM's and
Discord's under `bot/`, composed by `bot/settings.py` (`index/` never imports `bot/`). Env
names are those users have always set (`NEWSBOT_TOP_K`, `DISCORD_TOKEN`, ...): a group's
prefix plus the field name, or the field's alias. Blank values mean unset. Every field
carries a description: `.env.example` and the README are checked against them by the tests,
so a new setting cannot go undocumented. Secrets are `SecretStr`, so they never print.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.errors import ConfigError

ENV_FILE = ".env"

# NEWSBOT_* names read outside the settings (debugging, tests, benchmarks): never "unknown".
OTHER_ENV_NAMES = frozenset(
    {"NEWSBOT_DEBUG", "NEWSBOT_FAULT_POINT", "NEWSBOT_DEV_CORPUS", "NEWSBOT_TEST_GGUF"}
)


class SettingsGroup(BaseSettings):
    """Base of every group: read from the environment and `.env`, a blank value is unset."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSBOT_",
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        populate_by_name=True,
    )

    @classmethod
    def env_names(cls, field: str) -> list[str]:
        """The environment names of `field`, the documented one first."""
        alias = cls.model_fields[field].validation_alias
        choices = getattr(alias, "choices", [alias] if isinstance(alias, str) else [])
        found = [c.upper() for c in choices if isinstance(c, str)]
        return found or [f"{cls.model_config.get('env_prefix', '')}{field}".upper()]


# --------------------------------------------------------------------------- index's groups


class IndexSettings(SettingsGroup):
    """Corpus, store and embedding: where articles and the index live and how they embed."""

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
    read_copy_max_chunks: int = Field(
        100_000,
        ge=0,
        description="Largest index (in chunks) whose snapshot carries a copy of every chunk "
        "(~6.5 KB each), so that searches of an embedded index need not open Chroma; bigger "
        "indexes, and 0, read Chroma.",
    )

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
    def _embed_model_with_url(self) -> IndexSettings:
        if self.embed_base_url and not self.embed_model:
            raise ValueError("NEWSBOT_EMBED_MODEL must be set along with NEWSBOT_EMBED_BASE_URL")
        return self

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"


class RetrievalSettings(SettingsGroup):
    """How many passages are fetched and fused, and how sure an answer must be."""

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


class FeedSettings(SettingsGroup):
    """Fetching registered RSS/Atom feeds (`newsbot feeds`, `newsbot index --feeds`)."""

    model_config = SettingsConfigDict(env_prefix="NEWSBOT_FEED_")

    timeout_seconds: float = Field(
        15.0,
        gt=0,
        le=300,
        description="Seconds a feed or article page fetch may take in all (connecting, "
        "headers, body and every redirect together); then it is reported as timed out "
        "and skipped.",
    )
    allow_hosts: str = Field(
        "",
        description="Comma-separated host names that links and redirects in feed content "
        "may reach even when they resolve to a private, loopback or link-local address "
        "(a feed's own host always may); all other such addresses are refused.",
    )
    max_entries: int = Field(
        50, ge=1, le=1000, description="Newest entries read from each feed per fetch."
    )
    user_agent: str = Field(
        "newsbot/0.1 (feed reader)",
        description="User-Agent sent with every feed and article page request.",
    )
    fetch_pages: bool = Field(
        True,
        description="Fetch the linked page of an entry that carries little text (summary "
        "only) and index the article extracted from it.",
    )
    min_text_chars: int = Field(
        400,
        ge=0,
        le=100_000,
        description="Entries with less text than this many characters count as summary "
        "only: their linked page is fetched (with NEWSBOT_FEED_FETCH_PAGES).",
    )
    refresh_minutes: float = Field(
        30.0,
        gt=0,
        le=10_080,
        description="Minutes between feed fetches of `newsbot index --watch --feeds` "
        "(the articles folder itself is followed as it changes).",
    )

    @property
    def allow_host_set(self) -> frozenset[str]:
        """NEWSBOT_FEED_ALLOW_HOSTS as lower-case host names."""
        from index.http_guard import parse_hosts

        return parse_hosts(self.allow_hosts)


class IndexConfig(BaseModel):
    """The settings `index` code reads: the app's settings (`bot/settings.py`) extend it."""

    index: IndexSettings
    retrieval: RetrievalSettings
    feeds: FeedSettings


# --------------------------------------------------------------------------- loading

C = TypeVar("C", bound=BaseModel)

_warned: set[str] = set()


def groups_of(config: type[BaseModel]) -> dict[str, type[SettingsGroup]]:
    """The groups a composed settings class holds, by attribute name."""
    found = {}
    for name, field in config.model_fields.items():
        if isinstance(field.annotation, type) and issubclass(field.annotation, SettingsGroup):
            found[name] = field.annotation
    return found


def catalogue(config: type[BaseModel]) -> dict[str, tuple[str, str]]:
    """Every environment name `config` reads -> (group, field)."""
    names: dict[str, tuple[str, str]] = {}
    for group, cls in groups_of(config).items():
        for field in cls.model_fields:
            for env in cls.env_names(field):
                names[env] = (group, field)
    return names


def load_config(config: type[C], env_file: str | Path | None = ENV_FILE, **overrides: Any) -> C:
    """Read every group of `config` from the environment and `env_file`.

    `overrides` are named like the variable without `NEWSBOT_` (`top_k=3` is
    `NEWSBOT_TOP_K=3`) and win over both. Unknown `NEWSBOT_*` names warn once with a
    did-you-mean; a bad value is one `ConfigError` line naming the variable and its origin.
    """
    names = catalogue(config)
    sources = _Sources(env_file)
    _warn_unknown(names, sources)
    by_group: dict[str, dict[str, Any]] = {group: {} for group in groups_of(config)}
    for key, value in overrides.items():
        upper = key.upper()
        target = names.get(f"NEWSBOT_{upper}") or names.get(upper)
        if target is None:
            raise TypeError(f"no setting is named {key!r}")
        by_group[target[0]][target[1]] = value
    groups: dict[str, SettingsGroup] = {}
    problems: list[str] = []
    for group, cls in groups_of(config).items():
        try:
            groups[group] = cls(_env_file=env_file, **by_group[group])
        except ValidationError as exc:
            problems += [_problem(cls, err, sources, by_group[group]) for err in exc.errors()]
    if problems:
        raise ConfigError("; ".join(problems))
    return config.model_validate(groups)


class _Sources:
    """The environment and the `.env` file as pydantic-settings reads them, to name origins."""

    def __init__(self, env_file: str | Path | None) -> None:
        self.environ = {k.upper(): v for k, v in os.environ.items()}
        self.env_path: Path | None = None
        self.dotenv: dict[str, str] = {}
        if env_file is not None and Path(env_file).is_file():
            from dotenv import dotenv_values

            self.env_path = Path(env_file).resolve()
            read = dotenv_values(self.env_path, encoding="utf-8")
            self.dotenv = {k.upper(): v for k, v in read.items() if v is not None}

    def items(self) -> Iterator[tuple[str, str]]:
        """(name, origin) of every name set in either place."""
        for name in self.environ:
            yield name, "the environment"
        for name in self.dotenv:
            yield name, f".env at {self.env_path}"

    def find(self, names: list[str]) -> tuple[str, str, str] | None:
        """(name, value, origin) of the value pydantic-settings takes for a field."""
        for where, origin in ((self.environ, "the environment"), (self.dotenv, self.env_path)):
            for name in names:
                value = where.get(name)
                if value is not None and value.strip():
                    return name, value, str(origin)
        return None


def _warn_unknown(names: Mapping[str, object], sources: _Sources) -> None:
    known = list(names)
    for name, origin in sources.items():
        if not name.startswith("NEWSBOT_") or name in names or name in OTHER_ENV_NAMES:
            continue
        if name in _warned:
            continue
        _warned.add(name)
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        print(f"Unknown setting {name} (from {origin}){hint}", file=sys.stderr)


def _problem(
    cls: type[SettingsGroup], err: Any, sources: _Sources, overrides: Mapping[str, Any]
) -> str:
    """One error as the user can act on it: variable, value, where it came from, why."""
    message = str(err["msg"]).removeprefix("Value error, ")
    loc = err["loc"]
    field = _field_of(cls, str(loc[0])) if loc else None
    if field is None:
        return f"Bad settings: {message}"
    names = cls.env_names(field)
    secret = "SecretStr" in str(cls.model_fields[field].annotation)
    if field in overrides:
        name, value, origin = names[0], str(overrides[field]), "code"
    elif found := sources.find(names):
        name, value, origin = found
    else:
        return f"Bad setting {names[0]}: {message}"
    shown = "<hidden>" if secret else value if len(value) <= 80 else value[:77] + "..."
    return f"Bad setting {name}={shown} (from {origin}): {message}"


def _field_of(cls: type[SettingsGroup], loc: str) -> str | None:
    if loc in cls.model_fields:
        return loc
    for field in cls.model_fields:
        if loc.upper() in cls.env_names(field):
            return field
    return None
