"""The one wiring point of the bot: settings -> index (`index.api`), answerers.

The CLI and the Discord bot both talk to `NewsBot` and to nothing else: neither builds
stores or models, nor knows how the index is kept. `NewsBot` in turn reaches `index` only
through `index.api.NewsIndex`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from bot.answer.model import Answer, Turn
from bot.settings import Settings
from index.api import NewsIndex
from index.errors import NewsbotError
from index.types import Filters, Hit

if TYPE_CHECKING:
    from datetime import date, datetime

    from bot.answer.digest import Digest
    from bot.answer.extractive import ExtractiveAnswerer
    from bot.answer.generative import GenerativeAnswerer
    from bot.answer.timeline import Timeline

    # The types of the door, for the front ends (they import nothing else of `index`).
    from index.api import FeedState as FeedState
    from index.api import FetchReport as FetchReport
    from index.api import PhaseProgress as PhaseProgress
    from index.api import Problem as Problem
    from index.api import Progress as Progress
    from index.api import UpdateReport as UpdateReport
    from index.retrieve import Retriever
    from index.workspace import Workspace


class QuestionError(NewsbotError):
    """The question itself cannot be asked (empty, too long)."""


class SourceFilterError(NewsbotError):
    """No indexed file matches any of the sources a search was narrowed to."""


def match_sources(wanted: Sequence[str], names: Sequence[str]) -> tuple[list[str], list[str]]:
    """(indexed names matched, wanted entries matching none). An entry matches a name
    exactly, by its file name or a trailing part of its path, or as a longer path that
    ends in the name: users type what they see in a folder, not our manifest keys."""
    matched: list[str] = []
    unmatched: list[str] = []
    for entry in wanted:
        key = entry.strip().removeprefix("./")
        hits = [n for n in names if n == key or n.endswith("/" + key) or key.endswith("/" + n)]
        matched.extend(h for h in hits if h not in matched)
        if not hits:
            unmatched.append(entry)
    return matched, unmatched


@dataclass(frozen=True)
class Status:
    articles: int
    files: int
    chunks: int
    updated_at: str | None
    store: str
    articles_dir: str
    answerer: str
    llm_model: str | None = None  # "model at http://host/v1" (never the key), or None
    indexed: bool = True  # False: no index here yet (and status created none)

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


class NewsBot:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.index = NewsIndex(settings)

    @property
    def ws(self) -> Workspace:
        """The index's internals, for tests and benchmarks; the bot goes through `index`."""
        return self.index.ws

    @property
    def retriever(self) -> Retriever:
        """The index's retriever, for tests and benchmarks; the bot uses `index.search`."""
        return self.index.retriever

    @cached_property
    def extractive(self) -> ExtractiveAnswerer:
        # The answering modules load with the first question: `status` and `index` skip them.
        from bot.answer.extractive import ExtractiveAnswerer

        return ExtractiveAnswerer(
            self.index.embed_one,
            self.settings.retrieval.min_relevance,
            threshold=self.settings.retrieval.answer_threshold,
        )

    @cached_property
    def generative(self) -> GenerativeAnswerer | None:
        """The LLM answerer when the settings name an LLM, else None (answers stay extractive).

        Nothing of llama-index is imported here: the LLM client loads on the first question.
        """
        if not self.settings.llm.enabled:
            return None
        from bot.answer.generative import GenerativeAnswerer
        from bot.answer.llm import build_chat_model
        from bot.answer.templates import load_prompts

        s = self.settings
        model = build_chat_model(self.settings)
        if model is None:
            return None
        return GenerativeAnswerer(
            model,
            self.extractive,
            load_prompts(s.llm.prompts_dir),
            embed=self.index.embed,
            context_tokens=s.llm.context_tokens,
            answer_tokens=s.llm.max_answer_tokens,
            max_question_chars=s.retrieval.max_question_chars,
            cooldown_seconds=s.llm.cooldown_seconds,
        )

    def check_question(self, question: str) -> str:
        question = " ".join(question.split())
        if not question:
            raise QuestionError("Please ask a question, e.g. `How many troops were proposed?`")
        limit = self.settings.retrieval.max_question_chars
        if len(question) > limit:
            raise QuestionError(
                f"That question is {len(question):,} characters long; the limit is {limit:,}."
            )
        return question

    def search(self, query: str, k: int | None = None, filters: Filters | None = None) -> list[Hit]:
        query = self.check_question(query)
        return self.index.search(query, k or self.settings.retrieval.top_k, filters)

    def ask(
        self,
        question: str,
        k: int | None = None,
        history: Sequence[Turn] = (),
        filters: Filters | None = None,
        *,
        on_token: Callable[[str], None] | None = None,
    ) -> Answer:
        """Answer a question, reading a follow-up in the light of `history`.

        With an LLM configured, `on_token(text)` receives the model's draft as it streams
        (citation numbers already as they will be shown). The draft is not yet checked:
        show the returned Answer in its place when done (its text can differ, or be the
        extractive fallback, see `Answer.fallback` and `Answer.note`). Without an LLM,
        `on_token` is never called. Blocking: call it from a worker thread in async code.
        """
        from bot.answer.condense import conversation_context, rewrite
        from bot.answer.timeline import timeline_topic

        question = self.check_question(question)
        # Timelines ("what happened with X, in order?") are always built extractively,
        # with or without an LLM: dated sentences of the articles, oldest first.
        topic = timeline_topic(question)
        if topic:
            context = conversation_context(history, question)
            return self.timeline(topic, filters=filters, context=context, question=question).answer
        k = k or self.settings.retrieval.top_k
        generative = self.generative
        if generative is None:
            standalone = rewrite(history, question)
            hits = self._retrieve(standalone.question, standalone.context, k, filters)
            answer = self.extractive.answer(standalone.question, hits, standalone.context)
            asked = standalone.question if standalone.rewritten else ""
            return replace(answer, question=question, standalone=asked)
        condensed = generative.condense(history, question)
        query = f"{condensed.question} {condensed.context}".strip()
        hits = self.index.search(query, k, filters)
        answer = generative.answer(
            condensed.question, hits, condensed.context, on_token, failed=condensed.error
        )
        return replace(answer, question=question)

    def _retrieve(self, question: str, context: str, k: int, filters: Filters | None) -> list[Hit]:
        """Passages for the question; a two-part or comparison question gets each part's
        passages, interleaved, so both sides reach the answerer."""
        from bot.answer.parts import question_parts

        parts = question_parts(question).questions
        if len(parts) == 1:
            return self.index.search(f"{question} {context}".strip(), k, filters)
        ranked = [self.index.search(f"{p} {context}".strip(), k, filters) for p in parts]
        merged: dict[str, Hit] = {}
        for row in itertools.zip_longest(*ranked):
            for hit in row:
                if hit is not None and hit.chunk.chunk_id not in merged:
                    merged[hit.chunk.chunk_id] = hit
        return list(merged.values())

    def update(
        self,
        roots: list[Path] | None = None,
        rebuild: bool = False,
        progress: Progress | None = None,
        wait: float = 0.0,
        phases: PhaseProgress | None = None,
    ) -> UpdateReport:
        """Incremental index update; one at a time (across processes too, see index.lock)."""
        return self.index.update(roots, rebuild, progress, wait, phases)

    def watch(
        self,
        roots: list[Path] | None,
        on_report: Callable[[UpdateReport], None],
        on_error: Callable[[NewsbotError], None],
        *,
        rebuild: bool = False,
        wait: float = 60.0,
        every: tuple[float, Callable[[], object]] | None = None,
    ) -> None:
        """Update, then again after every burst of changes in the folders, until Ctrl-C
        (`newsbot index --watch`); `every` = (seconds, job) between updates."""
        self.index.watch(roots, on_report, on_error, rebuild=rebuild, wait=wait, every=every)

    # ------------------------------------------------------------------ feeds

    def feeds(self) -> list[FeedState]:
        """The registered feeds with the state of their last fetch."""
        return self.index.feeds()

    def feeds_registered(self) -> bool:
        """Was a feed ever registered? (Background updates skip fetching when not.)"""
        return self.index.feeds_registered()

    def add_feed(self, url: str) -> tuple[FeedState, bool, Path]:
        """Register a feed: (feed, False if it already was, where its stories go)."""
        return self.index.add_feed(url)

    def remove_feed(self, url: str, delete_stories: bool = False) -> tuple[FeedState, int | None]:
        """Stop following a feed: (feed, stories deleted or None when kept)."""
        return self.index.remove_feed(url, delete_stories)

    def refresh_feeds(self) -> FetchReport:
        """Fetch the registered feeds into `<articles_dir>/feeds/` (new and corrected stories
        only); the next `update()` indexes them. With no feeds registered it returns an
        empty report at once. Blocking: call it from a worker thread in async code."""
        return self.index.refresh_feeds()

    # ------------------------------------------------------------------ sources, status

    def source_names(self) -> list[str]:
        """The indexed article files (for autocompletion and `--source`)."""
        return self.index.source_names()

    def resolve_sources(self, filters: Filters) -> tuple[Filters, list[str]]:
        """Filters whose sources are indexed names, and the requested sources matching none.
        SourceFilterError when none matches: an empty list would mean "search everything"."""
        if not filters.sources:
            return filters, []
        matched, unmatched = match_sources(filters.sources, self.index.source_names())
        if not matched:
            raise SourceFilterError(
                f"No indexed file matches {', '.join(map(repr, unmatched))} "
                "(give a file name, or a path inside the articles folder)"
            )
        return replace(filters, sources=tuple(matched)), unmatched

    def status(self) -> Status:
        st = self.index.status()
        return Status(
            articles=st.articles,
            files=st.files,
            chunks=st.chunks,
            updated_at=st.updated_at,
            store=st.store,
            articles_dir=str(self.settings.index.articles_dir.resolve()),
            answerer="llm" if self.settings.llm.enabled else "extractive",
            llm_model=self._llm_description(),
            indexed=st.indexed,
        )

    def _llm_description(self) -> str | None:
        if not self.settings.llm.enabled:
            return None
        from bot.answer.llm import build_chat_model

        model = build_chat_model(self.settings)
        return model.description if model else None

    # ------------------------------------------------------------------ timelines, digests

    def timeline(
        self,
        topic: str,
        since: date | None = None,
        until: date | None = None,
        *,
        filters: Filters | None = None,
        context: str = "",
        question: str | None = None,
    ) -> Timeline:
        """Dated, cited bullets about `topic`, oldest first (see `bot.answer.timeline`).

        Always extractive, LLM or not. Blocking: call it from a worker thread in async code.
        """
        from bot.answer.timeline import RETRIEVE_K, build_timeline

        topic = self.check_question(topic)
        base = filters or Filters()
        filters = replace(base, since=since or base.since, until=until or base.until)
        query = f"{topic} {context}".strip()
        hits = self.index.search(query, max(RETRIEVE_K, self.settings.retrieval.top_k), filters)
        scored = self.extractive.evidence(topic, hits, context)
        return build_timeline(
            topic,
            scored,
            hits,
            question=question,
            min_relevance=self.settings.retrieval.min_relevance,
            since=filters.since,
            until=filters.until,
        )

    def digest(
        self,
        since: str | date | datetime = "24h",
        *,
        now: datetime | None = None,
        include_undated: bool = False,
    ) -> Digest:
        """What is new since `since` (24h, 7d, 2w, a date), grouped by topic, each cited.

        Articles count by their publication date (on/after the cutoff day), and only those
        the current manifest lists. Undated articles are left out (and counted) unless
        `include_undated`: nobody knows whether they are new. Blocking: call it from a
        worker thread in async code.
        """
        from bot.answer.digest import articles_from_chunks, build_digest, parse_since

        day = parse_since(since, now)
        recent = self.index.recent(day, undated_vectors=include_undated)
        rows = [*recent.dated, *(recent.undated if include_undated else ())]
        undated = recent.undated
        return build_digest(
            articles_from_chunks(rows),
            day,
            asked=str(since),
            include_undated=include_undated,
            undated=len({c.article_id for c, _ in undated}),
        )
