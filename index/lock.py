"""One indexer at a time.

On one machine an OS file lock (flock) in the data folder: the kernel drops it when the
process dies, so a crashed indexer never holds it. With a Chroma server, indexers may run on
different machines, so a lease record is taken there too (in a collection of its own, which a
rebuild never deletes). A thread renews it while the indexer runs, whatever it is doing; it
expires unless renewed, so a crashed indexer holds it at most `LEASE_SECONDS`, and not at all
when its process is known dead on this same machine.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from index.errors import NewsbotError, StoreError

log = logging.getLogger(__name__)
LEASE_SECONDS = 120.0
RENEW_EVERY = LEASE_SECONDS / 4
LOCK_ID = "~lock"


class IndexBusyError(NewsbotError):
    """Another indexer holds the lock."""


def holder_alive(owner: str) -> bool:
    """False only when the lease owner ("host:pid:nonce") is a process on this machine that
    no longer exists; a process elsewhere is presumed alive until its lease expires."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return True
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


class IndexLock:
    def __init__(self, data_dir: Path, lease_collection: Any | None = None) -> None:
        self.path = data_dir / "index.lock"
        self._lease = lease_collection
        self._fd: int | None = None
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def _open(self) -> int:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(
                f"Cannot take the index lock {self.path}: {exc.strerror or exc}. The data "
                "folder (NEWSBOT_DATA_DIR) must be a writable folder for `newsbot index`."
            ) from None

    def acquire(self, wait: float = 0.0) -> None:
        """Take the lock, waiting up to `wait` seconds; IndexBusyError if it stays taken."""
        deadline = time.monotonic() + wait
        fd = self._open()
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "?"
                    os.close(fd)
                    raise IndexBusyError(
                        f"Another indexer is running ({holder}). Wait for it to finish, "
                        "or pass --wait SECONDS."
                    ) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, self.owner.encode(), 0)
        self._fd = fd
        if self._lease is not None:
            try:
                self._take_lease(deadline)
            except BaseException:
                self.release()
                raise
            self._renewer = threading.Thread(target=self._renew_loop, daemon=True)
            self._renewer.start()

    def _lease_holder(self) -> tuple[str, float] | None:
        assert self._lease is not None  # called only for a lock with a shared lease
        got = self._lease.get(ids=[LOCK_ID], include=["metadatas"])
        if not got["ids"]:
            return None
        meta = got["metadatas"][0] or {}
        return str(meta.get("owner", "?")), float(meta.get("expires", 0))

    def _write_lease(self) -> None:
        assert self._lease is not None  # called only for a lock with a shared lease
        self._lease.upsert(
            ids=[LOCK_ID],
            embeddings=[[1.0]],
            metadatas=[{"owner": self.owner, "expires": time.time() + LEASE_SECONDS}],
        )

    def _take_lease(self, deadline: float) -> None:
        while True:
            holder = self._lease_holder()
            free = (
                holder is None
                or holder[0] == self.owner
                or holder[1] < time.time()
                or not holder_alive(holder[0])
            )
            if free:
                self._write_lease()
                time.sleep(0.2)  # let a racing indexer's write land, then see who won
                won = self._lease_holder()
                if won and won[0] == self.owner:
                    return
            if time.monotonic() >= deadline:
                who = holder[0] if holder else "?"
                raise IndexBusyError(
                    f"Another indexer is running against this Chroma server ({who}). "
                    "Wait for it to finish, or pass --wait SECONDS."
                )
            time.sleep(0.5)

    def _renew_loop(self) -> None:
        while not self._stop.wait(RENEW_EVERY):
            try:
                self._write_lease()
            except Exception as exc:  # the server may be briefly away; the run goes on
                log.warning("Could not renew the indexer lease: %s", type(exc).__name__)

    def renew(self) -> None:
        """Extend the server lease now (the renewer thread also does it on a timer)."""
        if self._lease is not None and self._fd is not None:
            self._write_lease()

    def release(self) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=5)
            self._renewer = None
        if self._lease is not None and self._fd is not None:
            try:
                holder = self._lease_holder()
                if holder and holder[0] == self.owner:
                    self._lease.delete(ids=[LOCK_ID])
            except Exception:
                pass
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> IndexLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
