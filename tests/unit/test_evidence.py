"""What `--show-evidence` and the Discord button show, from an answer's text and claims."""

from __future__ import annotations

from bot.answer.evidence import evidence_of, reason_label, sentence_claims


def test_sentence_claims_split_at_marker_groups() -> None:
    text = "- 2025-05-01: A happened. [1] B [2][3] and C. [2, 4] trailing words"
    assert sentence_claims(text) == [
        ("2025-05-01: A happened.", [1]),
        ("B", [2, 3]),
        ("and C.", [2, 4]),
    ]


def test_an_extractive_answer_is_its_own_evidence() -> None:
    found = evidence_of("Troops were sent. [1] Talks went on. [2]", {1: "One", 2: "Two"})
    assert [(b.claim, b.n, b.title, b.quoted) for b in found.backed] == [
        ("Troops were sent.", 1, "One", True),
        ("Talks went on.", 2, "Two", True),
    ]
    assert not found.rejected and not found.fallback


def test_claims_keep_their_evidence_and_rejections_their_reason() -> None:
    claims = [
        {"claim": "A rose", "n": 2, "supported": True, "evidence": "A rose by 3%.", "cited": 1},
        {"claim": "A rose", "n": 3, "supported": False, "reason": "unsupported", "title": "T3"},
        {"claim": "B fell", "n": 2, "supported": False, "reason": "polarity", "title": "T2"},
    ]
    found = evidence_of("A rose [1].", {1: "T2"}, claims)
    (backed,) = found.backed
    assert (backed.n, backed.evidence, backed.quoted) == (1, "A rose by 3%.", False)
    dropped, removed = found.rejected
    assert (dropped.removed, dropped.why) == (False, "unsupported by the source")
    assert (removed.removed, removed.why) == (True, "contradicted: polarity")
    assert reason_label("unknown", 7) == "cites a source that was not given [7]"


def test_after_a_fallback_the_shown_sentences_come_with_the_rejected_claims() -> None:
    claims = [{"claim": "B fell", "n": 1, "supported": False, "reason": "roles"}]
    found = evidence_of("B rose. [1]", {1: "T"}, claims, fallback=True)
    assert found.fallback and found.backed[0].quoted and found.rejected[0].why.endswith("roles")
