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
