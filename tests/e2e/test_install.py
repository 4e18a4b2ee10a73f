"""A plain (non-editable) install carries what the bot reads at run time: the prompts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT

PROMPTS = ("answer.md", "condense.md", "decline.md")


def test_a_wheel_ships_the_prompts_and_loads_them_from_any_folder(tmp_path: Path) -> None:
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
