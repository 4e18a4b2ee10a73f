"""Turn any failure of the Chroma client (server down, timeout, damaged files) into a
StoreError with a message a user can act on."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from index.errors import StoreError

F = TypeVar("F", bound=Callable[..., Any])


def collection_replaced(exc: Exception) -> bool:
    """Another process's rebuild deleted the collection this handle points at."""
    return type(exc).__name__ in {"NotFoundError", "InvalidCollectionException"} or (
        "does not exist" in str(exc) and "ollection" in str(exc)
    )


def chroma_errors(fn: F) -> F:
    """Wrap a store method: a replaced collection is found again by name and the call
    retried once (long-running readers survive a rebuild); anything else is a StoreError."""

    @functools.wraps(fn)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            try:
                return fn(self, *args, **kwargs)
            except Exception as exc:
                reopen = getattr(self, "reopen", None)
                if reopen is None or isinstance(exc, StoreError) or not collection_replaced(exc):
                    raise
                reopen()
                return fn(self, *args, **kwargs)
        except StoreError:
            raise
        except Exception as exc:  # chromadb and its HTTP stack raise many types
            where = getattr(self, "location", "the Chroma store")
            detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            raise StoreError(
                f"The index store ({where}) failed: {type(exc).__name__}"
                + (f": {detail}" if detail else "")
                + _advice(exc, where)
            ) from None

    return cast(F, wrapper)


def _advice(exc: Exception, where: str) -> str:
    if where.startswith(("http://", "https://")):
        return ". Check that the Chroma server is running and reachable."
    text = str(exc).lower()
    if "disk is full" in text or "no space left" in text:
        return ". The disk is full: free some space, then run `newsbot index` again."
    if "readonly" in text or "read-only" in text:
        return ". The index folder is read-only; see the README on read-only deployments."
    return ". If it keeps failing, run `newsbot index --rebuild`."
