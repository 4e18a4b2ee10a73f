"""The keyword index newsbot writes is bm25s's, bit for bit: the same score matrix from the
same documents, files `bm25s.BM25.load` reads, and the same search results. bm25s is the
reference here (a dev dependency); indexing no longer imports it."""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.store.bm25_scores import lucene_matrix, save_lucene
from index.text import terms

ROOT = Path(__file__).resolve().parents[2]


def compact(token_lists: list[list[str]]) -> tuple[list[np.ndarray], list[str]]:
    """Term ids per document over a vocabulary of the terms used, as the snapshot makes."""
    vocab: dict[str, int] = {}
    docs = [
        np.array([vocab.setdefault(t, len(vocab)) for t in toks], np.int32) for toks in token_lists
    ]
    return docs, list(vocab)


def reference(docs: list[np.ndarray], vocab: list[str]) -> bm25s.BM25:
    model = bm25s.BM25()
    model.index(
        ([d.tolist() for d in docs], {t: i for i, t in enumerate(vocab)}), show_progress=False
    )
    return model


def assert_same_matrix(docs: list[np.ndarray], vocab: list[str]) -> None:
    data, indices, indptr = lucene_matrix(docs, len(vocab))
    ref = reference(docs, vocab).scores
    assert data.dtype == ref["data"].dtype and indices.dtype == ref["indices"].dtype
    assert np.array_equal(indptr, ref["indptr"])
    assert np.array_equal(indices, ref["indices"])
    assert np.array_equal(data, ref["data"])  # exact, not close: the same float operations


def sample_token_lists() -> list[list[str]]:
    """Chunk-sized pieces of the sample articles, with their real term distribution."""
    out = []
    for path in sorted((ROOT / "articles").glob("*.txt")):
        words = path.read_text(encoding="utf-8").split()
        for start in range(0, len(words), 60):
            out.append(terms(" ".join(words[start : start + 80])) or [""])
    return out


def test_the_sample_articles_give_bm25s_matrix() -> None:
    token_lists = sample_token_lists()
    assert len(token_lists) > 20
    assert_same_matrix(*compact(token_lists))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from("abcdefghij"), min_size=1, max_size=30), min_size=1, max_size=25
    )
)
def test_any_documents_give_bm25s_matrix(token_lists: list[list[str]]) -> None:
    assert_same_matrix(*compact(token_lists))


def test_bm25s_loads_what_is_saved_and_ranks_the_same(tmp_path: Path) -> None:
    token_lists = sample_token_lists()
    docs, vocab = compact(token_lists)
    save_lucene(tmp_path, docs, vocab)
    loaded = bm25s.BM25.load(str(tmp_path))
    built = reference(docs, vocab)
    assert loaded.vocab_dict == built.vocab_dict  # the empty token included, past the matrix
    for query in ("ceasefire talks", "tariff trade minister", "troops troops border"):
        q = [t for t in terms(query) if t in built.vocab_dict]
        assert q, query
        ours, theirs = loaded.get_scores(q), built.get_scores(q)
        assert np.array_equal(ours, theirs) and ours.max() > 0, query


def test_a_vocabulary_with_the_empty_token_keeps_its_column(tmp_path: Path) -> None:
    docs, vocab = compact([["rates", "inflation"], [""], ["rates"]])
    save_lucene(tmp_path, docs, vocab)
    loaded = bm25s.BM25.load(str(tmp_path))
    assert loaded.vocab_dict == {"rates": 0, "inflation": 1, "": 2}
    assert loaded.get_scores([2])[1] > 0  # the empty chunk is findable by its token


@pytest.mark.parametrize("n_docs", [1, 2])
def test_tiny_corpora(n_docs: int) -> None:
    assert_same_matrix(*compact([["budget", "vote", "budget"]] * n_docs))
