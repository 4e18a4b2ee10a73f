from bot.answer.citations import Claim, markers, number_claims, strip_markers
from index.types import Chunk, Hit


def chunk(aid: str, text: str, pos: int = 0) -> Chunk:
    return Chunk(f"{aid}-{pos}", aid, f"{aid}.txt", f"Title {aid}", text, pos)


def test_numbers_follow_first_use_and_are_per_article() -> None:
    a0, a1, b0 = (
        chunk("a", "Alpha one. Alpha two."),
        chunk("a", "Alpha three.", 1),
        chunk("b", "Beta."),
    )
    claims = [Claim("Beta.", (b0,)), Claim("Alpha one.", (a0,)), Claim("Alpha three.", (a1,))]
    hits = [Hit(a0, 0.9), Hit(b0, 0.5), Hit(a1, 0.7)]
    text, cites = number_claims(claims, hits)
    assert text == "Beta. [1] Alpha one. [2] Alpha three. [2]"
    assert [(c.n, c.article_id) for c in cites] == [(1, "b"), (2, "a")]
    assert cites[1].snippet == "Alpha one. Alpha three."
    assert cites[1].score == 0.9
    # every marker in the text has a source, and every source is cited
    assert set(markers(text)) == {c.n for c in cites}


def test_marker_parsing() -> None:
    assert markers("x [1] y [2, 3][4]") == [1, 2, 3, 4]
    assert strip_markers("A claim [1][2]. Another [3]") == "A claim. Another"
