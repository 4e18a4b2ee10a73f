"""The claim check against tests/eval/claims.jsonl: per kind, how many twisted claims were
caught and how many faithful paraphrases were wrongly rejected, on each split.

    python -m bot.claimeval [--embed] [--split=train|test|fresh|fresh2] [--show]

Held-out sets are read only when asked for by name, so that tuning runs never look at them.
tests/eval/claims_fresh.jsonl (split "fresh") was written blind to the rules and measured
once; the rules were then tuned on it too. tests/eval/claims_fresh2.jsonl (split "fresh2")
was written blind afterwards, from articles no other claim uses, and is the split the
figures are reported on.

Each claim is checked as an LLM answer "claim [1]" citing its whole source article, the way
`verify` sees it in use. Articles are read from ../shared (the corpus is never copied here).
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bot.answer.prompt import group_sources
from bot.answer.verify import verify
from index.store import sentvec
from index.text import sentences
from index.types import Chunk, Hit

ROOT = Path(__file__).resolve().parent.parent
CLAIMS = ROOT / "tests" / "eval" / "claims.jsonl"
FRESH = ROOT / "tests" / "eval" / "claims_fresh.jsonl"
FRESH2 = ROOT / "tests" / "eval" / "claims_fresh2.jsonl"
Embed = Callable[[list[str]], np.ndarray]


def load(path: Path = CLAIMS) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


_DEV_PREFIX = "../shared/corpus-dev/bbc/"


def dev_corpus() -> Path | None:
    """The BBC development corpus: NEWSBOT_DEV_CORPUS, beside the checkout, or where this
    machine keeps it (a clone elsewhere, as CI makes, still finds it)."""
    for found in (
        os.environ.get("NEWSBOT_DEV_CORPUS"),
        ROOT.parent / "shared" / "corpus-dev" / "bbc",
        Path("/work/shared/corpus-dev/bbc"),
    ):
        if found and Path(found).is_dir():
            return Path(found)
    return None


def article(source_file: str) -> Path:
    """The file a claim was written from; dev-corpus paths are found wherever it is."""
    if source_file.startswith(_DEV_PREFIX) and (corpus := dev_corpus()):
        return corpus / source_file.removeprefix(_DEV_PREFIX)
    return (ROOT / source_file).resolve()


def kept(record: dict[str, object], embed: Embed | None = None) -> tuple[bool, str]:
    """Did `verify` keep the claim's citation, and why not."""
    path = article(str(record["source_file"]))
    text = path.read_text(encoding="utf-8")
    vectors = None
    if embed is not None:  # quantized as the store keeps them, decoded as it hands them out
        vectors = sentvec.decode(sentvec.encode(np.asarray(embed(sentences(text)))))
    chunk = Chunk("c", "a", path.name, "Story", text, 0, sentence_vectors=vectors)
    checked = verify(f"{record['claim']} [1]", group_sources([Hit(chunk, 1.0)]), embed=embed)
    check = checked.checks[0]
    return check.supported, check.reason


def evaluate(
    records: list[dict[str, object]], embed: Embed | None = None
) -> dict[str, dict[str, Counter[str]]]:
    """{split: {"n": per kind, "wrong": per kind}}: wrong = kept twisted or rejected faithful."""
    out: dict[str, dict[str, Counter[str]]] = {}
    for r in records:
        ok, _reason = kept(r, embed)
        split = out.setdefault(str(r["split"]), {"n": Counter(), "wrong": Counter()})
        kind = f"faithful:{r['kind']}" if r["faithful"] else str(r["kind"])
        split["n"][kind] += 1
        split["wrong"][kind] += int(ok != bool(r["faithful"]))
    return out


def rates(split: dict[str, Counter[str]]) -> tuple[float, float]:
    """(share of twisted claims caught, share of faithful claims wrongly rejected)."""
    n, wrong = split["n"], split["wrong"]
    twisted = [k for k in n if not k.startswith("faithful:")]
    faithful = [k for k in n if k.startswith("faithful:")]
    caught = 1 - sum(wrong[k] for k in twisted) / max(1, sum(n[k] for k in twisted))
    rejected = sum(wrong[k] for k in faithful) / max(1, sum(n[k] for k in faithful))
    return caught, rejected


def main(argv: list[str]) -> int:
    embed = None
    if "--embed" in argv:
        from index.store.embedder import MiniLMEmbedder

        embed = MiniLMEmbedder().embed
    splits = [a.removeprefix("--split=") for a in argv if a.startswith("--split=")]
    records = load() + (load(FRESH) if "fresh" in splits else [])
    records += load(FRESH2) if "fresh2" in splits else []
    records = [r for r in records if not splits or r["split"] in splits]
    if "--show" in argv:
        for r in records:
            ok, reason = kept(r, embed)
            if ok != bool(r["faithful"]):
                print(f"WRONG {r['kind']:12} {reason or 'kept':12} {r['claim']}")
    results = evaluate(records, embed)
    for name in sorted(results):
        split = results[name]
        caught, rejected = rates(split)
        print(
            f"{name}: caught {caught:.3f} of twisted, wrongly rejected {rejected:.3f} of faithful"
        )
        for kind in sorted(split["n"]):
            n, wrong = split["n"][kind], split["wrong"][kind]
            verb = "rejected" if kind.startswith("faithful:") else "caught"
            count = wrong if kind.startswith("faithful:") else n - wrong
            print(f"  {kind:22} {verb} {count:3}/{n:<3}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
