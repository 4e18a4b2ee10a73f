"""Two-part and comparison questions, split into one question per part. Pure.

"Which rose more, Tesco's profits or Sainsbury's?" needs the best sentence about each
firm, usually from two articles: retrieval and sentence choice run once per part, and
the answer says which figure is larger when both parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.answer import qtype

_NAME = r"[A-Z][\w&'’.-]*(?:\s+(?:of\s+|the\s+|de\s+|van\s+)?[A-Z][\w&'’.-]*)*"
# "Which rose more, Tesco's profits or Sainsbury's?": options after a comma or colon
_OR_RE = re.compile(
    r"^(?P<stem>[^,:]+?)\s*[,:]\s*(?:the\s+)?(?P<a>[^,:]+?),?\s+or\s+(?:the\s+)?(?P<b>[^,:?]+?)\s*\??$"
)
# "How many X did A get, and how many Y did B win?": two questions in one
_TWO_RE = re.compile(
    r"^(?P<a>.+?),?\s+and\s+(?P<b>(?:how|what|who|when|where|which|why|did|does|is|was)\b.+)$",
    re.I,
)
_INLINE_OR_RE = re.compile(rf"(?P<a>(?:the\s+)?{_NAME})\s+or\s+(?P<b>(?:the\s+)?{_NAME})")
_AND_RE = re.compile(rf"(?:\bbetween\s+)?(?P<a>{_NAME})\s+and\s+(?P<b>{_NAME})(?P<poss>[’']s)?")
_VS_RE = re.compile(rf"(?P<a>{_NAME})\s+(?:vs\.?|versus|compared with|against)\s+(?P<b>{_NAME})")
_EACH_RE = re.compile(r"\b(each|both|respectively|compare|compared|between|difference)\b", re.I)
_EACH_WORDS_RE = re.compile(r"\s*\b(each|both|respectively)\b", re.I)
_COMPARE_RE = re.compile(
    r"\b(more|less|fewer|larger|bigger|higher|greater|smaller|lower|older|younger|earlier|"
    r"later|cheaper|dearer|longer|shorter|faster|slower|most|least|first)\b",
    re.I,
)
_LARGER = {
    "more",
    "larger",
    "bigger",
    "higher",
    "greater",
    "older",
    "later",
    "dearer",
    "longer",
    "most",
    "slower",
}
_SMALLER = {
    "less",
    "fewer",
    "smaller",
    "lower",
    "younger",
    "earlier",
    "cheaper",
    "shorter",
    "least",
    "first",
    "faster",
}


@dataclass(frozen=True)
class Parts:
    questions: tuple[str, ...]  # one question per part (the question itself when single)
    compare: str = ""  # the comparative asked for ("more", "older"), "" when none


def _head_noun(a: str, b: str) -> str:
    """'Sainsbury's' after 'Tesco's profits' reads 'Sainsbury's profits'."""
    tail = re.findall(r"(?:\s+[a-z][\w-]*)+$", a)
    if tail and not re.search(r"\s[a-z]", b):
        return b + tail[0]
    return b


def question_parts(question: str) -> Parts:
    q = " ".join(question.split()).rstrip()
    comp = _COMPARE_RE.search(q)
    compare = comp.group(1).lower() if comp else ""
    m = _OR_RE.match(q)
    if m and comp and comp.start() < m.end("stem"):
        stem = m.group("stem").rstrip(" ,:")
        a, b = m.group("a"), _head_noun(m.group("a"), m.group("b"))
        if compare in ("older", "younger"):  # each part is an age: ask it plainly
            tail = " when they died" if re.search(r"\bdied\b", stem, re.I) else ""
            return Parts((f"How old was {a}{tail}?", f"How old was {b}{tail}?"), compare)
        return Parts((f"{stem}, {a}?", f"{stem}, {b}?"), compare)
    m = _INLINE_OR_RE.search(q, q.find(" ") + 1)
    if m and comp:  # "Did the US or the UK economy grow faster?"
        inline = tuple(
            " ".join((q[: m.start()] + name + q[m.end() :]).split())
            for name in (m.group("a"), m.group("b"))
        )
        return Parts(inline, compare)
    m = _TWO_RE.match(q.rstrip("?"))
    if m and len(m.group("a").split()) >= 3:
        first = m.group("a").rstrip(" ,") + "?"
        second = m.group("b").rstrip(" ,") + "?"
        second = second[0].upper() + second[1:]
        # "..., and how many did he win?": the second part keeps the first part's names
        names = re.findall(_NAME, first.split(" ", 1)[-1])
        if names and not re.findall(_NAME, second.split(" ", 1)[-1]):
            second = f"{second.rstrip('?')} ({' '.join(names)})?"
        return Parts((first, second))
    if _EACH_RE.search(q) or comp:
        for pattern in (_AND_RE, _VS_RE):
            m = pattern.search(q)
            if m:
                poss = m.groupdict().get("poss") or ""
                parts: list[str] = []
                for name in (m.group("a"), m.group("b")):
                    part = q[: m.start()] + name + poss + q[m.end() :]
                    part = _EACH_WORDS_RE.sub("", re.sub(r"\bbetween\s+", "", part))
                    parts.append(" ".join(part.split()))
                return Parts(tuple(parts), compare if comp else "")
    return Parts((q,))


_VALUE_RE = re.compile(
    r"([£$€]?)(\d+(?:,\d{3})*(?:\.\d+)?)\s*(%|per ?cent|bn|billion|m\b|million|k\b|thousand)?",
    re.I,
)
_SCALE = {"bn": 1e9, "billion": 1e9, "m": 1e6, "million": 1e6, "k": 1e3, "thousand": 1e3}


def first_value(text: str, kind: qtype.AnswerType = "number") -> tuple[str, float] | None:
    """The first figure of the asked kind in a sentence, not a year: ('£1.2bn', 1.2e9)."""
    spans = qtype.values(kind, text) if kind in qtype.NUMERIC_TYPES | {"date"} else [text]
    for span in spans:
        for m in _VALUE_RE.finditer(span):
            raw = m.group(2).replace(",", "")
            if kind != "date" and re.fullmatch(r"(?:19|20)\d\d", raw) and not m.group(1):
                continue
            scale = _SCALE.get((m.group(3) or "").lower(), 1.0)
            return m.group().strip(), float(raw) * scale
    return None


def _unit(figure: str) -> str:
    """'$', '£', '%' or '' for a bare number: only figures of one unit compare."""
    if figure[:1] in "£$€":
        return figure[0]
    return "%" if figure.endswith(("%", "cent")) else ""


def comparison_line(
    compare: str, labels: list[str], texts: list[str], kind: qtype.AnswerType = "number"
) -> str:
    """'Of the two, Tesco's figure is the larger: £1.2bn against £800m.' or ''."""
    if kind not in qtype.NUMERIC_TYPES or compare not in _LARGER | _SMALLER:
        return ""
    found = [v for v in (first_value(t, kind) for t in texts) if v is not None]
    if len(texts) != 2 or len(found) != 2:
        return ""
    (fa, va), (fb, vb) = found
    if _unit(fa) != _unit(fb):
        return ""  # $250 and £19 are not compared
    if va == vb:
        return f"Both give the same figure: {fa}."
    win = 0 if (va > vb) == (compare in _LARGER) else 1
    side = "larger" if compare in _LARGER else "smaller"
    figs = (fa, fb) if win == 0 else (fb, fa)
    return f"Of the two, {labels[win]}'s figure is the {side}: {figs[0]} against {figs[1]}."
