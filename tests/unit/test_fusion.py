import pytest

from index.fusion import collapse_near_duplicates, diversify, reciprocal_rank_fusion


def test_rrf_rewards_agreement_and_scales_to_one() -> None:
    fused = reciprocal_rank_fusion({"dense": ["a", "b", "c"], "bm25": ["a", "c", "d"]})
    ids = [row[0] for row in fused]
    assert ids[0] == "a" and fused[0][1] == pytest.approx(1.0)
    assert ids.index("c") < ids.index("b")  # c is in both lists
    assert fused[0][2] == {"dense": 1, "bm25": 1}
    assert {row[0] for row in fused} == {"a", "b", "c", "d"}


def test_rrf_counts_a_repeated_id_once_per_list() -> None:
    fused = dict((i, s) for i, s, _ in reciprocal_rank_fusion({"x": ["a", "a", "b"]}))
    assert fused["a"] == pytest.approx(1.0)


def test_near_duplicates_collapse_to_the_best() -> None:
    items = ["the force of 30,000 troops", "the force of 30,000 troops!", "a different claim"]
    kept = collapse_near_duplicates(items, lambda s: set(s.strip("!").split()))
    assert kept == ["the force of 30,000 troops", "a different claim"]


def test_passages_with_other_figures_or_names_are_not_duplicates() -> None:
    from index.text import facts

    items = [
        "Officials said the force would need 30,000 troops, according to Anna Kowalski.",
        "Officials said the force would need 40,000 troops, according to Anna Kowalski.",
        "Officials said the force would need 30,000 troops, according to Peter Hughes.",
        "Officials said the force would need 30,000 troops, according to Anna Kowalski!",
    ]
    kept = collapse_near_duplicates(items, lambda s: set(s.split()), 0.6, facts)
    assert kept == items[:3]  # only the exact restatement goes


def test_diversify_lets_a_second_article_in() -> None:
    items = [("A", 1), ("A", 2), ("A", 3), ("B", 4), ("A", 5)]
    assert diversify(items, 3, lambda x: x[0]) == [("A", 1), ("A", 2), ("B", 4)]
    # when only one article is relevant, it still fills the slots, in rank order
    assert diversify(items[:3], 3, lambda x: x[0]) == items[:3]
