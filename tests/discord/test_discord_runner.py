"""`newsbot bot` as a real process: token checks, .env, secrets kept out of the output."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from botkit import W
from conftest import ARTICLES, ROOT

from tests.fakediscord import FakeDiscord

pytestmark = [pytest.mark.timeout(120)]


def clean_env(**extra: str) -> dict[str, str]:
    """The parent's environment without any Discord or newsbot setting."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "NEWSBOT_")) and k != "PYTHONPATH"
    }
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


async def run_cli(cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "bot",
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


@pytest.mark.parametrize("token", [None, "", "   "], ids=["missing", "empty", "blank"])
async def test_a_missing_token_is_one_clear_line_and_exit_2(
    tmp_path: Path, token: str | None
) -> None:
    env = clean_env() if token is None else clean_env(DISCORD_TOKEN=token)
    code, out, err = await run_cli(tmp_path, env)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("error: DISCORD_TOKEN is not set")


async def test_the_bot_process_runs_from_dotenv_and_never_prints_the_token(
    fake: FakeDiscord, index_dir: Path, tmp_path: Path
) -> None:
    token = fake.token
    (tmp_path / ".env").write_text(
        f"DISCORD_TOKEN={token}\n"
        f"DISCORD_API_BASE={fake.api_base}\n"
        f"DISCORD_GATEWAY_URL={fake.gateway_url}\n"
        f"NEWSBOT_DATA_DIR={index_dir}\n"
        f"NEWSBOT_ARTICLES_DIR={ARTICLES}\n",
        encoding="utf-8",
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "bot",
        cwd=tmp_path,
        env=clean_env(NEWSBOT_DEBUG="1"),  # even the debug logs keep the secret out
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await fake.wait_for_request(
            "PUT", rf"/applications/{fake.application_id}/commands", timeout=60
        )
        await fake.wait_until_connected(timeout=30)
        inter = await fake.send_interaction("status")
        body = (await inter.wait_for_followup(timeout=W)).json
        fields = {f["name"]: f["value"] for f in body["embeds"][0]["fields"]}
        assert fields["Files"] == "5"
        proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    output = out.decode() + err.decode()
    assert proc.returncode == 0, output[-3000:]
    assert token not in output
    assert "synced 7 global slash commands" in output and "stopping" in output
    assert " ERROR " not in output and "Traceback" not in output


async def test_a_rejected_token_is_one_line_and_exit_2(
    fake: FakeDiscord, index_dir: Path, tmp_path: Path
) -> None:
    wrong = "wrong-but-secret-token-value"
    env = clean_env(
        DISCORD_TOKEN=wrong,
        DISCORD_API_BASE=fake.api_base,
        DISCORD_GATEWAY_URL=str(fake.gateway_url),
        NEWSBOT_DATA_DIR=str(index_dir),
        NEWSBOT_ARTICLES_DIR=str(ARTICLES),
    )
    code, out, err = await run_cli(tmp_path, env)
    assert code == 2, err[-2000:]
    assert wrong not in out + err
    assert err.strip().splitlines()[-1].startswith("error: Discord rejected DISCORD_TOKEN")
