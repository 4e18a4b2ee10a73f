"""Secrets never appear in output, errors or logs, whatever the command or failure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE_ARTICLES

TOKEN = "MTA-discord-token-SECRET-abc123.xyz"
KEY = "sk-llm-key-SECRET-def456"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data = tmp_path_factory.mktemp("secrets")
    return {
        **os.environ,
        "NEWSBOT_ARTICLES_DIR": str(SAMPLE_ARTICLES),
        "NEWSBOT_DATA_DIR": str(data),
        "DISCORD_TOKEN": TOKEN,
        "NEWSBOT_LLM_API_KEY": KEY,
        "NEWSBOT_DEBUG": "1",  # the most talkative logging a user can ask for
    }


def run(args: list[str], env: dict[str, str]) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("args", "extra"),
    [
        (["index", "--json"], {}),
        (["status", "--json"], {}),
        (["ask", "How many troops did Zelenskyy say were needed?", "--json"], {}),
        (["search", "troops", "--json"], {}),
        (["status"], {"NEWSBOT_TOP_K": "not-a-number"}),  # a settings error
        (["index"], {"NEWSBOT_DATA_DIR": str(ROOT / "README.md")}),  # data dir is a file
        (["ask", "anything?"], {"NEWSBOT_CHROMA_URL": "http://127.0.0.1:9"}),  # store down
    ],
)
def test_no_command_prints_a_secret(
    env: dict[str, str], args: list[str], extra: dict[str, str], tmp_path: Path
) -> None:
    output = run(args, {**env, **extra})
    assert output.strip()  # it did say something
    assert TOKEN not in output and KEY not in output
    assert "SECRET" not in output


def test_the_redaction_filter_itself() -> None:
    """Every form a secret takes, split over streamed pieces, short ones as whole words."""
    from bot.redact import Redactor, StreamRedactor, terminal_text

    r = Redactor([KEY, f"Bot {TOKEN}", "abc"])
    text = r(f"Bearer {KEY}; Bot {TOKEN}; {TOKEN}; abc but not abcdef")
    assert KEY not in text and TOKEN not in text and text.count("[redacted]") == 4
    assert "abcdef" in text  # a short secret never mangles a longer word
    stream = StreamRedactor(r)
    pieces = [f"key: {KEY[:5]}", KEY[5:12], f"{KEY[12:]} done"]
    shown = "".join(stream.feed(p) for p in pieces) + stream.flush()
    assert shown == "key: [redacted] done"
    assert terminal_text("a\x1b[31mb\x07c\rd\u202ee\x9b1mf\n") == "abcdef\n"
