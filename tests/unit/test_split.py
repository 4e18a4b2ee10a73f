"""newsbot's splitter cuts exactly where llama-index's SentenceSplitter cuts.

Chunk ids hash the chunk texts, so a splitter that differed by one character would re-embed
every article of an existing index. index/ingest/split.py exists only so that `newsbot index`
does not import llama-index (and nltk): these tests hold it to llama-index itself, on the
sample articles, generated ones, crafted edge cases and random text.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from llama_index.core.node_parser import SentenceSplitter as LlamaSplitter
from llama_index.core.utils import globals_helper

from index.ingest.chunk import Chunker, metadata_str
from index.ingest.sources import read_docs, to_articles
from index.ingest.split import SentenceSplitter, punkt_spans
from index.store.embedder import MiniLMEmbedder
from index.types import Article
from tests.conftest import ROOT, SAMPLE_ARTICLES

Tokenizer = Callable[[str], Sequence[object]]


@cache
def minilm() -> Tokenizer:
    """The tokenizer the Chunker gets in production (Indexer.chunker: embedder.tokens)."""
    return MiniLMEmbedder().tokens


TOKENIZERS: dict[str, Callable[[], Tokenizer]] = {"minilm": minilm, "words": lambda: str.split}


def articles_in(folder: Path) -> list[Article]:
    """Articles as `newsbot index` reads them (stories split, cleaned)."""
    return [
        a
        for p in sorted(folder.glob("*.txt"))
        for a in to_articles(p.name, read_docs(p, 1 << 24)[0])
    ]


@cache
def generated() -> list[Article]:
    """Articles from benchmarks/gen_corpus.py (paragraphs of the samples, remixed)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from gen_corpus import generate
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), 60, seed=16)
        return articles_in(Path(tmp))


def _edge_cases() -> dict[str, str]:
    cases = {
        "abbreviations": "The U.S. economy grew. Mr. Smith and Dr. Jones met, e.g. on Monday, "
        "at 5 p.m. in St. Albans. They left. i.e. nothing.",
        "initials": "J. K. Rowling wrote it. J.K. Rowling too. A. B. Smith said so. Then 1. 2. x.",
        "numbers": "Prices rose 3.5% in No. 10 Downing St. today. It was 5. Then 6.\nNo. 7 is "
        "next; -5. Next 1,000. next .5. Next 2.5.5. Fine 10. he said.",
        "ellipses": "Wait... what? Really... Yes. Ellipsis … unicode. ... And . . . spaced. ..",
        "quotes_brackets": "He said \"no.\" Then he left. (Aside.) Next [bracket.] Next 'single.' "
        'Next {brace.} "(Nested.)" Done. "Quote." lower.',
        "question_exclaim": "What?! No!!! Why?? OK?!\nFine. Very bad acting!!! I promise. ?! !",
        "unicode_quotes": "“Yes.” ‘No.’ «Oui.» She said „ja.“ Done. ’Tis. “Who?” he asked.",
        "cjk": "今天天气很好。我们去公园吧！你来吗？好的。东京，大阪；京都。" * 3,
        "blank_lines": "Para one.\n\n\n\nPara two.\n\n \n\nPara three.\n\n\n",
        "trailing_whitespace": "Sentence one.   \nSentence two.\t \n\n   ",
        "tabs": "Col1.\tCol2.\tCol3. End.\t\tMore.\tx",
        "separators": "One.\x1cTwo.\x1fThree. Four.\u2028Five. Six.\x85Seven. Eight.\x0cNine. "
        "Ten.\xa0Eleven. Twelve.\u3000Thirteen.\u2009Fourteen.",
        "marks_and_signs": "e\u0301. Next. \u0301. Next. ½. Next. ². Next. Ⓐ. Next. _. x "
        "É. Next. é. Next. ß. Next. Ω. Next. 五. Next. ٣. Next.",
        "dashes": "--dashes.--Next. Hello--world. End-- of. -- Yes.",
        "punctuation_only": ". . ! ? ; : , .. ... !!! ?? ;;",
        "no_punctuation": " ".join(f"word{i}" for i in range(150)),
        "one_long_word": "qzxvkjwp" * 12,  # 96 characters, as many word-pieces
        "unknown_word": "x" * 400,  # past 100 characters: one [UNK] piece
        "long_word_in_text": "Short start. " + "x" * 400 + " short end.",
        "empty": "",
        "whitespace": "   \n\n \t ",
    }
    # the same cases long enough to be cut at the production size
    long = {f"{k}_long": (v + " ") * 25 for k, v in cases.items() if v.strip()}
    long["sentences_in_one_paragraph"] = " ".join(
        f"Sentence number {i} says Mr. X paid ${i}.5m (about {i}%)." for i in range(120)
    )
    return cases | long


EDGE = _edge_cases()
# chunk size, overlap, whether the header is counted (the production size is with it)
SIZES = [(254, 32, True), (64, 8, False), (30, 5, False)]


def outcome(split: Callable[[], list[str]]) -> list[str] | str:
    """Chunks, or the error both splitters must raise alike."""
    try:
        return split()
    except ValueError as exc:
        return f"ValueError: {exc}"


def mismatches(
    tokenizer: Tokenizer,
    size: int,
    overlap: int,
    texts: dict[str, tuple[str, str]],
    count_batch: Callable[[list[str]], list[int]] | None = None,
) -> list[str]:
    """Names of the texts (text, header) on which the two splitters differ."""
    ours = SentenceSplitter(
        size, overlap, tokenizer, paragraph_separator="\n\n", count_batch=count_batch
    )
    theirs = LlamaSplitter(
        chunk_size=size, chunk_overlap=overlap, tokenizer=tokenizer, paragraph_separator="\n\n"
    )
    return [
        name
        for name, (text, header) in texts.items()
        if outcome(lambda: ours.split_text_metadata_aware(text, header))  # noqa: B023
        != outcome(lambda: theirs.split_text_metadata_aware(text, header))  # noqa: B023
    ]


@pytest.mark.parametrize("tokenizer", TOKENIZERS)
@pytest.mark.parametrize(("size", "overlap", "with_header"), SIZES)
def test_same_chunks_as_llama_index(
    tokenizer: str, size: int, overlap: int, with_header: bool
) -> None:
    articles = articles_in(SAMPLE_ARTICLES) + generated()
    assert len(articles) >= 60
    texts = {a.article_id: (a.text, metadata_str(a) if with_header else "") for a in articles} | {
        name: (text, "Edge case\n\n" if with_header else "") for name, text in EDGE.items()
    }
    assert not mismatches(TOKENIZERS[tokenizer](), size, overlap, texts)
    if tokenizer == "minilm":  # counted in batches, as the indexer counts
        model = MiniLMEmbedder()
        assert not mismatches(model.tokens, size, overlap, texts, model.token_counts)


def test_batch_counts_are_the_token_counts() -> None:
    model = MiniLMEmbedder()
    texts = ["", "a", "Kyiv’s 10,000 troops.", "word " * 300, "x" * 3000, *EDGE.values()]
    assert model.token_counts(texts) == [len(model.tokens(t)) for t in texts]


def test_the_cases_reach_every_step_and_the_errors() -> None:
    """The edge cases are cut by sentence, word and character (not only by paragraph), and
    what cannot fit fails in both splitters with the same message."""
    words = SentenceSplitter(30, 5, str.split)
    assert len(words.split_text(EDGE["sentences_in_one_paragraph"])) > 10
    assert len(words.split_text(EDGE["no_punctuation"])) > 5
    pieces = SentenceSplitter(12, 0, minilm()).split_text(EDGE["one_long_word"])
    assert len(pieces) > 3 and "".join(pieces) == EDGE["one_long_word"]

    def thrice(text: str) -> list[str]:  # every character 3 tokens: one cannot fit in 2
        return list(text) * 3

    cases: list[tuple[int, int, Tokenizer, str, str, str]] = [
        (2, 0, thrice, "\U0001f600" * 3, "", "Single token exceeded chunk size"),
        (10, 2, str.split, "a b", "x " * 10, "Metadata length (10) is longer than chunk"),
    ]
    for size, overlap, tokenizer, text, header, error in cases:
        ours = SentenceSplitter(size, overlap, tokenizer)
        theirs = LlamaSplitter(chunk_size=size, chunk_overlap=overlap, tokenizer=tokenizer)
        expected = outcome(lambda: theirs.split_text_metadata_aware(text, header))  # noqa: B023
        assert isinstance(expected, str) and expected.startswith(f"ValueError: {error}")
        assert outcome(lambda: ours.split_text_metadata_aware(text, header)) == expected  # noqa: B023


@pytest.mark.parametrize("name", EDGE)
def test_sentences_as_nltk_punkt(name: str) -> None:
    """The sentence step alone: the untrained Punkt llama-index uses, span for span."""
    assert punkt_spans(EDGE[name]) == list(globals_helper.punkt_tokenizer.span_tokenize(EDGE[name]))


def test_chunker_gives_the_chunks_and_ids_of_before() -> None:
    """The chunks (ids included) an index built with llama-index's splitter holds."""
    tokenizer = minilm()
    ours = Chunker(tokenizer, 256, 32, MiniLMEmbedder().token_counts)  # as the indexer does
    before = Chunker(tokenizer, 256, 32)
    before._splitter = LlamaSplitter(  # type: ignore[assignment]
        chunk_size=254, chunk_overlap=32, tokenizer=tokenizer, paragraph_separator="\n\n"
    )
    articles = articles_in(SAMPLE_ARTICLES)
    assert sum(len(ours.chunk(a)) for a in articles) > len(articles)  # articles are cut
    for article in articles:
        assert ours.chunk(article) == before.chunk(article)


PIECES = st.sampled_from(
    [
        "word",
        "Kyiv",
        "the",
        "NATO",
        "i",
        "x",
        "U.S.",
        "Mr.",
        "J.",
        "K.",
        "e.g.",
        "No.",
        "10.",
        "3.5%",
        "1,000",
        ".",
        "..",
        "...",
        "…",
        "?",
        "!",
        "?!",
        ",",
        ";",
        ":",
        "。",
        "？",
        "！",
        "，",
        '"',
        "'",
        "“",
        "”",
        "‘",
        "’",
        "«",
        "»",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        "--",
        "-",
        " ",
        " ",
        " ",
        "\n",
        "\n\n",
        "\t",
        "\x1c",
        "é",
        "\u0301",
        "½",
        "今天",
    ]
)
TEXTS = st.lists(PIECES, max_size=120).map("".join)
SPACED = st.lists(PIECES, max_size=120).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXTS, SPACED, st.text(max_size=200)))
def test_random_text_splits_into_the_same_sentences(text: str) -> None:
    assert punkt_spans(text) == list(globals_helper.punkt_tokenizer.span_tokenize(text))


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(TEXTS, SPACED),
    st.sampled_from(["words", "minilm"]),
    st.sampled_from([(12, 3), (30, 5), (64, 8)]),
)
def test_random_text_gives_the_same_chunks(
    text: str, tokenizer: str, size_overlap: tuple[int, int]
) -> None:
    size, overlap = size_overlap
    assert not mismatches(TOKENIZERS[tokenizer](), size, overlap, {"random": (text, "")})


def test_chunking_imports_neither_llama_index_nor_nltk() -> None:
    """Why the module exists: `newsbot index` chunks without paying their import (~1.4 s)."""
    script = """
import json, sys
from pathlib import Path
from index.ingest import split
from index.ingest.chunk import Chunker
from index.ingest.sources import read_docs, to_articles
from index.store.embedder import MiniLMEmbedder

path = sorted(Path(sys.argv[1]).glob("*.txt"))[0]
(article, *_) = to_articles(path.name, read_docs(path, 1 << 24)[0])
chunks = Chunker(MiniLMEmbedder().tokens, 64, 8).chunk(article)
print(json.dumps({
    "chunks": len(chunks),
    "sentences_cut": split._punkt.cache_info().currsize,
    "loaded": sorted(m for m in sys.modules if m.split(".")[0] in ("llama_index", "nltk")),
}))
"""
    done = subprocess.run(
        [sys.executable, "-c", script, str(SAMPLE_ARTICLES)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    report = json.loads(done.stdout)
    assert report["chunks"] > 3 and report["sentences_cut"] == 1
    assert report["loaded"] == []
