"""`newsbot eval`: retrieval and answer quality on a JSONL file of questions.

Each line: {"question", "sources": [file names], "keywords": [..., "a|b" for either],
"unanswerable": bool}. Metric arithmetic is pure (`score_case`, `summarize`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.answer.model import Answer
from index.errors import SourceError
from index.types import Hit


@dataclass(frozen=True)
class Case:
    question: str
    sources: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    unanswerable: bool = False
    kind: str = ""


@dataclass(frozen=True)
class CaseResult:
    case: Case
    rank: int | None  # rank of the first expected source among the hits
    answered: bool
    keywords_ok: bool
    answer: str


@dataclass
class Report:
    k: int
    results: list[CaseResult] = field(default_factory=list)

    def metrics(self) -> dict[str, float | int]:
        answerable = [r for r in self.results if not r.case.unanswerable]
        unanswerable = [r for r in self.results if r.case.unanswerable]

        def share(rows: Sequence[CaseResult], pred: object) -> float:
            return round(sum(1 for r in rows if pred(r)) / len(rows), 4) if rows else 0.0  # type: ignore[operator]

        return {
            "questions": len(self.results),
            "answerable": len(answerable),
            "unanswerable": len(unanswerable),
            f"hit_rate@{self.k}": share(answerable, lambda r: r.rank is not None),
            "mrr": round(sum(1 / r.rank for r in answerable if r.rank) / len(answerable), 4)
            if answerable
            else 0.0,
            "keyword_accuracy": share(answerable, lambda r: r.keywords_ok),
            "decline_rate_unanswerable": share(unanswerable, lambda r: not r.answered),
            "false_decline_rate": share(answerable, lambda r: not r.answered),
        }


def load_cases(path: Path) -> list[Case]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SourceError(f"Cannot read eval file {path}: {exc.strerror or exc}") from None
    cases = []
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            cases.append(
                Case(
                    question=row["question"],
                    sources=tuple(row.get("sources", ())),
                    keywords=tuple(row.get("keywords", ())),
                    unanswerable=bool(row.get("unanswerable", False)),
                    kind=row.get("kind", ""),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise SourceError(f"{path}:{lineno}: not a valid eval case ({exc})") from None
    if not cases:
        raise SourceError(f"{path} holds no questions")
    return cases


def keyword_found(keyword: str, text: str) -> bool:
    """Case-insensitive; 'a|b' accepts either spelling."""
    low = text.casefold()
    return any(alt.strip().casefold() in low for alt in keyword.split("|"))


def _same_file(source: str, expected: str) -> bool:
    return source == expected or source.rsplit("/", 1)[-1] == expected


def score_case(case: Case, hits: Sequence[Hit], answer: Answer) -> CaseResult:
    rank = next(
        (
            i
            for i, hit in enumerate(hits, 1)
            if any(_same_file(hit.chunk.source, s) for s in case.sources)
        ),
        None,
    )
    ok = answer.answered and all(keyword_found(k, answer.text) for k in case.keywords)
    return CaseResult(case, rank, answer.answered, ok, answer.text)
