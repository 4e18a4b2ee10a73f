"""The extractive answerer on real news nobody on the project wrote, end to end.

The whole BBC development corpus (`../shared/corpus-dev/`, evaluation only, never shipped)
is indexed into a real embedded Chroma and the held-out test split is asked as a user
would (follow-ups after their earlier questions). The split was never used to fit or tune
anything: weights come from `bbc_train.jsonl`, the threshold from `bbc_dev.jsonl`.

The floors below are the figures measured when the scorer was fitted, less a small
margin: a change that makes real-news answers worse fails here. They are below the
targets of the issue that asked for them (0.85 / 0.85 / 0.05); see the README.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evaluate import load_cases, run_cases
from bot.service import NewsBot
from bot.settings import load_settings
from tests.conftest import TEST_KNOBS

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "tests" / "eval"


def _dev_corpus() -> Path | None:
    for candidate in (
        TEST_KNOBS.get("NEWSBOT_DEV_CORPUS"),
        ROOT.parent / "shared" / "corpus-dev" / "bbc",
        Path("/work/shared/corpus-dev/bbc"),
    ):
        if candidate and Path(candidate, "business").is_dir():
            return Path(candidate)
    return None


CORPUS = _dev_corpus()
pytestmark = pytest.mark.skipif(
    CORPUS is None,
    reason="the BBC development corpus (../shared/corpus-dev/bbc, or NEWSBOT_DEV_CORPUS) "
    "is not on this machine; it is never shipped with the project",
)


@pytest.fixture(scope="module")
def bbc_bot(tmp_path_factory: pytest.TempPathFactory) -> NewsBot:
    assert CORPUS is not None
    bot = NewsBot(load_settings(articles_dir=CORPUS, data_dir=tmp_path_factory.mktemp("bbc")))
    report = bot.update()
    assert report.added > 1700 and not report.problems
    return bot


def test_the_held_out_split_is_answered_from_the_right_articles(bbc_bot: NewsBot) -> None:
    report = run_cases(
        bbc_bot, load_cases(EVAL / "bbc_test.jsonl"), bbc_bot.settings.retrieval.top_k
    )
    m, subsets = report.metrics(), report.subsets()
    assert m["questions"] == 101 and m["unanswerable"] == 20
    assert m["hit_rate@5"] >= 0.93
    assert m["keyword_accuracy"] >= FLOORS["keyword_accuracy"], m
    assert m["decline_rate_unanswerable"] >= FLOORS["decline_rate_unanswerable"], m
    assert m["false_decline_rate"] <= FLOORS["false_decline_rate"], m
    assert m["cited_source_hit"] >= FLOORS["cited_source_hit"], m
    assert subsets["single"]["keyword_accuracy"] >= FLOORS["single"], subsets
    assert subsets["followup"]["keyword_accuracy"] >= FLOORS["followup"], subsets
    assert subsets["multi"]["keyword_accuracy"] >= FLOORS["multi"], subsets


# Measured when the shipped weights were fitted (newsbot eval tests/eval/bbc_test.jsonl):
# keyword accuracy 0.790, declined unanswerable 0.35, false declines 0.074, cited source
# 0.960; single 0.893, multi 0.467, follow-up 0.70. The floors leave one or two questions
# of room.
FLOORS = {
    "keyword_accuracy": 0.75,
    "decline_rate_unanswerable": 0.30,
    "false_decline_rate": 0.11,
    "cited_source_hit": 0.93,
    "single": 0.85,
    "followup": 0.6,
    "multi": 0.40,
}
