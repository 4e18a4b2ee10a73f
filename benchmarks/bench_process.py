"""Whole-process wall time of the commands a user waits on: this tree, a baseline, llama-index.

    python benchmarks/bench_process.py [--sides this,baseline,llamaindex] [--baseline REV]
        [--articles N] [--runs 5] [--data-cache DIR] [--rate-articles 1000] [--append FILE]

Three sides, each a fresh process per command, all with this Python and the same corpus:

- this tree (put first on PYTHONPATH), and beside it its in-process figures: `index`'s own
  `seconds` (`newsbot index --json`), and for `status` and `ask` a second process that
  imports the bot first and then times `NewsBot(settings).status()` or one cold
  `NewsBot.ask` (model load, store open and their imports included: first use does them);
- a baseline commit (default 0445a72, before issue 16), checked out with `git worktree`;
- the llama-index default doing the same from cold scripts (benchmarks/li_process.py):
  Chroma's node count; an IngestionPipeline with a persisted docstore over
  SimpleDirectoryReader(filename_as_id=True), which skips unchanged documents; and a
  retriever over the Chroma store (top 5, no LLM).

Measured, median of --runs: `status`; `index` with nothing changed; `index` after one
article was added; `ask` cold (newsbot's default extractive answer, no LLM). Every run of
every side starts from the same state: the corpus and data folder as built are copied back
to a fixed place first (fixed: llama-index's document ids are absolute paths). Sides
alternate within a run, so a machine loaded by others slows all alike.

Each side's index is built once per invocation, or kept with --data-cache DIR (keyed by
side, baseline commit and article count) and only brought up to date by one untimed
`index` (so a 10,000-article run does not rebuild it each time).

For this tree also: one added article in a running process (as `newsbot index --watch` and
the bot's watcher do it), timed after a first added article has made the process open the
store and load the model.

Then this tree's build rate (chunks/s of a full `newsbot index`) through an instant fake
embeddings server (NEWSBOT_EMBED_BASE_URL): newsbot's own overhead, the model excluded.

The corpus is the 5 sample articles, or --articles N generated ones (benchmarks/gen_corpus.py,
seed 7). Figures, not verdicts.
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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = Path(sys.executable)
QUESTION = "How many troops did Zelenskyy say were needed?"
COMMANDS = ("status", "index (no change)", "index (+1 article)", "ask (cold)")
SIDES = ("this", "baseline", "llamaindex")
LI_SCRIPT = HERE / "li_process.py"


@dataclass
class Timed:
    """One command's wall times, and the in-process figures where the side has them."""

    whole: list[float] = field(default_factory=list)
    inner: list[float] = field(default_factory=list)


RUNNING = "index (+1 article, running process)"  # this tree only: a note, not a table row


@dataclass
class Side:
    """One side: how to run a command, and where its pristine and working states live."""

    name: str
    label: str
    code: Path  # PYTHONPATH root of the code that runs
    store: Path  # pristine articles/ and data/ as built (the cache entry)
    run: Path  # the fixed working copy every measurement starts from
    times: dict[str, Timed] = field(
        default_factory=lambda: {c: Timed() for c in (*COMMANDS, RUNNING)}
    )
    warnings: list[str] = field(default_factory=list)

    @property
    def articles(self) -> Path:
        return self.run / "articles"

    @property
    def data(self) -> Path:
        return self.run / "data"

    def env(self) -> dict[str, str]:
        # No NEWSBOT_* of the caller's (an LLM, another data folder): every side alike.
        base = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
        return {
            **base,
            "PYTHONPATH": str(self.code),
            "NEWSBOT_ARTICLES_DIR": str(self.articles),
            "NEWSBOT_DATA_DIR": str(self.data),
        }

    def call(self, *args: str) -> tuple[float, str]:
        """Run one command as a fresh process in the working copy: wall seconds, stdout."""
        if self.name == "llamaindex":
            cmd = [str(PY), str(LI_SCRIPT), args[0], str(self.articles), str(self.data)]
            cmd += ["--question", args[1]] if args[0] == "ask" else []
        else:
            cmd = [str(PY), "-c", "from bot.cli import main; main()", *args]
        t = time.perf_counter()
        done = subprocess.run(
            cmd, cwd=self.run, env=self.env(), capture_output=True, text=True, check=False
        )
        wall = time.perf_counter() - t
        if done.returncode != 0:
            sys.stderr.write(done.stderr)
            raise SystemExit(f"{self.label}: `{' '.join(args)}` failed (exit {done.returncode})")
        return wall, done.stdout

    def index(self) -> tuple[float, float | None, int | None]:
        """Wall time, in-process seconds (this tree) and how much it (re)indexed, if known."""
        if self.name == "baseline":  # plain `index`: any commit has it
            return self.call("index")[0], None, None
        wall, out = self.call("index", "--json")  # --json: ignored by li_process.py
        done = json.loads(out.strip().splitlines()[-1])
        if self.name == "llamaindex":
            return wall, None, int(done["nodes"])
        changed = int(done["added"]) + int(done["updated"]) + int(done["removed"])
        return wall, float(done["seconds"]), changed

    def probe(self, kind: str) -> float:
        """This tree's in-process figure of `status`, a cold `ask` or a running process's
        added article, in its own process."""
        cmd = [str(PY), str(Path(__file__).resolve()), "--probe", kind]
        done = subprocess.run(
            cmd, cwd=self.run, env=self.env(), capture_output=True, text=True, check=True
        )
        return float(json.loads(done.stdout.strip().splitlines()[-1])["seconds"])


def probe(kind: str) -> None:
    """`--probe`: import and open as the CLI does, then time only the command's own work."""
    from bot.service import NewsBot
    from bot.settings import get_settings

    t0 = time.perf_counter()
    if kind == "running":  # a watcher's second update: store open, model loaded
        bot, articles = NewsBot(get_settings()), get_settings().index.articles_dir
        new_article(articles, 900)
        bot.update()
        new_article(articles, 901)
        t1 = time.perf_counter()
        report = bot.update()
        print(json.dumps({"seconds": time.perf_counter() - t1, "added": report.added}))
        return
    if kind == "status":
        NewsBot(get_settings()).status()
        print(json.dumps({"seconds": time.perf_counter() - t0}))
        return
    bot = NewsBot(get_settings())
    t1 = time.perf_counter()
    answer = bot.ask(QUESTION)
    t2 = time.perf_counter()
    print(json.dumps({"open": t1 - t0, "seconds": t2 - t1, "mode": answer.mode}))


# --- corpora and states -------------------------------------------------------------------


def corpus(root: Path, articles: int) -> Path:
    """The generated (or sample) corpus, made once under root and reused."""
    dest = root / (f"corpus-{articles}" if articles else "corpus-sample")
    if (dest / ".ready").exists():
        return dest
    shutil.rmtree(dest, ignore_errors=True)
    if articles:
        print(f"generating {articles} articles ...", file=sys.stderr, flush=True)
        subprocess.run(
            [str(PY), str(HERE / "gen_corpus.py"), str(dest), "--articles", str(articles)],
            check=True,
            capture_output=True,
        )
    else:
        shutil.copytree(ROOT / "articles", dest)
    (dest / ".ready").touch()
    return dest


def copy_tree(src: Path, dest: Path) -> None:
    """dest becomes a copy of src (file times kept: they are part of "unchanged")."""
    shutil.rmtree(dest, ignore_errors=True)
    if src.exists():
        shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".ready"))
    else:
        dest.mkdir(parents=True)


def restore(side: Side) -> None:
    copy_tree(side.store / "articles", side.articles)
    copy_tree(side.store / "data", side.data)


def prepare(side: Side, source: Path) -> None:
    """Build the side's index (or bring a cached one up to date) and keep it as pristine."""
    if not (side.store / ".ready").exists():
        shutil.rmtree(side.store, ignore_errors=True)
        copy_tree(source, side.store / "articles")
        print(f"building the {side.label} index ...", file=sys.stderr, flush=True)
    restore(side)
    t = time.perf_counter()
    side.index()  # untimed: the build, or a no-op that settles a cached state
    print(f"{side.label}: index ready ({time.perf_counter() - t:.1f} s)", file=sys.stderr)
    copy_tree(side.data, side.store / "data")
    (side.store / ".ready").touch()


def new_article(folder: Path, n: int) -> None:
    """One more article: a sample with its own headline (a new file, new content)."""
    sample = sorted((ROOT / "articles").glob("*.txt"))[n % 5].read_text(encoding="utf-8")
    (folder / f"zz_added_{n:03d}.txt").write_text(
        f"Added article number {n}\n\n{sample}", encoding="utf-8"
    )


def measure_run(side: Side, run: int) -> None:
    """One run of the four commands on a fresh copy of the side's built state."""
    restore(side)
    t = side.times
    t["status"].whole.append(side.call("status")[0])
    if side.name == "this":
        t["status"].inner.append(side.probe("status"))
    for command, added in (("index (no change)", False), ("index (+1 article)", True)):
        if added:
            new_article(side.articles, run)
        wall, inner, changed = side.index()
        t[command].whole.append(wall)
        if inner is not None:
            t[command].inner.append(inner)
        if changed is not None and (changed > 0) != added:  # not the case it claims to time
            side.warnings.append(f"run {run + 1}, {command}: it (re)indexed {changed}")
    t["ask (cold)"].whole.append(side.call("ask", QUESTION)[0])
    if side.name == "this":
        t["ask (cold)"].inner.append(side.probe("ask"))
        t[RUNNING].inner.append(side.probe("running"))  # last: it adds two articles


# --- the build rate through an instant endpoint ------------------------------------------


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


def build_rate(arts: Path, data: Path) -> tuple[int, float]:
    """Chunks and chunks/s of a full build of this tree through an instant fake server."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Instant)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    shutil.rmtree(data, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "NEWSBOT_ARTICLES_DIR": str(arts),
            "NEWSBOT_DATA_DIR": str(data),
            "NEWSBOT_EMBED_BASE_URL": f"http://127.0.0.1:{server.server_port}",
            "NEWSBOT_EMBED_MODEL": "instant",
        }
    )
    try:
        done = subprocess.run(
            [str(PY), "-c", "from bot.cli import main; main()", "index", "--json"],
            cwd=data.parent,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        server.shutdown()
        shutil.rmtree(data, ignore_errors=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["embedded_chunks"], report["embedded_chunks"] / report["seconds"]


# --- report ---------------------------------------------------------------------------------


def load() -> str:
    return "{:.1f} / {:.1f} / {:.1f}".format(*os.getloadavg())


def cell(values: list[float]) -> str:
    if not values:
        return "–"
    median = statistics.median(values)
    return f"{median * 1000:.0f} ms" if median < 0.1 else f"{median:.2f} s"


def report(args: argparse.Namespace, sides: dict[str, Side], notes: list[str]) -> str:
    from bench import machine
    from common import table

    rows = [
        (
            "command",
            "this tree (whole)",
            "this tree (in-process)",
            f"baseline {args.baseline}",
            "llama-index default",
        )
    ]
    empty = Timed()
    for command in COMMANDS:
        this = sides["this"].times[command] if "this" in sides else empty
        base = sides["baseline"].times[command] if "baseline" in sides else empty
        li = sides["llamaindex"].times[command] if "llamaindex" in sides else empty
        shown = f"`newsbot {command}`".replace(" (", "`, ").replace(")`", "")
        rows.append((shown, cell(this.whole), cell(this.inner), cell(base.whole), cell(li.whole)))
    corpus_name = f"{args.articles:,} generated articles" if args.articles else "the 5 samples"
    lines = [
        f"### Whole process, {corpus_name}",
        "",
        f"`{' '.join(['python', 'benchmarks/bench_process.py', *sys.argv[1:]])}` on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, median of {args.runs}, load average (1/5/15 "
        f"min) {notes[0]} at the start and {load()} at the end. Machine: {machine()}.",
        "",
        table(rows),
        "",
        "In-process: `index`'s own `seconds`; `status` and `ask` timed inside a process that "
        "imported the bot first (`ask`: one cold `NewsBot.ask`, with the model load, the "
        "store open and their imports, done on first use). `ask` is newsbot's default "
        "extractive answer and, for llama-index, "
        f"`as_retriever(similarity_top_k=5).retrieve(...)`: no LLM on any side. Question: "
        f'"{QUESTION}".',
    ]
    if "llamaindex" in sides:
        lines += [
            "",
            "llama-index default (`benchmarks/li_process.py`): `status` counts the Chroma "
            "collection; `index` is an `IngestionPipeline` (SentenceSplitter, the same ONNX "
            "MiniLM) with a persisted `SimpleDocumentStore` (upserts) and `ChromaVectorStore` "
            "over `SimpleDirectoryReader(filename_as_id=True)`; the reader's metadata leaves "
            "out `creation_date` and `last_accessed_date` (in the document hash, they would "
            "re-embed every document after a copy or on a new day) and the docstore is "
            "written only when something was ingested.",
        ]
    if "this" in sides and (running := sides["this"].times[RUNNING].inner):
        lines += [
            "",
            f"One added article in a running process (`newsbot index --watch`, the bot's "
            f"watcher: its second update, the store open and the model loaded): "
            f"{cell(running)} (median of {len(running)}).",
        ]
    lines += [f"\n{note}" for note in notes[1:]]
    for side in sides.values():
        lines += [f"\nWARNING, {side.label}: {w}." for w in side.warnings]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sides", default=",".join(SIDES), help="any of this,baseline,llamaindex")
    parser.add_argument("--baseline", default="0445a72", help="commit to compare with")
    parser.add_argument("--articles", type=int, default=0, help="generated articles (0: sample)")
    parser.add_argument("--runs", type=int, default=5, help="runs per command and side")
    parser.add_argument(
        "--data-cache", type=Path, help="keep corpora and built indexes here between runs"
    )
    parser.add_argument(
        "--rate-articles", type=int, default=1000, help="articles for the build rate (0: skip)"
    )
    parser.add_argument("--append", type=Path, help="also append the report to this file")
    parser.add_argument("--probe", choices=("status", "ask", "running"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe(args.probe)
        return
    chosen = [s.strip() for s in args.sides.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(SIDES))
    if unknown or not chosen:
        parser.error(f"--sides: unknown {unknown}; choose from {','.join(SIDES)}")
    notes = [load()]

    temp = Path(tempfile.mkdtemp(prefix="newsbot-bench-process-"))
    cache = args.data_cache.resolve() if args.data_cache else temp / "cache"
    base_code = temp / "baseline"
    size = str(args.articles or "sample")
    sides: dict[str, Side] = {}
    try:
        for name in (s for s in SIDES if s in chosen):  # fixed order: this tree first
            code, key, label = ROOT, f"this-{size}", "this tree"
            if name == "baseline":
                sha = subprocess.run(
                    ["git", "rev-parse", "--short=10", args.baseline],
                    cwd=ROOT,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout.strip()
                subprocess.run(
                    ["git", "worktree", "add", "--detach", str(base_code), sha],
                    cwd=ROOT,
                    check=True,
                    capture_output=True,
                )
                code, key, label = base_code, f"baseline-{sha}-{size}", f"baseline {args.baseline}"
            elif name == "llamaindex":
                key, label = f"llamaindex-{size}", "llama-index default"
            sides[name] = Side(name, label, code, cache / key, cache / "run" / key)
        source = corpus(cache, args.articles)
        for side in sides.values():
            prepare(side, source)
        for run in range(args.runs):
            for side in sides.values():
                measure_run(side, run)
            print(f"run {run + 1}/{args.runs} done", file=sys.stderr, flush=True)
        if "this" in sides and args.rate_articles:
            rate_corpus = corpus(cache, args.rate_articles)
            chunks, rate = build_rate(rate_corpus, cache / "run" / "rate-data")
            notes.append(
                f"Build rate of this tree through an instant fake embeddings server: "
                f"{rate:.0f} chunks/s ({chunks:,} chunks, {args.rate_articles:,} generated "
                "articles; newsbot's own overhead, the model excluded)."
            )
    finally:
        if base_code.exists():
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(base_code)], cwd=ROOT, check=False
            )
        shutil.rmtree(cache / "run", ignore_errors=True)
        shutil.rmtree(temp, ignore_errors=True)
    emit(report(args, sides, notes), args.append)


def emit(text: str, append: Path | None) -> None:
    """Print a report, and append it to a file too when asked (RESULTS.md)."""
    print(text)
    if append:
        with append.open("a", encoding="utf-8") as out:
            out.write("\n" + text)


if __name__ == "__main__":
    main()
