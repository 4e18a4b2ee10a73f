"""newsbot next to the plain llama-index pipeline and the raw model, on one generated corpus.

    .venv/bin/python benchmarks/bench_compare.py [--articles 200] [--seed 7]

One run, one corpus (benchmarks/gen_corpus.py), one embedding model (the offline ONNX
MiniLM). Each side runs in its own subprocess so that each gets its own peak RSS:

- newsbot: full build (NewsBot.update), re-index with nothing changed, adding one article
  (vs embedding that article's chunks alone), warm retrieval / extractive answer latency;
- llama-index default: SimpleDirectoryReader + VectorStoreIndex.from_documents into
  ChromaVectorStore (llama-index-vector-stores-chroma, benchmark-only; falls back to the
  in-memory SimpleVectorStore when missing), embed_model=MiniLMEmbedding(), Settings.llm=None;
- raw model: MiniLMEmbedder.embed on exactly the chunk texts newsbot produced.

Figures, not verdicts: this is not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import eval_questions, pct, time_questions  # noqa: E402

INSTALL_HINT = ".venv/bin/pip install -c requirements.lock llama-index-vector-stores-chroma"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# --- phases, each run in a fresh process ---------------------------------------------------


def phase_newsbot(work: Path) -> dict[str, object]:
    from bot.service import NewsBot
    from index.settings import load_settings

    settings = load_settings(articles_dir=work / "articles", data_dir=work / "newsbot-data")
    bot = NewsBot(settings)
    bot.ws.embedder.embed(["warm up the model"])  # load ONNX before timing

    t0 = time.perf_counter()
    build = bot.update()
    build_wall = time.perf_counter() - t0
    chunks = bot.ws.store.all_chunks()
    texts = [f"{c.header()}\n\n{c.text}" for c in chunks]
    (work / "chunks.json").write_text(json.dumps(texts), encoding="utf-8")
    rss_build = peak_rss_mb()

    t0 = time.perf_counter()
    bot.update()
    noop_wall = time.perf_counter() - t0

    extra = next((work / "extra").glob("*.txt"))
    shutil.copy2(extra, work / "articles" / extra.name)
    t0 = time.perf_counter()
    added = bot.update()
    add_wall = time.perf_counter() - t0
    mine = [c for c in bot.ws.store.all_chunks() if Path(c.source).name == extra.name]
    mine_texts = [f"{c.header()}\n\n{c.text}" for c in mine]
    t0 = time.perf_counter()
    bot.ws.embedder.embed(mine_texts)
    embed_one_article = time.perf_counter() - t0

    qs = eval_questions()
    retrieve_ms, answer_ms = time_questions(bot, qs)
    total_ms = [a + b for a, b in zip(retrieve_ms, answer_ms, strict=True)]
    return {
        "files": build.added,
        "chunks": build.chunks,
        "embedded": build.embedded,
        "build_s": build_wall,
        "build_report_s": build.seconds,
        "rss_build_mb": rss_build,
        "noop_s": noop_wall,
        "add_s": add_wall,
        "add_added": added.added,
        "add_chunks": len(mine),
        "add_embed_s": embed_one_article,
        "questions": len(qs),
        "retrieve_ms": [pct(retrieve_ms, 0.5), pct(retrieve_ms, 0.95)],
        "answer_ms": [pct(answer_ms, 0.5), pct(answer_ms, 0.95)],
        "total_ms": [pct(total_ms, 0.5), pct(total_ms, 0.95)],
        "rss_mb": peak_rss_mb(),
    }


def phase_raw(work: Path) -> dict[str, object]:
    from index.store.embedder import MiniLMEmbedder

    texts = json.loads((work / "chunks.json").read_text(encoding="utf-8"))
    embedder = MiniLMEmbedder()
    embedder.embed(["warm up the model"])
    t0 = time.perf_counter()
    embedder.embed(texts)
    return {"chunks": len(texts), "seconds": time.perf_counter() - t0, "rss_mb": peak_rss_mb()}


def phase_llamaindex(work: Path) -> dict[str, object]:
    from llama_index.core import (
        Settings,
        SimpleDirectoryReader,
        StorageContext,
        VectorStoreIndex,
    )

    from index.store.li_embedding import MiniLMEmbedding

    Settings.llm = None
    embed_model = MiniLMEmbedding()
    embed_model.get_text_embedding("warm up the model")
    try:
        import chromadb
        from llama_index.vector_stores.chroma import ChromaVectorStore
    except ImportError:
        ChromaVectorStore = None

    t0 = time.perf_counter()
    if ChromaVectorStore is not None:
        client = chromadb.PersistentClient(path=str(work / "llamaindex-chroma"))
        collection = client.get_or_create_collection("bench")
        store = ChromaVectorStore(chroma_collection=collection)
        storage = StorageContext.from_defaults(vector_store=store)
        store_name = "ChromaVectorStore (embedded chromadb)"
    else:
        storage = StorageContext.from_defaults()
        store_name = "SimpleVectorStore (in memory; ChromaVectorStore not installed)"
    docs = SimpleDirectoryReader(str(work / "articles")).load_data()
    index = VectorStoreIndex.from_documents(docs, storage_context=storage, embed_model=embed_model)
    seconds = time.perf_counter() - t0
    if ChromaVectorStore is not None:
        nodes = collection.count()
        texts = collection.get(include=["documents"])["documents"] or []
    else:
        nodes = len(index.index_struct.nodes_dict)
        texts = [n.get_content() for n in index.docstore.docs.values()]
    # The default splitter cuts 1024 tiktoken tokens; the model reads 256 word-pieces.
    tokens = [embed_model._embedder.count_tokens(t) for t in texts]
    truncated = sum(1 for n in tokens if n > 254)  # 256 minus [CLS] and [SEP]
    return {
        "store": store_name,
        "documents": len(docs),
        "chunks": nodes,
        "truncated": truncated,
        "checked": len(texts),
        "seconds": seconds,
        "rss_mb": peak_rss_mb(),
    }


PHASES = {"newsbot": phase_newsbot, "raw": phase_raw, "llamaindex": phase_llamaindex}


def run_phase(name: str, work: Path) -> dict[str, object]:
    """Run one phase in a fresh interpreter; its last stdout line is the JSON result."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--phase", name, "--work", str(work)]
    print(f"... {name}", file=sys.stderr, flush=True)
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"phase {name} failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def report(args: argparse.Namespace, nb: dict, li: dict, raw: dict) -> str:  # type: ignore[type-arg]
    nb_rate = nb["embedded"] / nb["build_s"]
    li_rate = li["chunks"] / li["seconds"]
    raw_rate = raw["chunks"] / raw["seconds"]
    nb_art = nb["files"] / nb["build_s"]
    li_art = li["documents"] / li["seconds"]
    ms = "{:.1f} / {:.1f} ms".format
    rows = [
        ("figure", "newsbot", "llama-index default", "raw ONNX model"),
        (
            "corpus",
            f"{nb['files']} files -> {nb['chunks']} chunks",
            f"{li['documents']} docs -> {li['chunks']} nodes",
            f"{raw['chunks']} newsbot chunk texts",
        ),
        (
            "full build",
            f"{nb['build_s']:.1f} s",
            f"{li['seconds']:.1f} s",
            f"{raw['seconds']:.1f} s (embedding only)",
        ),
        ("chunks/s", f"{nb_rate:.1f}", f"{li_rate:.1f}", f"{raw_rate:.1f}"),
        ("articles/s", f"{nb_art:.2f}", f"{li_art:.2f}", "-"),
        (
            "newsbot / other, chunks/s",
            "-",
            f"{nb_rate / li_rate:.2f}x",
            f"{nb_rate / raw_rate:.2f}x",
        ),
        (
            "newsbot / other, articles/s",
            "-",
            f"{nb_art / li_art:.2f}x",
            "-",
        ),
        (
            "chunks longer than the model reads (256)",
            "0 (sized to fit)",
            f"{li['truncated']} of {li['checked']}",
            "-",
        ),
        ("re-index, nothing changed", f"{nb['noop_s'] * 1000:.0f} ms", "-", "-"),
        (
            "add 1 article to the index",
            f"{nb['add_s']:.2f} s ({nb['add_chunks']} chunks)",
            "-",
            f"{nb['add_embed_s']:.2f} s (its chunks alone)",
        ),
        ("retrieval warm p50 / p95", ms(*nb["retrieve_ms"]), "-", "-"),
        ("extractive answer warm p50 / p95", ms(*nb["answer_ms"]), "-", "-"),
        ("search + answer warm p50 / p95", ms(*nb["total_ms"]), "-", "-"),
        (
            "peak RSS (own process)",
            f"{nb['rss_mb']:.0f} MB ({nb['rss_build_mb']:.0f} after build)",
            f"{li['rss_mb']:.0f} MB",
            f"{raw['rss_mb']:.0f} MB",
        ),
    ]
    head = [
        f"command: python benchmarks/bench_compare.py --articles {args.articles} "
        f"--seed {args.seed}",
        f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}",
        f"llama-index store: {li['store']}; model: all-MiniLM-L6-v2 int8 ONNX (same for all)",
        f"latency over {nb['questions']} questions of tests/eval/sample_eval.jsonl; newsbot's "
        "build also pools per-sentence vectors from the same forward pass",
        "",
    ]
    if li["store"].startswith("SimpleVectorStore"):
        head.insert(3, f"install hint: {INSTALL_HINT}")
    return "\n".join(head) + table(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200, help="generated articles")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:
        print(json.dumps(PHASES[args.phase](args.work)))
        return

    from gen_corpus import generate

    work = Path(tempfile.mkdtemp(prefix="newsbot-compare-"))
    try:
        paths = generate(work / "articles", args.articles + 1, args.seed)
        (work / "extra").mkdir()
        shutil.move(paths[-1], work / "extra" / paths[-1].name)  # the article added later
        li = run_phase("llamaindex", work)  # first: newsbot's phase adds the extra article
        nb = run_phase("newsbot", work)
        raw = run_phase("raw", work)
        print(report(args, nb, li, raw))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
