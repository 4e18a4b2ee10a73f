"""A plain (non-editable) install carries what the bot reads at run time: the prompts, and
answers with an LLM configured from a folder that is not the checkout."""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from tests.conftest import ROOT
from tests.fakeopenai.server import FakeOpenAI
from tests.llm.test_answers import TROOPS_FACT, TROOPS_Q, answering

PROMPTS = ("answer.md", "condense.md", "decline.md")


def test_a_wheel_ships_the_prompts_and_answers_with_an_llm_from_any_folder(
    tmp_path: Path, sample_bot: Any
) -> None:
    # Built from a copy: a build writes build/ and *.egg-info beside the sources.
    tree = tmp_path / "tree"
    junk = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("bot", "index", "prompts"):
        shutil.copytree(ROOT / name, tree / name, ignore=junk)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tree / name)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    build = [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(tree)]
    subprocess.run(build, check=True, env=env, timeout=300)
    (wheel,) = tmp_path.glob("newsbot-*.whl")
    assert {f"prompts/{p}" for p in PROMPTS} <= set(zipfile.ZipFile(wheel).namelist())

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = [*pip, "--python", str(python), "install", "--no-deps", str(wheel)]
    subprocess.run(install, check=True, env=env, timeout=300)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = (
        "import bot.answer.templates as t; p = t.load_prompts(); "
        "print(t.__file__); print(p.decline)"
    )
    out = subprocess.run(
        [str(python), "-c", script],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.splitlines()
    assert Path(out[0]).is_relative_to(venv)  # the installed copy, not the checkout
    assert out[1] == (ROOT / "prompts" / "decline.md").read_text(encoding="utf-8").strip()

    # The installed package answers through an LLM from that folder. Its dependencies come
    # from this environment's site-packages (a path only: the checkout's editable hook there
    # is not run), so `bot`, `index` and `prompts` are the wheel's.
    (venv_site,) = (venv / "lib").glob("python3*/site-packages")
    (venv_site / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    with FakeOpenAI() as fake:
        fake.responder = answering("Zelenskyy said 100,000 to 150,000 troops were needed [{n}].")
        ask = subprocess.run(
            [str(python), "-m", "bot.cli", "ask", TROOPS_Q, "--json"],
            cwd=elsewhere,
            env={
                **env,
                "NEWSBOT_ARTICLES_DIR": str(sample_bot.settings.index.articles_dir),
                "NEWSBOT_DATA_DIR": str(sample_bot.settings.index.data_dir),
                "NEWSBOT_LLM_BASE_URL": fake.url,
                "NEWSBOT_LLM_MODEL": "fake-model",
                "NEWSBOT_LLM_MAX_RETRIES": "0",
            },
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert ask.returncode == 0, ask.stderr
        out = json.loads(ask.stdout)
        assert out["mode"] == "llm" and out["fallback"] is False
        assert TROOPS_FACT in out["answer"] and out["citations"][0]["n"] == 1
        # the system prompt the model saw is the shipped answer.md
        shipped = (ROOT / "prompts" / "answer.md").read_text(encoding="utf-8")
        assert fake.requests and fake.requests[-1].system.split("\n")[0] in shipped
