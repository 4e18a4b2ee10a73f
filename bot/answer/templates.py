"""Prompt templates, read from the top-level `prompts/` folder (or NEWSBOT_PROMPTS_DIR).

Looked for beside the `bot` package (a checkout, an editable install), then in the working
directory (the Docker image, where the package is installed and prompts/ copied to /app).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from index.errors import ConfigError

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
NAMES = ("answer", "condense", "decline")


@dataclass(frozen=True)
class Prompts:
    answer: str  # system prompt of an answer; "{decline}" is replaced by `decline`
    condense: str  # system prompt that turns a follow-up into a standalone question
    decline: str  # the one sentence the bot says when the sources lack the answer

    @property
    def answer_system(self) -> str:
        return self.answer.replace("{decline}", self.decline)


def find_prompts_dir() -> Path:
    for folder in (PROMPTS_DIR, Path.cwd() / "prompts"):
        if all((folder / f"{name}.md").is_file() for name in NAMES):
            return folder
    return PROMPTS_DIR


def load_prompts(folder: Path | None = None) -> Prompts:
    folder = folder or find_prompts_dir()
    texts: dict[str, str] = {}
    for name in NAMES:
        path = folder / f"{name}.md"
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
