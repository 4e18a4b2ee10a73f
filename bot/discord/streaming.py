"""Live drafts: an LLM answer's streamed text shown in Discord while it is being written.

`NewsBot.ask(..., on_token=...)` calls `on_token` on its worker thread. `DraftStream` hands
each piece to the event loop (`loop.call_soon_threadsafe`) and keeps one task there that shows
the draft so far through `show(text)` (send, then edit one message) at most once per
`interval` seconds. The event loop never waits for the worker, and the worker never waits for
Discord. `close()` stops the drafts before the checked answer replaces them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Awaitable, Callable

import discord

from bot.discord.formatting import MESSAGE_LIMIT, draft_safe, shorten

log = logging.getLogger(__name__)

DRAFT_INTERVAL = 1.0  # seconds between two edits of a draft (Discord rate-limits edits)
DRAFT_CURSOR = " ▌"  # marks a draft as still being written


def draft_text(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """A draft as message content: safe (secrets out, even a half-streamed one; markdown
    escaped; mentions defused), within `limit`, with a cursor."""
    body = draft_safe(text.strip())
    return shorten(body, limit - len(DRAFT_CURSOR)) + DRAFT_CURSOR if body else ""


class DraftStream:
    """Collects streamed text from a worker thread and shows it, throttled, on the loop."""

    def __init__(
        self,
        show: Callable[[str], Awaitable[object]],
        *,
        interval: float = DRAFT_INTERVAL,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        self._show = show
        self.interval = interval
        self._loop = loop or asyncio.get_running_loop()
        self._parts: list[str] = []
        self._lock = threading.Lock()  # `_parts` is appended to by the worker thread
        self._closed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._last_shown = float("-inf")  # monotonic time of the last draft shown
        self._shown_text = ""
        self.shown = 0  # drafts shown so far (0: the answer can be sent as usual)

    @property
    def text(self) -> str:
        with self._lock:
            return "".join(self._parts)

    # ------------------------------------------------------------------ worker thread

    def on_token(self, delta: str) -> None:
        """The `on_token` of `NewsBot.ask`: called on the worker thread, never blocks."""
        with self._lock:
            self._parts.append(delta)
        with contextlib.suppress(RuntimeError):  # a closed loop: the bot is shutting down
            self._loop.call_soon_threadsafe(self._wake)

    # ------------------------------------------------------------------ event loop

    def _wake(self) -> None:
        if self._closed.is_set() or (self._task is not None and not self._task.done()):
            return  # a running task picks up the new text itself
        self._task = self._loop.create_task(self._run())

    async def _run(self) -> None:
        while not self._closed.is_set():
            wait = self._last_shown + self.interval - time.monotonic()
            if wait > 0:
                try:  # sleep, but wake at once when closed
                    await asyncio.wait_for(self._closed.wait(), timeout=wait)
                    return
                except TimeoutError:
                    pass
            text = self.text
            shown = draft_text(text)
            if not shown or text == self._shown_text:
                return
            try:
                await self._show(shown)
            except discord.HTTPException as exc:
                log.warning("could not show an answer's draft (%s); waiting for the answer", exc)
                self._closed.set()
                return
            self._shown_text = text
            self._last_shown = time.monotonic()
            self.shown += 1

    async def close(self) -> None:
        """Stop showing drafts: wait for an edit in flight, then out the rest of `interval`
        (so the final answer's edit, too, keeps the pace of the drafts)."""
        self._closed.set()
        if self._task is not None:
            await self._task
        if self.shown:
            wait = self._last_shown + self.interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
