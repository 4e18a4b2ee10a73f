"""Feeds over HTTP: the public API the service and the CLI use.

`registry` (the registered feeds), `fetch` (HTTP), `parse` (the one RSS/Atom parser, also
used for feed files in the articles folder), `stories` (one JSON file per story in the
articles folder, for the normal indexer), `refresh` (one run over every feed).
"""

from index.feeds.refresh import FeedProblem, FeedResult, FetchReport, refresh_feeds
from index.feeds.registry import (
    FeedError,
    FeedRegistry,
    FeedState,
    check_feed_url,
    feed_registry,
    feeds_dir,
)
from index.feeds.stories import delete_stories

__all__ = [
    "FeedError",
    "FeedProblem",
    "FeedRegistry",
    "FeedResult",
    "FeedState",
    "FetchReport",
    "check_feed_url",
    "delete_stories",
    "feed_registry",
    "feeds_dir",
    "refresh_feeds",
]
