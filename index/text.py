"""Word and sentence level text handling shared by BM25 and the extractive answerer. Pure."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be because
    been before being below between both but by can could couldn't did didn't do does
    doesn't doing don't down during each few for from further had hadn't has hasn't have
    haven't having he her here hers herself him himself his how i if in into is isn't it
    it's its itself just me more most my myself no nor not now of off on once only or other
    our ours ourselves out over own same she should so some such than that that's the their
    theirs them themselves then there these they this those through to too under until up
    very was wasn't we were weren't what when where which while who whom why will with won't
    would you your yours yourself yourselves according tell told say said says many much
    there's whats what's who's one ones
    """.split()
)
# Words that carry the question's intent, not its topic.
QUESTION_WORDS = frozenset(["what", "which", "who", "whom", "whose", "when", "where", "why", "how"])

_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)*%?|[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof sen rep gov gen col lt sgt st jr sr vs etc inc ltd co corp no approx
    jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.u
    """.split()
)
_SENT_END_RE = re.compile(r"(?<=[.!?…])([\"”’')\]]*)\s+(?=[\"“‘(\[]?[A-Z0-9])")


@lru_cache(maxsize=1)
def _stemmer() -> Any:  # a Stemmer.Stemmer (PyStemmer is a C module without types)
    import Stemmer

    return Stemmer.Stemmer("english")


def stem(word: str) -> str:
    """The Snowball stem of one lower-cased word (stopwords kept: 'more', 'after' matter)."""
    return str(_stemmer().stemWord(word))


def normalize_number(token: str) -> str:
    """'10,000' and '10000' are the same number to a reader, so to the index too."""
    return token.replace(",", "") if token[0].isdigit() else token


def words(text: str) -> list[str]:
    """Lower-cased word and number tokens, apostrophes folded, numbers' commas dropped
    (`normalize_number`: only number tokens can hold a comma). Folded all at once: this
    runs on every chunk an update indexes."""
    tokens = _TOKEN_RE.findall(text)
    if not tokens:
        return []
    return "\n".join(tokens).lower().replace("’", "'").replace(",", "").split("\n")


def terms(text: str) -> list[str]:
    """Stemmed content words: the vocabulary BM25 and answer scoring agree on."""
    kept = [w for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    return _stemmer().stemWords([w.removesuffix("'s") for w in kept])


_NAME_RE = re.compile(r"(?<=[a-z,;:] )[A-Z][^\W\d_]+(?:[’'-][^\W\d_]+)?")


def facts(text: str) -> frozenset[str]:
    """Figures and mid-sentence capitalised words (names) of the prose lines (8+ words, so
    not headings or page furniture): two passages that differ in these report different
    things, however many other words they share."""
    prose = "\n".join(line for line in text.splitlines() if len(line.split()) >= 8)
    numbers = {normalize_number(t) for t in _TOKEN_RE.findall(prose) if t[0].isdigit()}
    return frozenset(numbers | set(_NAME_RE.findall(prose)))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; paragraphs never merge and abbreviations (U.S.) don't
    split. Spans index into `text`, so sentence vectors can be pooled from token offsets."""
    spans: list[tuple[int, int]] = []
    for para in re.finditer(r"[^\n]+", text):
        base, body = para.start(), para.group()
        start = 0
        for match in _SENT_END_RE.finditer(body):
            before = body[start : match.start()]
            last_word = before.rsplit(" ", 1)[-1].rstrip(".").lower()
            if last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
                continue
            spans.append((base + start, base + match.start() + len(match.group(1))))
            start = match.end()
        spans.append((base + start, base + len(body)))
    out = []
    for a, b in spans:
        seg = text[a:b]
        a += len(seg) - len(seg.lstrip())
        b -= len(seg) - len(seg.rstrip())
        if b > a:
            out.append((a, b))
    return out


def sentences(text: str) -> list[str]:
    """Sentences of a passage (see `sentence_spans`)."""
    return [text[a:b] for a, b in sentence_spans(text)]


def numbers(text: str) -> set[str]:
    """Numbers mentioned in text (normalised), used to tell disagreeing figures apart."""
    return {normalize_number(n) for n in re.findall(r"\d+(?:[.,]\d+)*", text)}
