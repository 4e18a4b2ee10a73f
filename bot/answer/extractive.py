"""The offline answerer: picks the sentences that answer the question, each cited. Pure.

No model writes anything, so nothing can be invented: every sentence of an answer is a
sentence of a retrieved article. Scoring is lexical (IDF-weighted overlap with the
question, phrase matches, the kind of answer the question asks for) plus the passage's
retrieval scores. Below `min_relevance` it declines rather than guess.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.answer.citations import Claim, number_claims
from bot.answer.model import DECLINE_TEXT, Answer
from index.fusion import jaccard
from index.store import sentvec
from index.text import QUESTION_WORDS, normalize_number, numbers, sentences, terms, words
from index.types import Chunk, Hit

_NUMBER_Q = re.compile(
    r"\b(how (many|much|big|large|long|far|often)|what (number|percentage|share|size|amount)|"
    r"number of|figure|estimate[sd]?|percent)\b",
    re.I,
)
_DATE_Q = re.compile(r"\b(when|what (date|day|year|month|time))\b", re.I)
_WHO_Q = re.compile(r"\b(who|whom|whose|which (leader|official|minister|person|country))\b", re.I)
_WHERE_Q = re.compile(r"\b(where|which (city|country|place|region))\b", re.I)
_DATE_WORDS = re.compile(
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|week|"
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"(19|20)\d\d)\b",
    re.I,
)
_CAPITALISED = re.compile(r"(?<!^)(?<![.!?] )\b[A-Z][a-zà-ÿ’']+(?: [A-Z][a-zà-ÿ’']+)*")
_QUOTED_RE = re.compile(r"(?:^|\s)['‘\"“]([^'’\"”]{2,60})['’\"”]")
_MIN_WORDS = 6
SEMANTIC_WEIGHT = 2.0


@dataclass(frozen=True)
class Scored:
    text: str
    chunk: Chunk
    score: float
    coverage: float  # IDF-weighted share of the question's terms found in the sentence
    similarity: float  # cosine between the question and the sentence's vector
    terms: frozenset[str]
    numbers: frozenset[str]


def answer_kind(question: str) -> str:
    if _NUMBER_Q.search(question):
        return "number"
    if _DATE_Q.search(question):
        return "date"
    if _WHO_Q.search(question):
        return "who"
    if _WHERE_Q.search(question):
        return "where"
    return "other"


def _is_statement(sentence: str) -> bool:
    """Headings and fragments are not answers."""
    return len(sentence.split()) >= _MIN_WORDS and sentence.rstrip("\"”’')").endswith(
        (".", "!", "?", "…")
    )


def _kind_bonus(kind: str, sentence: str, question: str) -> float:
    if kind == "number":
        asked = numbers(question)
        return 0.15 if numbers(sentence) - asked else -0.1
    if kind == "date":
        return 0.15 if _DATE_WORDS.search(sentence) else -0.05
    if kind in ("who", "where"):
        q_words = set(words(question))
        names = [n for n in _CAPITALISED.findall(sentence) if n.lower() not in q_words]
        return 0.1 if names else -0.05
    return 0.0


def _phrase_bonus(q_words: list[str], s_words: str) -> float:
    """Question bigrams found verbatim in the sentence ("reassurance force")."""
    content = [w for w in q_words if w not in QUESTION_WORDS]
    pairs = [f"{a} {b}" for a, b in itertools.pairwise(content)]
    if not pairs:
        return 0.0
    return 0.1 * sum(p in s_words for p in pairs) / len(pairs)


def _sentence_similarities(chunk: Chunk, qvec: np.ndarray | None, count: int) -> np.ndarray:
    """Cosine of each sentence of the chunk to the question; zeros when vectors are absent."""
    if qvec is not None and chunk.sentence_vectors:
        vecs = sentvec.decode(chunk.sentence_vectors)
        if len(vecs) == count:
            return vecs @ qvec
    return np.zeros(count, dtype=np.float32)


def score_sentences(
    question: str, hits: Sequence[Hit], context: str = "", qvec: np.ndarray | None = None
) -> list[Scored]:
    """Every statement in the hits, scored against the question (best first).

    `context` is earlier conversation: its terms count at half weight, so a follow-up
    keeps its topic but its own words decide.
    """
    q_terms = set(terms(question))
    quoted = set(terms(" ".join(_QUOTED_RE.findall(question))))
    c_terms = set(terms(context)) - q_terms
    kind = answer_kind(question)
    q_words = words(question)
    candidates: list[tuple[str, Hit, set[str], float]] = []
    seen: set[str] = set()
    for hit in hits:
        sents = sentences(hit.chunk.text)
        sims = _sentence_similarities(hit.chunk, qvec, len(sents))
        for sent, sim in zip(sents, sims, strict=True):
            if _is_statement(sent) and sent not in seen:
                seen.add(sent)
                candidates.append((sent, hit, set(terms(sent)), float(sim)))
    if not candidates or not (q_terms or c_terms):
        return []
    n = len(candidates)
    df: dict[str, int] = {}
    for _, _, s_terms, _ in candidates:
        for t in s_terms & (q_terms | c_terms):
            df[t] = df.get(t, 0) + 1

    def weight(t: str) -> float:
        boost = 2.0 if t in quoted else 1.0  # 'momentum' in quotes is what is asked about
        return boost * math.log(1 + (n + 1) / (df.get(t, 0) + 0.5))

    total = sum(weight(t) for t in q_terms) + 0.5 * sum(weight(t) for t in c_terms)
    scored: list[Scored] = []
    for sent, hit, s_terms, sim in candidates:
        matched = sum(weight(t) for t in q_terms & s_terms) + 0.5 * sum(
            weight(t) for t in c_terms & s_terms
        )
        coverage = matched / total if total else 0.0
        novelty = 0.0 if s_terms - q_terms - c_terms else -0.3  # an echo of the question
        score = (
            coverage
            + _phrase_bonus(q_words, " ".join(words(sent)))
            + _kind_bonus(kind, sent, question)
            + 0.15 * hit.score
            + 0.2 * (hit.dense or 0.0)
            + novelty
            + SEMANTIC_WEIGHT * sim
        )
        scored.append(
            Scored(
                sent,
                hit.chunk,
                score,
                coverage,
                sim,
                frozenset(s_terms),
                frozenset(numbers(sent)),
            )
        )
    scored.sort(key=lambda s: -s.score)
    return scored


def select(scored: Sequence[Scored], kind: str, max_sentences: int = 3) -> list[Scored]:
    """The best sentence, plus close runners-up that add something (another source, or
    another figure when sources disagree), in a sensible order."""
    if not scored:
        return []
    best = scored[0]
    chosen = [best]
    for cand in scored[1:]:
        if len(chosen) == max_sentences:
            break
        if any(jaccard(set(cand.terms), set(c.terms)) >= 0.5 for c in chosen):
            continue
        new_figures = kind == "number" and cand.numbers and cand.numbers - best.numbers
        other_source = all(cand.chunk.article_id != c.chunk.article_id for c in chosen)
        relevant = cand.coverage >= 0.6 * best.coverage or cand.similarity >= 0.9 * best.similarity
        close = cand.score >= 0.8 * best.score and relevant
        disagreeing = new_figures and other_source and cand.score >= 0.6 * best.score
        if close or disagreeing:
            chosen.append(cand)
    return chosen


_ENTITY_RE = re.compile(r"\b(?:[A-Z][\w’'-]*|[A-Z]{2,})(?:\s+(?:of\s+)?[A-Z][\w’'-]*)*")
_DEMONYMS = {"french": "fran", "dutch": "neth", "polish": "pola", "american": "u.s", "us": "u.s"}
_NUMBER_WORDS = re.compile(
    r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|hundreds?|"
    r"thousands?|millions?|billions?|half|third|quarter)\b",
    re.I,
)


def question_entities(question: str) -> list[str]:
    """Names in the question (capitalised words after the first), e.g. ['NATO', 'Paris']."""
    body = question.split(" ", 1)[1] if " " in question else ""
    found = []
    for match in _ENTITY_RE.finditer(body):
        for part in match.group().split("-"):  # "UK-France-Ukraine"
            name = re.sub(r"[’']s$", "", part.strip())
            if name and not _DATE_WORDS.fullmatch(name) and name.lower() not in QUESTION_WORDS:
                found.append(name)
    return found


def _name_keys(name: str) -> list[set[str]]:
    """Loose keys per word of a name: 'Ukrainian' and 'Ukraine' share 'ukra'."""
    keys = []
    for word in name.split():
        low = word.lower().strip("’'")
        if low != "of":
            keys.append({low[:4], _DEMONYMS.get(low, low[:4])})
    return keys


def mentions(name: str, text: str) -> bool:
    """True when every word of `name` appears (loosely) among text's capitalised words."""
    caps = {w.lower()[:4] for w in re.findall(r"[A-Z][\w.’'-]*", text)}
    return all(alts & caps for alts in _name_keys(name))


def fits_question(question: str, kind: str, chosen: Sequence[Scored], context: str) -> bool:
    """Does the evidence have what the question asks for, about whom it asks?

    A number for "how many" and a date for "when" in the lead sentence, at least one of
    the question's names in the chosen sentences, most of them somewhere in the cited
    passages. This is what turns
    "Who is Russia's defence minister?" away from a sentence about Ukraine's.
    """
    lead = chosen[0].text
    if kind == "number" and not (numbers(lead) - numbers(question) or _NUMBER_WORDS.search(lead)):
        return False
    if kind == "date" and not _DATE_WORDS.search(lead):
        return False
    text = " ".join(s.text for s in chosen)
    names = question_entities(question)
    if not names or context:
        return True
    passages = " ".join(
        {s.chunk.chunk_id: f"{s.chunk.title} {s.chunk.text}" for s in chosen}.values()
    )
    if not any(mentions(n, text) for n in names):
        return False
    return sum(mentions(n, passages) for n in names) * 2 >= len(names)


def confidence(best: Scored) -> float:
    """0..1: how well the best sentence matches the question, in words and in meaning."""
    return max(0.0, min(1.0, (best.coverage + best.similarity) / 2))


class ExtractiveAnswerer:
    """Answers from retrieved passages only; declines when the evidence is weak."""

    mode = "extractive"

    def __init__(
        self,
        embed_query: Callable[[str], np.ndarray] | None = None,
        min_relevance: float = 0.3,
        max_sentences: int = 3,
    ) -> None:
        self.embed_query = embed_query
        self.min_relevance = min_relevance
        self.max_sentences = max_sentences

    def evidence(self, question: str, hits: Sequence[Hit], context: str = "") -> list[Scored]:
        qvec = self.embed_query(question) if self.embed_query and hits else None
        return score_sentences(question, hits, context, qvec)

    def answer(self, question: str, hits: Sequence[Hit], context: str = "") -> Answer:
        scored = self.evidence(question, hits, context)
        if not scored or confidence(scored[0]) < self.min_relevance:
            return Answer(question, DECLINE_TEXT, answered=False, mode=self.mode)
        kind = answer_kind(question)
        chosen = select(scored, kind, self.max_sentences)
        if not fits_question(question, kind, chosen, context):
            return Answer(question, DECLINE_TEXT, answered=False, mode=self.mode)
        claims = [Claim(s.text, (s.chunk,)) for s in chosen]
        text, citations = number_claims(claims, hits)
        if kind == "number":
            cited = {c.article_id: c.n for c in citations}
            text = " ".join([text, disagreement(question, chosen, cited)]).strip()
        return Answer(question, text, answered=True, mode=self.mode, citations=citations)


def disagreement(question: str, chosen: Sequence[Scored], cited: dict[str, int]) -> str:
    """'The sources give different figures: [1] 30,000 to 40,000; [2] 100,000.' or ''.

    Readers of news need to see when outlets disagree, not one figure picked silently.
    """
    asked = numbers(question)
    focus = _FOCUS_RE.search(question)
    figures: dict[int, list[str]] = {}
    for s in chosen:
        found = [
            f
            for f in _figures(s.text, focus.group(1) if focus else None)
            if normalize_number(f) not in asked
        ]
        n = cited.get(s.chunk.article_id)
        if found and n is not None and n not in figures:
            figures[n] = found
    sets = {frozenset(map(normalize_number, f)) for f in figures.values()}
    if len(figures) < 2 or len(sets) < 2:
        return ""
    sides = "; ".join(f"[{n}] {_join(found)}" for n, found in sorted(figures.items()))
    return f"The sources give different figures: {sides}."


_FIGURE_RE = re.compile(r"\d+(?:[.,]\d+)*(?:\s*(?:%|percent|per cent|million|billion))?")
_MONTH_BEFORE_RE = re.compile(
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s*$", re.I
)


_FOCUS_RE = re.compile(r"how (?:many|much) ([a-z]{3,})", re.I)


def _figures(text: str, focus: str | None = None) -> list[str]:
    """Figures in text, leaving out dates (years, days after a month) and compounds such as
    "30-day"; when the question counts something ("how many troops"), only the figures of
    that thing if the text has any ("100,000 to 150,000 troops")."""
    out, counted = [], []
    for m in _FIGURE_RE.finditer(text):
        figure, after = m.group(), text[m.end() : m.end() + 40]
        if re.fullmatch(r"(?:19|20)\d\d", figure) or _MONTH_BEFORE_RE.search(text[: m.start()]):
            continue
        if re.match(r"-[A-Za-z]", after):
            continue
        out.append(figure)
        noun = r"(?:\s*(?:to|-|–|and|or)\s*\d[\d,.]*)?\s+(?:[a-z]+\s+)?"
        if focus and re.match(noun + re.escape(focus[:5].lower()), after, re.I):
            counted.append(figure)
    return counted or out


def _join(found: list[str]) -> str:
    unique = list(dict.fromkeys(found))
    return unique[0] if len(unique) == 1 else ", ".join(unique[:-1]) + " and " + unique[-1]
