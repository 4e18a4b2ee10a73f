"""`newsbot fit`: refit the answer scorer and pick its decline threshold.

- **rank** model: a conditional logit (softmax over one question's candidate sentences;
  scipy's L-BFGS minimises its L2-penalised log loss). A sentence is right when it comes
  from an expected article and holds every keyword.
- **decide** model: scikit-learn's logistic regression over `DECISION_FEATURES`, labelled
  by whether the rank model's best sentence is right (never, for unanswerable questions).
  Its training rows use rank scores from models fitted without that question (5 folds),
  so it learns how sure the rank model is on questions it has not seen.
- **threshold**: on the dev questions, answering as a user would (full answers, two-part
  questions, follow-ups), the lowest decision probability at which the answers given
  reach the asked precision (right answers among all answers given, unanswerable
  questions included).

Only `fit` needs scipy and scikit-learn (the `dev` extra): answering reads the weights
from `bot/answer/scorer.json`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from bot.answer.condense import rewrite
from bot.answer.extractive import ExtractiveAnswerer
from bot.answer.features import FEATURES, Candidate, candidates, describe
from bot.answer.model import Turn
from bot.answer.scorer import (
    DECISION_FEATURES,
    TOP_N,
    Linear,
    Scorer,
    decision_row,
    standardise,
)
from bot.evaluate import Case, keyword_found, run_case, same_file
from bot.service import NewsBot

FOLDS = 5


@dataclass(frozen=True)
class Group:
    """One training question: its candidates' features and which of them are right."""

    x: np.ndarray
    y: np.ndarray
    values: list[dict[str, float]]
    answerable: bool


@dataclass(frozen=True)
class CurvePoint:
    threshold: float
    precision: float  # right answers / answers given
    recall: float  # right answers / answerable questions
    decline_unanswerable: float
    false_declines: float


def _group(cands: list[Candidate], case: Case, answerable: bool) -> Group:
    y = np.array(
        [
            answerable
            and any(same_file(c.chunk.source, src) for src in case.sources)
            and all(keyword_found(kw, c.text) for kw in case.keywords)
            for c in cands
        ],
        dtype=float,
    )
    return Group(np.stack([c.vector() for c in cands]), y, [c.values for c in cands], answerable)


def training_groups(
    bot: NewsBot, cases: Sequence[Case], k: int, masked: bool = True
) -> list[Group]:
    """Candidates of every single, follow-up and unanswerable case (two-part questions are
    answered part by part, which these questions' labels do not describe).

    With `masked`, each answerable case also gives an unanswerable one: the same passages
    with every sentence holding a keyword taken out. That is what a plausible unanswerable
    question looks like (the right story, without the detail asked for), and there are
    few real ones to learn declining from.
    """
    groups = []
    embed = bot.index.embed_one
    for case in cases:
        if case.subset == "multi":
            continue
        s = rewrite([Turn(q, "(answered)") for q in case.history], case.question)
        hits = bot.index.search(f"{s.question} {s.context}".strip(), k)
        qvec = embed(s.question)
        cands = describe(s.question, candidates(hits, qvec), s.context)
        if not cands:
            continue
        group = _group(cands, case, not case.unanswerable)
        groups.append(group)
        if masked and group.y.any():
            kept = [
                c
                for c in candidates(hits, qvec)
                if not any(keyword_found(kw, c.text) for kw in case.keywords)
            ]
            if kept:
                groups.append(_group(describe(s.question, kept, s.context), case, False))
    return groups


def fit_rank(groups: Sequence[Group], l2: float = 1.0) -> Linear:
    """Conditional logit: maximise the share of each question's probability on its right
    sentences."""
    from scipy.optimize import minimize

    usable = [g for g in groups if g.y.any()]
    allx = np.vstack([g.x for g in groups])
    mean, scale = np.nanmean(allx, axis=0), np.nanstd(allx, axis=0)
    mean = np.nan_to_num(mean)
    scale = np.where(np.isnan(scale) | (scale == 0), 1.0, scale)
    xs = [standardise(g.x, mean, scale) for g in usable]
    ys = [g.y.astype(bool) for g in usable]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = l2 * w @ w, 2 * l2 * w
        for x, y in zip(xs, ys, strict=True):
            z = x @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            zy = z[y]
            q = np.exp(zy - zy.max())
            q /= q.sum()
            total -= np.log(np.exp(zy - z.max()).sum() / np.exp(z - z.max()).sum())
            grad -= q @ x[y] - p @ x
        return float(total), grad

    w = minimize(loss, np.zeros(len(FEATURES)), jac=True, method="L-BFGS-B").x
    return Linear(FEATURES, mean, scale, w)


def decision_data(groups: Sequence[Group], l2: float) -> tuple[np.ndarray, np.ndarray]:
    """Decision rows for each question, scored by a rank model that did not see it."""
    rows, labels = [], []
    folds = [list(range(i, len(groups), FOLDS)) for i in range(FOLDS)]
    for fold in folds:
        held = set(fold)
        model = fit_rank([g for i, g in enumerate(groups) if i not in held], l2)
        for i in fold:
            g = groups[i]
            scores = model(g.x)
            top = np.argsort(-scores)[:TOP_N]
            rows.append(decision_row(g.values, scores))
            labels.append(float(g.answerable and g.y[top].any()))
    return np.array(rows), np.array(labels)


def fit_decide(rows: np.ndarray, labels: np.ndarray, c: float = 0.5) -> Linear:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(rows)  # ignores missing values (NaN) when fitting
    mean = np.nan_to_num(scaler.mean_)
    scale = np.where(np.isnan(scaler.scale_) | (scaler.scale_ == 0), 1.0, scaler.scale_)
    model = LogisticRegression(C=c, max_iter=2000).fit(standardise(rows, mean, scale), labels)
    return Linear(DECISION_FEATURES, mean, scale, model.coef_[0], float(model.intercept_[0]))


def dev_outcomes(
    bot: NewsBot, scorer: Scorer, cases: Sequence[Case], k: int
) -> list[tuple[float, bool, bool]]:
    """(decision probability, answer right, answerable) per dev case, asked as a user would
    with the threshold at 0 so that every case shows what it would say."""
    answerer = ExtractiveAnswerer(bot.index.embed_one, threshold=0.0, scorer=scorer)
    saved = bot.__dict__.get("extractive")
    bot.__dict__["extractive"] = answerer
    try:
        out = []
        for case in cases:
            result = run_case(bot, case, k)
            out.append((result.confidence or 0.0, result.keywords_ok, not case.unanswerable))
        return out
    finally:
        bot.__dict__.pop("extractive", None)
        if saved is not None:
            bot.__dict__["extractive"] = saved


def curve(outcomes: Sequence[tuple[float, bool, bool]], steps: int = 40) -> list[CurvePoint]:
    """Precision and recall of answering at each threshold (pure)."""
    answerable = sum(1 for _, _, a in outcomes if a) or 1
    unanswerable = sum(1 for _, _, a in outcomes if not a) or 1
    points = []
    for t in np.linspace(0.0, 0.975, steps):
        given = [(ok, a) for p, ok, a in outcomes if p >= t]
        right = sum(1 for ok, a in given if a and ok)
        points.append(
            CurvePoint(
                round(float(t), 3),
                round(right / len(given), 4) if given else 1.0,
                round(right / answerable, 4),
                round(sum(1 for p, _, a in outcomes if not a and p < t) / unanswerable, 4),
                round(sum(1 for p, _, a in outcomes if a and p < t) / answerable, 4),
            )
        )
    return points


def pick_threshold(
    points: Sequence[CurvePoint], precision: float | None, max_false_declines: float
) -> CurvePoint:
    """With a precision asked for: the lowest threshold whose precision reaches it (the
    most answers at that precision). Otherwise: the highest threshold whose false declines
    stay within budget (the most unanswerable questions declined without turning answerable
    ones away). Falls back to the most precise point, or the lowest threshold."""
    if precision is not None:
        for p in points:
            if p.precision >= precision and p.recall > 0:
                return p
        return max(points, key=lambda p: (p.precision, p.recall))
    within = [p for p in points if p.false_declines <= max_false_declines]
    return max(within, key=lambda p: p.threshold) if within else points[0]


def fit(
    bot: NewsBot,
    train: Sequence[Case],
    dev: Sequence[Case],
    precision: float | None,
    k: int,
    l2: float = 1.0,
    max_false_declines: float = 0.05,
) -> tuple[Scorer, list[CurvePoint]]:
    groups = training_groups(bot, train, k)
    if not any(g.y.any() for g in groups):
        raise ValueError("no right sentence among the candidates: is the right corpus indexed?")
    rank = fit_rank(groups, l2)
    decide = fit_decide(*decision_data(groups, l2))
    scorer = Scorer(rank, decide, 0.5)
    points = curve(dev_outcomes(bot, scorer, dev, k))
    chosen = pick_threshold(points, precision, max_false_declines)
    info = {
        "fitted": dt.date.today().isoformat(),
        "train_questions": len(train),
        "train_groups": len(groups),
        "train_sentences": int(sum(len(g.y) for g in groups)),
        "train_positive": int(sum(g.y.sum() for g in groups)),
        "dev_questions": len(dev),
        "target_precision": precision,
        "max_false_declines": None if precision is not None else max_false_declines,
        "dev_at_threshold": chosen.__dict__,
        "l2": l2,
        "k": k,
        "dev_curve": [p.__dict__ for p in points],
    }
    return replace(scorer, threshold=chosen.threshold, info=info), points
