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
from typing import Literal, get_args

from index.text import STOPWORDS, normalize_number, stem, terms, words

# How a claim contradicts its source: who did what to whom, a negation or antonym, a
# comparison, words the source lacks, a figure, a date.
Contradiction = Literal["roles", "polarity", "comparison", "addition", "number", "date"]
REASONS: tuple[Contradiction, ...] = get_args(Contradiction)

# --- word tables -----------------------------------------------------------------------------
# Each pair: two sides of one direction. A claim on one side whose aligned sentences are only
# on the other contradicts them. Words are compared by stem (`_key`: irregular past forms
# mapped to their base, then Snowball), so one base form stands for all its inflections.
_ANTONYMS: tuple[tuple[str, str], ...] = (
    (
        "rise increase grow climb soar jump surge gain boost raise rally expand",
        "fall decrease drop decline shrink slide slip plunge tumble slump sink dip cut reduce "
        "lower slash lose shed",
    ),
    ("win victory beat winner", "lose defeat loss loser"),
    ("gain", "loss"),
    ("accept welcome embrace", "reject refuse decline"),
    ("approve pass endorse approval", "reject block veto rejection"),
    ("support back favour favor endorse", "oppose against resist opponent"),
    ("supporter", "opponent critic"),
    ("allow permit", "ban forbid prohibit"),
    ("participate attend", "refuse boycott skip"),
    ("open reopen", "close shut"),
    ("start begin open launch", "end stop halt finish close"),
    ("join enter", "leave quit exit"),
    ("buy acquire purchase", "sell"),
    ("took take takes", "gave give gives"),
    ("usually often always", "rarely seldom never"),
    ("praise hail applaud impressive", "criticised criticized condemn slam savage disappointing"),
    ("ban suspend", "clear lift"),
    ("hire appoint recruit", "fire sack dismiss"),
    ("profit", "loss"),
    ("boost", "hit hurt harm damage"),
    ("strong stronger strongest strengthen", "weak weaker weakest weaken"),
    ("success successful succeed", "failure unsuccessful"),
    ("guilty convict", "innocent clear acquit acquittal"),
    ("before ahead", "after"),
    ("ahead lead", "behind trail"),
    ("first", "last"),
    ("early earlier", "late later"),
    ("next", "last previous"),
    ("include", "exclude"),
    ("part", "independent"),
    ("public", "private secret"),
    ("legal", "illegal"),
    ("optimistic", "pessimistic"),
    ("confident", "worried concerned"),
    ("positive", "negative"),
    ("cheap cheaper cheapest", "expensive dearer"),
    ("easy easier", "hard harder difficult"),
    ("agree", "disagree"),
    ("confirm", "contradict"),
    ("deliberate deliberately intentional intentionally", "accidental accidentally"),
    ("improve", "worsen deteriorate"),
    ("remain stay", "leave quit"),
    ("export", "import"),
    ("lend", "borrow"),
    ("rich wealthy", "poor"),
    ("expected predicted anticipated", "surprise surprising unexpected shock"),
    ("exciting interesting", "boring dull"),
)
# Pairs whose words are too common in other senses ("set up", "stood down") to be read in a
# sentence that holds both sides: only a claim and a sentence each on one side contradict.
_STRICT = (("up", "down"),)
_COMPARATIVES: tuple[tuple[str, str], ...] = (
    ("more", "less fewer"),
    ("most", "least fewest few"),
    ("higher highest high", "lower lowest low"),
    ("larger largest bigger biggest big greater greatest", "smaller smallest small"),
    ("better best", "worse worst"),
    ("above over exceeding", "below under"),
    ("faster fastest", "slower slowest"),
    ("longer longest", "shorter shortest"),
    ("older oldest", "younger youngest newer newest"),
    ("record", "lowest"),
)
# Irregular forms the Snowball stemmer leaves alone, mapped to the base form the tables use.
_IRREGULAR = {
    "rose": "rise", "risen": "rise", "fell": "fall", "fallen": "fall", "won": "win",
    "lost": "lose", "sold": "sell", "bought": "buy", "began": "begin", "begun": "begin",
    "taken": "take", "given": "give", "grew": "grow", "grown": "grow", "shrank": "shrink",
    "shrunk": "shrink", "sank": "sink", "sunk": "sink", "paid": "pay", "led": "lead",
    "left": "leave", "slid": "slide", "beaten": "beat", "forbade": "forbid",
    "forbidden": "forbid", "chose": "choose", "chosen": "choose", "withdrew": "withdraw",
    "withdrawn": "withdraw", "overtook": "overtake", "held": "hold", "brought": "bring",
    "fought": "fight", "hid": "hide", "hidden": "hide", "met": "meet", "lent": "lend",
}  # fmt: skip
_NEGATIONS = frozenset(
    "not no never none nobody nothing neither nor without cannot n't unable fail failed fails "
    "failing denied denies deny lack lacks lacked absence rejected refused declined refusing "
    "avoid avoids avoided avoiding".split()
)
# A clause after one of these is excluded from what the sentence asserts of its subject.
_EXCLUDE_RE = re.compile(
    r"\b(?:rather than|instead of|independent(?:ly)? of|apart from|except(?: for)?|excluding|"
    r"outside(?: of)?|separate from|without|not(?!\s+to\b)|no)\s+(?:the\s+|from\s+|by\s+)?",
    re.I,
)
_ADDITIONS: dict[str, tuple[str, ...]] = {
    # cue in the claim -> any of these in the aligned sentences covers it
    "cause": (
        r"because|due to|owing to|as a result|result(?:ed|s)? (?:of|in|from)|caused?|causing|"
        r"led to|leading to|thanks to|in response to|prompt(?:ed|ing)|forc(?:ed|ing)|"
        r"spark(?:ed|ing)|blamed? on|triggered|so that|in order to|aimed at|in a bid to|"
        r"therefore|thus|hence|consequently|mean(?:s|t)?|after|following|since|"
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
    r"blamed on|in retaliation(?: for)?|in revenge for|in return for|in exchange for|"
    r"as punishment for|despite|in spite of|even though)\b",
    re.I,
)
_INTENT_CUE_RE = re.compile(
    r"\b(?:deliberately|intentionally|on purpose|by an arsonist|arson)\b", re.I
)
_QUALIFIER_CUE_RE = re.compile(
    r"\b(?:secret(?:ly)?|unanimous(?:ly)?|reluctant(?:ly)?|illegal(?:ly)?|officially|"
    r"permanent(?:ly)?|exclusive(?:ly)?|sole(?:ly)?|entire(?:ly)?|complete(?:ly)?|"
    r"definite(?:ly)?|certain(?:ly)?|alleged(?:ly)?|reported(?:ly)?|first[- ]ever|"
    r"for the first time|unprecedented|flawless(?:ly)?|perfect(?:ly)?|total(?:ly)?|"
    r"every|always|never before|only)\b",
    re.I,
)
# Words of one quantifier or degree that cover each other: "all" is the source's "every".
_QUALIFIER_SAME = ("every all each entire whole total complete", "only sole solely just")
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
_PERIOD_RE = re.compile(
    r"\b(last|next|this|previous|coming)\s+(week|weekend|month|year|decade|season|summer|"
    r"winter|spring|autumn)\b",
    re.I,
)
_SOFT_BOUNDS = frozenset("up almost nearly".split())
_UPPER_BOUNDS = frozenset("fewer less under below up almost nearly".split())
_BOUND_RE = re.compile(
    r"\b(more than|over|above|at least|exceeding|fewer than|less than|under|below|up to|"
    r"almost|nearly)\s+[£$€]?(\d+(?:[.,]\d+)*)(?!\S*\s+(?:to|and)\s+[£$€]?\d)",
    re.I,
)
_AGENT_RE = re.compile(
    r"\b(\w+)\s+by\s+((?:[\w’'.&-]+\s+){0,4}?[A-Z][\w’'.&-]*(?:\s+[A-Z][\w’'.&-]*)*)"
)
_BE = frozenset("is are was were be been being has have had will would".split())
_AUXILIARIES = frozenset("can could may might must shall should also does did".split())
_HOPS = _AUXILIARIES | frozenset("has have had will would".split())
_SUBJECT_RE = re.compile(
    r"((?:[A-Z][\w’'.&-]*\s+)*[A-Z][\w’'.&-]*)(,\s+who)?\s+((?:(?:[a-z]+)\s+){0,2}?)"
    r"(?!(?:and|or|of|the|to|in|on|at|for|by|with|from|as|a|an)\b)([a-z]{3,})\b"
)
_INSTEAD_RE = re.compile(r"\b(?:instead of|rather than)\b", re.I)
_SUPERLATIVE_RE = re.compile(
    r"\b(?:(?:high|low|big|larg|small|wors|great|strong|weak|fast|slow|sharp|steep|deep|"
    r"cheap|rich|poor|heavi|long|short)est|record|unprecedented|ever)\b",
    re.I,
)
_PLACE_RE = re.compile(r"\b(?:in|at|from)\s+(?:the\s+)?((?:[A-Z][\w’'.-]*\s?){1,3})")
_ATTRIBUTION_RE = re.compile(
    r"(?:,\s*)?\b[Aa]ccording to\s+(?:the\s+)?([\w’'.&-]+(?:\s+[A-Z][\w’'.&-]*){0,4})|"
    r"\b(?:report|study|survey|poll|figures|research|data)\s+(?:by|from)\s+(?:the\s+)?"
    r"((?:[A-Z][\w’'.&-]*\s?){1,5})",
)
_PASSIVE_RE = re.compile(r"\b(?:was|were|been|being|is|are|be)\s+(\w+)\s+by\b", re.I)


@dataclass(frozen=True)
class Finding:
    """Why a claim contradicts its aligned source sentences ("" when it does not)."""

    reason: Contradiction | Literal[""]
    detail: str
    evidence: tuple[str, ...]  # the aligned source sentences

    @property
    def ok(self) -> bool:
        return not self.reason


@lru_cache(maxsize=8192)
def _key(word: str) -> str:
    """One key for all inflections of a word: 'rose', 'rising', 'rises' -> 'rise'."""
    w = word.replace("’", "'").removesuffix("'s")
    return stem(_IRREGULAR.get(w, w))


@lru_cache(maxsize=4096)
def _keys(text: str) -> frozenset[str]:
    return frozenset(_key(w) for w in _words(text))


Pairs = list[tuple[frozenset[str], frozenset[str]]]


def _groups(pairs: Sequence[tuple[str, str]]) -> Pairs:
    return [
        (frozenset(_key(w) for w in a.split()), frozenset(_key(w) for w in b.split()))
        for a, b in pairs
    ]


_ANTONYM_SETS = _groups(_ANTONYMS)
_STRICT_SETS = _groups(_STRICT)
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
    ws = [p for w in _words(text) for p in w.split("-")]  # "five-game" holds "five"
    for i, w in enumerate(ws):
        if w == "one" and (i + 1 == len(ws) or ws[i + 1] in STOPWORDS):
            continue  # "need one", "one of the": a pronoun, not a figure
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
    """Weekdays, months, relative days and periods ('last week', 'next year') of text."""
    ws = {w.removesuffix("'s") for w in _words(text)}
    out = {w for w in ws if w in _WEEKDAYS or w in _MONTHS or w in _RELATIVE}
    return out | {" ".join(m.groups()).lower() for m in _PERIOD_RE.finditer(text)}


def _bounds(text: str) -> dict[str, tuple[str, bool]]:
    """Figures given as a bound, and whether the bound is soft: {'30': ('>', False)} for
    'more than 30', ('<', True) for 'up to 30' (an exact figure is within it)."""
    out: dict[str, tuple[str, bool]] = {}
    for m in _BOUND_RE.finditer(text):
        first = m.group(1).split()[0].lower()
        side = "<" if first in _UPPER_BOUNDS else ">"
        out[normalize_number(m.group(2))] = (side, first in _SOFT_BOUNDS)
    return out


def _anchor_binding(clause: str) -> dict[str, str]:
    """Each figure of a clause with the nearest name or date word to it (by word distance):
    which figure goes with which actor or month."""
    toks = re.findall(r"[\w£$€.,%’'-]+", clause)
    anchors: list[tuple[int, str]] = []
    figures: list[tuple[int, str]] = []
    for i, tok in enumerate(toks):
        w = tok.strip(".,").lower().removesuffix("'s").removesuffix("’s")
        if w in _MONTHS or w in _WEEKDAYS:
            anchors.append((i, w))
        elif tok[0].isupper() and i > 0 and _names(tok):
            anchors.append((i, next(iter(_names(tok)))))
        elif re.match(r"[£$€]?\d", tok):
            figures.append((i, normalize_number(re.sub(r"[^\d.,]", "", tok).strip(".,"))))
    out: dict[str, str] = {}
    for i, fig in figures:
        if anchors and fig:
            out[fig] = min(anchors, key=lambda a: (abs(a[0] - i), a[0] > i))[1]
    return out


def _swapped_figures(claim: str, evidence: Sequence[str]) -> str:
    """Two figures whose names or dates trade places: 'A lost 2.5%, B 3.4%' for 'B lost
    2.5%, A 3.4%'."""
    mine: dict[str, str] = {}
    for clause in _clauses(claim):
        mine.update(_anchor_binding(clause))
    for sent in evidence:
        theirs = _anchor_binding(sent)
        for f, a in mine.items():
            b = theirs.get(f)
            if not b or a == b:
                continue
            for g, bb in mine.items():
                if g != f and bb == b and theirs.get(g) == a:
                    return f"{f} goes with {b}, not {a}"
    return ""


def _agents(text: str) -> list[tuple[str, frozenset[str]]]:
    """(verb key, names) for each passive agent: 'supplied by parts maker Robert Bosch'."""
    out = []
    for m in _AGENT_RE.finditer(text):
        names = _names(m.group(2))
        if names:
            out.append((_key(m.group(1).lower()), names))
    return out


def _wrong_agent(claim: str, evidence: str) -> str:
    """'made by X' where the sentence has the same verb made by someone else."""
    theirs = _agents(evidence)
    for verb, who in _agents(claim):
        other = [names for v, names in theirs if v == verb]
        if other and not any(who & names for names in other):
            return f"{verb} by {sorted(who)[0]}, not by {sorted(other[0])[0]}"
    return ""


def _subjects(text: str) -> list[tuple[str, frozenset[str]]]:
    """(verb key, names) for a name and the word it does: 'Jack Straw told', 'Yelling, who
    last month succeeded'. Passives ('X was hit by') are left to `_agents`."""
    out = []
    for m in _SUBJECT_RE.finditer(text):
        if m.group(3) and m.group(3).split()[-1].lower() in (*_BE, "to"):
            continue
        verb, end = m.group(4).lower(), m.end()
        while verb in _HOPS:  # "X has donated": the verb is further on
            nxt = re.match(r"\s+([a-z]{3,})\b", text[end:])
            if not nxt:
                break
            verb, end = nxt.group(1), end + nxt.end()
        if verb in _BE or verb in _AUXILIARIES:
            continue  # a passive ("X was increased") or a copula: not what X does
        names = _names(m.group(1))
        if names and not (end < len(text) and text[end:].lstrip().startswith("by ")):
            out.append((_key(verb), names))
    return out


def _wrong_subject(claim: str, evidence: str) -> str:
    """The claim gives a verb to one name where the sentence gives it to another it names."""
    have = _names(evidence)
    theirs = _subjects(evidence)
    for verb, who in _subjects(claim):
        if not who <= have:
            continue
        other = [names for v, names in theirs if v == verb]
        if other and not any(who & names for names in other):
            return f"{sorted(who)[0]} does not {verb}: {sorted(other[0])[0]} does"
    return ""


def _traded(claim: str, evidence: str) -> str:
    """'X instead of Y' against 'Y instead of X': the two sides traded places."""
    mc, me = _INSTEAD_RE.search(claim), _INSTEAD_RE.search(evidence)
    if not mc or not me:
        return ""
    cb, ca = _terms(claim[: mc.start()]), _terms(claim[mc.end() :])
    eb, ea = _terms(evidence[: me.start()]), _terms(evidence[me.end() :])
    if (ca & eb) - ea and (cb & ea) - eb:
        return f"{mc.group().lower()} turned around"
    return ""


_THAN_RE = re.compile(
    r"\b(?!rather\b)(?:\w+er|more|less|fewer|further|worse|better)\s+than\b", re.I
)


def _invented_comparison(claim: str, evidence: str) -> str:
    """'fell further than its rival' where the sentence compares nothing."""
    m = _THAN_RE.search(claim)
    compares = r"\b(?:than|compared|versus|behind|ahead|beat|beating|outpac\w*|trail\w*)\b"
    if m and not re.search(compares, evidence, re.I):
        return f"{m.group().lower()!r}: the source compares nothing"
    return ""


def _superlative(claim: str, evidence: str) -> str:
    """A superlative or record the sentence does not give: 'the lowest since the war'."""
    found = _SUPERLATIVE_RE.search(claim)
    if not found:
        return ""
    word = found.group().lower()
    same = [side for pair in _COMPARATIVE_SETS for side in pair if _key(word) in side]
    ek = _keys(evidence)
    if _key(word) in ek or any(side & ek for side in same):
        return ""
    return f"adds {word!r}"


# --- the checks ------------------------------------------------------------------------------
def _direction(claim: str, evidence: str, sets: Pairs, strict: bool = False) -> str:
    """A side of a pair that the claim brings in while the sentence holds the other side
    and the claim does not: 'slightly lower than' against 'slightly higher than ... low'.
    `strict`: each text must hold one side only (for words common in other senses)."""
    ck, ek = _keys(claim), _keys(evidence)
    for a, b in sets:
        for mine, theirs in ((a, b), (b, a)):
            if strict:
                hit = ck & mine and ek & theirs and not ck & theirs and not ek & mine
            else:  # more of the other side left unmatched in the sentence than in the claim
                hit = (ck & mine) - ek and len((ek & theirs) - ck) > len((ck & theirs) - ek)
            if hit:
                return f"{'/'.join(sorted(ck & mine))} vs {'/'.join(sorted(ek & theirs))}"
    return ""


def _unprefixed(claim: str, evidence: str) -> str:
    """'fulfilling' against 'unfulfilling' (or back): a prefix negates the word."""
    cw, ew = set(_words(claim)), set(_words(evidence))
    for w in cw - ew:
        if "un" + w in ew:
            return f"{w} vs un{w}"
        if w.startswith("un") and len(w) > 6 and w[2:] in ew:
            return f"{w} vs {w[2:]}"
    return ""


def _negated(text: str, about: frozenset[str] | None = None) -> bool:
    """Does text deny something; with `about`, something that shares a word with `about`
    (a sentence's 'failing to ...' in a clause the claim does not repeat does not count)."""
    ws = _words(text)
    for i, w in enumerate(ws):
        if w in _NEGATIONS or w.endswith("n't"):
            near = set(terms(" ".join(ws[i + 1 : i + 6]))) or set(terms(" ".join(ws[i - 3 : i])))
            if about is None or near & about:
                return True
    return False


def _excluded(text: str) -> set[str]:
    """Names that text places out of what it asserts: 'independent of NATO' -> {'nato'}."""
    out: set[str] = set()
    for m in _EXCLUDE_RE.finditer(text):
        scope = re.split(r"[,;.]|\b(?:but|and then|while)\b", text[m.end() :], maxsplit=1)[0]
        if m.group().split()[0].lower() in ("not", "no", "without"):
            scope = " ".join(scope.split()[:3])  # "not from NATO", not "not ruled out by X"
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
            word = m.group().lower()
            same = next((g.split() for g in _QUALIFIER_SAME if word in g.split()), [word])
            low = evidence.lower()
            if not any(re.search(r"\b" + re.escape(w[:6]), low) for w in same):
                return f"adds {word!r}"
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
    for m in re.finditer(
        r"((?:[A-Z][\w’'.-]*\s){1,3})(?:said|says|told|claimed|announced)\b", claim
    ):
        who = _names(m.group(1))
        if who and not who & _names(evidence) and not who & _names(context):
            return f"attributes it to {m.group(1).strip()}"
    return ""


def _attribution(claim: str, sentences: Sequence[str], evidence: str) -> str:
    """'according to X' / 'a report by X': X must be the source of the sentence that says
    the rest of the claim (aligned without the attribution, which may match elsewhere)."""
    for m in _ATTRIBUTION_RE.finditer(claim):
        who = (m.group(1) or m.group(2) or "").strip()
        core = claim[: m.start()] + claim[m.end() :]
        ev = " ".join(align(core, sentences)) or evidence
        names = _names(who)
        if names:
            if 2 * len(names & _names(ev)) < len(names):
                return f"attributes it to {who}"
        elif who and who.lower()[:5] not in {w[:5] for w in _words(ev)}:
            return f"attributes it to {who}"
    return ""


_SPEAKER_VERB_RE = re.compile(
    r"\b(?:said|says|say|told|tells|believes?|believed|expects?|expected|argues|argued|"
    r"claims?|claimed|warns?|warned|insists?|insisted|thinks?|thought|estimates?|estimated|"
    r"predicts?|predicted|announced|announces|admits?|admitted|added|denied|denies|"
    r"suggests?|suggested|stated|explained|noted|confirmed|reported|fears?|feared|branded|"
    r"described|dismissed|condemned|criticised|criticized|praised|accused|hailed)\b"
)
_SPEAKER_SKIP = frozenset(
    "has have had also previously itself himself herself themselves would will may could "
    "repeatedly later earlier now already once widely not".split()
)
# Before a reporting word, these make it a passive ("is expected to") or a noun ("his claims").
_NOT_SPEAKER = frozenset(
    "is are was were be been being his her their its the a an these more no any some final "
    "greater little".split()
)
_HONORIFICS = frozenset("mr mrs ms miss dr sir lord lady prof dame".split())
# Who can say something without a name: "analysts said", "pollsters believe".
_SPEAKER_NOUNS = _REPORTERS | frozenset(
    "pollsters voters fans residents campaigners executives bosses investors traders "
    "regulators unions teachers players managers commentators owners shareholders "
    "consumers customers users viewers organisers organizers".split()
)
_PRONOUNS = frozenset("he she they it we i you who which this that".split())


@dataclass(frozen=True)
class _Said:
    """One reported statement: who (empty for a pronoun) and the content words said."""

    who: frozenset[str]
    what: frozenset[str]


def _speakers(text: str) -> list[_Said]:
    """Who says, believes or expects what in text: the words before each reporting verb
    ('Philip Wride, who co-manages the team, said' -> Philip Wride) and the words after it
    (or before it, for 'the race is close, observers said')."""
    out = []
    found = [
        m for m in _SPEAKER_VERB_RE.finditer(text) if not _not_reporting(text, m.start(), m.end())
    ]
    for n, m in enumerate(found):
        phrase = _phrase_before(text, m.start())
        if not phrase:
            continue
        end = found[n + 1].start() if n + 1 < len(found) else len(text)
        what = _terms(re.split(r"(?<=[.!?])\s", text[m.end() : end], maxsplit=1)[0])
        if len(what) < 2:
            start = max(text.rfind(". ", 0, m.start()), text.rfind("; ", 0, m.start()))
            what = _terms(text[start + 1 : m.start()])
        lows = [t.lower().removesuffix("'s").removesuffix("’s") for t in phrase]
        who = frozenset(
            low[:5]
            for low, tok in zip(lows, phrase, strict=True)
            if (tok[:1].isupper() or low in _SPEAKER_NOUNS)
            and low not in STOPWORDS
            and low not in _HONORIFICS
        )
        out.append(_Said(frozenset() if lows[-1] in _PRONOUNS else who, what))
    return out


def _phrase_before(text: str, start: int) -> list[str]:
    """The (up to four) words that do what the word at `start` says: its subject, skipping
    auxiliaries and a relative clause ('Philip Wride, who co-manages the team, said')."""
    before = re.sub(r",\s+(?:who|which)\b[^,]*,\s*$", " ", text[:start])
    phrase: list[str] = []
    for tok in reversed(re.findall(r"[\w’'&.-]+|[,;:\"“”]", before)):
        low = tok.lower()
        if not phrase and low in _SPEAKER_SKIP:
            continue
        if not tok[0].isalnum() or low in ("that", "as", "and", "but", "while", "the"):
            break
        phrase.insert(0, tok)
        if len(phrase) == 4:
            break
    return phrase


def _not_reporting(text: str, start: int, end: int) -> bool:
    """'is expected to', 'his claims', 'reported to have': a passive or a noun."""
    prev = text[:start].split()[-1:]
    after = re.match(r"\s+(to|by)\b", text[end:])
    perfect = bool(prev) and prev[0].lower() in ("has", "have", "had")
    return bool(prev and prev[0].lower() in _NOT_SPEAKER) or bool(after and not perfect)


def _wrong_speaker(claim: str, evidence: str, context: str) -> str:
    """The claim has someone say or expect what the sentence has someone else say: 'Chelsea
    has said' where 'Uefa has said'. Each claimed statement is matched with the source's
    statement that shares most words with it; a speaker the sentence does not name at all
    must at least be in the cited article."""
    theirs = _speakers(evidence)
    ctx = {w[:5] for w in _words(context)}
    for said in _speakers(claim):
        who = said.who
        if not who:
            continue
        best = max(theirs, key=lambda t: len(t.what & said.what), default=None)
        if best is not None and len(best.what & said.what) >= 2:
            if best.who and not who & best.who:
                return f"attributes it to {' '.join(sorted(who))}"
            continue
        named = [t.who for t in theirs if t.who]
        if named and len(named) == len(theirs) and not any(who & s for s in named):
            return f"attributes it to {' '.join(sorted(who))}"
        if not who & ctx:
            return f"attributes it to {' '.join(sorted(who))}"
    return ""


def _place(claim: str, evidence: str, context: str) -> str:
    """'in Paris' where the sentence puts it in, at or from somewhere else ('San Francisco'
    for 'San Diego'), or a place the cited article never names."""
    have = _names(evidence)
    slots = {n for m in _PLACE_RE.finditer(evidence) for n in _names(m.group(1))}
    for m in _PLACE_RE.finditer(claim):
        where = _names(m.group(1))
        if not where:
            continue
        if (slots and where - have) or not where & _names(context):
            return f"{m.group(1).strip()} is not where the source says"
    return ""


_PASSIVE_NOUN_RE = re.compile(
    r"\b(\w+)\s+(?:is|are|was|were|been|be|being)\s+(\w+)\s+by\s+"
    r"(?:the\s+|a\s+|an\s+|its\s+|their\s+|his\s+|her\s+)?(\w+)",
    re.I,
)


def _passive_turned(claim: str, evidence: str) -> str:
    """'the viewers are chosen by the celebrities' against 'the celebrities are chosen by
    the viewers': the same verb with its two sides traded."""
    theirs = {
        (_key(m.group(2).lower()), m.group(3).lower()[:5], m.group(1).lower()[:5])
        for m in _PASSIVE_NOUN_RE.finditer(evidence)
    }
    for m in _PASSIVE_NOUN_RE.finditer(claim):
        verb, agent, patient = _key(m.group(2).lower()), m.group(3).lower()[:5], m.group(1)
        if (verb, patient.lower()[:5], agent) in theirs and agent != patient.lower()[:5]:
            return f"who {m.group(2).lower()} whom is reversed"
    # an active claim against a passive sentence: "the players will pay Four-Kings'
    # expenses" where the expenses "will be paid by Four-Kings"
    mine = {p[:5] for w in _words(claim) for p in w.split("-")}
    for verb, agent, _patient in theirs:
        for m in re.finditer(r"\b([a-z]+)\b", claim):
            if _key(m.group(1)) != verb or _not_reporting(claim, m.start(), m.end()):
                continue
            if claim[: m.start()].split()[-1:] == ["to"]:
                continue  # "expected to oppose": whose act it is lies further back
            phrase = _phrase_before(claim, m.start())
            if not any(t[:1].isupper() or t.lower() in _SPEAKER_NOUNS for t in phrase):
                continue  # no actor named: "are expected to oppose"
            subject = {p.lower()[:5] for t in phrase for p in re.split(r"[-’']", t) if p}
            if agent not in subject and agent in mine:
                return f"{m.group(1)} by {agent}, not by {' '.join(sorted(subject))}"
    return ""


_CLAUSE_TAIL_RE = re.compile(r",\s*|\s+(?:and|after|which|who|while|but|because|as|so)\s+")


def _new_clause(claim: str, evidence: str) -> str:
    """A clause after the first that the cited sentences hold almost nothing of: ', after
    shareholders rejected an earlier offer' added to what the source says."""
    have = {t[:5] for t in _terms(evidence)}
    for clause in _CLAUSE_TAIL_RE.split(claim)[1:]:
        mine = [t for t in _terms(clause) if not t[0].isdigit()]
        new = [t for t in mine if t[:5] not in have]
        if len(new) >= 3 and len(new) >= 0.8 * len(mine):
            return f"adds {clause.strip()!r}"
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

    bounds = _bounds(evidence)
    for fig, (side, soft) in sorted(_bounds(claim).items()):
        theirs = bounds.get(fig, ("", True))[0]
        if fig in ef and theirs != side and (theirs or not soft):
            word = "more" if side == ">" else "less"
            return Finding("comparison", f"{word} than {fig}: not what the source says", ev)

    # dates: a weekday, month, relative day or period the source does not give
    for d in sorted(_dates(claim) - _dates(evidence)):
        if d not in _dates(context) or (_dates(evidence) & set(_WEEKDAYS + _MONTHS)):
            return Finding("date", f"{d} is not when the source says", ev)
        if " " in d and any(" " in e for e in _dates(evidence)):
            return Finding("date", f"{d} is not when the source says", ev)

    # polarity: comparison direction, antonyms, negation, exclusion
    flip = _direction(claim, evidence, _COMPARATIVE_SETS) or _invented_comparison(claim, evidence)
    if flip:
        return Finding("comparison", flip, ev)
    flip = (
        _direction(claim, evidence, _ANTONYM_SETS)
        or _direction(claim, evidence, _STRICT_SETS, strict=True)
        or _unprefixed(claim, evidence)
    )
    if flip:
        return Finding("polarity", flip, ev)
    shared = _names(claim) & _names(evidence)
    out_c, out_e = _excluded(claim) & shared, _excluded(evidence) & shared
    if out_c != out_e:
        who = sorted(out_c ^ out_e)[0]
        return Finding("polarity", f"{who} is excluded in one and included in the other", ev)
    neg_claim, neg_ev = claim, evidence
    if out_c:  # both exclude the same: "not from NATO" is "independent of NATO"
        neg_claim, neg_ev = _EXCLUDE_RE.sub(" ", claim), _EXCLUDE_RE.sub(" ", evidence)
    neg_c = _negated(neg_claim, _terms(evidence))
    neg_e = _negated(neg_ev, _terms(claim))
    if neg_c != neg_e and (neg_c or len(chosen) == 1):
        return Finding("polarity", "negated" if neg_c else "negation dropped", ev)
    flip = _traded(claim, evidence)
    if flip:
        return Finding("polarity", flip, ev)

    roles = (
        _roles(claim, chosen, sentences)
        or _swapped_figures(claim, chosen)
        or _wrong_agent(claim, evidence)
        or _wrong_subject(claim, evidence)
        or _place(claim, evidence, context)
        or _passive_turned(claim, evidence)
    )
    if roles:
        return Finding("roles", roles, ev)
    added = (
        _superlative(claim, evidence)
        or _addition(claim, evidence, context)
        or _attribution(claim, sentences, evidence)
        or _wrong_speaker(claim, evidence, context)
        or _new_clause(claim, evidence)
    )
    if added:
        return Finding("addition", added, ev)
    return Finding("", "", ev)
