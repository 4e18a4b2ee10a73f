"""newsbot's index as a llama-index retriever, and its ranking steps as node postprocessors.

For llama-index users: `NewsbotRetriever` is a `BaseRetriever` over a newsbot index, so it
plugs into `RetrieverQueryEngine`, chat engines or agents like any other retriever. It returns
`NodeWithScore`s whose `TextNode`s carry newsbot's metadata (article id, file path, title,
date, url, outlet, chunk position) and newsbot's fused score (1.0 = first for both the dense
and the keyword search).

Why the fusion, recency, duplicate collapse and diversity run *inside* the retriever: they
are one pass in `Retriever.search`, and fusion cannot be a postprocessor at all — it needs
two ranked candidate lists (Chroma and BM25) and the cosine of keyword-only candidates from
the store, while a postprocessor only sees one list of nodes (llama-index's own
`QueryFusionRetriever` is a retriever for the same reason). Calling `Retriever.search` as is
means a llama-index pipeline gets exactly the passages, in exactly the order, that
`newsbot search` and `newsbot ask` get, and nothing of the ranking is written twice.

The two steps that work on any one ranked list are also exposed as postprocessors
(`CollapseNearDuplicates`, `DiversifyArticles`), built on the same pure functions in
`index.fusion`, for llama-index users who bring their own retriever over news text.

Nothing on newsbot's own query path imports this module, so `newsbot ask` never pays for
importing llama-index's retriever machinery.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.callbacks import CallbackManager
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import (
    MetadataMode,
    NodeRelationship,
    NodeWithScore,
    QueryBundle,
    RelatedNodeInfo,
    TextNode,
)
from pydantic import Field

from index.fusion import collapse_near_duplicates, diversify
from index.retrieve import Retriever
from index.settings import IndexConfig, load_config
from index.text import facts
from index.types import Chunk, Filters, Hit
from index.workspace import Workspace

# What a prompt shows of each passage: the rest is for code (ids, ranks), not for the LLM.
LLM_METADATA = ("title", "date", "outlet", "url")


def chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    """newsbot's record of a passage as flat llama-index metadata (dates as ISO strings)."""
    return {
        "article_id": chunk.article_id,
        "source": chunk.source,  # path relative to the articles folder
        "title": chunk.title,
        "date": chunk.date.isoformat() if chunk.date else None,
        "dated_by": chunk.dated_by,
        "url": chunk.url,
        "outlet": chunk.outlet,
        "position": chunk.position,
    }


def hit_to_node(hit: Hit) -> NodeWithScore:
    """One newsbot search hit as a scored llama-index node (node id = newsbot chunk id)."""
    metadata = chunk_metadata(hit.chunk)
    metadata.update(
        dense_rank=hit.ranks.get("dense"),
        bm25_rank=hit.ranks.get("bm25"),
        cosine=hit.dense,
        copies=[c.source for c in hit.also],  # wire copies collapsed into this passage
    )
    node = TextNode(
        id_=hit.chunk.chunk_id,
        text=hit.chunk.text,
        metadata=metadata,
        excluded_llm_metadata_keys=_hidden_from_llm(metadata),
        excluded_embed_metadata_keys=list(metadata),
        relationships={
            NodeRelationship.SOURCE: RelatedNodeInfo(
                node_id=hit.chunk.article_id, metadata={"source": hit.chunk.source}
            )
        },
    )
    return NodeWithScore(node=node, score=hit.score)


def _hidden_from_llm(metadata: dict[str, Any]) -> list[str]:
    return [k for k, v in metadata.items() if k not in LLM_METADATA or v in (None, "")]


class NewsbotRetriever(BaseRetriever):
    """A newsbot index as a llama-index retriever: dense + BM25 fused, recency-aware for
    "latest" questions, wire copies collapsed, at most two passages per article first."""

    def __init__(
        self,
        retriever: Retriever,
        k: int = 5,
        filters: Filters | None = None,
        dense_weight: float | None = None,
        callback_manager: CallbackManager | None = None,
    ) -> None:
        super().__init__(callback_manager=callback_manager)
        self.retriever = retriever
        self.k = k
        self.filters = filters
        self.dense_weight = dense_weight

    @classmethod
    def from_settings(cls, settings: IndexConfig | None = None, **kwargs: Any) -> NewsbotRetriever:
        """Over the index that `settings` name (as `newsbot index` built it); by default the
        one the environment and `.env` name, as for the CLI."""
        return cls(Retriever(Workspace(settings or load_config(IndexConfig))), **kwargs)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        query = query_bundle.query_str
        hits = self.retriever.search(query, self.k, self.filters, self.dense_weight)
        return [hit_to_node(hit) for hit in hits]


def _article_of(node: NodeWithScore) -> str:
    """The story a node belongs to: newsbot's article id, else llama-index's document id."""
    return str(node.node.metadata.get("article_id") or node.node.ref_doc_id or node.node.node_id)


def _text_of(node: NodeWithScore) -> str:
    return node.node.get_content(metadata_mode=MetadataMode.NONE)


def _same_story(kept: NodeWithScore, copy: NodeWithScore) -> NodeWithScore:
    """The kept node, now listing `copy` (another file or outlet) under metadata "copies"."""
    if _article_of(copy) == _article_of(kept):
        return kept
    name = copy.node.metadata.get("source") or _article_of(copy)
    copies = [*kept.node.metadata.get("copies", []), name, *copy.node.metadata.get("copies", [])]
    node = kept.node.model_copy(update={"metadata": {**kept.node.metadata, "copies": copies}})
    hidden = kept.node.excluded_llm_metadata_keys
    node.excluded_llm_metadata_keys = hidden if "copies" in hidden else [*hidden, "copies"]
    return NodeWithScore(node=node, score=kept.score)


class CollapseNearDuplicates(BaseNodePostprocessor):
    """Keep the best of near-identical passages (the same wire paragraph in several papers),
    unless their figures or names differ: disagreeing reports must both be seen. The kept
    node lists the others under metadata "copies"."""

    threshold: float = Field(default=0.8, description="Word-set Jaccard at which two match.")

    @classmethod
    def class_name(cls) -> str:
        return "NewsbotCollapseNearDuplicates"

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        return collapse_near_duplicates(
            nodes,
            lambda n: set(_text_of(n).lower().split()),
            self.threshold,
            facts_of=lambda n: facts(_text_of(n)),
            merge=_same_story,
        )


class DiversifyArticles(BaseNodePostprocessor):
    """The top `top_k` nodes with at most `per_article` from one article while others are
    left, so one long story does not crowd out a second relevant one. Rank order is kept."""

    top_k: int = Field(default=5, description="How many nodes to keep.")
    per_article: int = Field(default=2, description="Nodes per article before filling up.")

    @classmethod
    def class_name(cls) -> str:
        return "NewsbotDiversifyArticles"

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        return diversify(nodes, self.top_k, _article_of, self.per_article)
