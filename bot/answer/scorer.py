"""The fitted models that pick the answering sentence and decide whether to answer at all.

Two small linear models, fitted on real questions over real news (`newsbot fit`, see
`bot.fit`) and shipped as `scorer.json` beside this module:

- **rank**: a conditional logit over the candidate sentences of one question (which of
  these holds the answer?), so features are weighed against the other candidates of the
  same question, not against sentences of other questions;
- **decide**: a logistic regression over the best candidate and how clearly it won
  (`DECISION_FEATURES`), giving the probability that the answer is right; the answerer
  declines below `threshold`, picked on a held-out split for a stated precision.

Pure apart from reading that file once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from bot.answer.features import FEATURES

WEIGHTS_FILE = Path(__file__).with_name("scorer.json")

# Question-level evidence: how the best candidate won and what it holds (its features),
# and what the top TOP_N hold between them ("top_" features: the most of any of them),
# since an answer shows up to three sentences.
TOP_N = 3
_BEST = (
    "coverage",
    "similarity",
    "passage_coverage",
    "title_coverage",
    "specific_type",
    "names_sentence",
    "names_passage",
    "missing_rare",
    "dense",
    "fused",
    "union_coverage",
    "sentence_over_passage",
)
_TOP = (
    "type_held",
    "type_near",
    "focus_near",
    "held_specific",
    "coverage",
    "names_sentence",
    "hedged",
    "tense_clash",
    "year_clash",
)
DECISION_FEATURES = (
    "top_share",  # the best candidate's share of the rank model's probability
    "margin",  # its rank score minus the runner-up's
    "best_score",  # its rank score
    *_BEST,
    *(f"top_{f}" for f in _TOP),
)


def standardise(matrix: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """(x - mean) / scale, a missing value (NaN) at 0: the training average."""
    return np.nan_to_num((matrix - mean) / scale, nan=0.0)


@dataclass(frozen=True)
class Linear:
    """Standardise, then dot with the weights."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float = 0.0

    def __call__(self, matrix: np.ndarray) -> np.ndarray:
        if matrix.size == 0:
            return np.zeros(0)
        return standardise(matrix, self.mean, self.scale) @ self.coef + self.intercept

    def as_dict(self) -> dict[str, object]:
        return {
            "features": list(self.names),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "coef": self.coef.tolist(),
            "intercept": self.intercept,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], names: Sequence[str]) -> Linear:
        """Weights by feature name, so a feature added later reads as weight 0 until refit.
        `data` is parsed JSON (as_dict's shape)."""
        stored = list(data["features"])
        by_name = {
            key: dict(zip(stored, data[key], strict=True)) for key in ("mean", "scale", "coef")
        }
        return cls(
            tuple(names),
            np.array([by_name["mean"].get(f, 0.0) for f in names]),
            np.array([by_name["scale"].get(f, 1.0) or 1.0 for f in names]),
            np.array([by_name["coef"].get(f, 0.0) for f in names]),
            float(data.get("intercept", 0.0)),
        )


def _top(values: Iterable[float]) -> float:
    """The largest value, ignoring missing ones (NaN when all are missing)."""
    known = [v for v in values if v == v]
    return max(known) if known else float("nan")


def decision_row(values: Sequence[dict[str, float]], scores: np.ndarray) -> np.ndarray:
    """DECISION_FEATURES of a question whose candidates have features `values` and got
    rank `scores`."""
    order = np.argsort(-scores)
    top = [values[i] for i in order[:TOP_N]]
    s = scores[order]
    row = {
        "top_share": float(1.0 / np.exp(s - s[0]).sum()),
        "margin": float(s[0] - s[1]) if len(s) > 1 else 5.0,
        "best_score": float(s[0]),
    }
    row.update({f: top[0][f] for f in _BEST})
    row.update({f"top_{f}": _top(v[f] for v in top) for f in _TOP})
    return np.array([row[f] for f in DECISION_FEATURES])


@dataclass(frozen=True)
class Scorer:
    rank: Linear
    decide: Linear
    threshold: float  # answer only when the decision probability clears this
    info: dict[str, object] = field(default_factory=dict)

    def scores(self, matrix: np.ndarray) -> np.ndarray:
        """Rank score of each candidate of one question (higher is likelier)."""
        return self.rank(matrix)

    def shares(self, scores: np.ndarray) -> np.ndarray:
        """The rank model's probability that each candidate is the one (sums to 1)."""
        if scores.size == 0:
            return scores
        e = np.exp(scores - scores.max())
        return e / e.sum()

    def answer_probability(self, values: Sequence[dict[str, float]], scores: np.ndarray) -> float:
        """The probability that an answer from these candidates is right."""
        z = self.decide(decision_row(values, scores)[None, :])[0]
        return float(1.0 / (1.0 + np.exp(-z)))

    def as_dict(self) -> dict[str, object]:
        return {
            "rank": self.rank.as_dict(),
            "decide": self.decide.as_dict(),
            "threshold": self.threshold,
            "info": self.info,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scorer:
        """`data` is parsed JSON (as_dict's shape)."""
        return cls(
            Linear.from_dict(data["rank"], FEATURES),
            Linear.from_dict(data["decide"], DECISION_FEATURES),
            float(data["threshold"]),
            dict(data.get("info", {})),
        )


@lru_cache(maxsize=4)
def load_scorer(path: Path = WEIGHTS_FILE) -> Scorer:
    return Scorer.from_dict(json.loads(path.read_text(encoding="utf-8")))
