"""The offline answerer: picks the sentences that answer the question, each cited. Pure.

No model writes anything, so nothing can be invented: every sentence of an answer is a
sentence of a retrieved article. Each candidate sentence is described by features
(`bot.answer.features`) and given a probability of holding the answer by a model fitted on
real news questions (`bot.answer.scorer`); below the fitted threshold it declines rather
than guess. Two-part and comparison questions are answered part by part
(`bot.answer.parts`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np

from bot.answer import qtype
from bot.answer.citations import Claim, number_claims
from bot.answer.features import (
    Candidate,
    candidates,
    describe,
    mentions,
    question_entities,
)
from bot.answer.model import DECLINE_TEXT, Answer
from bot.answer.parts import comparison_line, question_parts
from bot.answer.scorer import Scorer, load_scorer
from index.fusion import jaccard
from index.text import normalize_number, numbers
from index.types import Chunk, Hit

__all__ = [
    "ExtractiveAnswerer",
    "Scored",
    "answer_kind",
    "confidence",
    "disagreement",
    "mentions",
    "question_entities",
    "score_sentences",
]

# A part of a two-part question is answered when it is this likely relative to the threshold.
PART_RATIO = 0.5
# Sentences per part: its best, and a runner-up from the passages about it.
PART_SENTENCES = 2


@dataclass(frozen=True)
class Scored:
    text: str
    chunk: Chunk
    score: float  # the fitted probability that this sentence answers the question
    coverage: float  # IDF-weighted share of the question's terms found in the sentence
    similarity: float  # cosine between the question and the sentence's vector
    terms: frozenset[str]
    numbers: frozenset[str]
    echo: bool = False  # adds nothing to the question's own words
    type_held: bool = True  # holds an answer of the kind asked for


def answer_kind(question: str) -> qtype.AnswerType:
    """The kind of answer asked for (see `bot.answer.qtype.TYPES`)."""
    return qtype.answer_type(question)


def _scored(c: Candidate, p: float) -> Scored:
    return Scored(
        c.text,
        c.chunk,
        float(p),
        c.coverage,
        c.similarity,
        c.terms,
        frozenset(numbers(c.text)),
        echo=bool(c.values.get("echo")),
        type_held=bool(c.values.get("type_held", 1.0)),
    )


@dataclass(frozen=True)
class Ranking:
    """The candidates of one question, likeliest first, and whether to answer at all."""

    scored: list[Scored]
    probability: float  # that the best sentence holds the answer (the decide model)


def rank(
    question: str,
    hits: Sequence[Hit],
    context: str = "",
    qvec: np.ndarray | None = None,
    scorer: Scorer | None = None,
) -> Ranking:
    """Every statement in the hits with its share of the rank model's probability.

    `context` is earlier conversation: its terms count at half weight, so a follow-up
    keeps its topic but its own words decide.
    """
    cands = describe(question, candidates(hits, qvec), context)
    if not cands:
        return Ranking([], 0.0)
    model = scorer or load_scorer()
    scores = model.scores(np.stack([c.vector() for c in cands]))
    shares = model.shares(scores)
    probability = model.answer_probability([c.values for c in cands], scores)
    out = [_scored(c, p) for c, p in zip(cands, shares, strict=True)]
    out.sort(key=lambda s: -s.score)
    return Ranking(out, probability)


def score_sentences(
    question: str,
    hits: Sequence[Hit],
    context: str = "",
    qvec: np.ndarray | None = None,
    scorer: Scorer | None = None,
) -> list[Scored]:
    """Every statement in the hits, likeliest answer first (see `rank`)."""
    return rank(question, hits, context, qvec, scorer).scored


def confidence(best: Scored) -> float:
    """0..1: how well the best sentence matches the question, in words and in meaning."""
    return max(0.0, min(1.0, (best.coverage + best.similarity) / 2))


def select(
    scored: Sequence[Scored], kind: qtype.AnswerType, max_sentences: int = 3
) -> list[Scored]:
    """The best sentence first, then the likeliest runners-up that add something: not a
    near-copy, not an echo of the question, and for figure questions holding a figure.

    Runners-up are taken by rank alone: any share floor measured on dev cost accuracy."""
    chosen: list[Scored] = []
    for cand in scored:
        if len(chosen) == max_sentences:
            break
        if chosen and (
            cand.echo
            or any(jaccard(set(cand.terms), set(c.terms)) >= 0.5 for c in chosen)
            or (kind in qtype.NUMERIC_TYPES and not cand.type_held)
        ):
            continue
        chosen.append(cand)
    return chosen


class ExtractiveAnswerer:
    """Answers from retrieved passages only; declines when the evidence is unlikely."""

    mode: Final = "extractive"

    def __init__(
        self,
        embed_query: Callable[[str], np.ndarray] | None = None,
        min_relevance: float = 0.3,
        max_sentences: int = 3,
        threshold: float | None = None,
        scorer: Scorer | None = None,
    ) -> None:
        self.embed_query = embed_query
        self.min_relevance = min_relevance  # for timelines and the LLM's "is anything relevant"
        self.max_sentences = max_sentences
        self.scorer = scorer or load_scorer()
        self.threshold = self.scorer.threshold if threshold is None else threshold

    def ranking(self, question: str, hits: Sequence[Hit], context: str = "") -> Ranking:
        qvec = self.embed_query(question) if self.embed_query and hits else None
        return rank(question, hits, context, qvec, self.scorer)

    def evidence(self, question: str, hits: Sequence[Hit], context: str = "") -> list[Scored]:
        return self.ranking(question, hits, context).scored

    def _decline(self, question: str, confidence: float | None = None) -> Answer:
        return Answer(question, DECLINE_TEXT, answered=False, mode=self.mode, confidence=confidence)

    def answer(self, question: str, hits: Sequence[Hit], context: str = "") -> Answer:
        parts = question_parts(question)
        if len(parts.questions) > 1:
            return self._answer_parts(question, parts.questions, parts.compare, hits, context)
        ranking = self.ranking(question, hits, context)
        if not ranking.scored or ranking.probability < self.threshold:
            return self._decline(question, ranking.probability)
        kind = answer_kind(question)
        chosen = select(ranking.scored, kind, self.max_sentences)
        if kind in ("number", "money", "percent"):
            chosen = newest_first_if_update(question, chosen)
        claims = [Claim(s.text, (s.chunk,)) for s in chosen]
        text, citations = number_claims(claims, hits)
        if kind in ("number", "money", "percent"):
            cited = {c.article_id: c.n for c in citations}
            text = " ".join([text, disagreement(question, chosen, cited)]).strip()
        return Answer(
            question,
            text,
            answered=True,
            mode=self.mode,
            citations=citations,
            confidence=ranking.probability,
        )

    def _answer_parts(
        self,
        question: str,
        parts: Sequence[str],
        compare: str,
        hits: Sequence[Hit],
        context: str,
    ) -> Answer:
        """The best sentence for each part, each from the articles about that part."""
        chosen: list[Scored] = []
        extra: list[Scored] = []
        labels: list[str] = []
        best = 0.0
        for part in parts:
            names = question_entities(part)
            # the part's passages: those about its names (a sentence may say "he"), so
            # that each part is weighed among its own candidates
            mine = [
                h
                for h in hits
                if all(mentions(n, f"{h.chunk.title} {h.chunk.text}") for n in names)
            ]
            ranking = self.ranking(part, mine or hits, context)
            taken = {c.text for c in chosen}
            pick = [s for s in ranking.scored if s.text not in taken][:PART_SENTENCES]
            if pick and ranking.probability >= PART_RATIO * self.threshold:
                chosen.append(pick[0])
                labels.append(names[-1] if names else part)
                best = max(best, ranking.probability)
                extra.extend(s for s in pick[1:] if not s.echo)
        if not chosen or best < self.threshold:
            return self._decline(question, best)
        # each part's best sentence first (they are compared), then each part's runner-up
        shown = list({s.text: s for s in [*chosen, *extra]}.values())
        claims = [Claim(s.text, (s.chunk,)) for s in shown]
        text, citations = number_claims(claims, hits)
        if compare and len(chosen) == len(parts):
            kind = answer_kind(parts[0])
            line = comparison_line(compare, labels, [s.text for s in chosen], kind)
            text = f"{text} {line}".strip()
        return Answer(
            question, text, answered=True, mode=self.mode, citations=citations, confidence=best
        )


# ----------------------------------------------------------------- disagreeing figures

_FIGURE_RE = re.compile(
    r"[£$€]?\d+(?:[.,]\d+)*(?:\s*(?:%|percent|per cent|m\b|bn\b|million|billion))?"
)
_MONTH_BEFORE_RE = re.compile(
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s*$", re.I
)
_FOCUS_RE = re.compile(r"how (?:many|much) ([a-z]{3,})", re.I)
_UNIT_RE = re.compile(
    r"^(?:\s*(?:to|-|–|and|or)\s*[£$€]?\d[\d,.]*)?\s*(?:million|billion|m|bn|more|extra|new)?"
    r"\s*(?:[a-z]+\s+)??([a-z]{3,})",
    re.I,
)


def _unit(figure: str, after: str) -> str:
    """What a figure counts: '%', '£', or the noun after it ('troops', 'jobs')."""
    if figure.endswith(("%", "percent", "per cent")):
        return "%"
    if figure[:1] in "£$€":
        return figure[0]
    m = _UNIT_RE.match(after)
    return m.group(1).lower()[:5] if m else ""


def _figures(text: str) -> list[tuple[str, str]]:
    """(figure, unit) pairs, leaving out dates (years, days after a month) and compounds
    such as "30-day"."""
    out = []
    for m in _FIGURE_RE.finditer(text):
        figure, after = m.group(), text[m.end() : m.end() + 40]
        if re.fullmatch(r"(?:19|20)\d\d", figure) or _MONTH_BEFORE_RE.search(text[: m.start()]):
            continue
        if re.match(r"-[A-Za-z]", after):
            continue
        out.append((figure, _unit(figure, after)))
    return out


def newest_first_if_update(question: str, chosen: list[Scored]) -> list[Scored]:
    """When the sources are dated reports of one figure over time, the newest leads."""
    cited = {s.chunk.article_id: i for i, s in enumerate(chosen, 1)}
    if not disagreement(question, chosen, cited).startswith("The figure was updated"):
        return chosen
    return sorted(chosen, key=lambda s: s.chunk.date or date.min, reverse=True)


def disagreement(question: str, chosen: Sequence[Scored], cited: dict[str, int]) -> str:
    """'The sources give different figures: [1] 30,000 and 40,000; [2] 100,000.' or ''.

    Only for figures of the same thing: the same unit or counted noun (the one the
    question counts, when it names one), about the question's names. Two dated reports of
    one thing read as an update instead ('rose from X (date) to Y (date)').
    """
    asked = numbers(question)
    focus = _FOCUS_RE.search(question)
    unit_wanted = focus.group(1).lower()[:5] if focus else None
    names = question_entities(question)
    figures: dict[int, list[str]] = {}
    units: dict[int, set[str]] = {}
    dates: dict[int, Scored] = {}
    for s in chosen:
        n = cited.get(s.chunk.article_id)
        if n is None or n in figures:
            continue
        about = f"{s.chunk.title} {s.chunk.text}"
        if names and not all(mentions(name, about) for name in names):
            continue
        pairs = [(f, u) for f, u in _figures(s.text) if normalize_number(f) not in asked]
        if unit_wanted:
            pairs = [(f, u) for f, u in pairs if u == unit_wanted]
        if pairs:
            figures[n] = [f for f, _ in pairs]
            units[n] = {u for _, u in pairs}
            dates[n] = s
    if len(figures) < 2:
        return ""
    common = set.intersection(*units.values()) - {""}
    if not common:
        return ""
    figures = {n: f for n, f in figures.items()}
    sets = {frozenset(map(normalize_number, f)) for f in figures.values()}
    if len(sets) < 2:
        return ""
    dated = {n: s.chunk.date for n, s in dates.items() if s.chunk.date}
    if len(dated) == len(figures) and len(set(dated.values())) == len(dated):
        steps = sorted(figures, key=lambda n: dated[n])
        story = " to ".join(f"{_join(figures[n])} ({dated[n].isoformat()}) [{n}]" for n in steps)
        return f"The figure was updated: it {_direction(figures, steps)} from {story}."
    sides = "; ".join(f"[{n}] {_join(found)}" for n, found in sorted(figures.items()))
    return f"The sources give different figures: {sides}."


def _direction(figures: dict[int, list[str]], steps: list[int]) -> str:
    """'rose' or 'fell' when the first and last reports each give one figure, else 'went'."""
    first, last = figures[steps[0]], figures[steps[-1]]
    try:
        a, b = (float(normalize_number(f[0]).strip("£$€%")) for f in (first, last))
    except ValueError:
        return "went"
    if len(set(first)) != 1 or len(set(last)) != 1 or a == b:
        return "went"
    return "rose" if b > a else "fell"


def _join(found: list[str]) -> str:
    unique = list(dict.fromkeys(found))
    return unique[0] if len(unique) == 1 else ", ".join(unique[:-1]) + " and " + unique[-1]
