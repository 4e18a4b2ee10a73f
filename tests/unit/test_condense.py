from bot.answer.condense import conversation_context, is_follow_up, rewrite
from bot.answer.model import Turn

HISTORY = [Turn("How many troops did Zelenskyy say were needed?", "100,000 to 150,000 [1]")]


def test_follow_up_gets_the_earlier_question_as_context() -> None:
    q = "and how many did the diplomats estimate?"
    assert is_follow_up(q)
    # the leading "and" goes; the earlier question rides along as context
    s = rewrite(HISTORY, q)
    assert (s.question, s.context) == ("How many did the diplomats estimate?", HISTORY[0].question)


def test_a_fresh_question_stands_alone() -> None:
    q = "Which city hosted the NATO defence ministers meeting in Brussels?"
    assert not is_follow_up(q)
    assert conversation_context(HISTORY, q) == ""


def test_only_recent_turns_are_used() -> None:
    history = [Turn(f"question number {i} about topic{i}", "a") for i in range(5)]
    context = conversation_context(history, "and what about them?")
    assert "topic4" in context and "topic3" in context and "topic2" not in context
