"""`make bench`: speed, memory and retrieval quality as the corpus grows, in one run.

    .venv/bin/python benchmarks/bench.py [--articles 1000] [--grow 3000,10000] [--seed 7]

One generated corpus (benchmarks/gen_corpus.py), one embedding model (the offline ONNX
MiniLM), each side in its own process (its own peak RSS), everything warm-started the same
way (libraries imported, model loaded) before a clock starts:

- newsbot: full build of `--articles`, re-index with nothing changed, one article added,
  warm latency, retrieval quality; then the same index grown to each `--grow` size;
- llama-index default: SimpleDirectoryReader + VectorStoreIndex.from_documents into
  ChromaVectorStore, embed_model=MiniLMEmbedding(), Settings.llm=None;
- raw model: MiniLMEmbedder.embed on exactly the chunk texts newsbot produced;
- `newsbot ask` cold start and an idle bot's memory at the smallest and largest sizes.

Writes benchmarks/RESULTS.md and benchmarks/scaling.png. Figures, not verdicts: not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from common import (  # noqa: E402
    eval_cases,
    eval_questions,
    pct,
    rank_metrics,
    table,
    time_questions,
)

COLD_QUESTION = "How many troops would the reassurance force need?"
MODES = ("dense", "bm25", "fused, equal weights", "fused")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def open_bot(work: Path):  # type: ignore[no-untyped-def]
    """A NewsBot on the work folder, warm: model loaded, store open, splitter imported."""
    from bot.service import NewsBot
    from bot.settings import load_settings

    bot = NewsBot(load_settings(articles_dir=work / "articles", data_dir=work / "data"))
    bot.ws.embedder.embed(["warm up the model"])
    bot.ws.store.count()
    return bot


def measure_queries(bot, work: Path) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Warm latency over the eval questions and quality over the generated queries."""
    retrieve_ms, answer_ms = time_questions(bot, eval_questions())
    queries = json.loads((work / "queries.json").read_text(encoding="utf-8"))
    indexed = {p.name for p in (work / "articles").glob("*.txt")}
    rankings, relevant = {m: [] for m in MODES}, []  # type: ignore[var-annotated]
    for q in queries:
        found = bot.retriever.source_rankings(q["query"], 10)
        for mode in MODES:
            rankings[mode].append(found[mode])
        relevant.append(set(q["relevant"]) & indexed)
    return {
        "retrieve_ms": [pct(retrieve_ms, 0.5), pct(retrieve_ms, 0.95)],
        "answer_ms": [pct(answer_ms, 0.5), pct(answer_ms, 0.95)],
        "quality": {m: rank_metrics(rankings[m], relevant) for m in MODES},
        "queries": len(queries),
    }


# --- phases, each in a fresh process -------------------------------------------------------


def phase_build(work: Path) -> dict[str, object]:
    bot = open_bot(work)
    import llama_index.core.node_parser  # noqa: F401  (the splitter; other sides import first)

    files = len(list((work / "articles").glob("*.txt")))
    t0 = time.perf_counter()
    build = bot.update()
    build_s = time.perf_counter() - t0
    rss_build = peak_rss_mb()
    chunks = bot.ws.store.all_chunks()
    texts = [f"{c.header()}\n\n{c.text}" for c in chunks]
    (work / "chunks.json").write_text(json.dumps(texts), encoding="utf-8")

    t0 = time.perf_counter()
    bot.update()
    noop_s = time.perf_counter() - t0

    extra = next((work / "extra").glob("*.txt"))
    shutil.copy2(extra, work / "articles" / extra.name)
    t0 = time.perf_counter()
    bot.update()
    add_s = time.perf_counter() - t0
    mine = [c for c in bot.ws.store.all_chunks() if c.source == extra.name]
    t0 = time.perf_counter()
    bot.ws.embedder.embed([f"{c.header()}\n\n{c.text}" for c in mine])
    add_embed_s = time.perf_counter() - t0
    return {
        "files": files,
        "chunks": build.chunks,
        "embedded": build.embedded,
        "tokens": sum(min(bot.ws.embedder.count_tokens(t) + 2, 256) for t in texts),
        "build_s": build_s,
        "rss_build_mb": rss_build,
        "noop_s": noop_s,
        "add_s": add_s,
        "add_chunks": len(mine),
        "add_embed_s": add_embed_s,
        **measure_queries(bot, work),
    }


def phase_grow(work: Path) -> dict[str, object]:
    """Bring the index up to every file now in articles/ (the parent copied more in)."""
    import llama_index.core.node_parser  # noqa: F401

    bot = open_bot(work)
    t0 = time.perf_counter()
    report = bot.update()
    seconds = time.perf_counter() - t0
    rss = peak_rss_mb()
    return {
        "files": report.added + report.unchanged,
        "added": report.added,
        "chunks": report.chunks,
        "embedded": report.embedded,
        "grow_s": seconds,
        "rss_grow_mb": rss,
        **measure_queries(bot, work),
    }


def phase_idle(work: Path) -> dict[str, object]:
    """Memory of a bot that has answered a question and now waits."""
    import gc

    bot = open_bot(work)
    bot.ask(COLD_QUESTION)
    gc.collect()
    time.sleep(1)
    return {"rss_idle_mb": current_rss_mb(), "rss_peak_mb": peak_rss_mb()}


def phase_raw(work: Path) -> dict[str, object]:
    from index.store.embedder import MiniLMEmbedder

    texts = json.loads((work / "chunks.json").read_text(encoding="utf-8"))
    embedder = MiniLMEmbedder()
    embedder.embed(["warm up the model"])
    t0 = time.perf_counter()
    embedder.embed(texts)
    return {"chunks": len(texts), "seconds": time.perf_counter() - t0, "rss_mb": peak_rss_mb()}


def phase_llamaindex(work: Path) -> dict[str, object]:
    import chromadb
    from llama_index.core import Settings, SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from index.store.li_embedding import MiniLMEmbedding

    class Counting(MiniLMEmbedding):
        """Counts the word-pieces the model actually reads (llama-index adds metadata)."""

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            tokens.extend(self._embedder.count_tokens(t) + 2 for t in texts)  # + [CLS] [SEP]
            return super()._get_text_embeddings(texts)

    tokens: list[int] = []
    Settings.llm = None
    embed_model = Counting()
    embed_model.get_text_embedding("warm up the model")
    client = chromadb.PersistentClient(path=str(work / "llamaindex"))
    collection = client.get_or_create_collection("bench")
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(collection))
    t0 = time.perf_counter()
    docs = SimpleDirectoryReader(str(work / "articles")).load_data()
    VectorStoreIndex.from_documents(docs, storage_context=storage, embed_model=embed_model)
    seconds = time.perf_counter() - t0
    return {
        "documents": len(docs),
        "chunks": collection.count(),
        "read": sum(min(t, 256) for t in tokens),
        "truncated": sum(1 for t in tokens if t > 256),
        "seconds": seconds,
        "rss_mb": peak_rss_mb(),
    }


PHASES = {
    "build": phase_build,
    "grow": phase_grow,
    "idle": phase_idle,
    "raw": phase_raw,
    "llamaindex": phase_llamaindex,
}


def run_phase(name: str, work: Path) -> dict:  # type: ignore[type-arg]
    """Run one phase in a fresh interpreter; its last stdout line is the JSON result."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--phase", name, "--work", str(work)]
    print(f"... {name} ({datetime.now():%H:%M:%S})", file=sys.stderr, flush=True)
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"phase {name} failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def cold_start(work: Path, runs: int = 3) -> float:
    """Median wall time of `newsbot ask` from process start to printed answer."""
    env = {
        **os.environ,
        "NEWSBOT_ARTICLES_DIR": str(work / "articles"),
        "NEWSBOT_DATA_DIR": str(work / "data"),
    }
    cli = [sys.executable, "-m", "bot.cli", "ask", COLD_QUESTION]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cli, env=env, cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def eval_set_quality() -> dict[str, dict[str, float]]:
    """Dense / BM25 / fused on the hand-written eval questions over the sample articles."""
    from bot.service import NewsBot
    from bot.settings import load_settings

    with tempfile.TemporaryDirectory(prefix="newsbot-evalq-") as tmp:
        bot = NewsBot(load_settings(articles_dir=ROOT / "articles", data_dir=Path(tmp)))
        bot.update()
        cases = [c for c in eval_cases() if c["sources"]]
        found = [bot.retriever.source_rankings(c["question"], 10) for c in cases]
        relevant = [set(c["sources"]) for c in cases]
        return {m: rank_metrics([f[m] for f in found], relevant) for m in MODES}


# --- report -----------------------------------------------------------------------------


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        ram = f"{int(mem) / 2**20:.0f} GiB RAM"
    except OSError:
        ram = "RAM unknown"
    from importlib.metadata import version

    libs = ", ".join(f"{p} {version(p)}" for p in ("onnxruntime", "chromadb", "llama-index-core"))
    return (
        f"{cpu}, {os.cpu_count()} cores, {ram}, no GPU; Linux {platform.release()}, "
        f"Python {platform.python_version()}; {libs}"
    )


def ms(pair: list[float]) -> str:
    return f"{pair[0]:.1f} / {pair[1]:.1f} ms"


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def report(args: argparse.Namespace, r: dict) -> str:  # type: ignore[type-arg]
    b, raw, li = r["build"], r["raw"], r["llamaindex"]
    nb_rate = b["embedded"] / b["build_s"]
    li_rate = li["chunks"] / li["seconds"]
    raw_rate = raw["chunks"] / raw["seconds"]
    n0 = b["files"]
    build_rows = [
        (
            "figure",
            "newsbot",
            "llama-index default",
            "raw model",
        ),
        (
            "corpus -> chunks",
            f"{n0} files -> {b['chunks']}",
            f"{li['documents']} docs -> {li['chunks']}",
            f"{raw['chunks']} newsbot chunk texts",
        ),
        (
            "full build",
            f"{b['build_s']:.1f} s",
            f"{li['seconds']:.1f} s",
            f"{raw['seconds']:.1f} s (embedding only)",
        ),
        ("chunks/s", f"{nb_rate:.1f}", f"{li_rate:.1f}", f"{raw_rate:.1f}"),
        (
            "newsbot / this, chunks/s",
            "-",
            f"{nb_rate / li_rate:.2f}x",
            f"{nb_rate / raw_rate:.2f}x",
        ),
        (
            "word-pieces read by the model per s",
            f"{b['tokens'] / b['build_s']:.0f}",
            f"{li['read'] / li['seconds']:.0f}",
            f"{b['tokens'] / raw['seconds']:.0f}",
        ),
        (
            "chunks cut off at 256 word-pieces",
            "0 (sized to fit)",
            f"{li['truncated']} of {li['chunks']}",
            "-",
        ),
        (
            "peak RSS of the process",
            f"{b['rss_build_mb']:.0f} MB",
            f"{li['rss_mb']:.0f} MB",
            f"{raw['rss_mb']:.0f} MB",
        ),
    ]
    sizes = [r["build"], *r["grow"]]
    scale_rows = [
        ("articles", *(f"{s['files']:,}" for s in sizes)),
        ("chunks", *(f"{s['chunks']:,}" for s in sizes)),
        ("index time, cumulative", *(f"{s['cumulative_s']:.0f} s" for s in sizes)),
        ("retrieval warm p50 / p95", *(ms(s["retrieve_ms"]) for s in sizes)),
        ("extractive answer warm p50 / p95", *(ms(s["answer_ms"]) for s in sizes)),
        (
            "peak RSS while indexing",
            *(f"{s.get('rss_build_mb', s.get('rss_grow_mb')):.0f} MB" for s in sizes),
        ),
    ]
    for mode in MODES:
        scale_rows.append(
            (
                f"{mode}: hit@5 / MRR@10",
                *("{hit@5:.3f} / {mrr@10:.3f}".format(**s["quality"][mode]) for s in sizes),
            )
        )
    first, last = r["ends"]
    ends_rows = [
        ("figure", f"{first['files']:,} articles", f"{last['files']:,} articles"),
        (
            "`newsbot ask` cold start (median of 3)",
            f"{first['cold_s']:.2f} s",
            f"{last['cold_s']:.2f} s",
        ),
        (
            "idle bot RSS after one answer",
            f"{first['rss_idle_mb']:.0f} MB",
            f"{last['rss_idle_mb']:.0f} MB",
        ),
    ]
    ev = r["evalset"]
    quality_rows = [("ranking", "hit@5", "MRR@10")] + [
        (m, f"{ev[m]['hit@5']:.3f}", f"{ev[m]['mrr@10']:.3f}") for m in MODES
    ]
    targets = [
        ("target", "measured", "verdict"),
        (
            "build >= 1.2x llama-index default (chunks/s)",
            f"{nb_rate / li_rate:.2f}x",
            verdict(nb_rate / li_rate >= 1.2),
        ),
        (
            "build >= 0.9x raw model (chunks/s)",
            f"{nb_rate / raw_rate:.2f}x",
            verdict(nb_rate / raw_rate >= 0.9),
        ),
        (
            f"no-change re-index at {n0:,} <= 1 s",
            f"{b['noop_s'] * 1000:.0f} ms",
            verdict(b["noop_s"] <= 1),
        ),
        (
            f"add 1 article to {n0:,} <= embedding it + 1 s",
            f"{b['add_s']:.2f} s vs {b['add_embed_s']:.2f} + 1 s",
            verdict(b["add_s"] <= b["add_embed_s"] + 1),
        ),
    ]
    for s in sizes:
        targets.append(
            (
                f"retrieval p50 <= 25 ms at {s['files']:,}",
                f"{s['retrieve_ms'][0]:.1f} ms",
                verdict(s["retrieve_ms"][0] <= 25),
            )
        )
        targets.append(
            (
                f"extractive answer p50 <= 60 ms at {s['files']:,}",
                f"{s['answer_ms'][0]:.1f} ms",
                verdict(s["answer_ms"][0] <= 60),
            )
        )
    for end in (first, last):
        targets.append(
            (
                f"cold start <= 2.5 s at {end['files']:,}",
                f"{end['cold_s']:.2f} s",
                verdict(end["cold_s"] <= 2.5),
            )
        )
    return "\n".join(
        [
            "# Benchmark results",
            "",
            f"Written by `make bench` (`benchmarks/bench.py --articles {args.articles} "
            f"--grow {args.grow} --seed {args.seed}`) on {datetime.now(UTC):%Y-%m-%d %H:%M} "
            f"UTC, wall time {r['wall_s'] / 60:.1f} min.",
            "",
            "`make bench` then appends the whole-process figures (`benchmarks/bench_process.py "
            "--articles 1000`: each command a fresh process, this tree whole and in-process, the "
            "baseline commit, the llama-index default from cold scripts) and the profiles "
            "(`benchmarks/profile_process.py`: `-X importtime` and pyinstrument). The same at "
            "10,000 articles, indexes kept in `benchmarks/out/cache`: `make bench-process`.",
            "",
            f"Machine: {machine()}.",
            "",
            "Corpus: `benchmarks/gen_corpus.py` (seed "
            f"{args.seed}): each article recombines paragraphs of the sample articles with "
            "names, places, figures and dates swapped. Model: all-MiniLM-L6-v2 int8 ONNX for "
            "every side. Clocks start after imports and model load on every side. Latency: "
            f"{len(eval_questions())} eval questions, warm. Quality: {sizes[0]['queries']} "
            "known-item queries (a sentence's names and figures plus four of its words; "
            "relevant = every file holding that sentence).",
            "",
            "## Targets",
            "",
            table(targets),
            "",
            f"## Index build at {n0:,} articles, side by side",
            "",
            table(build_rows),
            "",
            "## As the corpus grows (one index, grown in place)",
            "",
            table([("figure", *(f"{s['files']:,} articles" for s in sizes)), *scale_rows[1:]]),
            "",
            table(ends_rows),
            "",
            "![index time and latency against corpus size](scaling.png)",
            "",
            f"## Retrieval quality on the hand-written eval set ({ev['questions']} answerable "
            "questions, sample articles)",
            "",
            table(quality_rows),
            "",
        ]
    )


def plot(r: dict, path: Path) -> None:  # type: ignore[type-arg]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["build"], *r["grow"]]
    x = [s["files"] for s in sizes]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(x, [s["cumulative_s"] / 60 for s in sizes], "o-", label="newsbot")
    left.set(xscale="log", xlabel="articles", ylabel="index time, minutes", title="Index build")
    left.grid(alpha=0.3)
    for key, label in (("retrieve_ms", "retrieval"), ("answer_ms", "extractive answer")):
        right.plot(x, [s[key][0] for s in sizes], "o-", label=f"{label} p50")
        right.plot(x, [s[key][1] for s in sizes], "o--", label=f"{label} p95")
    right.axhline(25, color="grey", lw=0.8, ls=":", label="retrieval target 25 ms")
    right.set(xscale="log", xlabel="articles", ylabel="ms (warm)", title="Query latency")
    right.set_ylim(bottom=0)
    right.grid(alpha=0.3)
    right.legend(fontsize=8)
    fig.suptitle(f"newsbot on {os.cpu_count()} CPU cores (benchmarks/bench.py)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


KEEP_START, KEEP_END = "<!-- written by hand: start -->", "<!-- written by hand: end -->"


def kept_by_hand(out: Path) -> str:
    """The hand-written part of the previous RESULTS.md (the projection to 100,000 and
    1,000,000 articles), which a new run keeps right after its own report; what `make bench`
    appended after it is measured again and dropped."""
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    start, end = old.find(KEEP_START), old.find(KEEP_END)
    if start < 0 or end < start:
        return ""
    return "\n" + old[start : end + len(KEEP_END)] + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000, help="size of the side-by-side")
    parser.add_argument("--grow", default="3000,10000", help="sizes the index then grows to")
    parser.add_argument("--queries", type=int, default=200, help="known-item queries")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (to profile)")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(PHASES[args.phase](args.work)))
        return

    from gen_corpus import generate, known_item_queries

    started = time.perf_counter()
    grow = [int(n) for n in args.grow.split(",") if n.strip()]
    largest = max([args.articles, *grow])
    work = Path(tempfile.mkdtemp(prefix="newsbot-bench-"))
    try:
        pool = generate(work / "pool", largest + 1, args.seed)
        (work / "articles").mkdir()
        (work / "extra").mkdir()
        shutil.move(pool[args.articles], work / "extra")  # the article added later
        first = pool[: args.articles]
        for p in first:
            shutil.copy2(p, work / "articles" / p.name)
        queries = known_item_queries(first, args.queries, args.seed)
        all_files = [p for p in pool if p.exists()] + list((work / "extra").glob("*.txt"))
        texts = {p.name: p.read_text(encoding="utf-8") for p in all_files}
        for q in queries:  # relevant files at the largest size (filtered per size later)
            q["relevant"] = sorted(n for n, text in texts.items() if q["sentence"] in text)
        (work / "queries.json").write_text(json.dumps(queries), encoding="utf-8")

        r: dict = {"evalset": {}}  # type: ignore[type-arg]
        r["llamaindex"] = run_phase("llamaindex", work)
        r["build"] = run_phase("build", work)
        r["build"]["cumulative_s"] = r["build"]["build_s"]
        r["raw"] = run_phase("raw", work)
        ends = [{"files": r["build"]["files"] + 1, "cold_s": cold_start(work)}]
        ends[0].update(run_phase("idle", work))
        r["grow"] = []
        total = r["build"]["build_s"]
        for size in grow:
            for p in pool[args.articles + 1 : size]:  # with the extra one: `size` files
                if not (work / "articles" / p.name).exists():
                    shutil.copy2(p, work / "articles" / p.name)
            step = run_phase("grow", work)
            total += step["grow_s"]
            step["cumulative_s"] = total
            r["grow"].append(step)
        if grow:
            last = {"files": r["grow"][-1]["files"], "cold_s": cold_start(work)}
            last.update(run_phase("idle", work))
            ends.append(last)
        else:
            ends.append(ends[0])
        r["ends"] = ends
        ev = eval_set_quality()
        r["evalset"] = {**ev, "questions": sum(1 for c in eval_cases() if c["sources"])}
        r["wall_s"] = time.perf_counter() - started
        text = report(args, r)
        print(text)
        args.out.write_text(text + kept_by_hand(args.out), encoding="utf-8")
        plot(r, args.out.parent / "scaling.png")
        (work.parent / "newsbot-bench-last.json").write_text(json.dumps(r), encoding="utf-8")
    finally:
        if args.keep:
            print(f"work folder kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
