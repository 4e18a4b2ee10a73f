r"""llama-index's `SentenceSplitter` without importing llama-index or nltk.

Why: importing `llama_index.core` costs ~1.45 s (nearly all of it nltk's package import),
paid by every `newsbot index` that has something to embed. This module returns exactly
what `SentenceSplitter(chunk_size, chunk_overlap, tokenizer, paragraph_separator)
.split_text_metadata_aware(text, header)` returns, so chunk texts (and the chunk ids made
from them) are the same; tests/unit/test_split.py checks that against llama-index itself.

It mirrors llama-index-core 0.14.25 (`node_parser/text/sentence.py` and `text/utils.py`;
MIT licence, (c) Jerry Liu) and, for the sentence step, nltk 3.10.4's
`PunktSentenceTokenizer().span_tokenize` (`nltk/tokenize/punkt.py`; Apache-2.0,
(c) 2001-2026 NLTK Project; Punkt by Kiss & Strunk, 2006), both pinned in requirements.lock.
llama-index builds that tokenizer untrained: no abbreviations, collocations, sentence
starters or orthographic context. So only what Punkt does with empty parameters is ported,
with nltk's own patterns, run (as nltk runs them) by the `regex` engine: its Unicode
classes differ from `re`'s (`\w` on combining marks and signs like "½", `\s` on
U+001C-U+001F), and with `re` some texts would split differently. Left out: llama-index's
callback events and the warning it prints when the header leaves under 50 tokens; nltk's
5 s time limit per regex call (never near for an article).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

Tokenizer = Callable[[str], Sequence[object]]

# llama-index: the secondary split inside a sentence, then words, then characters.
CHUNKING_REGEX = "[^,.;。？！]+[,.;。？！]?|[,.;。？！]"
_CHUNKING_RE = re.compile(CHUNKING_REGEX)

# --- nltk's PunktLanguageVars, verbatim (sent_end_chars ".?!") ---------------------------
_SENT_END_CHARS = (".", "?", "!")
_PUNCTUATION = tuple(";:,.!?")  # PunktSentenceTokenizer.PUNCTUATION
_NON_WORD = r"(?:[)\";}\]\*:@\'\({\[\u2018\u2019\u201c\u201d\xab\xbb\?!])"
_MULTI_CHAR = r"(?:\-{2,}|\.{2,}|(?:\.\s){2,}\.)"
_WORD_START = r"[^\(\"\`{\[:;&\#\*@\)}\]\-,]"
_WORD_TOKENIZE_FMT = r"""(
        %(MultiChar)s
        |
        (?=%(WordStart)s)\S+?  # Accept word characters until end is found
        (?= # Sequences marking a word's end
            \s|                                 # White-space
            $|                                  # End-of-string
            %(NonWord)s|%(MultiChar)s|          # Punctuation
            ,(?=$|\s|%(NonWord)s|%(MultiChar)s) # Comma if at end of word
        )
        |
        \S
    )"""
_PERIOD_CONTEXT_FMT = r"""
        %(SentEndChars)s             # a potential sentence ending
        (?=(?P<after_tok>
            %(NonWord)s              # either other punctuation
            |
            \s+(?P<next_tok>\S+)     # or whitespace and some other token
        ))"""


@dataclass(frozen=True)
class _Punkt:
    """nltk's compiled patterns (the `regex` engine, as nltk compiles them)."""

    word: Any
    period_context: Any
    realignment: Any
    ellipsis: Any
    numeric: Any
    initial: Any


@cache
def _punkt() -> _Punkt:
    """Compiled on first use: most texts fit a chunk and never reach the sentence step."""
    import regex

    return _Punkt(
        word=regex.compile(
            _WORD_TOKENIZE_FMT
            % {"NonWord": _NON_WORD, "MultiChar": _MULTI_CHAR, "WordStart": _WORD_START},
            regex.UNICODE | regex.VERBOSE,
        ),
        period_context=regex.compile(
            _PERIOD_CONTEXT_FMT % {"NonWord": _NON_WORD, "SentEndChars": r"[\.\?!]"},
            regex.UNICODE | regex.VERBOSE,
        ),
        realignment=regex.compile(
            r'["\')\]}\u2018\u2019\u201c\u201d\xab\xbb]+?(?:\s+|(?=--)|$)', regex.MULTILINE
        ),
        ellipsis=regex.compile(r"\.\.+$"),
        numeric=regex.compile(r"^-?[\.,]?\d[\d,\.-]*\.?$"),
        initial=regex.compile(r"[^\W\d]\.$", regex.UNICODE),
    )


def _words(text: str) -> Iterator[str]:
    """PunktBaseClass._tokenize_words, without the line/paragraph flags (unused untrained)."""
    word = _punkt().word
    for line in text.split("\n"):
        if line.strip():
            yield from word.findall(line)


def _first_pass_break(tok: str) -> bool:
    """First pass with no known abbreviations: a lone .?! or a word ending in one period."""
    if tok in _SENT_END_CHARS:
        return True
    if _punkt().ellipsis.match(tok):
        return False
    return tok.endswith(".") and not tok.endswith("..")


def _second_pass_break(tok: str, following: str, sentbreak: bool) -> bool:
    """Second pass with empty parameters: only initials ("J.") and numbers ("10.") can lose
    their break, when the orthographic heuristic says the next token starts no sentence."""
    if not tok.endswith("."):
        return sentbreak
    p = _punkt()
    is_initial = bool(p.initial.match(tok))
    typ = p.numeric.sub("##number##", tok.lower())
    if len(typ) > 1 and typ[-1] == ".":
        typ = typ[:-1]
    if not (is_initial or typ == "##number##"):
        return sentbreak
    # _ortho_heuristic with no orthographic context: False or "unknown", never True.
    if following in _PUNCTUATION or following[0].islower():
        return False
    if is_initial and following[0].isupper():
        return False
    return sentbreak


def _contains_sentbreak(text: str) -> bool:
    """PunktSentenceTokenizer.text_contains_sentbreak: a break before the last token."""
    toks = list(_words(text))
    for i in range(len(toks) - 1):
        if _second_pass_break(toks[i], toks[i + 1], _first_pass_break(toks[i])):
            return True
    return False


def _last_whitespace_index(text: str) -> int:
    for i in range(len(text) - 1, -1, -1):
        if text[i] in string.whitespace:
            return i
    return 0


def _context(text: str, start: int, stop: int, match: Any) -> str:
    """The word before a candidate end, the end, and what follows it."""
    return text[start:stop] + match.group() + match.group("after_tok")


def _end_contexts(text: str) -> Iterator[tuple[Any, str]]:
    """_match_potential_end_contexts: each candidate end with the word before and after
    (of overlapping candidates, as in "acting!!!", only the last)."""
    prev_start, prev_stop = 0, 0
    previous = None
    for match in _punkt().period_context.finditer(text):
        word_start = _last_whitespace_index(text[prev_stop : match.start()])
        word_start = word_start + prev_stop + 1 if word_start else prev_start
        if previous and prev_stop <= word_start:
            yield previous, _context(text, prev_start, prev_stop, previous)
        previous = match
        prev_start, prev_stop = word_start, match.start()
    if previous:
        yield previous, _context(text, prev_start, prev_stop, previous)


def _slices(text: str) -> Iterator[tuple[int, int]]:
    last_break = 0
    for match, context in _end_contexts(text):
        if _contains_sentbreak(context):
            yield last_break, match.end()
            last_break = match.start("next_tok") if match.group("next_tok") else match.end()
    yield last_break, len(text.rstrip())


def punkt_spans(text: str) -> list[tuple[int, int]]:
    """Untrained `PunktSentenceTokenizer().span_tokenize(text)` (realign_boundaries=True):
    closing quotes and brackets after a full stop stay with its sentence."""
    spans: list[tuple[int, int]] = []
    slices = list(_slices(text))
    realign = 0
    for n, (start, stop) in enumerate(slices):
        start += realign
        if n + 1 == len(slices):
            if text[start:stop]:
                spans.append((start, stop))
            continue
        next_start, next_stop = slices[n + 1]
        m = _punkt().realignment.match(text[next_start:next_stop])
        if m:
            spans.append((start, next_start + len(m.group(0).rstrip())))
            realign = m.end()
        else:
            realign = 0
            if text[start:stop]:
                spans.append((start, stop))
    return spans


def split_sentences(text: str) -> list[str]:
    """llama-index's split_by_sentence_tokenizer: each sentence runs up to the next one's
    start, so the whitespace between them stays and the pieces join back to the text."""
    starts = [start for start, _ in punkt_spans(text)]
    ends = [*starts[1:], len(text)]
    return [text[a:b] for a, b in zip(starts, ends, strict=True)]


def split_keep_separator(text: str, separator: str) -> list[str]:
    """llama-index's split_text_keep_separator: the separator starts each later piece."""
    parts = text.split(separator)
    return [s for s in (separator + p if i > 0 else p for i, p in enumerate(parts)) if s]


@dataclass(frozen=True)
class _Split:
    text: str
    is_sentence: bool
    token_size: int


class SentenceSplitter:
    """Chunks of at most `chunk_size` tokens, preferring whole paragraphs, then whole
    sentences, then phrases, words and characters; consecutive chunks share up to
    `chunk_overlap` tokens of whole pieces."""

    def __init__(
        self,
        chunk_size: int,
        chunk_overlap: int,
        tokenizer: Tokenizer,
        paragraph_separator: str = "\n\n\n",
        count_batch: Callable[[list[str]], list[int]] | None = None,
    ) -> None:
        if chunk_size <= 0 or chunk_overlap < 0:
            raise ValueError("chunk_size must be positive and chunk_overlap not negative")
        if chunk_overlap > chunk_size:
            raise ValueError(
                f"Got a larger chunk overlap ({chunk_overlap}) than chunk size "
                f"({chunk_size}), should be smaller."
            )
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap
        self._tokenizer = tokenizer
        self._paragraph_separator = paragraph_separator
        # len(tokenizer(t)) of several texts in one call (a faster, parallel tokenizer);
        # the sizes, and so the chunks, are the same
        self._count_batch = count_batch

    def split_text_metadata_aware(self, text: str, metadata_str: str) -> list[str]:
        """Chunks of `text` leaving room for `metadata_str`, embedded with each chunk."""
        metadata_len = len(self._tokenizer(metadata_str))
        effective_chunk_size = self.chunk_size - metadata_len
        if effective_chunk_size <= 0:
            raise ValueError(
                f"Metadata length ({metadata_len}) is longer than chunk size "
                f"({self.chunk_size}). Consider increasing the chunk size or "
                "decreasing the size of your metadata to avoid this."
            )
        return self._split_text(text, effective_chunk_size)

    def split_text(self, text: str) -> list[str]:
        return self._split_text(text, self.chunk_size)

    def _split_text(self, text: str, chunk_size: int) -> list[str]:
        if text == "":
            return [text]
        return self._merge(self._split(text, chunk_size), chunk_size)

    def _token_size(self, text: str) -> int:
        return len(self._tokenizer(text))

    def _splits_by_fns(self, text: str) -> tuple[list[str], bool]:
        """The first way of cutting that gives more than one piece, and whether the pieces
        are whole sentences (paragraphs or Punkt sentences) or only parts of one."""
        for cut in (
            lambda t: split_keep_separator(t, self._paragraph_separator),
            split_sentences,
        ):
            splits = cut(text)
            if len(splits) > 1:
                return splits, True
        for cut in (_CHUNKING_RE.findall, lambda t: split_keep_separator(t, " "), list):
            splits = cut(text)
            if len(splits) > 1:
                break
        return splits, False

    def _token_sizes(self, texts: list[str]) -> list[int]:
        if self._count_batch is not None and len(texts) > 1:
            return self._count_batch(texts)
        return [self._token_size(t) for t in texts]

    def _split(self, text: str, chunk_size: int, token_size: int | None = None) -> list[_Split]:
        if token_size is None:
            token_size = self._token_size(text)
        if token_size <= chunk_size:
            return [_Split(text, True, token_size)]
        pieces, is_sentence = self._splits_by_fns(text)
        splits: list[_Split] = []
        for piece, size in zip(pieces, self._token_sizes(pieces), strict=True):
            if size <= chunk_size or len(pieces) == 1:
                # One indivisible piece too big stays as is: _merge raises on it.
                splits.append(_Split(piece, is_sentence, size))
            else:  # (llama-index counts the piece's tokens twice; once is the same)
                splits.extend(self._split(piece, chunk_size, size))
        return splits

    def _merge(self, splits: list[_Split], chunk_size: int) -> list[str]:
        chunks: list[str] = []
        cur: list[tuple[str, int]] = []  # (text, tokens)
        cur_len = 0
        new_chunk = True

        def close_chunk() -> None:
            nonlocal cur, cur_len, new_chunk
            chunks.append("".join(text for text, _ in cur))
            last = cur
            cur, cur_len, new_chunk = [], 0, True
            # the next chunk starts with the last one's tail, up to the overlap
            i = len(last) - 1
            while i >= 0 and cur_len + last[i][1] <= self.chunk_overlap:
                cur_len += last[i][1]
                cur.insert(0, last[i])
                i -= 1

        i = 0
        while i < len(splits):
            split = splits[i]
            if split.token_size > chunk_size:
                raise ValueError("Single token exceeded chunk size")
            if cur_len + split.token_size > chunk_size and not new_chunk:
                close_chunk()
                continue
            if new_chunk and cur_len + split.token_size > chunk_size:
                # the overlap leaves no room: drop it from the front until the split fits
                while cur and cur_len + split.token_size > chunk_size:
                    cur_len -= cur.pop(0)[1]
            if split.is_sentence or cur_len + split.token_size <= chunk_size or new_chunk:
                cur_len += split.token_size
                cur.append((split.text, split.token_size))
                i += 1
                new_chunk = False
            else:
                close_chunk()
        if not new_chunk:
            chunks.append("".join(text for text, _ in cur))
        return [c.strip() for c in chunks if c.strip()]
