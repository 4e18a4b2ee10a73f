"""newsbot's duplicate collapse and article diversity as llama-index node postprocessors."""

from __future__ import annotations

from llama_index.core import SummaryIndex
from llama_index.core.llms import MockLLM
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.schema import NodeRelationship, NodeWithScore, RelatedNodeInfo, TextNode

from index.llama import CollapseNearDuplicates, DiversifyArticles

WIRE = (
    "Defence ministers from Estonia, Latvia and Lithuania agreed on Monday to build a drone "
    "wall along their eastern borders at a cost of {} million euros, officials said."
)


def node(text: str, article: str, score: float = 0.5) -> NodeWithScore:
    meta = {"article_id": article, "source": f"{article}.txt"}
    return NodeWithScore(node=TextNode(text=text, metadata=meta), score=score)


def texts(nodes: list[NodeWithScore]) -> list[str]:
    return [n.node.get_content() for n in nodes]


def test_wire_copies_collapse_into_the_best_and_are_listed() -> None:
    best = node(WIRE.format(420), "reuters", 0.9)
    copy = node(WIRE.format(420).replace("officials said", "officials told reporters"), "bbc")
    nodes = [best, copy, node("Unrelated report on grain exports through the Black Sea.", "ap")]

    kept = CollapseNearDuplicates().postprocess_nodes(nodes, query_str="drone wall cost")

    assert [n.node.metadata["article_id"] for n in kept] == ["reuters", "ap"]
    assert kept[0].node.metadata["copies"] == ["bbc.txt"] and kept[0].score == 0.9
    assert "copies" not in best.node.metadata  # the caller's nodes are not changed
    assert "copies" not in kept[0].node.get_content(metadata_mode="llm")


def test_copies_that_disagree_on_a_figure_are_both_kept() -> None:
    nodes = [node(WIRE.format(420), "reuters"), node(WIRE.format(380), "bbc")]
    assert texts(CollapseNearDuplicates().postprocess_nodes(nodes)) == texts(nodes)


def test_overlapping_chunks_of_one_article_collapse_without_a_copy() -> None:
    nodes = [node(WIRE.format(420), "reuters"), node(WIRE.format(420) + " More.", "reuters")]
    (kept,) = CollapseNearDuplicates(threshold=0.8).postprocess_nodes(nodes)
    assert "copies" not in kept.node.metadata


def test_diversity_caps_each_article_then_fills_in_rank_order() -> None:
    nodes = [node(f"passage {i} of {a}", a) for i, a in enumerate("aaabc")]
    assert texts(DiversifyArticles(top_k=4).postprocess_nodes(nodes)) == [
        "passage 0 of a",
        "passage 1 of a",
        "passage 3 of b",
        "passage 4 of c",
    ]
    assert texts(DiversifyArticles(top_k=5, per_article=1).postprocess_nodes(nodes)) == texts(nodes)


def test_postprocessors_work_on_plain_llama_index_nodes_in_a_query_engine() -> None:
    """Nodes of a llama-index document (no newsbot metadata) are grouped by their document."""

    def doc_node(text: str, doc: str) -> TextNode:
        return TextNode(
            text=text, relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=doc)}
        )

    nodes = [
        doc_node(WIRE.format(420), "doc-1"),
        doc_node(WIRE.format(420).replace("said", "confirmed"), "doc-2"),
        doc_node("Second passage of the first document about sensors.", "doc-1"),
        doc_node("Third passage of the first document about interceptors.", "doc-1"),
        doc_node("A passage of a third document on the budget debate.", "doc-3"),
    ]
    engine = RetrieverQueryEngine.from_args(
        SummaryIndex(nodes).as_retriever(),  # returns every node, in order
        llm=MockLLM(),
        node_postprocessors=[CollapseNearDuplicates(), DiversifyArticles(top_k=3)],
    )
    response = engine.query("What will the drone wall cost?")

    kept = response.source_nodes
    assert [n.node.ref_doc_id for n in kept] == ["doc-1", "doc-1", "doc-3"]
    assert kept[0].node.metadata["copies"] == ["doc-2"]
    assert "420 million euros" in str(response)
