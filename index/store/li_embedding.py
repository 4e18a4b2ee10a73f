"""MiniLMEmbedder as a llama-index `BaseEmbedding`, for llama-index pipelines and benchmarks.

newsbot's own query path calls MiniLMEmbedder directly so that `ask` does not pay for
importing llama-index; this adapter is how the same model plugs into llama-index
(`Settings.embed_model`, `VectorStoreIndex(..., embed_model=...)`).
"""

from __future__ import annotations

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from index.store.embedder import MODEL_ID, MiniLMEmbedder


class MiniLMEmbedding(BaseEmbedding):
    """llama-index embedding backed by the offline ONNX MiniLM."""

    _embedder: MiniLMEmbedder = PrivateAttr()

    def __init__(self, embedder: MiniLMEmbedder | None = None, **kwargs: object) -> None:
        super().__init__(model_name=MODEL_ID, **kwargs)
        self._embedder = embedder or MiniLMEmbedder()

    @classmethod
    def class_name(cls) -> str:
        return "MiniLMEmbedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embedder.embed_one(query).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embedder.embed_one(text).tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embedder.embed(texts).tolist()
