"""Domain errors. The edges (CLI, Discord) turn them into one-line user messages."""


class NewsbotError(Exception):
    """Base of every error that has a message fit for a user."""


class ConfigError(NewsbotError):
    """Settings are missing or invalid."""


class SourceError(NewsbotError):
    """An article file or folder cannot be read."""


class EmptyIndexError(NewsbotError):
    """A question was asked before anything was indexed."""


class StoreError(NewsbotError):
    """The vector store or the index files on disk are unusable."""


def first_line(exc: BaseException, limit: int = 120) -> str:
    """An exception's message cut to one short line, fit for a problem report."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(exc: BaseException) -> str:
    """`<ExceptionType>: <short message>` for a failure nobody foresaw."""
    return f"{type(exc).__name__}: {first_line(exc)}"
