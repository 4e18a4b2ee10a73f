"""`newsbot` as a user runs it, for the tests: a fresh process of this Python, with the
test's settings on top of the environment."""

from __future__ import annotations

import os
import subprocess
import sys


def newsbot_process(
    *args: str,
    env: dict[str, str],
    stdin: str | None = None,
    timeout: float = 300,
    user: int | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env={**os.environ, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        user=user,
    )


def assert_ok(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """A command that must succeed: exit 0 and no traceback."""
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc
