"""BM25 score matrices (Lucene variant), in the layout and to the bit that bm25s makes.

bm25s 0.3.16 builds its matrix with a Python loop per document and imports scipy on the
way: 0.17 s of every `newsbot index` that changed anything at 1,000 articles and 1.2 s at
10,000, the largest part of adding one article that is not Chroma's. This is the same
arithmetic vectorized with numpy, in the same order of float operations, so the scores are
identical (tests/unit/test_bm25_scores.py compares them with bm25s, which stays a test
dependency) and the files it writes are the ones `bm25s.BM25.load` reads.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

# bm25s's defaults, which newsbot has always used
K1, B = 1.5, 0.75
PARAMS = {
    "k1": K1,
    "b": B,
    "delta": 0.5,
    "method": "lucene",
    "idf_method": "lucene",
    "dtype": "float32",
    "int_dtype": "int32",
}
FILES = ("data.csc.index.npy", "indices.csc.index.npy", "indptr.csc.index.npy")


def lucene_matrix(
    docs: Sequence[np.ndarray], n_terms: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(data, indices, indptr) of the documents x terms score matrix in CSC form: column t
    lists the documents holding term t, in document order, with their scores.

    `docs` are term ids in [0, n_terms), one array per document; every term occurs in some
    document (the vocabulary is compacted).
    """
    n_docs = len(docs)
    lengths = np.array([len(d) for d in docs])
    avg = lengths.mean()  # as bm25s: a float64 numpy scalar
    doc_of = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
    # one entry per (term, document), sorted by term then document (the CSC order)
    keys = np.sort(np.concatenate(docs).astype(np.int64) * n_docs + doc_of)
    first = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    tf = np.diff(np.append(first, len(keys)))
    term, doc = np.divmod(keys[first], n_docs)
    df = np.bincount(term, minlength=n_terms)
    # idf by math.log on float64, as bm25s does per term (np.log may differ in the last bit)
    idf_of = {d: math.log(1 + (n_docs - d + 0.5) / (d + 0.5)) for d in set(df.tolist())}
    idf = np.array([idf_of[d] for d in df.tolist()], dtype=np.float32)
    # tf / (k1 * ((1 - b) + b * l_d / l_avg) + tf), evaluated in float64 as bm25s does
    norm = K1 * ((1 - B) + B * lengths[doc].astype(np.float64) / avg)
    tf64 = tf.astype(np.float64)
    scores = (idf[term].astype(np.float64) * (tf64 / (norm + tf64))).astype(np.float32)
    indptr = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    return scores, doc.astype(np.int32), indptr


def save_lucene(folder: Path, docs: Sequence[np.ndarray], vocab: Sequence[str]) -> None:
    """Write the BM25 index of `docs` (term ids into `vocab`) as bm25s saves one."""
    data, indices, indptr = lucene_matrix(docs, len(vocab))
    for name, array in zip(FILES, (data, indices, indptr), strict=True):
        np.save(folder / name, array, allow_pickle=False)
    vocab_ids = {term: i for i, term in enumerate(vocab)}
    vocab_ids.setdefault("", len(vocab))  # bm25s adds the empty token past the matrix
    (folder / "vocab.index.json").write_text(
        json.dumps(vocab_ids, ensure_ascii=False), encoding="utf-8"
    )
    params = {**PARAMS, "num_docs": len(docs), "version": "0.3.16", "backend": "numpy"}
    (folder / "params.index.json").write_text(json.dumps(params, indent=4), encoding="utf-8")
