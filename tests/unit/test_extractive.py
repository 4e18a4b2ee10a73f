from bot.answer.citations import markers
from bot.answer.extractive import ExtractiveAnswerer, answer_kind, question_entities
from bot.answer.model import DECLINE_TEXT
from index.types import Chunk, Hit

A = Chunk(
    "a0",
    "a",
    "a.txt",
    "Security plan",
    "Zelenskyy has said a force of 100,000 to 150,000 troops is needed. "
    "Diplomats consider 30,000 to 40,000 troops more realistic. The talks were long.",
    0,
)
B = Chunk(
    "b0",
    "b",
    "b.txt",
    "NATO meeting",
    "The proposed troop levels for the force range from 10,000 to 30,000 personnel. "
    "Ministers met in Brussels on Friday to discuss the peacekeeping force.",
    0,
)
C = Chunk(
    "c0", "c", "c.txt", "Weather", "It rained heavily across the north on Tuesday evening.", 0
)
HITS = [Hit(A, 1.0, 0.6), Hit(B, 0.9, 0.5), Hit(C, 0.3, 0.1)]


# Composition tests answer at threshold 0 (these hand-made passages carry no sentence
# vectors); declining is tested below and end to end on real news.
def test_answer_sentences_are_quoted_and_each_is_cited() -> None:
    answer = ExtractiveAnswerer(threshold=0.0).answer(
        "How many troops did Zelenskyy say were needed?", HITS
    )
    assert answer.answered and answer.mode == "extractive"
    assert "100,000 to 150,000" in answer.text
    assert answer.text.startswith("Zelenskyy has said")
    cited = {c.n: c for c in answer.citations}
    assert set(markers(answer.text)) == set(cited)
    assert cited[1].article_id == "a"


def test_disagreeing_figures_from_another_source_are_shown_too() -> None:
    answer = ExtractiveAnswerer(threshold=0.0).answer(
        "How many troops would the peacekeeping force need?", HITS
    )
    assert "10,000 to 30,000" in answer.text and "100,000" in answer.text
    assert {c.article_id for c in answer.citations} == {"a", "b"}


def test_declines_when_nothing_matches() -> None:
    answer = ExtractiveAnswerer(min_relevance=0.3).answer("What is a good borscht recipe?", HITS)
    assert not answer.answered and answer.text == DECLINE_TEXT and answer.citations == []


def test_declines_when_the_kind_of_answer_is_missing() -> None:
    # the evidence talks about the force but gives no date: "when" must not be answered
    answer = ExtractiveAnswerer(min_relevance=0.1).answer(
        "When will Zelenskyy's troops force be deployed?", [Hit(A, 1.0, 0.6)]
    )
    assert not answer.answered


def test_declines_when_the_question_is_about_someone_else() -> None:
    answer = ExtractiveAnswerer(min_relevance=0.1).answer(
        "How many troops has Macron promised?", [Hit(A, 1.0, 0.6)]
    )
    assert not answer.answered


def test_no_hits_declines() -> None:
    assert not ExtractiveAnswerer().answer("Anything?", []).answered


def test_question_analysis() -> None:
    assert answer_kind("How many troops?") == "number"
    assert answer_kind("When did it start?") == "date"
    assert answer_kind("Who is the minister?") == "person"
    assert answer_kind("Where did they meet?") == "place"
    assert question_entities("Where did the UK-France-Ukraine talks happen on May 5?") == [
        "UK",
        "France",
        "Ukraine",
    ]
