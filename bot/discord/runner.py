"""`newsbot bot`: read settings, check the token, log without secrets, run until stopped.

Exit codes: 0 after a clean stop (Ctrl-C, SIGTERM), 2 for a missing, empty or rejected
token and other configuration problems (one line on stderr, never the token itself).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, NoReturn

from bot import redact, safe_output
from bot.redact import Redactor

if TYPE_CHECKING:
    from bot.settings import Settings

EXIT_CONFIG = 2
_NOISY = ("chromadb", "httpx", "urllib3", "bm25s", "llama_index", "onnxruntime")


def _die(message: str, code: int = EXIT_CONFIG) -> NoReturn:
    sys.stderr.write(f"error: {message}\n")
    sys.stderr.flush()
    raise SystemExit(code)


class RedactingFormatter(safe_output.RedactingFormatter):
    """Formats records (tracebacks included), then blanks out `secrets` and every secret
    of the process (`bot.redact`)."""

    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        self.redactor = Redactor(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return self.redactor(super().format(record))


def configure_logging(secrets: Iterable[str], debug: bool = False) -> None:
    """One stderr handler on the root logger, secrets redacted, noisy libraries quieted.

    `secrets` are also added to the process-wide redactor, so Discord messages, the
    feedback store and stdout/stderr keep them out as well.
    """
    secrets = list(secrets)
    redact.add_secrets(secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", secrets)
    )
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO, handlers=[handler], force=True
    )
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
    if not debug:
        logging.getLogger("discord.http").setLevel(logging.WARNING)


def run() -> None:
    """Entry point of `newsbot bot` / `make bot`."""
    from bot.settings import load_settings
    from index.errors import ConfigError

    try:
        settings = load_settings()
    except ConfigError as exc:
        _die(str(exc))
    secret = settings.discord.token.get_secret_value().strip() if settings.discord.token else ""
    if not secret:
        _die(
            "DISCORD_TOKEN is not set: put the bot token in the environment or in .env "
            "(see the README, section Discord)."
        )
    secrets = [secret, *redact.secret_values(settings)]
    safe_output.protect_process(settings)
    configure_logging(secrets, debug=bool(os.environ.get("NEWSBOT_DEBUG")))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(settings, secret))


async def _serve(settings: Settings, token: str) -> None:
    import discord

    from bot.discord.client import create_bot
    from bot.service import NewsBot
    from index.errors import NewsbotError

    log = logging.getLogger("newsbot.discord")
    try:
        bot = create_bot(settings, NewsBot(settings))
    except NewsbotError as exc:
        _die(str(exc))
    loop = asyncio.get_running_loop()
    closing: list[asyncio.Task[None]] = []

    def stop() -> None:
        if not closing:
            log.info("stopping…")
            closing.append(loop.create_task(bot.close()))

    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop)
    async with bot:
        try:
            await bot.start(token)
        except discord.LoginFailure:
            _die(
                "Discord rejected DISCORD_TOKEN (401 Unauthorized): copy it again from the "
                "Developer Portal, Bot page."
            )
        except discord.HTTPException as exc:  # e.g. a 403 whose body quotes the token
            _die(f"Discord refused to start the bot: {redact.redact(str(exc))}", 1)
        except discord.PrivilegedIntentsRequired:
            _die(
                "Discord refused the Message Content intent: switch it on in the Developer "
                "Portal (Bot page) or set NEWSBOT_DISCORD_MESSAGE_CONTENT=false."
            )
