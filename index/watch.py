"""`newsbot index --watch`: follow the articles folder and update the index as it changes."""

from __future__ import annotations

import logging
import threading
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
) -> None:
    """Update once, then after every burst of changes (new, changed, deleted, renamed files).

    watchfiles groups the events of a burst (an editor's save, a copy of many files) until
    the folder has been quiet for `quiet_ms` (at most 10 s), so one burst costs one update.
    A failed update is reported and watching goes on, whatever the failure: a daemon
    must outlive one bad file or one bug.
    """
    from watchfiles import watch as watch_changes

    def run_once() -> None:
        try:
            on_report(update())
        except NewsbotError as exc:
            on_error(exc)
        except Exception as exc:
            log.debug("update failed", exc_info=True)  # NEWSBOT_DEBUG shows the traceback
            on_error(NewsbotError(f"update failed: {describe(exc)}"))

    run_once()
    for _changes in watch_changes(
        *roots,
        watch_filter=_article_filter,
        step=quiet_ms,
        debounce=10_000,
        stop_event=stop,
        raise_interrupt=False,
    ):
        run_once()
