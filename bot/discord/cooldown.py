"""Per-user pacing of questions. Pure (the clock is injected)."""

from __future__ import annotations

import time
from collections.abc import Callable


class Cooldowns:
    """At most one question per user every `seconds` (0 turns pacing off)."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._last: dict[int, float] = {}

    def retry_after(self, user_id: int) -> float:
        """0.0 and the question counts now, or how many seconds the user should wait."""
        if self.seconds <= 0:
            return 0.0
        now = self._clock()
        last = self._last.get(user_id)
        if last is not None and now - last < self.seconds:
            return self.seconds - (now - last)
        self._last[user_id] = now
        if len(self._last) > 10_000:  # forget users whose pause is over
            self._last = {u: t for u, t in self._last.items() if now - t < self.seconds}
        return 0.0
