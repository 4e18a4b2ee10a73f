"""Verification cost of a 4-claim LLM answer (lexical + contradiction checks, with sentence
vectors from the real embedder): prints p50 and p90 over repeated runs.

    python benchmarks/bench_verify.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.answer.prompt import group_sources
from bot.answer.verify import verify
from index.store.embedder import MiniLMEmbedder
from index.text import sentences
from index.types import Chunk, Hit

ARTICLES = sorted((Path(__file__).resolve().parent.parent / "articles").glob("*.txt"))
ANSWER = (
    "Defense ministers from 30 nations are gathering at NATO headquarters in Brussels [1]. "
    "Zelenskyy said 30,000 to 40,000 troops may be realistic, while diplomats estimated "
    "100,000 to 150,000 were needed [2]. "
    "Hegseth said any deployment should come from European and non-European forces, "
    "independent of NATO [2]. "
    "Military chiefs from 34 NATO countries convened in Paris to discuss security [3]."
)


def main() -> None:
    embedder = MiniLMEmbedder()
    hits = []
    for i, path in enumerate([ARTICLES[1], ARTICLES[3], ARTICLES[0]]):
        text = path.read_text(encoding="utf-8")[:4000]
        vecs = np.asarray(embedder.embed(sentences(text)))
        chunk = Chunk(f"c{i}", f"a{i}", path.name, path.stem, text, 0, sentence_vectors=vecs)
        hits.append(Hit(chunk, 1.0 - i / 10))
    sources = group_sources(hits)
    times = []
    for _ in range(30):
        t = time.perf_counter()
        verify(ANSWER, sources, "How many troops?", embedder.embed)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print(
        f"verify, 4-claim answer: p50 {statistics.median(times):.1f} ms, "
        f"p90 {times[int(0.9 * len(times))]:.1f} ms"
    )


if __name__ == "__main__":
    main()
