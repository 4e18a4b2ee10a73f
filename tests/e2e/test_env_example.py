"""`.env.example` with every line uncommented, as shipped, is a working configuration."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, SAMPLE_ARTICLES


def newsbot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The CLI in `cwd`, reading the `.env` there (the suite scrubs NEWSBOT_* from its env)."""
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=dict(os.environ),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Unknown setting" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_the_uncommented_example_indexes_and_answers_offline(tmp_path: Path) -> None:
    example = (ROOT / ".env.example").read_text()
    uncommented = re.sub(r"^# ([A-Z][A-Z0-9_]*=)", r"\1", example, flags=re.M)
    assert uncommented.count("\nDISCORD_GUILD_ID=\n") == 1  # blank values are in it
    assert "\nNEWSBOT_LLM_GGUF_PATH=\n" in uncommented and "\nNEWSBOT_PROMPTS_DIR=\n" in uncommented
    (tmp_path / ".env").write_text(uncommented)
    shutil.copytree(SAMPLE_ARTICLES, tmp_path / "articles")  # NEWSBOT_ARTICLES_DIR=articles

    assert json.loads(newsbot("index", "--json", cwd=tmp_path).stdout)["added"] == 5
    status = json.loads(newsbot("status", "--json", cwd=tmp_path).stdout)
    assert status["answerer"] == "extractive" and status["articles"] >= 5
    assert (tmp_path / ".newsbot").is_dir()  # NEWSBOT_DATA_DIR=.newsbot, relative to here
    out = newsbot("ask", "How many troops did Zelenskyy say were needed?", "--json", cwd=tmp_path)
    answer = json.loads(out.stdout)
    assert answer["answered"] is True and answer["mode"] == "extractive"
    assert "100,000 to 150,000" in answer["answer"] and not answer.get("fallback")
