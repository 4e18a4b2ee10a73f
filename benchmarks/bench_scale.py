"""How reading costs grow with the corpus: the figures RESULTS.md projects to 100,000 and
1,000,000 articles from.

    python benchmarks/bench_scale.py ARTICLES_DIR DATA_DIR [ARTICLES_DIR DATA_DIR ...]

For each built index (e.g. the 1,000- and 10,000-article ones of bench_process.py's
--data-cache): chunks, disk (Chroma, the published snapshot and its copy of the chunks),
a cold `newsbot ask` (wall time and peak RSS of the whole process, median of 3), warm
search latency in one process (p50/p95 of 60 queries, after 5 to warm up), and what
publishing one more generation's copy of the chunks costs (writing it from the previous
one). Nothing is changed in the folders given.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = [
    "How many troops did Zelenskyy say were needed?",
    "What did the defence ministers agree?",
    "Who leads the coalition of the willing?",
    "What are the security guarantees for Ukraine?",
    "Where did the leaders meet?",
    "What was said about the ceasefire?",
]


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def mb(n: float) -> str:
    return f"{n / 2**20:,.0f} MB"


def cold_ask(articles: Path, data: Path, runs: int = 3) -> tuple[float, float]:
    """Median wall seconds and peak RSS (MB) of a whole `newsbot ask` process."""
    env = {**os.environ, "NEWSBOT_ARTICLES_DIR": str(articles), "NEWSBOT_DATA_DIR": str(data)}
    env["PYTHONPATH"] = str(ROOT)
    walls, rss = [], []
    for i in range(runs):
        code = (
            "import resource, subprocess, sys, time\n"
            "t = time.perf_counter()\n"
            "subprocess.run([sys.executable, '-c', 'from bot.cli import main; main()', 'ask',"
            f" {QUESTIONS[i % len(QUESTIONS)]!r}], check=True, capture_output=True)\n"
            "print(time.perf_counter() - t, "
            "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        )
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        wall, kb = out.stdout.split()
        walls.append(float(wall))
        rss.append(int(kb) / 1024)
    return statistics.median(walls), max(rss)


def warm_search(articles: Path, data: Path) -> tuple[float, float, str]:
    """p50, p95 ms of NewsBot.search in one process, and which path served it."""
    from bot.service import NewsBot
    from bot.settings import load_settings

    bot = NewsBot(load_settings(articles_dir=articles, data_dir=data))
    for q in QUESTIONS[:5]:
        bot.search(q, k=5)
    times = []
    for i in range(60):
        t = time.perf_counter()
        bot.search(QUESTIONS[i % len(QUESTIONS)] + f" {i}", k=5)
        times.append((time.perf_counter() - t) * 1000)
    path = "copy" if bot.retriever.view().replica is not None else "chroma"
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], path


def republish(data: Path) -> float:
    """Seconds to write the next generation's copy of the chunks from the current one."""
    from index.store.bm25 import current_name, load_snapshot
    from index.store.replica import ReplicaWriter

    directory = next(data.glob("bm25-*"))
    snapshot = load_snapshot(directory)
    ids = snapshot.keyword.ids
    with tempfile.TemporaryDirectory() as scratch:
        t = time.perf_counter()
        writer = ReplicaWriter(directory / str(current_name(directory)), ids)
        ok = writer.write(Path(scratch), ids, lambda x: [], lambda x: {})
        writer.close()
        seconds = time.perf_counter() - t
    return seconds if ok else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", help="ARTICLES_DIR DATA_DIR pairs")
    args = parser.parse_args()
    pairs = list(zip(args.folders[::2], args.folders[1::2], strict=True))
    print(
        "| figure | " + " | ".join(f"{len(list(Path(a).glob('*')))} files" for a, _ in pairs) + " |"
    )
    print("|---|" + "---:|" * len(pairs))
    rows: dict[str, list[str]] = {}
    for articles, data in ((Path(a), Path(d)) for a, d in pairs):
        from index.store.bm25 import load_snapshot

        directory = next(data.glob("bm25-*"))
        snapshot = load_snapshot(directory)
        copy = sum((snapshot.folder / n).stat().st_size for n in ("dense.npy", "records.jsonl"))
        chroma = du(Path(os.path.realpath(data / "chroma")))
        wall, rss = cold_ask(articles, data)
        p50, p95, path = warm_search(articles, data)
        for name, value in [
            ("chunks", f"{len(snapshot.keyword):,}"),
            ("disk: Chroma", mb(chroma)),
            ("disk: snapshot (BM25 + copy of the chunks)", mb(du(snapshot.folder))),
            ("of which the copy", mb(copy)),
            ("cold `newsbot ask`, whole process (median of 3)", f"{wall:.2f} s"),
            ("peak RSS of that process", f"{rss:,.0f} MB"),
            (f"warm search p50 / p95 ({path})", f"{p50:.1f} / {p95:.1f} ms"),
            ("writing the next copy of the chunks", f"{republish(data):.2f} s"),
        ]:
            rows.setdefault(name, []).append(value)
    for name, values in rows.items():
        print(f"| {name} | " + " | ".join(values) + " |")
    print(
        f"\n{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}; "
        f"{resource.getpagesize()} B pages"
    )


if __name__ == "__main__":
    main()
