"""Compact text encoding of a chunk's sentence vectors, stored in its Chroma metadata.

Riding in the metadata keeps them with their chunk wherever Chroma runs (embedded or
server) and deletes them with it. int8 with one scale per vector: cosine error < 0.01.
"""

from __future__ import annotations

import base64

import numpy as np

from index.store.embedder import DIMENSIONS


def encode(vectors: np.ndarray) -> str:
    """Vectors of the bundled model (384 dims) as base64; other sizes (an embeddings
    endpoint's) carry their dimension first, as `d<dims>:` (base64 never holds a colon)."""
    if len(vectors) == 0:
        return ""
    dims = vectors.shape[1]
    head = "" if dims == DIMENSIONS else f"d{dims}:"
    scale = np.abs(vectors).max(axis=1, keepdims=True) / 127.0
    scale = np.where(scale == 0, 1.0, scale).astype(np.float32)
    q = np.round(vectors / scale).astype(np.int8)
    return head + base64.b64encode(scale.tobytes() + q.tobytes()).decode("ascii")


def decode(text: str) -> np.ndarray:
    """Unit vectors (n, dims); an empty or damaged value gives an empty array."""
    dims = DIMENSIONS
    head, colon, _ = text[:12].partition(":")
    if colon and head.startswith("d") and head[1:].isdigit() and int(head[1:]) > 0:
        dims, text = int(head[1:]), text[len(head) + 1 :]
    try:
        raw = base64.b64decode(text)
    except ValueError:
        return np.zeros((0, dims), dtype=np.float32)
    n = len(raw) // (4 + dims)
    if not text or n * (4 + dims) != len(raw):
        return np.zeros((0, dims), dtype=np.float32)
    scale = np.frombuffer(raw[: 4 * n], dtype=np.float32).reshape(n, 1)
    q = np.frombuffer(raw[4 * n :], dtype=np.int8).reshape(n, dims)
    vecs = q.astype(np.float32) * scale
    return vecs / np.clip(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12, None)
