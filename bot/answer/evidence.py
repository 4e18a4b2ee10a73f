"""What a reader sees to check an answer: each claim with the source sentence behind it.

Pure: built from an answer's text, its citations' titles and its checked claims (the
`claims` of `bot.answer.verify`), so the CLI's `--show-evidence` and Discord's "Show
evidence" button (which rebuilds it from the feedback store after a restart) show the same.

* An LLM answer: each kept claim with its supporting sentence and source; each claim whose
  citation was rejected, with the reason (`contradicted: polarity`, `unsupported`, ...).
* An extractive answer: its sentences *are* the sources' sentences, so each is shown once
  with the source it was quoted from.
* A fallback (the model's answer was not used): the extractive answer's sentences, then the
  model's rejected claims and why, so the reader sees what was thrown away.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.answer.contradiction import REASONS

if TYPE_CHECKING:
    from bot.answer.model import Answer

_GROUP_RE = re.compile(r"((?:\s*\[\d+(?:\s*,\s*\d+)*\])+)")
_NUMBER_RE = re.compile(r"\d+")


@dataclass(frozen=True)
class Backed:
    """A claim of the shown answer and the source sentence that supports it."""

    claim: str
    n: int | None  # the source's number in the shown answer (None: not cited there)
    title: str
    evidence: str

    @property
    def quoted(self) -> bool:
        """The claim is the source's own sentence (extractive): show it once."""
        return _plain(self.claim) == _plain(self.evidence)


@dataclass(frozen=True)
class Rejected:
    """A claim (or one of its citations) that the check rejected, and why."""

    claim: str
    title: str
    why: str  # "contradicted: polarity", "unsupported by the source", "no such source [7]"
    removed: bool  # the whole claim left the answer (else only this citation did)


@dataclass(frozen=True)
class Evidence:
    backed: list[Backed]
    rejected: list[Rejected]
    fallback: bool = False  # `rejected` belongs to a model answer that was not used

    def __bool__(self) -> bool:
        return bool(self.backed or self.rejected)

    @property
    def rejected_heading(self) -> str:
        """What the list of rejected claims is, in the words every front end shows."""
        if self.fallback:
            return "The model's answer was not used; its rejected claims"
        return "Removed from the answer"

    def what_happened(self, rejected: Rejected) -> str:
        """'removed' when the claim left the answer, else only its citation was dropped."""
        return "removed" if rejected.removed or self.fallback else "citation dropped"


def _plain(text: str) -> str:
    return " ".join(text.split()).strip(" .").lower()


def reason_label(reason: str | None, n: object = None) -> str:
    """A verify reason as a reader reads it: 'contradicted: polarity', 'unsupported'."""
    if reason in REASONS:
        return f"contradicted: {reason}"
    if reason == "unknown":
        return f"cites a source that was not given [{n}]"
    return "unsupported by the source"


def sentence_claims(text: str) -> list[tuple[str, list[int]]]:
    """Each stretch of `text` up to a marker group, with its numbers: 'A. [1] B. [2][3]' ->
    [('A.', [1]), ('B.', [2, 3])]. Text after the last marker is not a cited claim."""
    parts = _GROUP_RE.split(text)
    out: list[tuple[str, list[int]]] = []
    for claim, group in zip(parts[::2], parts[1::2], strict=False):
        claim = " ".join(claim.split()).lstrip("-•* ").strip()
        if claim:
            out.append((claim, [int(n) for n in _NUMBER_RE.findall(group)]))
    return out


def evidence_of(
    text: str,
    titles: Mapping[int, str],
    claims: Sequence[Mapping[str, object]] = (),
    *,
    fallback: bool = False,
) -> Evidence:
    """The evidence of an answer: `text` with [n] markers, `titles` of its citations by
    number, `claims` from the check (empty for an extractive answer)."""
    if claims and not fallback:
        return Evidence(_backed(claims), _rejected(claims))
    quoted = [
        Backed(claim, n, titles.get(n, ""), claim)
        for claim, numbers in sentence_claims(text)
        for n in numbers[:1]
    ]
    return Evidence(quoted, _rejected(claims), fallback=bool(claims) and fallback)


def _backed(claims: Sequence[Mapping[str, object]]) -> list[Backed]:
    return [
        Backed(str(c["claim"]), _int(c.get("cited")), str(c.get("title") or ""), _text(c))
        for c in claims
        if c.get("supported")
    ]


def _rejected(claims: Sequence[Mapping[str, object]]) -> list[Rejected]:
    kept = {str(c["claim"]) for c in claims if c.get("supported")}
    return [
        Rejected(
            str(c["claim"]),
            str(c.get("title") or ""),
            reason_label(str(c.get("reason") or ""), c.get("n")),
            removed=str(c["claim"]) not in kept,
        )
        for c in claims
        if not c.get("supported")
    ]


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None


def _text(claim: Mapping[str, object]) -> str:
    return " ".join(str(claim.get("evidence") or "").split())


def answer_evidence(answer: Answer) -> Evidence:
    """`evidence_of` an Answer as it was shown."""
    titles = {c.n: c.title for c in answer.citations}
    return evidence_of(answer.text, titles, answer.claims, fallback=answer.fallback)
