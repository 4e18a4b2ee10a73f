"""Pieces both benchmark scripts use: eval questions, percentiles, warm query timing."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def eval_cases() -> list[dict[str, Any]]:
    lines = (ROOT / "tests/eval/sample_eval.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def eval_questions() -> list[str]:
    return [case["question"] for case in eval_cases()]


def rank_metrics(
    rankings: list[list[str]], relevant: list[set[str]], hit_at: int = 5, mrr_at: int = 10
) -> dict[str, float]:
    """hit@k (a relevant item in the top k) and MRR@k (1/rank of the first, 0 past k)."""
    hits, reciprocal = 0, 0.0
    for ranked, wanted in zip(rankings, relevant, strict=True):
        ranks = [i for i, item in enumerate(ranked[:mrr_at], 1) if item in wanted]
        hits += bool(ranks and ranks[0] <= hit_at)
        reciprocal += 1 / ranks[0] if ranks else 0.0
    n = max(1, len(rankings))
    return {f"hit@{hit_at}": hits / n, f"mrr@{mrr_at}": reciprocal / n}


def table(rows: list[tuple[str, ...]]) -> str:
    """A markdown table; the first row is the header."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def time_questions(bot: Any, questions: list[str]) -> tuple[list[float], list[float]]:
    """Warm per-question milliseconds of retrieval and of the extractive answer."""
    bot.ask(questions[0])  # warm caches
    retrieve_ms, answer_ms = [], []
    for q in questions:
        t0 = time.perf_counter()
        hits = bot.search(q)
        t1 = time.perf_counter()
        bot.extractive.answer(q, hits)
        t2 = time.perf_counter()
        retrieve_ms.append((t1 - t0) * 1000)
        answer_ms.append((t2 - t1) * 1000)
    return retrieve_ms, answer_ms
