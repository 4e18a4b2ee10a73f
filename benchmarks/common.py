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


def eval_questions() -> list[str]:
    lines = (ROOT / "tests/eval/sample_eval.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


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
