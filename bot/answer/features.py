"""Candidate answer sentences and the evidence each carries, as numbers. Pure.

The extractive answerer does not add hand-set bonuses: it describes every sentence of the
retrieved passages by the features below and lets a model fitted on real questions
(`bot.answer.scorer`) weigh them. Adding a feature means adding it here, refitting
(`newsbot fit`), and shipping the new weights.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from bot.answer import qtype
from index.text import QUESTION_WORDS, sentences, terms, words
from index.types import Chunk, Hit

FEATURES = (
    "coverage",  # IDF-weighted share of the question's terms in the sentence
    "coverage_rel",  # coverage / the best coverage among the candidates
    "similarity",  # cosine of the sentence's vector to the question's
    "similarity_gap",  # similarity minus the best similarity among the candidates
    "passage_coverage",  # coverage of the question by the sentence's passage and title
    "title_coverage",  # coverage of the question by the article's title
    "type_held",  # the sentence holds an answer of the asked type not said in the question
    "type_missing",  # a specific type is asked for and the sentence holds none
    "specific_type",  # the question asks for a number, date, name... (not why/how)
    "novelty",  # share of the sentence's terms that the question does not already say
    "echo",  # the sentence adds nothing to the question's own words
    "lead",  # the article's first sentence (often a summary of the story)
    "position",  # log(1 + the sentence's place in the article)
    "rank_recip",  # 1 / the retrieval rank of the sentence's passage
    "fused",  # the passage's fused retrieval score
    "dense",  # the passage's cosine to the question
    "names_sentence",  # share of the question's names found in the sentence
    "names_passage",  # share of the question's names found in the passage or title
    "stand_in",  # 'he', 'the firm', 'the country' stands for a question name of the passage
    "phrase",  # share of the question's word pairs found verbatim
    "length",  # log of the sentence's word count
    "quote",  # a quotation or attributed speech
    "missing_rare",  # weight of the rarest question term the passage lacks (0..1)
    "best_in_article",  # the sentence has the best coverage of its article
    "type_near",  # an answer of the asked type stands within a few words of a question term
    "new_name",  # a capitalised name the question does not say
    "coverage_rank",  # 1 / the sentence's rank by coverage among the candidates
    "similarity_rank",  # 1 / the sentence's rank by similarity among the candidates
    "held_specific",  # type_held for questions asking a specific type (an interaction)
    "focus_near",  # weighted share of the question's non-name terms near an answer value
    "hedged",  # expected, plans to, undisclosed, no details: the detail may not be given
    "tense_clash",  # a past question ("did it sell for") against a future or modal sentence
    "year_clash",  # the question names a year, the sentence names only other years
    "union_coverage",  # coverage of the question by all the retrieved passages together
    "sentence_over_passage",  # similarity minus the passage's: the detail, not just the topic
)

_STAND_IN_RE = re.compile(
    r"\b(he|she|it|they|his|her|its|their|him|the (firm|company|group|country|nation|"
    r"government|club|team|side|band|singer|actor|actress|star|player|film|show|programme|"
    r"bank|carrier|airline|retailer|chain|network|broadcaster|party|minister|chancellor|"
    r"chief|boss|executive|league|body|city|region|state|giant|maker|manufacturer|"
    r"champion|striker|coach|manager|organisation|association|union|firm's|company's))\b",
    re.I,
)
_QUOTE_RE = re.compile(r"[\"“”]|\b(said|says|told|added|insisted|claimed|warned)\b", re.I)
_QUOTED_RE = re.compile(r"(?:^|\s)['‘\"“]([^'’\"”]{2,60})['’\"”]")
_ENTITY_RE = re.compile(r"\b(?:[A-Z][\w’'-]*|[A-Z]{2,})(?:\s+(?:of\s+)?[A-Z][\w’'-]*)*")
_DATE_NAMES = re.compile(
    r"^(monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|"
    r"may|june|july|august|september|october|november|december)$",
    re.I,
)
_DEMONYMS = {"french": "fran", "dutch": "neth", "polish": "pola", "american": "u.s", "us": "u.s"}
_MIN_WORDS = 6
# A feature that does not apply to a question (names, for a question without any). The
# scorer reads it as the average seen in training: it moves the probability neither way.
MISSING = float("nan")


@dataclass
class Candidate:
    """A sentence of a retrieved passage, with what the answerer knows about it."""

    text: str
    hit: Hit
    rank: int
    index: int  # the sentence's place in its passage
    terms: frozenset[str]
    similarity: float
    coverage: float = 0.0
    values: dict[str, float] = field(default_factory=dict)

    @property
    def chunk(self) -> Chunk:
        return self.hit.chunk

    def vector(self) -> np.ndarray:
        return np.array([self.values[name] for name in FEATURES], dtype=np.float64)


def question_entities(question: str) -> list[str]:
    """Names in the question (capitalised words after the first), e.g. ['NATO', 'Paris']."""
    body = question.split(" ", 1)[1] if " " in question else ""
    found = []
    for match in _ENTITY_RE.finditer(body):
        for part in match.group().split("-"):  # "UK-France-Ukraine"
            name = re.sub(r"[’']s$", "", part.strip())
            if name and not _DATE_NAMES.match(name) and name.lower() not in QUESTION_WORDS:
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


def is_statement(sentence: str) -> bool:
    """Headings and fragments ("a force in Ukraine after a ceasefire.") are not answers."""
    return (
        len(sentence.split()) >= _MIN_WORDS
        and not sentence[:1].islower()
        and sentence.rstrip("\"”’')").endswith((".", "!", "?", "…"))
    )


def _similarities(chunk: Chunk, qvec: np.ndarray | None, count: int) -> np.ndarray:
    """Cosine of each sentence of the chunk to the question; zeros when vectors are absent."""
    vecs = chunk.sentence_vectors
    if qvec is not None and vecs is not None and len(vecs) == count:
        return vecs @ qvec
    return np.zeros(count, dtype=np.float32)


def candidates(hits: Sequence[Hit], qvec: np.ndarray | None = None) -> list[Candidate]:
    """Every statement of the hits once, in retrieval order."""
    out: list[Candidate] = []
    seen: set[str] = set()
    for rank, hit in enumerate(hits, 1):
        sents = sentences(hit.chunk.text)
        sims = _similarities(hit.chunk, qvec, len(sents))
        for i, (sent, sim) in enumerate(zip(sents, sims, strict=True)):
            if is_statement(sent) and sent not in seen:
                seen.add(sent)
                out.append(Candidate(sent, hit, rank, i, frozenset(terms(sent)), float(sim)))
    return out


def describe(question: str, cands: list[Candidate], context: str = "") -> list[Candidate]:
    """Fill in every candidate's features (in place) and return them."""
    if not cands:
        return cands
    q_terms = set(terms(question))
    c_terms = set(terms(context)) - q_terms
    quoted = set(terms(" ".join(_QUOTED_RE.findall(question))))
    kind = qtype.answer_type(question)
    names = question_entities(question)
    q_words = [w for w in words(question) if w not in QUESTION_WORDS]
    pairs = [f"{a} {b}" for a, b in itertools.pairwise(q_words)]

    n = len(cands)
    df: dict[str, int] = {}
    for c in cands:
        for t in c.terms & (q_terms | c_terms):
            df[t] = df.get(t, 0) + 1

    def weight(t: str) -> float:
        boost = 2.0 if t in quoted else 1.0  # 'momentum' in quotes is what is asked about
        return boost * math.log(1 + (n + 1) / (df.get(t, 0) + 0.5))

    total = sum(weight(t) for t in q_terms) + 0.5 * sum(weight(t) for t in c_terms)
    max_weight = max((weight(t) for t in q_terms), default=1.0) or 1.0

    def cover(found: set[str] | frozenset[str]) -> float:
        if not total:
            return 0.0
        hit = sum(weight(t) for t in q_terms & found)
        return (hit + 0.5 * sum(weight(t) for t in c_terms & found)) / total

    passages: dict[str, tuple[set[str], set[str], str]] = {}
    for c in cands:
        cid = c.chunk.chunk_id
        if cid not in passages:
            full = f"{c.chunk.title}\n{c.chunk.text}"
            passages[cid] = (set(terms(full)), set(terms(c.chunk.title)), full)
    union = cover(set().union(*(p[0] for p in passages.values())))
    for c in cands:
        c.coverage = cover(c.terms)
    best_cov = max(c.coverage for c in cands) or 1.0
    best_sim = max(c.similarity for c in cands)
    best_by_article: dict[str, float] = {}
    for c in cands:
        aid = c.chunk.article_id
        best_by_article[aid] = max(best_by_article.get(aid, 0.0), c.coverage)

    specific = kind != "other"
    by_cov = {id(c): i for i, c in enumerate(sorted(cands, key=lambda c: -c.coverage), 1)}
    by_sim = {id(c): i for i, c in enumerate(sorted(cands, key=lambda c: -c.similarity), 1)}
    q_low = question.lower()
    name_terms = set(terms(" ".join(names)))
    past = bool(_PAST_Q_RE.search(question))
    years = set(_YEAR_RE.findall(question))
    focus = (q_terms - name_terms) or q_terms
    for c in cands:
        p_terms, t_terms, p_text = passages[c.chunk.chunk_id]
        held = qtype.holds(kind, c.text, question)
        new = c.terms - q_terms - c_terms
        in_sentence = [mentions(name, c.text) for name in names]
        in_passage = [mentions(name, p_text) for name in names]
        missing_here = any(p and not s for s, p in zip(in_sentence, in_passage, strict=True))
        stand_in = bool(missing_here and _STAND_IN_RE.search(c.text))
        absent = [weight(t) for t in q_terms - p_terms]
        low = " ".join(words(c.text))
        global_index = c.index + (0 if c.chunk.position == 0 else 6 * c.chunk.position)
        c.values = {
            "coverage": c.coverage,
            "coverage_rel": c.coverage / best_cov,
            "similarity": c.similarity,
            "similarity_gap": c.similarity - best_sim,
            "passage_coverage": cover(p_terms),
            "title_coverage": cover(t_terms),
            "type_held": float(held),
            "type_missing": float(specific and not held),
            "specific_type": float(specific),
            "novelty": len(new) / len(c.terms) if c.terms else 0.0,
            "echo": float(not new),
            "lead": float(c.chunk.position == 0 and c.index == 0),
            "position": math.log1p(global_index),
            "rank_recip": 1.0 / c.rank,
            "fused": float(c.hit.score),
            "dense": float(c.hit.dense or 0.0),
            # a question without names: unknown, not "all found" (see MISSING)
            "names_sentence": sum(in_sentence) / len(names) if names else MISSING,
            "names_passage": sum(in_passage) / len(names) if names else MISSING,
            "stand_in": float(stand_in),
            "phrase": sum(p in low for p in pairs) / len(pairs) if pairs else 0.0,
            "length": math.log(len(c.text.split())),
            "quote": float(bool(_QUOTE_RE.search(c.text))),
            "missing_rare": max(absent, default=0.0) / max_weight,
            "best_in_article": float(c.coverage >= best_by_article[c.chunk.article_id]),
            "type_near": float(held and _near(kind, c.text, q_terms)),
            "new_name": float(any(n.lower() not in q_low for n in _MID_NAME_RE.findall(c.text))),
            "coverage_rank": 1.0 / by_cov[id(c)],
            "similarity_rank": 1.0 / by_sim[id(c)],
            "held_specific": float(held and specific),
            "focus_near": _focus_near(kind, c.text, focus, weight) if held else 0.0,
            "hedged": float(bool(_HEDGE_RE.search(c.text))),
            "tense_clash": float(past and bool(_MODAL_RE.search(c.text))),
            "union_coverage": union,
            "sentence_over_passage": c.similarity - float(c.hit.dense or 0.0),
            "year_clash": float(
                bool(years and (found := set(_YEAR_RE.findall(c.text))) and not found & years)
            ),
        }
    return cands


_HEDGE_RE = re.compile(
    r"\b(expected to|is to|are to|plans? to|planning to|hopes? to|could|may|might|would|"
    r"undisclosed|not disclosed|did not (say|disclose|reveal)|declined to|no details|few details|"
    r"not yet|yet to|unknown|unclear|not known|speculation|rumou?red|reportedly|estimated)\b",
    re.I,
)
_MODAL_RE = re.compile(
    r"\b(will|expected to|is to|are to|plans? to|could|may|might|would|set to)\b", re.I
)
_PAST_Q_RE = re.compile(r"^\W*(?:\w+\s+){0,4}?(did|was|were|had)\b", re.I)
_YEAR_RE = re.compile(r"\b(?:19|20)\d\d\b")
_MID_NAME_RE = re.compile(r"(?<=[a-z,;:] )[A-Z][^\W\d_]+(?:[’'-][^\W\d_]+)?")
_TOKEN_RE = re.compile(r"\S+")
NEAR_WORDS = 8


def _focus_near(
    kind: qtype.AnswerType, sentence: str, focus: set[str], weight: Callable[[str], float]
) -> float:
    """The best share (by weight) of the question's focus terms found within NEAR_WORDS
    words of one value of the asked kind: "pay" next to "$339m" answers "how much did
    they pay", "$2.5m" next to "sued" does not."""
    total = sum(weight(t) for t in focus)
    if not total:
        return 0.0
    tokens = list(_TOKEN_RE.finditer(sentence))
    stems = [set(terms(m.group())) & focus for m in tokens]
    if kind == "other":
        return sum(weight(t) for t in set().union(*stems)) / total if stems else 0.0
    best = 0.0
    for value in qtype.spans(kind, sentence):
        at = sum(1 for m in tokens if m.start() <= value) - 1
        window = set().union(*stems[max(0, at - NEAR_WORDS) : at + NEAR_WORDS + 1])
        best = max(best, sum(weight(t) for t in window) / total)
    return best


def _near(kind: qtype.AnswerType, sentence: str, q_terms: set[str]) -> bool:
    """Is a value of the asked kind within NEAR_WORDS words of one of the question's terms?
    "$1m expected to fetch" is near "fetch"; a figure three clauses away is not."""
    if kind == "other":
        return True
    starts = [m.start() for m in _TOKEN_RE.finditer(sentence)]
    hits = [
        i for i, m in enumerate(_TOKEN_RE.finditer(sentence)) if set(terms(m.group())) & q_terms
    ]
    if not hits:
        return False
    for value in qtype.spans(kind, sentence):
        at = sum(1 for s in starts if s <= value)
        if any(abs(at - 1 - h) <= NEAR_WORDS for h in hits):
            return True
    return False
