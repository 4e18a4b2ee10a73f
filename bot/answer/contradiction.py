"""Does a claim say what its cited sentences say, or twist them? Pure, rules only.

Term overlap and sentence-vector cosine cannot tell "the highest turnout" from "the lowest
turnout": every number and name is in the source and most words are shared. So a claim is
first aligned with the source sentence(s) that hold most of its words (one, or two for a
claim that sums up two sentences), and then compared with them on what such overlap misses:

- roles: a figure or name tied to a different actor than in the source ("Zelenskyy said
  30,000" where diplomats did), or an asymmetric verb with its actors reversed ("X beat Y");
- polarity: negation, antonyms (won/lost, accepted/rejected, rose/fell), comparison and
  superlative direction (more/less, highest/lowest) and exclusion ("rather than NATO" vs
  "independent of NATO");
- additions: a cause, purpose, consequence, attribution or qualifier ("because", "so
  that", "experts said", "deliberately") that no aligned sentence holds;
- numbers and dates: a figure, weekday, month or relative day that the aligned sentences do
  not give (a figure elsewhere in the article is a different quantity).

Why rules and not a library: spaCy (dependency parses) costs ~0.9 s at import and needs
numpy<2; WordNet antonyms need a data download at run time; no NLI model ships on PyPI in a
usable form. Lemmatisers that ship their data were measured (README): simplemma misses
"rose"/"won", lemminflect costs ~0.3 s cold. The few irregular forms that matter are in the
tables below, and everything else goes through the project's Snowball stemmer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from index.text import STOPWORDS, normalize_number, terms, words

REASONS = ("roles", "polarity", "comparison", "addition", "number", "date")

# --- word tables -----------------------------------------------------------------------------
# Each pair: two sides of one direction. A claim on one side whose aligned sentences are only
# on the other contradicts them. Inflected and irregular forms are listed, not lemmatised.
_ANTONYMS: tuple[tuple[str, str], ...] = (
    (
        "rise rises rose risen rising",
        "fall falls fell fallen falling drop drops dropped dip slump slumped",
    ),
    ("increase increases increased increasing", "decrease decreases decreased cut cuts"),
    ("up", "down"),
    ("gain gains gained", "loss losses lose loses lost"),
    ("win wins won winning victory winner winners", "lose loses lost losing defeat defeats"),
    ("accept accepts accepted", "reject rejects rejected refuse refused decline declined"),
    ("approve approves approved approval", "reject rejects rejected rejection block blocked"),
    ("support supports supported backing back backed favour", "oppose opposes opposed against"),
    ("allow allows allowed permit permitted", "ban bans banned forbid forbidden prohibit"),
    ("open opens opened", "close closes closed shut"),
    ("start starts started begin began", "end ends ended stop stops stopped"),
    ("join joins joined", "leave leaves left quit quits"),
    ("buy buys bought acquire acquired", "sell sells sold"),
    ("took take takes", "gave give gives"),
    ("usually often always", "rarely seldom never"),
    ("praised praise hailed impressive", "savaged criticised disappointing slammed"),
    ("banned ban suspended", "cleared lifted"),
    ("hire hires hired", "fire fired sack sacked"),
    ("profit profits", "loss losses"),
    ("boost boosts boosted", "hit hurt hurts"),
    ("strong stronger strongest", "weak weaker weakest"),
    ("success successful", "failure failed unsuccessful"),
    ("guilty convicted", "innocent cleared acquitted acquittal"),
    ("before ahead", "after"),
    ("first", "last"),
    ("early earlier", "late later"),
    ("next", "last previous"),
    ("included including", "excluded excluding"),
    ("part", "independent"),
    ("public", "private secret"),
    ("legal", "illegal"),
    ("optimistic", "pessimistic"),
    ("confident", "worried concerned"),
    ("positive", "negative"),
    ("cheap cheaper cheapest", "expensive dearer"),
    ("easy easier", "hard harder difficult"),
    ("agree agreed agrees", "disagree disagreed"),
    ("welcomed welcome", "criticised condemned"),
)
_COMPARATIVES: tuple[tuple[str, str], ...] = (
    ("more", "less fewer"),
    ("most", "least fewest few"),
    ("higher highest high", "lower lowest low"),
    ("larger largest bigger biggest", "smaller smallest"),
    ("better best", "worse worst"),
    ("above over exceeding", "below under"),
    ("faster fastest", "slower slowest"),
    ("longer longest", "shorter shortest"),
    ("older oldest", "younger youngest newer newest"),
    ("record", "lowest"),
)
_NEGATIONS = frozenset(
    "not no never none nobody nothing neither nor without cannot n't unable fail failed fails "
    "failing denied denies deny lack lacks lacked absence rejected refused declined".split()
)
# A clause after one of these is excluded from what the sentence asserts of its subject.
_EXCLUDE_RE = re.compile(
    r"\b(?:rather than|instead of|independent(?:ly)? of|apart from|except(?: for)?|excluding|"
    r"outside(?: of)?|separate from|without|not|no)\s+(?:the\s+|from\s+|by\s+)?",
    re.I,
)
_ADDITIONS: dict[str, tuple[str, ...]] = {
    # cue in the claim -> any of these in the aligned sentences covers it
    "cause": (
        r"because|due to|owing to|as a result|result(?:ed|s)? (?:of|in|from)|caused?|causing|"
        r"led to|leading to|thanks to|in response to|prompt(?:ed|ing)|forc(?:ed|ing)|"
        r"spark(?:ed|ing)|blamed? on|triggered|so that|in order to|aimed at|in a bid to|"
        r"therefore|thus|hence|consequently|meaning that|which means|after|following|since|"
        r"amid|over|because of|reason|why",
    ),
    "intent": (r"deliberate(?:ly)?|intentional(?:ly)?|on purpose|arson(?:ist)?|planned",),
    "qualifier": (
        r"secret(?:ly)?|unanimous(?:ly)?|reluctant(?:ly)?|illegal(?:ly)?|official(?:ly)?|"
        r"permanent(?:ly)?|exclusive(?:ly)?|sole(?:ly)?|only|entirely|completely|fully|"
        r"definitely|certainly|allegedly|reportedly|confirmed|admitted|first[- ]ever",
    ),
}
_CAUSE_CUE_RE = re.compile(
    r"\b(?:because|due to|owing to|as a result of|as a consequence|caused by|thanks to|"
    r"in response to|in protest at|in order to|so that|so as to|in a bid to|aimed at|"
    r"therefore|which led to|leading to|prompting|forcing|sparking|resulting in|"
    r"blamed on|in retaliation)\b",
    re.I,
)
_INTENT_CUE_RE = re.compile(
    r"\b(?:deliberately|intentionally|on purpose|by an arsonist|arson)\b", re.I
)
_QUALIFIER_CUE_RE = re.compile(
    r"\b(?:secretly|unanimously|reluctantly|illegally|officially|permanently|exclusively|"
    r"solely|entirely|completely|definitely|certainly|allegedly|reportedly|first[- ]ever|"
    r"for the first time|unprecedented)\b",
    re.I,
)
_REPORTERS = frozenset(
    "experts analysts officials critics sources insiders economists scientists researchers "
    "observers diplomats police prosecutors investigators witnesses doctors lawyers aides "
    "spokesman spokeswoman spokesperson ministers government".split()
)
_REPORT_VERB_RE = re.compile(
    r"\b(?:said|says|say|told|claimed|claims|warned|warns|argued|insisted|believe|believes|"
    r"according to|estimated|suggested|confirmed|announced|reported|admitted)\b",
    re.I,
)
# Verbs whose actors cannot trade places: "X beat Y" is not "Y beat X".
_ASYMMETRIC = frozenset(
    terms(
        "beat beats defeated defeat conceded concede accused accuse blamed blame sued sue "
        "replaced replace succeeded succeed hired appointed sacked fired invited hosted host "
        "paid pay bought buy acquired sold sell overtook trailed edged thrashed knocked "
        "criticised praised attacked urged warned asked told called backed endorsed "
        "overturned cleared banned suspended appealed against signed ahead behind followed "
        "led leads"
    )
)
_WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_RELATIVE = "yesterday today tomorrow tonight morning afternoon evening overnight".split()
_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
_NUMBER_WORDS.update({"thirty": "30", "forty": "40", "fifty": "50", "dozen": "12", "half": "50%"})
# Places in a ranking: "second place" is not "first place".
_NUMBER_WORDS.update(
    {
        w: f"#{i}"
        for i, w in enumerate(
            "first second third fourth fifth sixth seventh eighth ninth tenth".split(), 1
        )
    }
)
_SCALES = {"m": "million", "mn": "million", "bn": "billion", "k": "thousand", "tn": "trillion"}
_CLAUSE_RE = re.compile(
    r"\s*(?:[;:—–]|,?\s+\b(?:while|whereas|although|though|but|however|yet|and then)\b|"
    r"(?<=[a-z0-9\"”]),\s+(?=(?:and|who|which|with)\b))\s*",
    re.I,
)
_CAP_RE = re.compile(r"\b[A-Z][\w’'.-]*[\w]")
_NUM_RE = re.compile(r"(?<![\w.])(\d+(?:[.,]\d+)*)(?:\s?(%|m|bn|mn|k|tn|million|billion))?\b")
_PASSIVE_RE = re.compile(r"\b(?:was|were|been|being|is|are|be)\s+(\w+)\s+by\b", re.I)


@dataclass(frozen=True)
class Finding:
    """Why a claim contradicts its aligned source sentences ("" when it does not)."""

    reason: str  # one of REASONS, or ""
    detail: str
    evidence: tuple[str, ...]  # the aligned source sentences

    @property
    def ok(self) -> bool:
        return not self.reason


def _groups(pairs: Sequence[tuple[str, str]]) -> list[tuple[frozenset[str], frozenset[str]]]:
    return [(frozenset(a.split()), frozenset(b.split())) for a, b in pairs]


_ANTONYM_SETS = _groups(_ANTONYMS)
_COMPARATIVE_SETS = _groups(_COMPARATIVES)


@lru_cache(maxsize=4096)
def _terms(text: str) -> frozenset[str]:
    return frozenset(terms(text))


def _words(text: str) -> list[str]:
    return [w.replace("’", "'") for w in words(text)]


def align(claim: str, sentences: Sequence[str], most: int = 2) -> list[str]:
    """The source sentence that holds most of the claim's words, and a second one when it
    adds at least two of the claim's words the first lacks (a claim summing up two)."""
    wanted = _terms(claim) | _figures(claim)
    if not wanted or not sentences:
        return []

    def gain(sent: str, covered: frozenset[str]) -> float:
        have = (_terms(sent) | _figures(sent)) & wanted
        new = have - covered
        return len(new) + 0.5 * len(have & _figures(claim)) - 0.01 * len(_terms(sent))

    chosen: list[str] = []
    covered: frozenset[str] = frozenset()
    for _ in range(most):
        rest = [s for s in sentences if s not in chosen]
        if not rest:
            break
        best = max(rest, key=lambda s: gain(s, covered))
        new = ((_terms(best) | _figures(best)) & wanted) - covered
        if chosen and len(new) < 2:
            break
        if not new:
            break
        chosen.append(best)
        covered |= new
    return chosen


# --- figures, names, dates -------------------------------------------------------------------
@lru_cache(maxsize=4096)
def _figures(text: str) -> frozenset[str]:
    """Numbers in text, normalised ('10,000' -> '10000'; 'three' -> '3'; '£5bn' -> '5bn')."""
    found = set()
    for m in _NUM_RE.finditer(text):
        n = normalize_number(m.group(1))
        scale = (m.group(2) or "").lower()
        found.add(n)
        if scale and scale != "%":
            found.add(n + _SCALES.get(scale, scale))
    for w in _words(text):
        if w in _NUMBER_WORDS:
            found.add(_NUMBER_WORDS[w])
    return frozenset(found)


def _scaled(figs: frozenset[str]) -> set[str]:
    return {f for f in figs if not f[-1].isdigit() and f[0].isdigit()}


@lru_cache(maxsize=4096)
def _names(text: str) -> frozenset[str]:
    """Capitalised words (names) of text, lower-cased, first word of a sentence included
    only when it is not a common word."""
    out = set()
    for m in _CAP_RE.finditer(text):
        w = m.group().lower().rstrip(".").removesuffix("'s").removesuffix("’s")
        if w in STOPWORDS or w in _WEEKDAYS or w in _MONTHS or len(w) < 2:
            continue
        out.add(w[:5])
    return frozenset(out)


def _actors(text: str) -> frozenset[str]:
    """Names and reporting nouns (diplomats, officials): who does what in a clause."""
    low = {w[:5] for w in _words(text) if w in _REPORTERS}
    return _names(text) | frozenset(low)


def _clauses(sentence: str) -> list[str]:
    return [c for c in _CLAUSE_RE.split(sentence) if c and c.strip()]


def _dates(text: str) -> set[str]:
    ws = set(_words(text))
    return {w for w in ws if w in _WEEKDAYS or w in _MONTHS or w in _RELATIVE}


# --- the checks ------------------------------------------------------------------------------
def _side(ws: set[str], sets: list[tuple[frozenset[str], frozenset[str]]]) -> list[int]:
    """Per pair: +1 when only the first side's words appear, -1 only the second's, else 0."""
    out = []
    for a, b in sets:
        has_a, has_b = bool(ws & a), bool(ws & b)
        out.append(1 if has_a and not has_b else -1 if has_b and not has_a else 0)
    return out


def _direction(claim: str, evidence: str, sets: list[tuple[frozenset[str], frozenset[str]]]) -> str:
    cw, ew = set(_words(claim)), set(_words(evidence))
    for (a, b), c, e in zip(sets, _side(cw, sets), _side(ew, sets), strict=True):
        if c and e and c != e:
            mine, theirs = (a, b) if c > 0 else (b, a)
            return f"{'/'.join(sorted(cw & mine))} vs {'/'.join(sorted(ew & theirs))}"
    return ""


def _negated(text: str) -> bool:
    ws = _words(text)
    return any(w in _NEGATIONS or w.endswith("n't") for w in ws)


def _excluded(text: str) -> set[str]:
    """Names that text places out of what it asserts: 'independent of NATO' -> {'nato'}."""
    out: set[str] = set()
    for m in _EXCLUDE_RE.finditer(text):
        scope = re.split(r"[,;.]|\b(?:but|and then|while)\b", text[m.end() :], maxsplit=1)[0]
        out |= set(_names(" ".join(scope.split()[:6])))
        out |= {w[:5] for w in _words(" ".join(scope.split()[:4])) if w not in STOPWORDS}
    return out


def _roles(claim: str, evidence: Sequence[str], context: Sequence[str]) -> str:
    """A figure or actor bound to a different actor than in the source, or an asymmetric
    verb whose actors are reversed."""
    source_clauses = [c for s in context for c in _clauses(s)]
    claim_clauses = _clauses(claim)
    claim_actors = _actors(claim)
    for clause in claim_clauses:
        actors = _actors(clause)
        anchors = actors | _figures(clause)
        for a in actors:
            for x in anchors - {a}:
                with_x = [c for c in source_clauses if x in _actors(c) | _figures(c)]
                with_a = [c for c in source_clauses if a in _actors(c)]
                if not with_x or not with_a:
                    continue
                if any(a in _actors(c) for c in with_x):
                    continue
                rivals = {
                    b for c in with_x for b in _actors(c) if b in claim_actors and b not in actors
                }
                if rivals:
                    return f"{x} goes with {sorted(rivals)[0]}, not {a}"
    for clause in claim_clauses:
        for sent in evidence:
            for sc in _clauses(sent):
                swapped = _reversed(clause, sc)
                if swapped:
                    return swapped
    return ""


def _order(text: str) -> tuple[list[tuple[str, str]], bool]:
    """(kind, key) tokens in order — names and asymmetric verbs — and whether it is passive."""
    seq: list[tuple[str, str]] = []
    for tok in re.findall(r"[A-Za-z][\w’'.-]*", text):
        if tok[0].isupper():
            name = _names(tok)
            if name:
                seq.append(("n", next(iter(name))))
                continue
        stem = terms(tok)
        if stem and stem[0] in _ASYMMETRIC:
            seq.append(("v", stem[0]))
    return seq, bool(_PASSIVE_RE.search(text))


def _reversed(claim: str, source: str) -> str:
    cseq, cpass = _order(claim)
    sseq, spass = _order(source)
    for kind, verb in cseq:
        if kind != "v" or ("v", verb) not in sseq:
            continue
        ci, si = cseq.index(("v", verb)), sseq.index(("v", verb))
        c_before = {k for t, k in cseq[:ci] if t == "n"}
        c_after = {k for t, k in cseq[ci + 1 :] if t == "n"}
        s_before = {k for t, k in sseq[:si] if t == "n"}
        s_after = {k for t, k in sseq[si + 1 :] if t == "n"}
        if cpass != spass:
            s_before, s_after = s_after, s_before
        if (c_before & s_after) and (c_after & s_before):
            return f"who {verb}s whom is reversed"
    return ""


def _addition(claim: str, evidence: str, context: str) -> str:
    for name, cue_re in (
        ("cause", _CAUSE_CUE_RE),
        ("intent", _INTENT_CUE_RE),
        ("qualifier", _QUALIFIER_CUE_RE),
    ):
        m = cue_re.search(claim)
        if not m:
            continue
        covers = re.compile(r"\b(?:" + "|".join(_ADDITIONS[name]) + r")", re.I)
        if name != "cause":  # a qualifier or intent must be the source's own word
            stem = m.group().lower()[:6]
            if stem not in evidence.lower():
                return f"adds {m.group().lower()!r}"
            continue
        if not covers.search(evidence):
            return f"adds {m.group().lower()!r}"
        if name == "cause":  # the cause itself must be in the evidence
            tail = _terms(claim[m.end() :]) - _terms(claim[: m.start()])
            if tail and len(tail & _terms(evidence)) < 0.5 * len(tail):
                return f"adds a cause: {claim[m.start() :].strip()!r}"
    cw = _words(claim)
    ew = set(_words(evidence))
    for i, w in enumerate(cw):
        reported = w in _REPORTERS and _REPORT_VERB_RE.search(" ".join(cw[i : i + 4]))
        if reported and w not in ew and w[:5] not in {x[:5] for x in _words(context)}:
            return f"attributes it to {w}"
    m = re.search(r"\baccording to\s+((?:[A-Z][\w’'.-]*\s?){1,4})", claim)
    if m and not (_names(m.group(1)) & _names(evidence)):
        return f"attributes it to {m.group(1).strip()}"
    for m in re.finditer(
        r"((?:[A-Z][\w’'.-]*\s){1,3})(?:said|says|told|claimed|announced)\b", claim
    ):
        who = _names(m.group(1))
        if who and not who & _names(evidence) and not who & _names(context):
            return f"attributes it to {m.group(1).strip()}"
    return ""


def check(claim: str, sentences: Sequence[str], context: str = "") -> Finding:
    """Compare `claim` with the best-aligned of `sentences` (the cited sources' sentences);
    `context` is the cited sources' whole text (dates and attributions may sit elsewhere)."""
    chosen = align(claim, sentences)
    if not chosen:
        return Finding("", "", ())
    evidence = " ".join(chosen)
    ev = tuple(chosen)
    context = context or evidence

    # numbers: every figure must be in the aligned sentences, at the same scale
    cf, ef = _figures(claim), _figures(evidence)
    years = {f for f in cf - ef if re.fullmatch(r"(?:19|20)\d\d", f)}
    if years:
        return Finding("date", f"{sorted(years)[0]} is not in the cited sentence", ev)
    missing = sorted((cf - ef) - _scaled(cf))
    if missing:
        return Finding("number", f"{missing[0]} is not in the cited sentence", ev)
    wrong_scale = sorted(_scaled(cf) - _scaled(ef)) if _scaled(ef) else []
    if wrong_scale:
        return Finding("number", f"{wrong_scale[0]} is not in the cited sentence", ev)

    # dates: a weekday, month or relative day the source does not give
    for d in sorted(_dates(claim) - _dates(evidence)):
        if d not in _dates(context) or (_dates(evidence) & set(_WEEKDAYS + _MONTHS)):
            return Finding("date", f"{d} is not when the source says", ev)

    # polarity: comparison direction, antonyms, negation, exclusion
    flip = _direction(claim, evidence, _COMPARATIVE_SETS)
    if flip:
        return Finding("comparison", flip, ev)
    flip = _direction(claim, evidence, _ANTONYM_SETS)
    if flip:
        return Finding("polarity", flip, ev)
    if _negated(claim) != _negated(evidence) and (_negated(claim) or len(chosen) == 1):
        return Finding("polarity", "negated" if _negated(claim) else "negation dropped", ev)
    shared = _names(claim) & _names(evidence)
    out_c, out_e = _excluded(claim) & shared, _excluded(evidence) & shared
    if out_c != out_e:
        who = sorted(out_c ^ out_e)[0]
        return Finding("polarity", f"{who} is excluded in one and included in the other", ev)

    roles = _roles(claim, chosen, sentences)
    if roles:
        return Finding("roles", roles, ev)
    added = _addition(claim, evidence, context)
    if added:
        return Finding("addition", added, ev)
    return Finding("", "", ev)
