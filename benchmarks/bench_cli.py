"""Benchmark of the offline pipeline; prints one table. Not a test: figures, not verdicts.

    .venv/bin/python benchmarks/bench_cli.py [--copies 10]

Measures, in one run on this machine:
- full index build (chunks/s) next to the raw ONNX model on the very same chunk texts
  (the baseline: the model alone, no chunking, Chroma, BM25 or manifest);
- a re-index with nothing changed;
- `ask` latency, warm, p50/p95 over the eval questions (retrieval and answer separately);
- `newsbot ask` cold start: wall time of a fresh process from start to printed answer.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import eval_questions, pct, time_questions  # noqa: E402

from bot.service import NewsBot  # noqa: E402
from index.settings import load_settings  # noqa: E402


def make_corpus(dest: Path, copies: int) -> None:
    """The sample articles, `copies` times, each copy made distinct so nothing dedupes."""
    dest.mkdir(parents=True)
    for i in range(copies):
        for f in sorted((ROOT / "articles").glob("*.txt")):
            text = f.read_text(encoding="utf-8")
            (dest / f"{i:03d}_{f.name}").write_text(f"Edition {i}.\n{text}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=10, help="copies of the sample corpus")
    parser.add_argument("--cold-runs", type=int, default=3)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="newsbot-bench-"))
    try:
        articles = work / "articles"
        make_corpus(articles, args.copies)
        settings = load_settings(articles_dir=articles, data_dir=work / "data")
        bot = NewsBot(settings)
        bot.ws.embedder.embed(["warm up the model"])  # load ONNX before timing

        report = bot.update()
        index_rate = report.embedded / report.seconds

        chunks = bot.ws.store.all_chunks()
        texts = [f"{c.header()}\n\n{c.text}" for c in chunks]
        started = time.perf_counter()
        bot.ws.embedder.embed(texts)
        raw_rate = len(texts) / (time.perf_counter() - started)

        noop = bot.update()

        retrieve_ms, answer_ms = time_questions(bot, eval_questions())
        total_ms = [a + b for a, b in zip(retrieve_ms, answer_ms, strict=True)]

        env = {
            **os.environ,
            "NEWSBOT_ARTICLES_DIR": str(articles),
            "NEWSBOT_DATA_DIR": str(work / "data"),
        }
        cli = [sys.executable, "-m", "bot.cli", "ask", "How many troops did Zelenskyy want?"]
        cold = []
        for _ in range(args.cold_runs):
            t0 = time.perf_counter()
            subprocess.run(cli, env=env, cwd=ROOT, check=True, capture_output=True)
            cold.append(time.perf_counter() - t0)

        rows = [
            ("corpus", f"{report.added} files, {report.chunks} chunks ({args.copies}x sample)"),
            ("index build (newsbot)", f"{index_rate:.1f} chunks/s ({report.seconds:.2f} s)"),
            ("raw ONNX model, same chunks", f"{raw_rate:.1f} chunks/s"),
            ("index / raw model", f"{index_rate / raw_rate:.2f}x"),
            ("re-index, nothing changed", f"{noop.seconds * 1000:.0f} ms"),
            (
                "retrieval warm p50 / p95",
                f"{pct(retrieve_ms, 0.5):.1f} / {pct(retrieve_ms, 0.95):.1f} ms",
            ),
            ("answer warm p50 / p95", f"{pct(answer_ms, 0.5):.1f} / {pct(answer_ms, 0.95):.1f} ms"),
            (
                "ask total warm p50 / p95",
                f"{pct(total_ms, 0.5):.1f} / {pct(total_ms, 0.95):.1f} ms",
            ),
            (
                "`newsbot ask` cold start",
                f"{statistics.median(cold):.2f} s (median of {len(cold)})",
            ),
        ]
        cores, py = os.cpu_count(), platform.python_version()
        print(f"machine: {platform.machine()}, {cores} cores, Python {py}")
        width = max(len(name) for name, _ in rows)
        for name, value in rows:
            print(f"{name:<{width}}  {value}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
