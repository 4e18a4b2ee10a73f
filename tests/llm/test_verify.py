"""Citation checks of LLM answers, without any model: lexical and a toy embedding."""

from __future__ import annotations

import numpy as np

from bot.answer.citations import MarkerStream, markers, rewrite_markers
from bot.answer.prompt import group_sources
from bot.answer.verify import drop_reference_list, verify
from index.text import sentences
from index.types import Chunk, Hit

TROOPS = (
    "Zelenskyy has expressed the need for significant military presence, potentially involving "
    "100,000 to 150,000 troops. Diplomats suggest a deployment of 30,000 to 40,000 may be more "
    "realistic."
)
BRUSSELS = "Defence ministers of the coalition met in Brussels on Thursday to plan the force."
PARIS = "Macron hosted the leaders in Paris, where Britain and France led the talks."


def sources(*texts: str):  # type: ignore[no-untyped-def]
    hits = [
        Hit(Chunk(f"c{i}", f"a{i}", f"a{i}.txt", f"Story {i}", t, 0), 1.0 - i / 10)
        for i, t in enumerate(texts)
    ]
    return group_sources(hits)


def test_supported_citations_are_kept_and_listed() -> None:
    src = sources(TROOPS, BRUSSELS)
    v = verify(
        "Zelenskyy said 100,000 to 150,000 troops may be needed [1]. "
        "Defence ministers met in Brussels to plan the force [2].",
        src,
    )
    assert v.grounded and v.kept == 2 and v.unknown == v.unsupported == 0
    assert v.text.endswith("[1]. Defence ministers met in Brussels to plan the force [2].")
    assert [(c.n, c.article_id) for c in v.citations] == [(1, "a0"), (2, "a1")]
    assert "100,000 to 150,000" in v.citations[0].snippet


def test_a_number_that_was_not_given_is_removed() -> None:
    v = verify("Zelenskyy asked for 100,000 to 150,000 troops [1][5].", sources(TROOPS))
    assert v.unknown == 1 and v.kept == 1 and v.grounded
    assert v.text == "Zelenskyy asked for 100,000 to 150,000 troops [1]."
    assert set(markers(v.text)) == {c.n for c in v.citations}


def test_citations_are_renumbered_by_first_use() -> None:
    v = verify(
        "Ministers met in Brussels to plan the coalition force [2].", sources(TROOPS, BRUSSELS)
    )
    assert v.text.endswith("[1].") and v.citations[0].article_id == "a1"


def test_a_claim_its_source_does_not_support_loses_the_citation_and_the_sentence() -> None:
    src = sources(TROOPS, BRUSSELS)
    v = verify(
        "Zelenskyy said up to 150,000 troops may be needed [1]. "
        "Zelenskyy said 500,000 troops were promised by Canada [1]. "
        "Ministers met in Brussels to plan the coalition force [1].",
        src,
    )
    bad = [c for c in v.checks if not c.supported]
    assert len(bad) == 2 and v.unsupported == 2 and v.removed_sentences == 2
    assert "500000" in bad[0].missing and "Canada" in bad[0].missing
    assert v.text == "Zelenskyy said up to 150,000 troops may be needed [1]."
    assert v.claim_sentences == 3 and v.supported_sentences == 1 and not v.grounded


def test_a_sentence_keeps_the_citations_that_hold() -> None:
    v = verify(
        "Zelenskyy wants 100,000 to 150,000 troops [1], while ministers met in Brussels [1][2].",
        sources(TROOPS, BRUSSELS),
    )
    assert v.text == (
        "Zelenskyy wants 100,000 to 150,000 troops [1], while ministers met in Brussels [2]."
    )
    assert v.kept == 2 and v.unsupported == 1


def test_no_citation_at_all_is_not_grounded() -> None:
    v = verify("Zelenskyy wants 100,000 to 150,000 troops.", sources(TROOPS))
    assert not v.grounded and v.kept == 0 and v.citations == []


def test_mostly_uncited_answer_is_not_grounded() -> None:
    v = verify(
        "Zelenskyy wants 100,000 to 150,000 troops [1]. The war began in 2022 with an invasion. "
        "Peace talks in Istanbul failed after several rounds of negotiation.",
        sources(TROOPS),
    )
    assert v.kept == 1 and v.claim_sentences == 3 and not v.grounded


def test_names_can_be_spelled_another_way() -> None:
    v = verify("The UK and France led the talks in Paris [1].", sources(PARIS))
    assert v.grounded, v.checks


def test_markers_after_the_full_stop_cite_the_sentence_before() -> None:
    v = verify(
        "Zelenskyy wants 100,000 to 150,000 troops. [1] Ministers met in Brussels. [2]",
        sources(TROOPS, BRUSSELS),
    )
    assert v.kept == 2 and v.text.count("[1]") == 1 and v.text.count("[2]") == 1


def test_model_reference_lists_are_dropped() -> None:
    text = "Ministers met in Brussels [1].\n\nSources:\n[1] Story 0"
    assert drop_reference_list(text) == "Ministers met in Brussels [1]."
    v = verify(text, sources(BRUSSELS))
    assert v.text == "Ministers met in Brussels [1]."


def test_semantic_similarity_supports_a_paraphrase() -> None:
    """With sentence vectors stored, a claim close in meaning passes with few shared words."""
    text = "The coalition's defence chiefs gathered in Brussels on Thursday."
    n = len(sentences(text))
    vec = np.zeros((n, 384), dtype=np.float32)
    vec[:, 0] = 1.0
    chunk = Chunk("c", "a", "a.txt", "Story", text, 0, sentence_vectors=vec)
    src = group_sources([Hit(chunk, 1.0)])
    claim = "Army bosses convened in Brussels [1]."

    def embed(texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 384), dtype=np.float32)
        out[:, 0] = 1.0
        return out

    assert not verify(claim, src).grounded  # 1 of 4 content words: lexically unsupported
    checked = verify(claim, src, embed=embed)
    assert checked.grounded and checked.checks[0].semantic > 0.99


def test_marker_stream_matches_rewrite_whatever_the_chunking() -> None:
    text = "A [1]. B [7] [2][Source 3], c [x] d[1, 2] e. [9]"
    mapping = {1: 2, 2: 1, 3: 3}

    def renumber(_i: int, numbers: list[int]) -> list[int]:
        return [mapping[n] for n in numbers if n in mapping]

    whole = rewrite_markers(text, renumber)
    assert whole == "A [2]. B [1][3], c [x] d[2][1] e."
    for size in (1, 2, 3, 5, 100):
        stream = MarkerStream(renumber)
        out = "".join(stream.feed(text[i : i + size]) for i in range(0, len(text), size))
        assert (out + stream.flush()).rstrip() == whole
