"""Blocking work (embedding, Chroma, the answerer, indexing) kept off the event loop.

Every call into `NewsBot` goes through `Worker.run`: a thread from `asyncio.to_thread`,
bounded by a semaphore so that a burst of questions queues instead of starving the
gateway heartbeat or the machine.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from bot.discord.formatting import apology_text, polite_text
from index.errors import NewsbotError

P = ParamSpec("P")
R = TypeVar("R")
log = logging.getLogger(__name__)


class Worker:
    def __init__(self, max_concurrency: int) -> None:
        self.max_concurrency = max_concurrency
        self._slots = asyncio.Semaphore(max_concurrency)

    async def run(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """`fn(*args, **kwargs)` in a worker thread, at most `max_concurrency` at once."""
        async with self._slots:
            return await asyncio.to_thread(fn, *args, **kwargs)


def new_error_id() -> str:
    return secrets.token_hex(4)


def failure_reply(exc: BaseException, what: str) -> str:
    """The user's reply for a failure: the message of a domain error, else an apology.

    Unexpected errors are logged with their traceback and a short id the user can quote.
    """
    if isinstance(exc, NewsbotError):
        log.info("%s refused: %s", what, exc)
        return polite_text(str(exc))
    error_id = new_error_id()
    log.error("%s failed [error id %s]", what, error_id, exc_info=exc)
    return apology_text(error_id)
