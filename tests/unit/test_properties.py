"""Property-based tests (hypothesis) for the pure text pieces."""

from __future__ import annotations

from functools import lru_cache

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answer.citations import Claim, markers, number_claims, strip_markers
from index.ingest.chunk import Chunker
from index.ingest.clean import clean_lines, clean_text, is_boilerplate
from index.store.embedder import MAX_TOKENS, MiniLMEmbedder
from index.text import sentence_spans, words
from index.types import Article, Chunk, Hit

WORDS = st.sampled_from(
    "the troops Kyiv NATO 30,000 said Advertisement Read more: U.S. Mr. force “quoted.” "
    "peace — ü 2025 plan. minister, Loading... talks! question? (aside) [1] @everyone".split()
)
LINES = st.lists(WORDS, min_size=0, max_size=25).map(" ".join)
PAGES = st.lists(LINES, min_size=0, max_size=30).map("\n".join)


@given(PAGES)
def test_cleaning_is_idempotent_and_leaves_no_furniture(page: str) -> None:
    once = clean_text(page)
    assert clean_text(once) == once
    kept = [line for line in clean_lines(page) if line]
    assert not any(is_boilerplate(line) for line in kept)
    assert len(kept) == len({line.casefold() for line in kept})
    assert set(words(once)) <= set(words(page))


@given(st.text(max_size=400))
def test_sentence_spans_are_ordered_trimmed_and_inside(text: str) -> None:
    spans = sentence_spans(text)
    end = 0
    for a, b in spans:
        assert end <= a < b <= len(text)
        assert text[a:b] == text[a:b].strip()
        end = b
    # every non-space character belongs to some sentence
    covered = {i for a, b in spans for i in range(a, b)}
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


@lru_cache(maxsize=1)
def chunker() -> tuple[Chunker, MiniLMEmbedder]:
    embedder = MiniLMEmbedder()
    return Chunker(embedder.tokens, 256, 32), embedder


@settings(max_examples=25, deadline=None)
@given(st.lists(LINES, min_size=1, max_size=60).map("\n\n".join), LINES)
def test_chunks_fit_the_model_and_keep_every_word(text: str, title: str) -> None:
    text = text.strip() or "x"
    art = Article("a", "a.txt", title.strip() or "Title", text)
    ch, embedder = chunker()
    chunks = ch.chunk(art)
    assert chunks and [c.position for c in chunks] == list(range(len(chunks)))
    for c in chunks:
        assert embedder.count_tokens(f"{c.header()}\n\n{c.text}") + 2 <= MAX_TOKENS
    assert set(words(text)) <= {w for c in chunks for w in words(c.text)}
    assert len({c.chunk_id for c in chunks}) == len(chunks)


CHUNKS = [Chunk(f"c{i}", f"a{i % 3}", f"a{i % 3}.txt", "T", f"Sentence {i}.", i) for i in range(6)]


@given(st.lists(st.lists(st.sampled_from(CHUNKS), min_size=1, max_size=3), max_size=6))
def test_every_marker_has_a_source_and_every_source_a_marker(groups: list[list[Chunk]]) -> None:
    claims = [Claim(f"Claim {i}.", tuple(g)) for i, g in enumerate(groups)]
    text, citations = number_claims(claims, [Hit(c, 0.5) for c in CHUNKS])
    numbers = [c.n for c in citations]
    assert numbers == list(range(1, len(numbers) + 1))
    assert set(markers(text)) == set(numbers)
    assert len({c.article_id for c in citations}) == len(citations)
    assert strip_markers(text) == " ".join(c.text for c in claims) or not claims


@given(st.text(max_size=200))
def test_marker_parser_never_crashes_and_strip_removes_them(text: str) -> None:
    found = markers(text)
    assert all(n >= 0 for n in found)
    assert markers(strip_markers(text)) == []


@given(
    st.text(alphabet=st.sampled_from("aZΣσİß’',.% 1 9\n\tǅé-"), max_size=80) | st.text(max_size=80)
)
@settings(max_examples=300, deadline=None)
def test_words_fold_each_token_as_one_at_a_time_would(text: str) -> None:
    """`words` folds all tokens in one string; the result is that of folding each alone."""
    from index.text import _TOKEN_RE, normalize_number

    one_by_one = [normalize_number(t.lower().replace("’", "'")) for t in _TOKEN_RE.findall(text)]
    assert words(text) == one_by_one
