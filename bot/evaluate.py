"""`newsbot eval`: retrieval and answer quality on a JSONL file of questions.

Each line: {"question", "sources": [file names], "keywords": [..., "a|b" for either],
"unanswerable": bool, "kind": "single|multi|followup|unanswerable", "history": [earlier
questions, for a follow-up]}. Metric arithmetic is pure (`score_case`, `Report`);
`run_cases` asks a bot.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from bot.answer.model import Answer, Turn
from index.errors import SourceError
from index.types import Hit

SUBSETS = ("single", "multi", "followup", "unanswerable")


@dataclass(frozen=True)
class Case:
    question: str
    sources: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    unanswerable: bool = False
    kind: str = ""
    history: tuple[str, ...] = ()
    type: str = ""  # the kind of answer asked for (number, person, ...), when labelled
    split: str = ""

    @property
    def subset(self) -> str:
        if self.unanswerable:
            return "unanswerable"
        if self.kind in SUBSETS:
            return self.kind
        if self.history or self.kind == "followup":
            return "followup"
        return "multi" if self.kind == "multi" or len(self.sources) > 1 else "single"


@dataclass(frozen=True)
class CaseResult:
    case: Case
    rank: int | None  # rank of the first expected source among the hits
    answered: bool
    keywords_ok: bool
    answer: str
    cited_ok: bool = False  # an expected source is among the answer's citations
    standalone: str = ""
    confidence: float | None = None  # the answerer's probability of being right


def _share(rows: Sequence[CaseResult], pred: Callable[[CaseResult], bool]) -> float:
    return round(sum(1 for r in rows if pred(r)) / len(rows), 4) if rows else 0.0


@dataclass
class Report:
    k: int
    results: list[CaseResult] = field(default_factory=list)

    def metrics(self, rows: Sequence[CaseResult] | None = None) -> dict[str, float | int]:
        rows = self.results if rows is None else rows
        answerable = [r for r in rows if not r.case.unanswerable]
        unanswerable = [r for r in rows if r.case.unanswerable]
        answered = [r for r in answerable if r.answered]
        return {
            "questions": len(rows),
            "answerable": len(answerable),
            "unanswerable": len(unanswerable),
            f"hit_rate@{self.k}": _share(answerable, lambda r: r.rank is not None),
            "mrr": round(sum(1 / r.rank for r in answerable if r.rank) / len(answerable), 4)
            if answerable
            else 0.0,
            "keyword_accuracy": _share(answerable, lambda r: r.keywords_ok),
            "decline_rate_unanswerable": _share(unanswerable, lambda r: not r.answered),
            "false_decline_rate": _share(answerable, lambda r: not r.answered),
            "cited_source_hit": _share(answered, lambda r: r.cited_ok),
        }

    def subsets(self) -> dict[str, dict[str, float | int]]:
        """The metrics of each subset present (single, multi, followup, unanswerable)."""
        out = {}
        for name in SUBSETS:
            rows = [r for r in self.results if r.case.subset == name]
            if rows:
                out[name] = self.metrics(rows)
        return out

    def confusion(self) -> dict[str, int]:
        """Answered or declined against answerable or not, and right or wrong when answered."""
        rows = self.results
        return {
            "answerable_answered_right": sum(
                1 for r in rows if not r.case.unanswerable and r.keywords_ok
            ),
            "answerable_answered_wrong": sum(
                1 for r in rows if not r.case.unanswerable and r.answered and not r.keywords_ok
            ),
            "answerable_declined": sum(
                1 for r in rows if not r.case.unanswerable and not r.answered
            ),
            "unanswerable_answered": sum(1 for r in rows if r.case.unanswerable and r.answered),
            "unanswerable_declined": sum(1 for r in rows if r.case.unanswerable and not r.answered),
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
                    history=tuple(row.get("history", ())),
                    type=row.get("type", ""),
                    split=row.get("split", ""),
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


def same_file(source: str, expected: str) -> bool:
    """'bbc/tech/012.txt' is 'tech/012.txt' is '012.txt' (a path suffix)."""
    return source == expected or source.endswith("/" + expected.lstrip("/"))


def score_case(case: Case, hits: Sequence[Hit], answer: Answer) -> CaseResult:
    rank = next(
        (
            i
            for i, hit in enumerate(hits, 1)
            if any(same_file(hit.chunk.source, s) for s in case.sources)
        ),
        None,
    )
    ok = answer.answered and all(keyword_found(k, answer.text) for k in case.keywords)
    cited = any(same_file(c.source, s) for c in answer.citations for s in case.sources)
    return CaseResult(
        case, rank, answer.answered, ok, answer.text, cited, answer.standalone, answer.confidence
    )


class Asker(Protocol):
    def search(self, query: str, k: int | None = None) -> list[Hit]: ...

    def ask(self, question: str, k: int | None = None, history: Sequence[Turn] = ()) -> Answer: ...


def run_case(bot: Asker, case: Case, k: int) -> CaseResult:
    """Ask the case as a user would: a follow-up after its earlier questions, in one chat."""
    history: list[Turn] = []
    for earlier in case.history:
        prior = bot.ask(earlier, k, history=history)
        history.append(Turn(earlier, prior.text, prior.standalone))
    answer = bot.ask(case.question, k, history=history)
    hits = bot.search(answer.standalone or case.question, k)
    return score_case(case, hits, answer)


def run_cases(bot: Asker, cases: Sequence[Case], k: int) -> Report:
    report = Report(k)
    for case in cases:
        report.results.append(run_case(bot, case, k))
    return report
