"""Embeddings from an OpenAI-compatible endpoint (`POST /v1/embeddings`), with httpx.

Used instead of the bundled MiniLM when NEWSBOT_EMBED_BASE_URL is set. Texts go in batches
of BATCH per request, up to CONCURRENCY requests at once; a connection error, timeout,
HTTP 429 or 5xx is retried RETRIES times with exponential backoff, then reported as one
line (StoreError). Vectors are L2-normalised here, whatever the server returns.

Sentence vectors (what the extractive answerer compares a question with) come from the
same endpoint: each sentence of a passage is sent as a text of its own, so a build sends
about ten sentences per passage besides the passage. Chunks are still sized with the
bundled MiniLM tokenizer (a word-piece count, no model run): the endpoint's own tokenizer
is unknown, and 256 word-pieces fit every common embedding model's input.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cached_property
from typing import Any

import numpy as np

from index.errors import StoreError
from index.store.embedder import Batch, MiniLMEmbedder, PendingEmbeddings

BATCH = 64  # texts per request
CONCURRENCY = 4  # requests in flight at once
RETRIES = 3  # after the first try, on connection errors, timeouts, 429 and 5xx
BACKOFF = 0.5  # seconds before the first retry, doubling
TIMEOUT = 60.0  # seconds per request


def embeddings_url(base_url: str) -> str:
    """The OpenAI client's convention: the base URL names the API root (`.../v1`); a bare
    server address gets `/v1` added."""
    base = base_url.rstrip("/")
    if base.endswith("/embeddings"):
        return base
    if not base.endswith("/v1"):
        base += "/v1"
    return base + "/embeddings"


def model_id_for(model: str) -> str:
    """What the manifest records as the embedder of an index built through an endpoint."""
    return f"endpoint:{model}"


class RemoteEmbedder:
    """The MiniLMEmbedder interface (embed, embed_one, submit_passages, tokens), remotely."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None) -> None:
        self.url = embeddings_url(base_url)
        self.model = model
        self.model_id = model_id_for(model)
        self._headers = {"Content-Type": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        self._local = MiniLMEmbedder()  # its tokenizer only, for chunk sizes
        self._last: tuple[str, np.ndarray] | None = None  # the question, asked twice in a row
        self._lock = threading.Lock()

    @cached_property
    def _client(self) -> Any:
        import httpx

        return httpx.Client(
            timeout=TIMEOUT, limits=httpx.Limits(max_connections=CONCURRENCY), headers=self._headers
        )

    @cached_property
    def _executor(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(CONCURRENCY, thread_name_prefix="newsbot-embed-http")

    def tokens(self, text: str) -> Sequence[object]:
        return self._local.tokens(text)

    def count_tokens(self, text: str) -> int:
        return self._local.count_tokens(text)

    def token_counts(self, texts: list[str]) -> list[int]:
        return self._local.token_counts(texts)

    def _request(self, texts: list[str]) -> np.ndarray:
        """Unit vectors for at most BATCH texts: one request, retried when it may help."""
        import httpx

        why = ""
        for attempt in range(RETRIES + 1):
            if attempt:
                time.sleep(BACKOFF * 2 ** (attempt - 1))
            try:
                reply = self._client.post(self.url, json={"model": self.model, "input": texts})
            except httpx.TimeoutException:
                why = f"no reply within {TIMEOUT:.0f} s"
                continue
            except httpx.TransportError as exc:
                why = f"cannot connect: {type(exc).__name__}"
                continue
            if reply.status_code == 429 or reply.status_code >= 500:
                why = f"HTTP {reply.status_code}"
                continue
            if reply.status_code != 200:
                raise StoreError(
                    f"The embeddings endpoint {self.url} refused the request: "
                    f"HTTP {reply.status_code} {_message(reply)}"
                )
            return self._vectors(reply, len(texts))
        raise StoreError(
            f"The embeddings endpoint {self.url} is not answering ({why}, "
            f"{RETRIES + 1} tries): check NEWSBOT_EMBED_BASE_URL and that the server runs."
        )

    def _vectors(self, reply: Any, n: int) -> np.ndarray:
        try:
            data = sorted(reply.json()["data"], key=lambda d: d["index"])
            vectors = np.asarray([d["embedding"] for d in data], dtype=np.float32)
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreError(
                f"The embeddings endpoint {self.url} sent a reply that is not embeddings ({exc})"
            ) from None
        if vectors.ndim != 2 or len(vectors) != n:
            raise StoreError(
                f"The embeddings endpoint {self.url} sent {len(vectors)} vectors for {n} texts"
            )
        return vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit vectors (n, dims) for texts, BATCH per request, requests side by side."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        if len(texts) <= BATCH:
            return self._request(list(texts))
        parts = self._executor.map(
            self._request, [texts[i : i + BATCH] for i in range(0, len(texts), BATCH)]
        )
        return np.concatenate(list(parts))

    def embed_one(self, text: str) -> np.ndarray:
        with self._lock:
            if self._last and self._last[0] == text:
                return self._last[1]
        vector = self.embed([text])[0]
        with self._lock:
            self._last = (text, vector)
        return vector

    def submit_passages(
        self, texts: list[str], spans: list[list[tuple[int, int]]]
    ) -> PendingEmbeddings:
        """Passage vectors and one vector per span (sentence), embedded as texts of their own;
        returns at once (see MiniLMEmbedder.submit_passages)."""
        items: list[tuple[int, str]] = [(i, t) for i, t in enumerate(texts)]
        for i, (text, own) in enumerate(zip(texts, spans, strict=True)):
            items += [(i, text[a:b]) for a, b in own]
        # Requests of BATCH texts; a passage's vectors are ready when all of its requests are.
        requests = [items[j : j + BATCH] for j in range(0, len(items), BATCH)]
        sent = [self._executor.submit(self._request, [t for _, t in r]) for r in requests]

        def gather() -> Batch:
            vectors = np.concatenate([f.result() for f in sent]) if sent else np.zeros((0, 0))
            passages = vectors[: len(texts)]
            parts, at = [], len(texts)
            for own in spans:
                parts.append(vectors[at : at + len(own)].reshape(len(own), vectors.shape[1]))
                at += len(own)
            return list(range(len(texts))), passages, parts

        done: Future[Batch] = Future()
        once = threading.Lock()

        def finish(_: Future[np.ndarray]) -> None:
            with once:
                if not all(f.done() for f in sent) or done.done() or done.running():
                    return
                if not done.set_running_or_notify_cancel():
                    return
                try:
                    done.set_result(gather())
                except BaseException as exc:
                    done.set_exception(exc)

        if not sent:
            done.set_result((list(range(len(texts))), np.zeros((0, 0)), []))
        for f in sent:
            f.add_done_callback(finish)
        return PendingEmbeddings(len(texts), [_Cancelling(done, sent)])


class _Cancelling:
    """A future over the group's requests: cancelling it drops those not sent yet."""

    def __init__(self, done: Future[Batch], parts: list[Future[np.ndarray]]) -> None:
        self._done, self._parts = done, parts

    def cancel(self) -> bool:
        for part in self._parts:
            part.cancel()
        return self._done.cancel()

    def result(self) -> Batch:
        return self._done.result()


def _message(reply: Any) -> str:
    try:
        error = reply.json().get("error")
        text = error.get("message") if isinstance(error, dict) else str(error or "")
    except (ValueError, AttributeError):
        text = reply.text
    return " ".join(str(text).split())[:200]
