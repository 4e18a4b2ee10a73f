"""Follow-up questions without an LLM: rewrite an elliptical follow-up into a whole
question before retrieval. Pure.

"And what about Zelenskyy?" after "What did Hegseth say about where troops for Ukraine
should come from?" is asked as "What did Zelenskyy say about where troops for Ukraine
should come from?"; "and in 2024?" after "How many jobs did BT cut in 2003?" as "How many
jobs did BT cut in 2024?". A declined or off-topic turn never becomes context: the
follow-up leans on the last question that was answered.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.answer.features import question_entities
from bot.answer.model import DECLINE_TEXT, Turn
from index.text import terms

_FOLLOW_UP_RE = re.compile(
    r"^\s*(and|but|also|so|then|what about|how about|why|what else|and what|same for)\b"
    r"|\b(they|them|their|it|its|he|she|his|her|him|that|those|these|this|there|the same|"
    r"others?|else)\b",
    re.I,
)
# "And what about X?", "What about X?", "How about X?", "And X?", "Same for X?"
_SLOT_RE = re.compile(
    r"^\s*(?:and|but|ok|okay|so)?,?\s*(?:what|how)\s+about\s+(?P<x>.+?)\s*\??\s*$"
    r"|^\s*(?:and|same for|also)\s+(?P<y>(?!what\b|how\b|who\b|when\b|where\b|why\b|which\b)"
    r"[^?]{1,60}?)\s*\??\s*$",
    re.I,
)
_TIME_RE = re.compile(
    r"\b(?:in|during|for|since|by)\s+(?:(?:19|20)\d\d|last year|this year|next year|"
    r"(?:january|february|march|april|may|june|july|august|september|october|november|"
    r"december)(?:\s+(?:19|20)\d\d)?)\b|\b(?:19|20)\d\d\b",
    re.I,
)
_NOT_NAMES = frozenset(
    "it he she they we i the a an this that these those his her their its there but and "
    "mr mrs ms".split()
)
_YEAR_RE = re.compile(r"\b(?:19|20)\d\d\b")
_PRONOUN_RE = re.compile(r"\b(he|she|they|it|him|her|them|his|its|their)\b", re.I)
_PERSONAL = frozenset({"he", "she", "him", "his", "her"})
_LEAD_RE = re.compile(r"^\s*(?:and|but|so|also|then|ok|okay)\b[,\s]*", re.I)
_WHO_RE = re.compile(r"^\s*(?:and\s+)?(?:who|whom|which (?:person|man|woman|player))\b", re.I)


@dataclass(frozen=True)
class Standalone:
    question: str  # what to retrieve and answer with
    context: str = ""  # earlier words that still count, at half weight
    rewritten: bool = False


def is_follow_up(question: str) -> bool:
    """Short or pronoun-led questions ("and how many did the diplomats say?") need context."""
    return bool(_FOLLOW_UP_RE.search(question)) or len(terms(question)) <= 2


def answered_turns(history: Sequence[Turn]) -> list[Turn]:
    """Turns that were answered: a decline says nothing a follow-up can lean on."""
    return [t for t in history if t.answer.strip() and not t.answer.startswith(DECLINE_TEXT)]


def _subject(question: str) -> str | None:
    """The name a question is about: its first name that is not the question word."""
    names = question_entities(question)
    return names[0] if names else None


def _replace_subject(previous: str, new: str) -> str:
    old = _subject(previous)
    if old and old in previous:
        # "Hegseth's" keeps its possessive; every mention of the old name is replaced.
        return previous.replace(old, new)
    body = previous.rstrip(" ?")
    return f"{body} for {new}?"


def _with_year(previous: str, year: str) -> str:
    """The previous question about another year: its year swapped, else "in <year>" added."""
    old = _YEAR_RE.search(previous)
    if old:
        return previous[: old.start()] + year + previous[old.end() :]
    return f"{previous.rstrip(' ?')} in {year}?"


def rewrite(history: Sequence[Turn], question: str) -> Standalone:
    """The question to retrieve with and answer, given the conversation so far."""
    q = " ".join(question.split())
    turns = answered_turns(history)
    if not turns or not is_follow_up(q):
        return Standalone(q)
    last = turns[-1]
    previous = last.standalone or last.question
    m = _SLOT_RE.match(q)
    if m:
        slot = (m.group("x") or m.group("y") or "").strip(" ,")
        year = _YEAR_RE.search(slot)
        if year and _TIME_RE.fullmatch(slot):
            return Standalone(_with_year(previous, year.group()), rewritten=True)
        if (slot and slot[0].isupper()) or question_entities(f"x {slot}"):
            name = re.sub(r"[’']s$", "", slot)  # "And South Korea's?"
            return Standalone(_replace_subject(previous, name), rewritten=True)
        # "what about the costs?": the new words lead, the old topic stays as context
        return Standalone(f"{slot} {previous}".strip(), previous, rewritten=True)
    bare = _LEAD_RE.sub("", q)
    bare = bare[:1].upper() + bare[1:]
    pronoun = _PRONOUN_RE.search(bare)
    if pronoun:
        # "When was he made a peer?": he is the name the last answer gave for a "who"
        # question, else the last question's subject
        said = last.answer.split("[")[0]
        names = [n for n in question_entities("x " + said) if n.lower() not in _NOT_NAMES]
        if pronoun.group().lower() in _PERSONAL:  # he, she: a person's full name first
            names = sorted(names, key=lambda n: len(n.split()) < 2)
        subject = _subject(previous)
        who = names[0] if names and (not subject or _WHO_RE.match(previous)) else subject
        if who:
            word = pronoun.group()
            name = f"{who}'s" if word.lower() in ("his", "its", "their") else who
            new = bare[: pronoun.start()] + name + bare[pronoun.end() :]
            return Standalone(new, previous, rewritten=True)
        return Standalone(bare, previous)
    return Standalone(bare, previous, rewritten=bare != q)


def conversation_context(history: Sequence[Turn], question: str, turns: int = 2) -> str:
    """Earlier questions that a follow-up refers to ('' for a fresh question).

    Only answered questions are used, not answers: answers quote articles, and their words
    would pull retrieval back to the passage already shown.
    """
    answered = answered_turns(history)
    if not answered or not is_follow_up(question):
        return ""
    return " ".join(t.standalone or t.question for t in answered[-turns:])
