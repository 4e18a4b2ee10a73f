"""Fault matrix of the output channels: whatever goes wrong, no secret leaves and untrusted
text is made safe for where it is shown.

Each case names its channel. The secret must appear in none of: stdout, stderr, log output,
what the fake Discord server received (messages, embeds, thread names, edits, follow-ups),
the feedback store file, `--json` output. Everything runs offline: the fake OpenAI server
and the fake Discord server on 127.0.0.1, the real llama-index and discord.py clients.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SAMPLE_ARTICLES
from tests.fakediscord import FakeDiscord
from tests.fakeopenai.server import FakeOpenAI, Reply

pytestmark = [pytest.mark.timeout(240)]

SECRET = "sk-test-SECRET-123456"
TOKEN = "tok-discord-SECRET-654321.abc"
SECRETS = (SECRET, TOKEN, "SECRET-123456", "SECRET-654321")
QUESTION = "How many troops did Zelenskyy say were needed?"
HOSTILE = "ministry prize evil title"
W = 10.0

HOSTILE_HTML = """<html><head><title>Evil &#27;[31mRED&#27;[0m title \u202eevil</title></head>
<body><article><h1>Evil &#27;[31mRED&#27;[0m title</h1>
<p>The ministry said on Monday that @everyone should claim the prize at
[free prize](http://evil.example/win) before Friday. \x1b[2JThe screen clear\x07 and
\x1b]0;owned\x07 title trick were in the feed too, \rover written.</p>
<p>Officials of the ministry said the evil prize offer was a scam and warned readers
about it again on Tuesday; <@123456789> was named as the sender of the prize message.</p>
</article></body></html>
"""


def leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sample articles plus one hostile article, indexed once for the module."""
    from bot.service import NewsBot
    from bot.settings import load_settings

    root = tmp_path_factory.mktemp("faults")
    articles, data = root / "articles", root / "data"
    shutil.copytree(SAMPLE_ARTICLES, articles)
    (articles / "hostile.html").write_text(HOSTILE_HTML, encoding="utf-8")
    report = NewsBot(load_settings(_env_file=None, articles_dir=articles, data_dir=data)).update()
    assert report.added >= 6 and not report.problems
    return articles, data


@pytest.fixture(scope="module")
def llm_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def llm(llm_server: FakeOpenAI) -> Iterator[FakeOpenAI]:
    llm_server.reset()
    yield llm_server
    llm_server.reset()


def cli_env(corpus: tuple[Path, Path], llm: FakeOpenAI | None = None, **extra: str) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "NEWSBOT_")) and k != "PYTHONPATH"
    }
    env.update(
        PYTHONPATH=str(ROOT),
        NEWSBOT_ARTICLES_DIR=str(corpus[0]),
        NEWSBOT_DATA_DIR=str(corpus[1]),
        NEWSBOT_LLM_API_KEY=SECRET,
        DISCORD_TOKEN=TOKEN,
        NEWSBOT_DEBUG="1",  # the most talkative logging a user can ask for
    )
    if llm is not None:
        env.update(
            NEWSBOT_LLM_BASE_URL=llm.url,
            NEWSBOT_LLM_MODEL="fake-model",
            NEWSBOT_LLM_TIMEOUT_SECONDS="5",
            NEWSBOT_LLM_MAX_RETRIES="0",
        )
    env.update(extra)
    return env


def cli(
    *args: str, env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
    )


def echo_key(split: bool = True) -> Reply:
    """A reply that quotes the API key back, streamed with the key cut in three pieces."""
    text = f"Your key is Bearer {SECRET} and the token Bot {TOKEN} [1]."
    chunks = ["Your key is Bearer sk-te", "st-SECRET-12", f"3456 and the token Bot {TOKEN} [1]."]
    return Reply(text, chunks=chunks if split else None)


# --------------------------------------------------------------------------- CLI


@pytest.mark.parametrize(
    ("case", "args", "reply"),
    [
        ("cli stdout: LLM reply echoes the key (streamed)", [QUESTION], echo_key()),
        ("cli --json: LLM reply echoes the key", [QUESTION, "--json"], echo_key(False)),
        (
            "cli stdout: LLM error body echoes the key",
            [QUESTION],
            Reply(status=401, error_message=f"Incorrect API key provided: {SECRET}"),
        ),
        (
            "cli --json: LLM 500 body echoes the key",
            [QUESTION, "--json"],
            Reply(status=500, error_message=f"upstream failed for Bearer {SECRET}"),
        ),
    ],
)
def test_cli_llm_faults(
    corpus: tuple[Path, Path], llm: FakeOpenAI, case: str, args: list[str], reply: Reply
) -> None:
    llm.script(reply)
    proc = cli("ask", *args, env=cli_env(corpus, llm))
    assert proc.returncode == 0, case + proc.stderr[-2000:]
    assert llm.chat_requests, case  # the model was asked
    assert not leaks(proc.stdout + proc.stderr), case
    if "--json" in args:
        json.loads(proc.stdout)  # still valid JSON
    if "streamed" in case:  # the draft was printed, the key in it redacted
        assert "[redacted]" in proc.stdout, case


@pytest.mark.parametrize("debug", ["1", ""], ids=["traceback", "one-line"])
def test_cli_exception_message_with_the_key(corpus: tuple[Path, Path], debug: str) -> None:
    """stderr: an exception whose message carries the key (here: a path made of it)."""
    env = cli_env(corpus, NEWSBOT_DEBUG=debug, NEWSBOT_DATA_DIR=str(corpus[1] / SECRET / "x"))
    (corpus[1] / SECRET).mkdir(exist_ok=True)
    (corpus[1] / SECRET / "x").write_text("a file where a folder should be")
    for args in (["status"], ["ask", QUESTION], ["index", "--json"]):
        proc = cli(*args, env=env)
        assert proc.returncode != 0 and proc.stderr.strip(), args
        assert not leaks(proc.stdout + proc.stderr), (args, proc.stderr[-2000:])


def test_cli_settings_error_with_a_secret_in_the_environment(corpus: tuple[Path, Path]) -> None:
    """stderr: settings that do not load still keep the secrets (read from the env) out."""
    env = cli_env(corpus, NEWSBOT_TOP_K=f"not-a-number-{SECRET}")
    proc = cli("status", env=env)
    assert proc.returncode != 0 and "error" in proc.stderr
    assert not leaks(proc.stdout + proc.stderr)


def test_cli_hostile_article_reaches_the_terminal_without_escapes(
    corpus: tuple[Path, Path],
) -> None:
    """stdout (text mode): titles and snippets without ESC, BEL, CR or bidi overrides;
    --json keeps the text as data (escaped by JSON)."""
    env = cli_env(corpus)
    text = cli("search", HOSTILE, env=env).stdout
    assert "Evil" in text and "RED" in text  # the article was found and shown
    for bad in ("\x1b", "\x07", "\r", "\u202e", "\x9b"):
        assert bad not in text, repr(bad)
    data = cli("search", HOSTILE, "--json", env=env).stdout
    assert "\x1b" not in data and "\\u001b" in data  # JSON escaping is enough
    assert any("Evil" in hit["title"] for hit in json.loads(data))


# --------------------------------------------------------------------------- logging


def test_log_records_are_redacted_with_their_tracebacks() -> None:
    """logs: a record whose message, arguments and exception all carry the key."""
    from bot import redact
    from bot.safe_output import RedactingFormatter

    before = redact.current()
    redact.install(redact.Redactor([SECRET, f"Bot {TOKEN}"]))
    try:
        try:
            raise RuntimeError(f"server said: invalid key {SECRET}")
        except RuntimeError:
            record = logging.LogRecord(
                "x", logging.ERROR, "", 0, "key %s token %s", (SECRET, TOKEN), sys.exc_info()
            )
        text = RedactingFormatter("%(message)s").format(record)
    finally:
        redact.install(before)
    assert not leaks(text) and text.count("[redacted]") == 3


# --------------------------------------------------------------------------- Discord


def discord_output(fake: FakeDiscord) -> str:
    """Everything the bot sent to the fake Discord, as one text."""
    return "\n".join(
        json.dumps(r.json, ensure_ascii=False) + r.path for r in fake.requests if r.json
    )


async def test_discord_bad_token_echoed_in_the_login_error(
    corpus: tuple[Path, Path], tmp_path: Path
) -> None:
    """runner's stderr: Discord's login error quotes the token; the error line does not."""
    async with FakeDiscord(heartbeat_interval=100) as fake:
        for status in (401, 403):
            fake.fail_next(
                "GET",
                r"/users/@me",
                status=status,
                body={"message": f"Invalid token Bot {TOKEN}", "code": 0},
            )
            env = cli_env(
                corpus,
                DISCORD_API_BASE=fake.api_base,
                DISCORD_GATEWAY_URL=str(fake.gateway_url),
            )
            run = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.cli",
                "bot",
                cwd=tmp_path,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )  # not subprocess.run: the fake Discord must keep serving meanwhile
            out, err = (b.decode() for b in await asyncio.wait_for(run.communicate(), 60))
            assert run.returncode in (1, 2), err[-2000:]
            assert err.strip().splitlines()[-1].startswith("error: Discord"), err[-2000:]
            assert not leaks(out + err), err[-2000:]


@pytest.fixture
async def discord_bot(corpus: tuple[Path, Path], llm: FakeOpenAI, tmp_path: Path) -> Any:
    """The real bot, an LLM (the fake) that echoes the key, the fake Discord: yields
    (fake, bot, feedback file)."""
    from bot.discord.client import create_bot
    from bot.discord.feedback import FeedbackStore
    from bot.service import NewsBot
    from bot.settings import load_settings

    async with FakeDiscord(heartbeat_interval=100, token=TOKEN) as fake:
        settings = load_settings(
            _env_file=None,
            articles_dir=corpus[0],
            data_dir=corpus[1],
            discord_token=TOKEN,
            discord_api_base=fake.api_base,
            discord_gateway_url=str(fake.gateway_url),
            discord_cooldown_seconds=0,
            llm_base_url=llm.url,
            llm_model="fake-model",
            llm_api_key=SECRET,
            llm_timeout_seconds=5,
            llm_max_retries=0,
            llm_cooldown_seconds=0,
        )
        store = tmp_path / "feedback.sqlite3"
        bot = create_bot(
            settings,
            NewsBot(settings),
            feedback=FeedbackStore(store),
            **FakeDiscord.client_options(),
        )
        async with fake.run_client(bot, ready_timeout=W):
            yield fake, bot, store


async def until_buttons(fake: FakeDiscord, path: str, since: int) -> Any:
    """The request (a post or an edit) that carries an answer's vote buttons."""
    for _ in range(int(W * 10)):
        for r in fake.requests[since:]:
            if (r.json or {}).get("components") and path in r.path:
                return r
        await asyncio.sleep(0.1)
    raise TimeoutError(f"no answer with vote buttons under {path}")


def assert_clean(fake: FakeDiscord, store: Path, caplog: pytest.LogCaptureFixture) -> None:
    from bot.safe_output import RedactingFormatter

    assert not leaks(discord_output(fake)), discord_output(fake)[-3000:]
    if store.exists():
        assert not leaks(store.read_bytes().decode("utf-8", "replace"))
    logs = "\n".join(RedactingFormatter("%(message)s").format(r) for r in caplog.records)
    assert not leaks(logs)


@pytest.mark.parametrize(
    ("case", "reply"),
    [
        ("discord mention: LLM reply echoes the key", echo_key()),
        (
            "discord mention: LLM error body echoes the key",
            Reply(status=400, error_message=f"bad key {SECRET}"),
        ),
    ],
)
async def test_discord_mention_llm_faults(
    discord_bot: Any, llm: FakeOpenAI, caplog: pytest.LogCaptureFixture, case: str, reply: Reply
) -> None:
    fake, _, store = discord_bot
    llm.script(reply)
    general = fake.channel("general").id
    since = fake.mark()
    asked = await fake.send_message(general, fake.member, QUESTION, mentions_bot=True)
    thread = int(asked["id"])  # the bot answers in a thread on the question
    await until_buttons(fake, f"/channels/{thread}/messages", since)
    assert llm.chat_requests, case
    assert_clean(fake, store, caplog)


async def test_discord_slash_ask_llm_echo_and_vote(
    discord_bot: Any, llm: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    """/ask: drafts, the edited answer, follow-ups and the feedback store after a vote."""
    fake, bot, store = discord_bot
    llm.script(echo_key())
    await bot.sync_commands()
    since = fake.mark()
    await fake.send_interaction("ask", {"question": QUESTION})
    answer = await until_buttons(fake, "/webhooks/", since)
    vote = await fake.send_component_interaction(
        "newsbot:vote:down", message_id=int(answer.response["id"])
    )
    await vote.wait_for_callback(timeout=W)
    await asyncio.sleep(0.5)  # the vote is stored from a worker thread
    assert_clean(fake, store, caplog)


async def test_discord_exception_message_with_the_key(
    discord_bot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Ephemeral error replies: a domain error whose message carries the key."""
    from index.errors import NewsbotError

    fake, bot, store = discord_bot

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise NewsbotError(f"the store said: key {SECRET} refused")

    bot.service.search = boom  # type: ignore[method-assign]
    await bot.sync_commands()
    inter = await fake.send_interaction("search", {"query": "troops"})
    reply = await inter.wait_for_followup(timeout=W)
    assert "the store said" in json.dumps(reply.json)
    assert_clean(fake, store, caplog)


async def test_discord_hostile_article_is_escaped(
    discord_bot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """/search embeds: the masked link shows as text, @everyone and <@id> cannot ping."""
    fake, bot, store = discord_bot
    await bot.sync_commands()
    inter = await fake.send_interaction("search", {"query": HOSTILE})
    body = (await inter.wait_for_followup(timeout=W)).json
    text = json.dumps(body["embeds"], ensure_ascii=False)
    assert "prize" in text  # the hostile article is among the results
    shown = " ".join(
        [e.get("title", "") for e in body["embeds"]]
        + [f"{f['name']} {f['value']}" for e in body["embeds"] for f in e.get("fields", [])]
    )
    assert "\\[free prize]" in shown  # shown as typed...
    assert not re.search(r"(?<!\\)\[free prize\]\(", shown)  # ...never as a masked link
    assert "@everyone" not in text and "<@123456789>" not in text
    assert "\\u001b" not in text and "\x1b" not in text and "\u202e" not in text
    mentions = body.get("allowed_mentions")
    assert mentions is None or mentions.get("parse") == []
    assert_clean(fake, store, caplog)
