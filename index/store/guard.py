"""Turn any failure of the Chroma client (server down, timeout, damaged files) into a
StoreError with a message a user can act on."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from index.errors import StoreError

F = TypeVar("F", bound=Callable[..., Any])


def chroma_errors(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(self, *args, **kwargs)
        except StoreError:
            raise
        except Exception as exc:  # chromadb and its HTTP stack raise many types
            where = getattr(self, "location", "the Chroma store")
            detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            raise StoreError(
                f"The index store ({where}) failed: {type(exc).__name__}"
                + (f": {detail}" if detail else "")
            ) from None

    return wrapper  # type: ignore[return-value]
