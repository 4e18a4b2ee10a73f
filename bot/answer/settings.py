"""The LLM's settings (group `llm`): which model answers, if any, and how patiently.

`mode` says it outright; `auto` (the default) keeps the old inference: an endpoint when
NEWSBOT_LLM_BASE_URL and NEWSBOT_LLM_MODEL are set, else a GGUF file when
NEWSBOT_LLM_GGUF_PATH is, else extractive answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from index.settings import SettingsGroup

LLMMode = Literal["off", "openai", "gguf", "auto"]


class LLMSettings(SettingsGroup):
    """The optional LLM: an OpenAI-compatible endpoint or a local GGUF file."""

    model_config = SettingsConfigDict(env_prefix="NEWSBOT_LLM_")

    mode: LLMMode = Field(
        "auto",
        description="Which LLM answers: off (extractive only), openai (the endpoint of "
        "NEWSBOT_LLM_BASE_URL), gguf (the file of NEWSBOT_LLM_GGUF_PATH) or auto (the "
        "endpoint if set, else the GGUF file if set, else off).",
    )
    base_url: str | None = Field(
        None,
        description="OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp server, OpenAI). "
        "Unset: answers stay extractive and offline.",
    )
    model: str | None = Field(None, description="Model name to ask the LLM endpoint for.")
    api_key: SecretStr | None = Field(
        None, description="API key for the LLM endpoint, if it needs one. Never logged."
    )
    gguf_path: Path | None = Field(
        None,
        description="A local GGUF model file run in-process by llama-cpp-python "
        "(`pip install .[local-llm]`); used with NEWSBOT_LLM_MODE=gguf, or auto when "
        "NEWSBOT_LLM_BASE_URL is unset.",
    )
    timeout_seconds: float = Field(
        30.0,
        gt=0,
        le=600,
        description="Seconds to wait for the LLM endpoint to connect, to reply, and between "
        "streamed tokens; then the answer falls back to the extractive one.",
    )
    max_retries: int = Field(
        2,
        ge=0,
        le=10,
        description="Retries after a connection error, timeout, HTTP 429 or 5xx, with "
        "exponential backoff from 0.5 s; never once tokens have been streamed.",
    )
    context_tokens: int = Field(
        8192,
        ge=1024,
        le=1_000_000,
        description="The model's context window in tokens: sources and conversation are "
        "trimmed so that prompt plus answer fit in it.",
    )
    max_answer_tokens: int = Field(
        512, ge=32, le=16384, description="Most tokens the LLM may write for one answer."
    )
    temperature: float = Field(
        0.1, ge=0.0, le=2.0, description="Sampling temperature of the LLM (low: fewer inventions)."
    )
    cooldown_seconds: float = Field(
        30.0,
        ge=0,
        le=3600,
        description="After the LLM endpoint fails, answer extractively (with a note) for this "
        "many seconds before asking it again, so users don't each wait out the timeout.",
    )
    prompts_dir: Path | None = Field(
        None,
        validation_alias="NEWSBOT_PROMPTS_DIR",
        description="Folder with the prompt templates answer.md, condense.md and decline.md "
        "(default: the templates shipped with the package).",
    )

    @model_validator(mode="after")
    def _mode_has_what_it_needs(self) -> LLMSettings:
        if self.mode in ("openai", "auto") and self.base_url and not self.model:
            raise ValueError("NEWSBOT_LLM_MODEL must be set along with NEWSBOT_LLM_BASE_URL")
        if self.mode == "openai" and not self.base_url:
            raise ValueError("NEWSBOT_LLM_MODE=openai needs NEWSBOT_LLM_BASE_URL")
        if self.mode == "gguf" and self.gguf_path is None:
            raise ValueError("NEWSBOT_LLM_MODE=gguf needs NEWSBOT_LLM_GGUF_PATH")
        return self

    @property
    def active(self) -> Literal["off", "openai", "gguf"]:
        """The mode in force, `auto` resolved."""
        if self.mode != "auto":
            return self.mode
        if self.base_url and self.model:
            return "openai"
        return "gguf" if self.gguf_path is not None else "off"

    @property
    def enabled(self) -> bool:
        return self.active != "off"
