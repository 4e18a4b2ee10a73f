"""`make bench-answers`: the extractive answerer against a baseline commit, in one run.

    .venv/bin/python benchmarks/bench_answers.py [--baseline REV] [--corpus DIR] [--runs 5]

Both sides run the same venv and the same index; the baseline's code is checked out with
`git worktree` (default: 3511aaa, the hand-tuned answerer before the fitted scorer) and
put first on PYTHONPATH. For each side, in its own process:

- quality with `newsbot eval --json`: the sample eval (76 questions, sample articles) and,
  when the BBC development corpus is on this machine, its held-out test split;
- warm extractive answer time per question (retrieval excluded), p50 / p95;
- `newsbot ask` whole-process wall time, cold (imports, model load, index open), median.

Then the decline curve of this tree on the test split (precision / recall / declines at
each threshold) beside the dev curve the shipped threshold was picked on. Writes
benchmarks/ANSWERS.md. Figures, not verdicts: not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from common import pct, table  # noqa: E402

PY = ROOT / ".venv" / "bin" / "python"
TIMER = """
import json, sys, time
from pathlib import Path
from bot.service import NewsBot
from bot.settings import get_settings
bot = NewsBot(get_settings())
qs = [json.loads(l)["question"] for l in Path(sys.argv[1]).read_text().splitlines() if l.strip()]
bot.ask(qs[0])
out = []
for q in qs:
    hits = bot.search(q)
    t = time.perf_counter()
    bot.extractive.answer(q, hits)
    out.append((time.perf_counter() - t) * 1000)
print(json.dumps(out))
"""
CURVE = """
import json, sys
from pathlib import Path
from bot.evaluate import load_cases
from bot.fit import curve, dev_outcomes
from bot.answer.scorer import load_scorer
from bot.service import NewsBot
from bot.settings import get_settings
bot = NewsBot(get_settings())
points = curve(dev_outcomes(bot, load_scorer(), load_cases(Path(sys.argv[1])), 5))
print(json.dumps([p.__dict__ for p in points]))
"""


def dev_corpus(given: str | None) -> Path | None:
    for candidate in (given, ROOT.parent / "shared/corpus-dev/bbc", "/work/shared/corpus-dev/bbc"):
        if candidate and Path(candidate, "business").is_dir():
            return Path(candidate)
    return None


def run(code_root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **env, "PYTHONPATH": str(code_root)}
    return subprocess.run(
        [str(PY), *args], cwd=code_root, env=full, capture_output=True, text=True, check=True
    )


def newsbot(code_root: Path, env: dict[str, str], *args: str) -> str:
    return run(code_root, env, "-c", "from bot.cli import main; main()", *args).stdout


def side(code_root: Path, corpora: dict[str, tuple[dict[str, str], Path]], runs: int) -> dict:  # type: ignore[type-arg]
    result: dict[str, object] = {}
    for name, (env, questions) in corpora.items():
        data = json.loads(newsbot(code_root, env, "eval", str(questions), "--json"))
        times = json.loads(run(code_root, env, "-c", TIMER, str(questions)).stdout)
        result[name] = {"metrics": data["metrics"], "answer_ms": times}
    env = corpora["sample"][0]
    cold = []
    for _ in range(runs):
        t = time.perf_counter()
        newsbot(code_root, env, "ask", "How many troops did Zelenskyy say were needed?")
        cold.append(time.perf_counter() - t)
    result["cold_s"] = statistics.median(cold)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="3511aaa", help="commit to compare with")
    parser.add_argument("--corpus", help="the BBC development corpus (bbc/ folder)")
    parser.add_argument("--runs", type=int, default=5, help="cold starts per side")
    parser.add_argument("--out", type=Path, default=HERE / "ANSWERS.md")
    args = parser.parse_args()
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="newsbot-answers-"))
    base = work / "baseline"
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(base), args.baseline],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    try:
        sample = {
            "NEWSBOT_ARTICLES_DIR": str(ROOT / "articles"),
            "NEWSBOT_DATA_DIR": str(work / "sample"),
        }
        newsbot(ROOT, sample, "index")
        corpora = {"sample": (sample, ROOT / "tests/eval/sample_eval.jsonl")}
        bbc_dir = dev_corpus(args.corpus)
        if bbc_dir:
            bbc = {"NEWSBOT_ARTICLES_DIR": str(bbc_dir), "NEWSBOT_DATA_DIR": str(work / "bbc")}
            newsbot(ROOT, bbc, "index")
            corpora["bbc test split"] = (bbc, ROOT / "tests/eval/bbc_test.jsonl")
        sides = {
            "baseline": side(base, corpora, args.runs),
            "this tree": side(ROOT, corpora, args.runs),
        }
        test_curve = (
            json.loads(run(ROOT, bbc, "-c", CURVE, str(ROOT / "tests/eval/bbc_test.jsonl")).stdout)
            if bbc_dir
            else []
        )
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, check=False)
        shutil.rmtree(work, ignore_errors=True)
    report = render(args, sides, test_curve, time.perf_counter() - started)
    args.out.write_text(report, encoding="utf-8")
    print(report)


def render(args: argparse.Namespace, sides: dict, test_curve: list, seconds: float) -> str:  # type: ignore[type-arg]
    weights = json.loads((ROOT / "bot/answer/scorer.json").read_text())
    names = list(sides)
    keys = [
        "keyword_accuracy",
        "decline_rate_unanswerable",
        "false_decline_rate",
        "cited_source_hit",
        "hit_rate@5",
    ]
    rows: list[tuple[str, ...]] = [("figure", *names)]
    for corpus in [c for c in sides[names[0]] if c != "cold_s"]:
        for key in keys:
            rows.append(
                (
                    f"{corpus}: {key}",
                    *(str(sides[n][corpus]["metrics"].get(key, "–")) for n in names),
                )
            )
        rows.append(
            (
                f"{corpus}: answer p50 / p95 (warm, in process)",
                *(
                    f"{pct(sides[n][corpus]['answer_ms'], 0.5):.1f} / "
                    f"{pct(sides[n][corpus]['answer_ms'], 0.95):.1f} ms"
                    for n in names
                ),
            )
        )
    rows.append(
        (
            f"`newsbot ask` whole process, cold (median of {args.runs})",
            *(f"{sides[n]['cold_s']:.2f} s" for n in names),
        )
    )
    curve_rows: list[tuple[str, ...]] = [
        (
            "threshold",
            "dev precision",
            "dev recall",
            "dev declined unanswerable",
            "dev false declines",
            "test precision",
            "test recall",
            "test declined unanswerable",
            "test false declines",
        ),
    ]
    test_by_t = {p["threshold"]: p for p in test_curve}
    for p in weights["info"].get("dev_curve", []):
        t = test_by_t.get(p["threshold"], {})
        mark = " (shipped)" if p["threshold"] == weights["threshold"] else ""
        curve_rows.append(
            (
                f"{p['threshold']:.3f}{mark}",
                *(
                    f"{p[k]:.3f}"
                    for k in ("precision", "recall", "decline_unanswerable", "false_declines")
                ),
                *(
                    f"{t[k]:.3f}" if t else "–"
                    for k in ("precision", "recall", "decline_unanswerable", "false_declines")
                ),
            )
        )
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "# Extractive answers: this tree against the baseline\n\n"
        f"Written by `benchmarks/bench_answers.py --baseline {args.baseline}` on {when}, "
        f"wall time {seconds / 60:.1f} min, {os.cpu_count()} cores. Both sides use the same "
        "venv and index; the baseline's code comes from a git worktree. Quality is "
        "`newsbot eval --json` (the baseline asks follow-ups without their history, as it "
        "did). Answer times exclude retrieval.\n\n"
        + table(rows)
        + "\n\n## Decline curve\n\nPrecision = right answers / answers given (unanswerable "
        "questions answered count as wrong); recall = right answers / answerable questions. "
        "The shipped threshold was picked on dev (the highest with false declines <= 0.05); "
        "the test split was never used to pick anything.\n\n" + table(curve_rows) + "\n"
    )


if __name__ == "__main__":
    main()
