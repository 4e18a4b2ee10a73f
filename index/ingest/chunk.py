"""Split articles into ~256-token chunks with llama-index's SentenceSplitter, as mirrored
by `index.ingest.split` (same chunks, without llama-index's ~1.4 s import).

Sizes are counted in the embedding model's own word-pieces, with room left for the
title/date header that is embedded with each chunk, so nothing is truncated by the model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from index.ingest.split import SentenceSplitter
from index.types import Article, Chunk


def chunk_id(article_id: str, position: int, text: str) -> str:
    """Content-derived id: the same passage of the same story always gets the same id."""
    digest = hashlib.sha1(f"{article_id}\x00{position}\x00{text}".encode()).hexdigest()
    return digest[:24]


def metadata_str(article: Article) -> str:
    """The title/date header embedded with each of the article's chunks, as the splitter
    sizes it (chunks leave room for it)."""
    header = Chunk(
        "",
        article.article_id,
        "",
        article.title,
        "",
        0,
        article.date,
        dated_by=article.dated_by,
    ).header()
    return header + "\n\n"


class Chunker:
    """Articles -> Chunks. `tokenizer` maps text to tokens (the model's word-pieces); the
    splitter only takes their number."""

    def __init__(
        self,
        tokenizer: Callable[[str], Sequence[object]],
        chunk_tokens: int = 256,
        overlap: int = 32,
        count_batch: Callable[[list[str]], list[int]] | None = None,
    ) -> None:
        self._splitter = SentenceSplitter(
            chunk_size=chunk_tokens - 2,  # [CLS] and [SEP]
            chunk_overlap=overlap,
            tokenizer=tokenizer,
            paragraph_separator="\n\n",
            count_batch=count_batch,  # len(tokenizer(t)) of many texts at once
        )

    def chunk(self, article: Article) -> list[Chunk]:
        texts = self._splitter.split_text_metadata_aware(article.text, metadata_str(article))
        return [
            Chunk(
                chunk_id=chunk_id(article.article_id, i, text),
                article_id=article.article_id,
                source=article.source,
                title=article.title,
                text=text,
                position=i,
                date=article.date,
                url=article.url,
                outlet=article.outlet,
                dated_by=article.dated_by,
                file_time=article.file_time,
            )
            for i, text in enumerate(t.strip() for t in texts if t.strip())
        ]
