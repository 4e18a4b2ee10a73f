"""Checks an LLM's answer against the sources it was given. Pure (the embedder is passed in).

For every citation marker in the answer:

1. a number that was not one of the given sources is removed;
2. the claim it backs (the sentence, or the part of it since the previous marker) must be
   supported by that source: every number and every name in the claim appears in the
   sentence's cited sources (or the question), and the claim either shares most of its
   content words with the source (lexical) or is close in meaning to one of its sentences
   (cosine between the claim's embedding and the source's stored sentence vectors).
   A citation that fails loses its marker, and a sentence left with none of the citations
   it gave is removed: the model claimed a source for it, and the source does not say it.

Surviving citations are renumbered 1..N in order of first use, per article, and listed with
the source sentences that support them. The answer is *grounded* when at least one citation
survives and most of its sentences that make a claim keep one; otherwise the caller falls
back to the extractive answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from bot.answer.citations import LLM_MARKER_RE, build_citation, marker_numbers, rewrite_markers
from bot.answer.contradiction import REASONS, Contradiction
from bot.answer.contradiction import check as contradiction
from bot.answer.extractive import mentions, question_entities
from bot.answer.model import Citation
from bot.answer.prompt import Source
from index.text import numbers, sentence_spans, sentences, terms

# Why a citation was rejected: the claim is not in the cited source, the source number is
# not one the model was shown, or the source says otherwise.
Rejection = Literal["unsupported", "unknown"] | Contradiction

Embed = Callable[[list[str]], np.ndarray]

MIN_LEXICAL = 0.6  # share of a claim's content terms found in the source
MIN_SEMANTIC = 0.6  # cosine to the closest sentence of the source
MIN_GROUNDED = 0.5  # share of claim sentences that must keep a citation
_MIN_CLAIM_TERMS = 3  # a shorter segment ("while others said") is judged as its whole sentence
# Names a source may spell another way; a claim's name counts as found under any of them.
_UK = ("UK", "U.K.", "Britain", "British", "United Kingdom")
_US = ("US", "U.S.", "United States", "America", "American")
_EU = ("EU", "E.U.", "European Union")
_TORY = ("Tory", "Tories", "Conservative", "Conservatives")
_ALIASES = {alias.lower(): group for group in (_UK, _US, _EU, _TORY) for alias in group}
_REFERENCE_LIST_RE = re.compile(
    r"^\s*(?:#+\s*|\*\*)?(?:sources?|references?|citations?)(?:\*\*)?\s*:?\s*(?:\*\*)?\s*$",
    re.I | re.M,
)


@dataclass(frozen=True)
class Check:
    """One citation of one claim, and what the check found."""

    claim: str
    n: int  # the source number the model wrote
    known: bool
    supported: bool
    lexical: float = 0.0
    semantic: float = 0.0
    missing: tuple[str, ...] = ()  # numbers or names of the claim absent from the sources
    evidence: str = ""  # the source sentence(s) the claim was aligned with
    reason: Rejection | Literal[""] = ""  # why it was rejected
    detail: str = ""  # what the contradiction check found

    def as_dict(self) -> dict[str, object]:
        return {
            "claim": self.claim,
            "n": self.n,
            "known": self.known,
            "supported": self.supported,
            "reason": self.reason or None,
            "detail": self.detail or None,
            "evidence": self.evidence or None,
            "lexical": round(self.lexical, 3),
            "semantic": round(self.semantic, 3),
            "missing": list(self.missing),
        }


@dataclass(frozen=True)
class Verified:
    text: str  # the answer with only supported citations, renumbered
    citations: list[Citation]
    checks: list[Check] = field(default_factory=list)
    claim_sentences: int = 0
    supported_sentences: int = 0
    removed_sentences: int = 0  # sentences whose every citation failed: dropped
    # Model's source number -> its title, and -> its number in the checked answer: a reader
    # of the claims sees which source each one is about, under the number they see.
    titles: dict[int, str] = field(default_factory=dict)
    renumbered: dict[int, int] = field(default_factory=dict)

    @property
    def unknown(self) -> int:
        return sum(not c.known for c in self.checks)

    @property
    def unsupported(self) -> int:
        return sum(c.known and not c.supported for c in self.checks)

    @property
    def kept(self) -> int:
        return sum(c.supported for c in self.checks)

    @property
    def grounded(self) -> bool:
        if not self.kept:
            return False
        return self.supported_sentences >= MIN_GROUNDED * max(1, self.claim_sentences)

    def summary(self) -> dict[str, int]:
        """Counts for `--json`: a contradicted citation counts as unsupported and under its
        reason (`rejected_roles`, `rejected_polarity`, ...)."""
        counts = {
            "citations_kept": self.kept,
            "citations_unknown": self.unknown,
            "citations_unsupported": self.unsupported,
            "claim_sentences": self.claim_sentences,
            "supported_sentences": self.supported_sentences,
            "sentences_removed": self.removed_sentences,
        }
        for reason in REASONS:
            counts[f"rejected_{reason}"] = sum(c.reason == reason for c in self.checks)
        return counts

    def claims(self) -> list[dict[str, object]]:
        """Each checked claim with its citation, verdict and supporting source sentence, plus
        the source's title and its number in the checked answer (`cited`, None if dropped)."""
        return [
            {**c.as_dict(), "title": self.titles.get(c.n), "cited": self.renumbered.get(c.n)}
            for c in self.checks
        ]


@dataclass(frozen=True)
class _Group:
    """One marker group in the answer, with the claim it backs."""

    index: int
    numbers: list[int]
    sentence: int  # index of the sentence it belongs to
    claim: str
    start: int  # where the marker is in the answer
    end: int


@dataclass
class _SourceView:
    """What a source offers for checking, computed once per source."""

    source: Source
    text: str
    sentences: list[str]
    terms: set[str]
    vectors: np.ndarray | None


def drop_reference_list(text: str) -> str:
    """A trailing 'Sources:' list is the model's own; we list the sources ourselves."""
    m = _REFERENCE_LIST_RE.search(text)
    return text[: m.start()].rstrip() if m and m.start() > 0 else text.strip()


def _view(source: Source) -> _SourceView:
    sents: list[str] = []
    vecs: list[np.ndarray] = []
    usable = True
    for chunk in source.chunks:
        chunk_sents = sentences(chunk.text)
        sents += chunk_sents
        decoded = chunk.sentence_vectors
        if decoded is not None and len(decoded) == len(chunk_sents):
            vecs.append(decoded)
        else:
            usable = False
    text = "\n".join([source.title, *(c.text for c in source.chunks)])
    vectors = np.vstack(vecs) if usable and vecs else None
    return _SourceView(source, text, sents, set(terms(text)), vectors)


def _without_markers(text: str) -> str:
    return re.sub(r"\s+([,.;:!?])", r"\1", LLM_MARKER_RE.sub("", text)).strip()


def _groups(text: str) -> tuple[list[_Group], list[str], list[tuple[int, int]]]:
    """Marker groups with their claims, the answer's sentences without markers, and where
    those sentences are.

    Markers that open a sentence ("... needed. [1] Next ...") belong to the one before.
    """
    spans = sentence_spans(text)
    plain = [_without_markers(text[a:b]) for a, b in spans]
    found = list(LLM_MARKER_RE.finditer(text))
    groups: list[_Group] = []
    for i, m in enumerate(found):
        s = next((j for j, (a, b) in enumerate(spans) if a <= m.start() < b), len(spans) - 1)
        a = spans[s][0] if spans else 0
        if s > 0 and not LLM_MARKER_RE.sub("", text[a : m.start()]).strip():
            s -= 1  # a leading marker: it cites the previous sentence
            segment = plain[s]
        else:
            first = i  # "[1][2]" or "[1] [2]": one claim, several sources
            while (
                first > 0
                and found[first - 1].start() >= a
                and not text[found[first - 1].end() : found[first].start()].strip()
            ):
                first -= 1
            prev_end = max((g.end() for g in found[:first] if g.start() >= a), default=a)
            segment = _without_markers(text[prev_end : found[first].start()]).strip(" ,;:-–—")
            if len(terms(segment)) < _MIN_CLAIM_TERMS:
                segment = plain[s] if plain else segment
        groups.append(_Group(i, marker_numbers(m.group(1)), s, segment, m.start(), m.end()))
    return groups, plain, spans


def _remove_sentences(
    text: str, spans: list[tuple[int, int]], groups: list[_Group], drop: set[int]
) -> tuple[str, list[_Group]]:
    """The text without the sentences in `drop`, and the marker groups left in it.

    Markers at the start of a dropped sentence that cite the sentence before it stay.
    """
    cuts: list[tuple[int, int]] = []
    for s in sorted(drop):
        a, b = spans[s]
        borrowed = [g.end for g in groups if a <= g.start < b and g.sentence < s]
        cuts.append((max([a, *borrowed]), b))
    pieces: list[str] = []
    last = 0
    for a, b in cuts:
        pieces.append(text[last:a])
        last = b
    pieces.append(text[last:])
    left = [g for g in groups if not any(a <= g.start < b for a, b in cuts)]
    return "".join(pieces), left


def _tidy(text: str) -> str:
    lines = [re.sub(r"[ \t]{2,}", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _names(claim: str) -> list[str]:
    return [n for n in question_entities(claim) if len(n) > 1]


def _found(name: str, text: str) -> bool:
    """Is the name in text, loosely ('Ukrainian' ~ 'Ukraine'), under any alias, word by word?"""

    def one(part: str) -> bool:
        return any(mentions(alias, text) for alias in _ALIASES.get(part.lower(), (part,)))

    return one(name) or all(one(word) for word in name.split() if word.lower() != "of")


def _check(
    group: _Group,
    n: int,
    view: _SourceView,
    allowed_text: str,
    allowed_numbers: set[str],
    vec: np.ndarray | None,
) -> Check:
    claim_terms = set(terms(group.claim))
    lexical = len(claim_terms & view.terms) / len(claim_terms) if claim_terms else 1.0
    semantic = 0.0
    best = ""
    if vec is not None and view.vectors is not None and len(view.vectors):
        sims = view.vectors @ vec
        semantic = float(sims.max())
        best = view.sentences[int(sims.argmax())]
    if not best and view.sentences:
        best = max(view.sentences, key=lambda s: len(claim_terms & set(terms(s))))
    missing = sorted(numbers(group.claim) - allowed_numbers)
    missing += [name for name in _names(group.claim) if not _found(name, allowed_text)]
    supported = not missing and (lexical >= MIN_LEXICAL or semantic >= MIN_SEMANTIC)
    if not supported:
        return Check(
            group.claim, n, True, False, lexical, semantic, tuple(missing), best, "unsupported"
        )
    found = contradiction(group.claim, view.sentences, view.text)
    evidence = " ".join(found.evidence) or best
    return Check(
        group.claim, n, True, found.ok, lexical, semantic, (), evidence, found.reason, found.detail
    )


def verify(
    answer: str,
    sources: Sequence[Source],
    question: str = "",
    embed: Embed | None = None,
) -> Verified:
    """Check every citation of `answer` against `sources` (numbered as the model saw them)."""
    text = drop_reference_list(answer)
    by_n = {s.n: s for s in sources}
    groups, plain, spans = _groups(text)
    views = {n: _view(by_n[n]) for g in groups for n in g.numbers if n in by_n}
    claims = sorted({g.claim for g in groups})
    vectors: dict[str, np.ndarray] = {}
    if embed is not None and claims and any(v.vectors is not None for v in views.values()):
        vectors = dict(zip(claims, embed(claims), strict=True))

    checks: list[Check] = []
    keep: dict[int, list[int]] = {}  # group index -> source numbers kept
    for g in groups:
        cited = [
            views[n] for gg in groups if gg.sentence == g.sentence for n in gg.numbers if n in views
        ]
        allowed_text = "\n".join([question, *(v.text for v in cited)])
        allowed_numbers = numbers(allowed_text)
        keep[g.index] = []
        for n in g.numbers:
            if n not in views:
                checks.append(Check(g.claim, n, known=False, supported=False, reason="unknown"))
                continue
            check = _check(g, n, views[n], allowed_text, allowed_numbers, vectors.get(g.claim))
            checks.append(check)
            if check.supported and n not in keep[g.index]:
                keep[g.index].append(n)

    supported_sents = {g.sentence for g in groups if keep[g.index]}
    unsupported_sents = {g.sentence for g in groups} - supported_sents
    text, left = _remove_sentences(text, spans, groups, unsupported_sents)
    display: dict[int, int] = {}
    for g in left:
        for n in keep[g.index]:
            display.setdefault(n, len(display) + 1)
    final = rewrite_markers(text, lambda i, _numbers: [display[n] for n in keep[left[i].index]])

    evidence: dict[int, list[str]] = {}
    for c in checks:
        if c.supported and c.evidence and c.evidence not in evidence.setdefault(c.n, []):
            evidence[c.n].append(c.evidence)
    citations = [
        build_citation(d, by_n[n].first, by_n[n].also, by_n[n].score, " ".join(evidence.get(n, [])))
        for n, d in display.items()
    ]
    claim_sents = {i for i, s in enumerate(plain) if len(terms(s)) >= _MIN_CLAIM_TERMS}
    return Verified(
        text=_tidy(final),
        citations=citations,
        checks=checks,
        claim_sentences=len(claim_sents | supported_sents),
        supported_sentences=len(supported_sents),
        removed_sentences=len(unsupported_sents),
        titles={n: by_n[n].title for n in views},
        renumbered=display,
    )
