"""Prompt templates: the `prompts` package's data files, or NEWSBOT_PROMPTS_DIR.

The repository's top-level `prompts/` folder is their source. It is a package so that every
install (editable or not, the Docker image) ships the templates, read with
`importlib.resources`: the bot answers from any working directory, not only beside a checkout.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from index.errors import ConfigError

PACKAGE = "prompts"
NAMES = ("answer", "condense", "decline")


@dataclass(frozen=True)
class Prompts:
    answer: str  # system prompt of an answer; "{decline}" is replaced by `decline`
    condense: str  # system prompt that turns a follow-up into a standalone question
    decline: str  # the one sentence the bot says when the sources lack the answer

    @property
    def answer_system(self) -> str:
        return self.answer.replace("{decline}", self.decline)


def packaged_prompts() -> Traversable:
    """The templates installed with the package (ConfigError when the install lacks them)."""
    try:
        return resources.files(PACKAGE)
    except ModuleNotFoundError:
        raise ConfigError(
            f"The prompt templates (package {PACKAGE!r}) are not installed; reinstall newsbot "
            "or set NEWSBOT_PROMPTS_DIR to a folder with answer.md, condense.md and decline.md."
        ) from None


def load_prompts(folder: Path | None = None) -> Prompts:
    """The templates of `folder` (NEWSBOT_PROMPTS_DIR), else the packaged ones."""
    source: Traversable = folder if folder is not None else packaged_prompts()
    texts: dict[str, str] = {}
    for name in NAMES:
        path = source / f"{name}.md"
        try:
            texts[name] = path.read_text(encoding="utf-8").strip()
        except OSError:
            raise ConfigError(
                f"Prompt template {path} is missing (set NEWSBOT_PROMPTS_DIR to the folder "
                "that holds answer.md, condense.md and decline.md)."
            ) from None
        if not texts[name]:
            raise ConfigError(f"Prompt template {path} is empty.")
    return Prompts(**texts)
