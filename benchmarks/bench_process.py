"""Whole-process wall time of the commands a user waits on, this tree against a baseline.

    python benchmarks/bench_process.py [--baseline REV] [--articles N] [--runs 5]

Both sides run the same Python and the same kind of corpus, each with its own data folder;
the baseline's code is checked out with `git worktree` (default: 0445a72, before issue 16)
and put first on PYTHONPATH. Runs alternate between the sides, so a machine loaded by
others slows both alike. Measured, median of --runs, each a fresh process:

- `newsbot status`;
- `newsbot index` with nothing changed;
- `newsbot index` after one article was added (a new one each run);
- `newsbot ask "How many troops did Zelenskyy say were needed?"` (cold: a new process).

Then this tree's build rate (chunks/s of `newsbot index --rebuild`) through an instant fake
embeddings server (NEWSBOT_EMBED_BASE_URL): newsbot's own overhead, the model excluded.

The corpus is the sample articles, or --articles N generated ones (benchmarks/gen_corpus.py;
the first local-model build of both sides then takes a while). Figures, not verdicts.
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
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = Path(sys.executable)
QUESTION = "How many troops did Zelenskyy say were needed?"
COMMANDS = ("status", "index (no change)", "index (+1 article)", "ask (cold)")


def newsbot(code_root: Path, env: dict[str, str], *args: str) -> float:
    """Run `newsbot ARGS` from code_root's code; returns its wall time in seconds."""
    full = {**os.environ, **env, "PYTHONPATH": str(code_root)}
    t = time.perf_counter()
    subprocess.run(
        [str(PY), "-c", "from bot.cli import main; main()", *args],
        cwd=code_root,
        env=full,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - t


def make_corpus(dest: Path, articles: int) -> None:
    if articles:
        subprocess.run(
            [str(PY), str(HERE / "gen_corpus.py"), str(dest), "--articles", str(articles)],
            check=True,
            capture_output=True,
        )
    else:
        shutil.copytree(ROOT / "articles", dest)


def new_article(folder: Path, n: int) -> None:
    """One more article: a sample with its own headline (a new file, new content)."""
    sample = sorted((ROOT / "articles").glob("*.txt"))[n % 5].read_text(encoding="utf-8")
    (folder / f"zz_added_{n:03d}.txt").write_text(
        f"Added article number {n}\n\n{sample}", encoding="utf-8"
    )


def measure(sides: dict[str, Path], work: Path, articles: int, runs: int) -> dict:  # type: ignore[type-arg]
    envs: dict[str, dict[str, str]] = {}
    for name, code in sides.items():
        arts, data = work / f"{name}-articles", work / f"{name}-data"
        make_corpus(arts, articles)
        envs[name] = {"NEWSBOT_ARTICLES_DIR": str(arts), "NEWSBOT_DATA_DIR": str(data)}
        print(f"building the {name} index ...", file=sys.stderr)
        newsbot(code, envs[name], "index")
    times: dict[str, dict[str, list[float]]] = {n: {c: [] for c in COMMANDS} for n in sides}
    for run in range(runs):
        for name, code in sides.items():
            env = envs[name]
            times[name]["status"].append(newsbot(code, env, "status"))
            times[name]["index (no change)"].append(newsbot(code, env, "index"))
            new_article(Path(env["NEWSBOT_ARTICLES_DIR"]), run)
            times[name]["index (+1 article)"].append(newsbot(code, env, "index"))
            times[name]["ask (cold)"].append(newsbot(code, env, "ask", QUESTION))
        print(f"run {run + 1}/{runs} done", file=sys.stderr)
    return {n: {c: statistics.median(v) for c, v in t.items()} for n, t in times.items()}


class _Instant(BaseHTTPRequestHandler):
    """OpenAI-compatible /v1/embeddings answering at once with a fixed unit vector."""

    vector = [1.0 / 384**0.5] * 384

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = [
            {"object": "embedding", "index": i, "embedding": self.vector}
            for i in range(len(inputs))
        ]
        raw = json.dumps({"object": "list", "data": data, "model": body.get("model")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: object) -> None:
        pass


def build_rate(work: Path, articles: int) -> tuple[int, float]:
    """Chunks and chunks/s of a full build of this tree through an instant fake server."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Instant)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    arts = work / "rate-articles"
    make_corpus(arts, articles or 1000)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "NEWSBOT_ARTICLES_DIR": str(arts),
        "NEWSBOT_DATA_DIR": str(work / "rate-data"),
        "NEWSBOT_EMBED_BASE_URL": f"http://127.0.0.1:{server.server_port}",
        "NEWSBOT_EMBED_MODEL": "instant",
    }
    try:
        done = subprocess.run(
            [str(PY), "-c", "from bot.cli import main; main()", "index", "--json"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        server.shutdown()
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["embedded_chunks"], report["embedded_chunks"] / report["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="0445a72", help="commit to compare with")
    parser.add_argument("--articles", type=int, default=0, help="generated articles (0: sample)")
    parser.add_argument("--runs", type=int, default=5, help="runs per command and side")
    parser.add_argument("--rate-articles", type=int, default=1000, help="articles for the rate")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="newsbot-bench-process-"))
    base = work / "baseline"
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(base), args.baseline],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    try:
        medians = measure({"baseline": base, "this tree": ROOT}, work, args.articles, args.runs)
        chunks, rate = build_rate(work, args.rate_articles)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, check=False)
        shutil.rmtree(work, ignore_errors=True)
    corpus = f"{args.articles} generated articles" if args.articles else "the 5 sample articles"
    print(f"Whole process, median of {args.runs}, {corpus}, {os.cpu_count()} cores:\n")
    print(f"| command | baseline {args.baseline} | this tree |")
    print("|---|---:|---:|")
    for command in COMMANDS:
        b, t = medians["baseline"][command], medians["this tree"][command]
        print(f"| `newsbot {command}` | {b:.2f} s | {t:.2f} s |")
    print(
        f"\nBuild rate through an instant fake embeddings server: {rate:.0f} chunks/s "
        f"({chunks} chunks, {args.rate_articles} generated articles)"
    )


if __name__ == "__main__":
    main()
