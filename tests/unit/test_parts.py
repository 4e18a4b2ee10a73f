"""Two-part and comparison questions split into parts. Pure."""

from __future__ import annotations

from bot.answer.parts import Parts, comparison_line, question_parts


def test_a_comparison_with_or_gives_one_part_per_option() -> None:
    parts = question_parts("Which rose more, Tesco's profits or Sainsbury's?")
    assert parts.compare == "more"
    assert parts.questions == (
        "Which rose more, Tesco's profits?",
        "Which rose more, Sainsbury's profits?",
    )


def test_an_age_comparison_asks_each_age() -> None:
    parts = question_parts("Who is older, Martina Hingis or Lindsay Davenport?")
    assert parts == Parts(
        ("How old was Martina Hingis?", "How old was Lindsay Davenport?"), "older"
    )


def test_each_and_both_split_on_the_names() -> None:
    parts = question_parts("What did Hegseth and Zelenskyy each say about the troops?")
    assert parts.questions == (
        "What did Hegseth say about the troops?",
        "What did Zelenskyy say about the troops?",
    )


def test_two_questions_in_one_keep_the_first_part_names() -> None:
    parts = question_parts(
        "How many Grammy nominations did Ray Charles get, and how many did he win?"
    )
    assert parts.questions[0] == "How many Grammy nominations did Ray Charles get?"
    assert "Ray Charles" in parts.questions[1]


def test_a_plain_question_is_one_part() -> None:
    assert question_parts("Who runs Tesco?").questions == ("Who runs Tesco?",)
    assert question_parts("How many troops did Britain and France offer?").questions == (
        "How many troops did Britain and France offer?",
    )


def test_the_comparison_line_says_which_figure_is_larger_in_one_unit() -> None:
    line = comparison_line(
        "more", ["Tesco", "Sainsbury's"], ["Tesco made £1.2bn.", "Sainsbury's made £800m."], "money"
    )
    assert line == "Of the two, Tesco's figure is the larger: £1.2bn against £800m."
    older = comparison_line(
        "younger", ["Hingis", "Davenport"], ["Hingis, 24, won.", "The 28-year-old lost."], "age"
    )
    assert older.startswith("Of the two, Hingis's")
    assert comparison_line("more", ["A", "B"], ["It costs $250.", "It costs £19."], "money") == ""
