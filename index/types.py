"""The records that flow through the pipeline: Article -> Chunk -> Hit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:
    import numpy as np

# Where an article's publication date came from: its metadata (HTML, JSON, a feed),
# front-matter, a `.meta.json` sidecar, a dateline at the top of the story or a YYYY-MM-DD
# in the file name; "" when the article is undated (`date` is None).
DatedBy = Literal["", "metadata", "front-matter", "sidecar", "dateline", "filename"]
_DATED_BY: dict[object, DatedBy] = {kind: kind for kind in get_args(DatedBy)}


def dated_by_of(value: object) -> DatedBy:
    """A stored `dated_by` read back: one of DatedBy, "" for anything else."""
    return _DATED_BY.get(value, "")


@dataclass(frozen=True)
class Article:
    """One story. A page holding several stories yields several Articles."""

    article_id: str
    source: str  # path relative to the articles folder, with "/" separators
    title: str
    text: str
    date: date | None = None
    url: str | None = None
    outlet: str | None = None
    dated_by: DatedBy = ""  # where the publication date came from (see DatedBy)
    file_time: str = ""  # the file's mtime (ISO, UTC): shown, never used as a date


@dataclass(frozen=True)
class Chunk:
    """A passage of an article, the unit that is embedded and retrieved."""

    chunk_id: str
    article_id: str
    source: str
    title: str
    text: str
    position: int
    date: date | None = None
    url: str | None = None
    outlet: str | None = None
    dated_by: DatedBy = ""  # see DatedBy
    file_time: str = ""  # see Article.file_time
    # Unit vectors (n, dims), one per `index.text.sentences(text)`; None when not stored.
    # The store keeps them as text (index.store.sentvec) and hands them out decoded.
    sentence_vectors: np.ndarray | None = field(default=None, compare=False, repr=False)

    def header(self) -> str:
        """Context prepended before embedding, so a passage knows what story it is from."""
        parts = [f"Title: {self.title}"]
        if self.date:
            parts.append(f"Date: {self.date.isoformat()}")
        return "\n".join(parts)


@dataclass(frozen=True)
class Filters:
    """Narrow a search to some source files and/or a date range (inclusive)."""

    sources: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and the ranks that produced it."""

    chunk: Chunk
    score: float
    dense: float | None = None  # cosine similarity, when the dense retriever found it
    ranks: dict[str, int] = field(default_factory=dict)
    # The same story from other files or outlets, collapsed into this hit (wire copies).
    also: tuple[Chunk, ...] = ()
