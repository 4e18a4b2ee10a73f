"""What kind of answer a question asks for, and whether a sentence holds one. Pure.

"How old was she when she died?" asks for an age, not a date, though it says "when";
"What time did she run?" asks for a race time. The order of the rules below is what
tells them apart: the most specific reading wins. Sentences are checked with patterns
for each kind (money, percent, age, duration, time, score, date, number) and, for names,
with capitalisation plus cue words (titles for people, suffixes for organisations,
prepositions for places). No model is loaded (spaCy's costs are in the README).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal, get_args

# The kinds of answer a question can ask for, most specific first where they overlap.
AnswerType = Literal[
    "money",
    "percent",
    "age",
    "duration",
    "time",
    "score",
    "date",
    "number",
    "person",
    "place",
    "organisation",
    "other",
]
TYPES: tuple[AnswerType, ...] = get_args(AnswerType)
NUMERIC_TYPES = frozenset({"money", "percent", "age", "duration", "time", "score", "number"})

_I = re.I
# Question patterns, most specific first.
_QUESTION_RULES: tuple[tuple[AnswerType, re.Pattern[str]], ...] = (
    (
        "age",
        re.compile(r"\bhow old\b|\bwhat age\b|\bat what age\b|\bage of\b|\b(older|younger)\b", _I),
    ),
    (
        "percent",
        re.compile(
            r"\bwhat (percentage|proportion|share|percent)\b|\bby how much\b.*%|\bper ?cent\b|%", _I
        ),
    ),
    (
        "money",
        re.compile(
            r"\bhow much (money|cash|did .* (cost|pay|earn|raise|spend|make|charge|sell for|fetch)"
            r"|does .* (cost|pay|earn)|is .* (worth|paid)|was .* (worth|paid|spent|raised|lost)|"
            r"(will|would|could) .* (cost|pay|raise|save))"
            r"|\bhow much\b.*\b(cost|worth|paid|pay|price|spend|spent|earn|raise[sd]?|fine[sd]?|"
            r"profits?|revenues?|sales|salary|budget|fund(ing)?|loss(es)?|deal|debt|bid|fee)\b"
            r"|\bwhat (was|is|were) the (price|cost|value|fee|fine|salary|bill|budget|"
            r"(annual |net |pre-tax |pretax )?(profits?|revenues?|turnover|loss(es)?))\b"
            r"|\bhow much did\b|\bhow much (was|is|were)\b.*\b(sold|bought|valued)\b"
            r"|\bat what price\b|\bfor how much\b|\bhow much .* (worth|cost)"
            r"|\b(which|who)\b.*\b(costs?|cost more|cheaper|dearer|spent|spend|paid|donation|"
            r"took|takings|earned|earns|raised|revenues?|profits?|sales|worth)\b.*\b(more|less)\b"
            r"|\b(which|who)\b.*\b(more|less)\b.*\b(costs?|spent|paid|donation|takings|"
            r"earned|revenues?|profits?|sales|worth)\b|\bwhich was bigger\b.*[£$€]",
            _I,
        ),
    ),
    (
        "time",
        re.compile(
            r"\bwhat time\b|\bin what time\b|\bwhich time\b|\bhow fast\b|\bwhat was (his|her|the) "
            r"(winning )?time\b|\bat what time\b|\bfinishing time\b",
            _I,
        ),
    ),
    (
        "duration",
        re.compile(
            r"\bhow long\b(?! (is|was) the (river|road|bridge|tunnel|track|course|distance))"
            r"|\bfor how many (years|months|weeks|days|hours|minutes)\b"
            r"|\bhow many (years|months|weeks|days|hours|minutes|seasons|decades)\b(?! old)"
            r"|\bwhat (period|length of time)\b",
            _I,
        ),
    ),
    (
        "score",
        re.compile(
            r"\bwhat (was|is) the (final |half-time |full-time )?(score|result|scoreline)\b"
            r"|\bby what (score|margin)\b|\bwhat score\b|\bwhat was the margin\b"
            r"|\bwin by how (much|many)\b|\bhow did .* (match|game|final|tie) (end|finish)\b",
            _I,
        ),
    ),
    (
        "date",
        re.compile(
            r"\bwhen\b|\bwhat (date|day|year|month|week)\b|\bwhich (date|day|year|month|week)\b"
            r"|\bin what year\b|\bsince when\b|\bby when\b|\bhow soon\b",
            _I,
        ),
    ),
    (
        "number",
        re.compile(
            r"\bhow (many|much|big|large|far|often|high|tall|heavy|deep|wide|fast)\b"
            r"|\bwhat (number|amount|size|figure|total|rate|level|proportion)\b"
            r"|\bnumber of\b|\bhow many\b|\bwhat was the (figure|estimate|tally|total|count)\b"
            r"|\b(which|who)\b.*\b(more|fewer|less|higher|lower|bigger|larger|greater|smaller)\b",
            _I,
        ),
    ),
    (
        "organisation",
        re.compile(
            r"\bwhich (company|firm|group|bank|club|team|party|organi[sz]ation|body|agency|"
            r"network|broadcaster|channel|studio|label|carrier|airline|retailer|manufacturer|"
            r"maker|supermarket|chain|union|newspaper|paper|magazine|side|watchdog|regulator|"
            r"department|ministry|court|website|brand|operator|publisher|developer|charity|"
            r"institution|business|firms|companies|clubs|teams)\b"
            r"|\bwhat (company|firm|group|bank|club|team|party|organi[sz]ation|body|agency|"
            r"network|broadcaster|channel|studio|label|airline|retailer|website|brand|"
            r"newspaper|magazine|charity|watchdog|regulator)\b"
            r"|\bwho (owns|bought|acquired|makes|made|manufactures|publishes|sponsors)\b"
            r"|\bwhich (?:\w+ )?(firm|company|club|team|bank)\b",
            _I,
        ),
    ),
    (
        "place",
        re.compile(
            r"\bwhere\b|\bwhich (city|country|town|place|region|nation|venue|stadium|state|"
            r"county|countries|cities|ground|continent|island|capital|area|market)\b"
            r"|\bwhat (city|country|town|place|region|nation|venue|stadium|state|county|"
            r"ground|capital)\b|\bin which (city|country|town)\b",
            _I,
        ),
    ),
    (
        "person",
        re.compile(
            r"\bwho\b|\bwhom\b|\bwhose\b|\bwhich (person|man|woman|player|actor|actress|singer|"
            r"minister|leader|official|executive|boss|chief|director|star|manager|coach|"
            r"politician|mp|judge|author|writer|artist|band|presenter|host|winner|"
            r"captain|striker|chancellor|secretary|president|spokesman|spokeswoman|founder|"
            r"chairman|analyst|economist|comedian|rapper|musician|designer|driver|athlete|"
            r"boxer|golfer|batsman|bowler|referee|candidate|members?)\b"
            r"|\bwhat is the name of\b|\bwhat was the name of\b|\bname the\b",
            _I,
        ),
    ),
)


def answer_type(question: str) -> AnswerType:
    """One of TYPES: the most specific kind of answer the question asks for."""
    q = " ".join(question.split())
    counting = _COUNTING.match(q)
    for kind, pattern in _QUESTION_RULES:
        if kind == "date" and counting:
            continue  # "How many blogs were there when…" counts, it does not ask a date
        if pattern.search(q):
            if kind == "date" and re.search(r"\bwhen\b", q, _I) and _AGE_CUE.search(q):
                return "age"
            return kind
    return "other"


_COUNTING = re.compile(r"^\W*(?:and\s+|so\s+)?how (?:many|much)\b", _I)
_AGE_CUE = re.compile(r"\bhow old\b|\baged?\b", _I)

# ----------------------------------------------------------------- sentence patterns

_NUM = r"\d+(?:[.,]\d+)*"
_NUMBER_WORDS = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety|hundred|a dozen|dozens|half|a third|a quarter|hundreds|thousands|"
    r"millions|billions|several|a couple|a few)"
)
_MONTHS = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|"
    r"december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?"
)
_WEEKDAYS = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_UNITS = (
    r"(?:years?|months?|weeks?|days?|hours?|minutes?|mins?|seconds?|secs?|decades?|"
    r"centur(?:y|ies)|nights?|seasons?)"
)

_SENTENCE_PATTERNS: dict[str, re.Pattern[str]] = {
    "money": re.compile(
        rf"[£$€¥]\s?{_NUM}(?:\s?(?:bn|m|k|billion|million|trillion)\b)?|\b{_NUM}\s?(?:m|bn|k|p|c|million|billion|trillion)?\s?"
        r"(?:dollars|pounds|euros|yen|yuan|rupees|francs|pence|cents|roubles|rubles|"
        r"us dollars|sterling)\b|\b(?:us|uk)?\$|\b\d+(?:\.\d+)?p\b|\beuros?\b|\b(?:usd|gbp|eur)\b",
        _I,
    ),
    "percent": re.compile(
        rf"{_NUM}\s?(?:%|per ?cent\b|percentage points?\b)|\b{_NUMBER_WORDS} per ?cent\b", _I
    ),
    "age": re.compile(
        rf"\baged?\s{_NUM}\b|\bage of {_NUM}\b|\b{_NUM}-year-olds?\b|\b{_NUM} years? old\b|"
        rf"\b(?:{_NUMBER_WORDS}|\w+ty-\w+)-year-olds?\b|,\s\d{{2}},\s|\(\d{{2}}\)|\bin (?:his|her) "
        r"(?:twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties|teens)\b"
        r"|\bbirthday\b|\bteenager\b",
        _I,
    ),
    "duration": re.compile(
        rf"\b(?:{_NUM}|{_NUMBER_WORDS}|a|an|several|many|few)[- ](?:and[- ]a[- ]half[- ])?"
        rf"{_UNITS}\b(?![- ]old)|\b(?:for|over|within|after|during|lasted|spent|in) "
        rf"(?:the (?:past|last|next) )?(?:{_NUM}|{_NUMBER_WORDS}|a|an)\s{_UNITS}\b"
        r"|\bdecades?\b|\bsince (?:19|20)\d\d\b",
        _I,
    ),
    "time": re.compile(
        rf"\b\d{{1,2}}[:.]\d{{2}}(?:[:.]\d{{2}})?\s?(?:am|pm|a\.m\.|p\.m\.|gmt|bst|cet|est|"
        rf"hours?|hrs?|h|secs?|seconds?|mins?|minutes?)\b|\b\d{{1,2}}\s?(?:am|pm|a\.m\.|p\.m\.)"
        rf"|\b\d{{1,2}}:\d{{2}}(?::\d{{2}}|\.\d+)?\b|\b\d+\.\d+\s?(?:seconds?|secs?|s)\b|\bmidnight\b"
        r"|\b[012]\d[0-5]\d\s?(?:gmt|bst|cet|est|hours|hrs|local time)\b|\bnoon\b"
        r"|\b(?:morning|afternoon|evening|overnight)\b|\bo'clock\b"
        rf"|\b{_NUM}\s?(?:minutes?|mins?|seconds?|secs?|hours?)\b",
        _I,
    ),
    "score": re.compile(
        r"\b\d{1,3}\s?[-–]\s?\d{1,3}\b(?!\s?(?:year|month|week|day|%))"
        r"|\b(?:goalless|nil-nil|0-0|on penalties|straight sets)\b",
        _I,
    ),
    "date": re.compile(
        rf"\b{_MONTHS}\s\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s(?:of\s)?{_MONTHS}\b|\b{_MONTHS}\b"
        rf"|\b{_WEEKDAYS}\b|\b(?:19|20)\d\d\b|\b(?:yesterday|today|tomorrow|tonight|last "
        r"(?:week|month|year|night|season)|next (?:week|month|year|season)|this (?:week|month|"
        r"year|season)|earlier this|later this|(?:early|late|mid)[- ](?:19|20)\d\d|christmas|"
        r"easter|new year|spring|summer|autumn|winter|recently|\d{1,2}/\d{1,2}/\d{2,4})\b",
        _I,
    ),
    "number": re.compile(rf"\b\d[\d,.]*\b|\b{_NUMBER_WORDS}\b|\bmillion\b|\bbillion\b", _I),
}

_PERSON_TITLE = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Dr|Sir|Lord|Lady|Dame|Prof|Professor|President|Prime Minister|"
    r"Chancellor|Secretary|Minister|MP|Senator|Judge|Rev|King|Queen|Prince|Princess)\.?\s+[A-Z]",
)
_ORG_CUE = re.compile(
    r"\b(?:[A-Z][\w&'.-]*\s)+(?:Inc|Ltd|plc|PLC|Corp|Corporation|Group|Bank|Holdings|"
    r"Association|Union|Party|Council|Commission|Committee|Agency|Authority|Office|FC|United|"
    r"City|Rovers|Airways|Airlines|Motors|Records|Pictures|Studios|Foundation|Institute|"
    r"Federation|League|Society|Trust|Board|Service|Department|Ministry|Court|Club|Company|"
    r"Co|International|Systems|Networks|Communications|Telecom|Media|Entertainment|Energy|"
    r"Industries|Capital|Partners|Fund|Organisation|Organization|Times|News|Post|Mail|Telegraph|"
    r"Guardian|Journal)\b|\b[A-Z]{2,6}s?\b|\b[A-Z][a-z]+[A-Z]\w+\b"
)
_PLACE_CUE = re.compile(
    r"\b(?:in|at|from|to|near|across|outside|inside|into|throughout|towards|visit(?:ed|ing)?|"
    r"held in|based in|capital)\s+(?:the\s)?[A-Z][a-z]+"
    r"|\b(?:[A-Z][a-z]+ )?(?:Stadium|Park|Arena|Hall|Centre|Center|Street|Road|Square|Island|"
    r"Islands|Valley|County|Province|Republic|Kingdom|States)\b"
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zà-ÿ'’-]+(?:\s+[A-Z][a-zà-ÿ'’-]+)*")


@lru_cache(maxsize=4096)
def _question_tokens(question: str) -> frozenset[str]:
    return frozenset(re.findall(r"[\w'’.,%£$€-]+", question.lower()))


def values(kind: AnswerType, sentence: str) -> list[str]:
    """The spans in `sentence` that could be an answer of `kind` (empty for 'other')."""
    if kind in _SENTENCE_PATTERNS:
        return [m.group().strip() for m in _SENTENCE_PATTERNS[kind].finditer(sentence)]
    if kind == "person":
        names = [n for n in _NAME.findall(sentence) if len(n.split()) >= 2]
        titled = [m.group() for m in _PERSON_TITLE.finditer(sentence)]
        return names + titled
    if kind == "organisation":
        return [m.group().strip() for m in _ORG_CUE.finditer(sentence)]
    if kind == "place":
        return [m.group().strip() for m in _PLACE_CUE.finditer(sentence)]
    return []


def spans(kind: AnswerType, sentence: str) -> list[int]:
    """Start offsets of the values `values(kind, sentence)` finds."""
    if kind in _SENTENCE_PATTERNS:
        return [m.start() for m in _SENTENCE_PATTERNS[kind].finditer(sentence)]
    pattern = {"organisation": _ORG_CUE, "place": _PLACE_CUE}.get(kind, _NAME)
    return [m.start() for m in pattern.finditer(sentence)]


def holds(kind: AnswerType, sentence: str, question: str = "") -> bool:
    """Does the sentence hold an answer of `kind` that the question does not already say?

    "other" questions (why, how, what happened) are held by any statement.
    """
    if kind == "other":
        return True
    asked = _question_tokens(question)
    found = values(kind, sentence)
    if kind in ("person", "organisation", "place"):
        q_low = question.lower()
        return any(v.lower() not in q_low for v in found)
    return any(v.lower() not in asked and v.lower() not in question.lower() for v in found)
