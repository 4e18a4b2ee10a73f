"""When the daily digest post is due. Pure, but for the clock.

`utc_now` and `TICK_SECONDS` are looked up at run time (the cogs are reloaded as
extensions, this module is not), so tests can set the time and a short tick.
"""

from __future__ import annotations

from datetime import UTC, datetime

TICK_SECONDS = 30.0  # how often the daily-post loop looks at the clock


def utc_now() -> datetime:
    return datetime.now(UTC)


def due_day(now: datetime, hour: int, last_day: str | None) -> str | None:
    """The UTC day (ISO) a daily post is due for at `now`, or None.

    Due once per UTC day, from `hour` on: at 09:30 with hour 9 and no post yet today,
    today; before 09:00, or once today's post is made, nothing.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    now = now.astimezone(UTC)
    today = now.date().isoformat()
    if now.hour < hour or last_day == today:
        return None
    return today
