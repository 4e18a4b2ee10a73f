"""The fitted scorer's file format and the threshold choice. Pure."""

from __future__ import annotations

import json

import numpy as np

from bot.answer.features import FEATURES
from bot.answer.scorer import DECISION_FEATURES, WEIGHTS_FILE, Scorer, load_scorer
from bot.fit import CurvePoint, curve, pick_threshold


def test_the_shipped_weights_load_and_name_every_feature() -> None:
    data = json.loads(WEIGHTS_FILE.read_text())
    assert data["rank"]["features"] == list(FEATURES)
    assert data["decide"]["features"] == list(DECISION_FEATURES)
    scorer = load_scorer()
    assert 0.0 < scorer.threshold < 1.0
    assert data["info"]["dev_curve"] and data["info"]["train_positive"] > 50


def test_weights_are_read_by_name_and_a_new_feature_weighs_nothing() -> None:
    data = load_scorer().as_dict()
    rank = data["rank"]
    assert isinstance(rank, dict)
    rank["features"] = list(reversed(rank["features"]))[:-1]  # type: ignore[index]
    for key in ("mean", "scale", "coef"):
        rank[key] = list(reversed(rank[key]))[:-1]  # type: ignore[index]
    again = Scorer.from_dict(data)
    original = load_scorer()
    missing = FEATURES.index(FEATURES[0])
    assert again.rank.coef[missing] == 0.0
    assert np.allclose(again.rank.coef[1:], original.rank.coef[1:])


def test_shares_sum_to_one_and_follow_the_scores() -> None:
    shares = load_scorer().shares(np.array([2.0, 0.0, 1.0]))
    assert abs(shares.sum() - 1) < 1e-9 and shares.argmax() == 0 and shares[2] > shares[1]


def test_the_curve_counts_answers_right_and_declines() -> None:
    # (probability, right when answered, answerable)
    outcomes = [(0.9, True, True), (0.6, False, True), (0.3, True, True), (0.5, False, False)]
    by_t = {p.threshold: p for p in curve(outcomes, steps=5)}
    zero = by_t[0.0]
    assert (zero.precision, zero.recall, zero.decline_unanswerable, zero.false_declines) == (
        0.5,
        0.6667,
        0.0,
        0.0,
    )
    high = by_t[0.731]  # declines all but the 0.9 one
    assert (high.precision, high.recall, high.decline_unanswerable) == (1.0, 0.3333, 1.0)


def test_the_threshold_keeps_false_declines_in_budget_or_reaches_a_precision() -> None:
    points = [
        CurvePoint(0.0, 0.6, 0.8, 0.0, 0.0),
        CurvePoint(0.2, 0.7, 0.78, 0.5, 0.04),
        CurvePoint(0.4, 0.8, 0.6, 0.8, 0.2),
        CurvePoint(0.6, 0.9, 0.4, 0.9, 0.5),
    ]
    assert pick_threshold(points, None, 0.05).threshold == 0.2
    assert pick_threshold(points, 0.8, 0.05).threshold == 0.4
    assert pick_threshold(points, 0.99, 0.05).threshold == 0.6  # the most precise
