"""`newsbot index --watch`: follow the articles folder and update the index as it changes."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from index.build import UpdateReport
from index.errors import NewsbotError
from index.ingest.sources import SUFFIXES, describe

log = logging.getLogger(__name__)


def _article_filter(change: object, path: str) -> bool:
    name = Path(path).name
    return not name.startswith(".") and (Path(path).suffix.lower() in SUFFIXES or "." not in name)


def watch(
    roots: list[Path],
    update: Callable[[], UpdateReport],
    on_report: Callable[[UpdateReport], None],
    on_error: Callable[[NewsbotError], None],
    quiet_ms: int = 800,
    stop: threading.Event | None = None,
    *,
    every: tuple[float, Callable[[], object]] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Update once, then after every burst of changes (new, changed, deleted, renamed files).

    watchfiles groups the events of a burst (an editor's save, a copy of many files) until
    the folder has been quiet for `quiet_ms` (at most 10 s), so one burst costs one update.
    A failed update is reported and watching goes on, whatever the failure: a daemon
    must outlive one bad file or one bug.

    `every=(seconds, job)` also runs `job` (fetching the feeds) that often, even when
    nothing changes; what it writes into the folder is then indexed as a change.
    """
    from watchfiles import watch as watch_changes

    def guarded(job: Callable[[], object]) -> None:
        try:
            job()
        except NewsbotError as exc:
            on_error(exc)
        except Exception as exc:
            log.debug("update failed", exc_info=True)  # NEWSBOT_DEBUG shows the traceback
            on_error(NewsbotError(f"update failed: {describe(exc)}"))

    def run_once() -> None:
        guarded(lambda: on_report(update()))

    run_once()
    period = every[0] if every else 0.0
    last = clock()
    for changes in watch_changes(
        *roots,
        watch_filter=_article_filter,
        step=quiet_ms,
        debounce=10_000,
        stop_event=stop,
        raise_interrupt=False,
        rust_timeout=int(max(0.1, min(period, 5.0)) * 1000) if every else 5000,
        yield_on_timeout=every is not None,
    ):
        if changes:
            run_once()
        if every is not None and clock() - last >= period:
            last = clock()
            guarded(every[1])
