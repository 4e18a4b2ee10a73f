"""The one wiring point of the bot: settings -> workspace, retriever, answerer.

The CLI and the Discord bot both talk to `NewsBot`; neither builds stores or models itself.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from bot.answer.condense import conversation_context
from bot.answer.extractive import ExtractiveAnswerer
from bot.answer.model import Answer, Turn
from index.build import Indexer, Progress, UpdateReport
from index.errors import NewsbotError
from index.retrieve import Filters, Retriever
from index.settings import Settings
from index.types import Hit
from index.workspace import Workspace


class QuestionError(NewsbotError):
    """The question itself cannot be asked (empty, too long)."""


@dataclass(frozen=True)
class Status:
    articles: int
    files: int
    chunks: int
    updated_at: str | None
    store: str
    articles_dir: str
    answerer: str

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


class NewsBot:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.ws = Workspace(settings)
        self.retriever = Retriever(self.ws)
        self._update_lock = threading.Lock()

    @cached_property
    def extractive(self) -> ExtractiveAnswerer:
        return ExtractiveAnswerer(self.ws.embedder.embed_one, self.settings.min_relevance)

    def check_question(self, question: str) -> str:
        question = " ".join(question.split())
        if not question:
            raise QuestionError("Please ask a question, e.g. `How many troops were proposed?`")
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise QuestionError(
                f"That question is {len(question):,} characters long; the limit is {limit:,}."
            )
        return question

    def search(self, query: str, k: int | None = None, filters: Filters | None = None) -> list[Hit]:
        query = self.check_question(query)
        return self.retriever.search(query, k or self.settings.top_k, filters)

    def ask(
        self,
        question: str,
        k: int | None = None,
        history: Sequence[Turn] = (),
        filters: Filters | None = None,
    ) -> Answer:
        question = self.check_question(question)
        context = conversation_context(history, question)
        query = f"{question} {context}".strip()
        hits = self.retriever.search(query, k or self.settings.top_k, filters)
        return self.extractive.answer(question, hits, context)

    def update(
        self,
        roots: list[Path] | None = None,
        rebuild: bool = False,
        progress: Progress | None = None,
    ) -> UpdateReport:
        """Incremental index update; one at a time per process."""
        with self._update_lock:
            return Indexer(self.ws).update(roots, rebuild=rebuild, progress=progress)

    def status(self) -> Status:
        manifest = self.ws.manifest()
        return Status(
            articles=manifest.article_count if manifest else 0,
            files=len(manifest.files) if manifest else 0,
            chunks=manifest.chunk_count if manifest else 0,
            updated_at=manifest.updated_at if manifest else None,
            store=self.ws.store_location,
            articles_dir=str(self.settings.articles_dir.resolve()),
            answerer="llm" if self.settings.llm_enabled else "extractive",
        )
