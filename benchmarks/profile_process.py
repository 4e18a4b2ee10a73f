"""Where a whole `newsbot` process spends its time: imports and frames, as markdown.

    python benchmarks/profile_process.py [--articles-dir A --data-dir D] [--top 8] [--append FILE]

For `status`, `index` with nothing changed, `index` after one article was added and a cold
`ask`, each run as a fresh process of this tree on a copy of the same built state:

- `python -X importtime -m bot.cli ...`: the costliest imports by cumulative time;
- `python -m pyinstrument -m bot.cli ...`: the costliest frames by total time.

In both lists a node that hands >= 90 % of its time to a single child is left out in favour
of that child, so the lists show where the time divides, not the chain of callers
(`main` -> typer -> the command) or of packages importing one another.

Default state: the 5 sample articles, indexed first. With --articles-dir and --data-dir
(a built index, e.g. one kept by `bench_process.py --data-cache`), both are copied first
and never changed. Output goes to stdout (and --append FILE), ready for RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench_process import QUESTION, copy_tree, emit, load, new_article

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
COMMANDS: dict[str, list[str]] = {
    "status": ["status"],
    "index (no change)": ["index"],
    "index (+1 article)": ["index"],
    "ask (cold)": ["ask", QUESTION],
}
PASS_THROUGH = 0.9  # a node whose one child holds this share of its time is shown as the child


@dataclass
class Node:
    """An import or a frame: its name, total and own seconds, and its children."""

    name: str
    total: float
    own: float
    children: list[Node] = field(default_factory=list)


def import_tree(stderr: str) -> list[Node]:
    """The top-level imports of `-X importtime` output (children are printed first)."""
    pending: dict[int, list[Node]] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        own, cumulative, name = line[len("import time:") :].split("|", 2)
        level = (len(name) - len(name.lstrip(" ")) - 1) // 2
        node = Node(name.strip(), int(cumulative) / 1e6, int(own) / 1e6)
        node.children = pending.pop(level + 1, [])
        pending.setdefault(level, []).append(node)
    return pending.get(0, [])


def frame_tree(frame: dict) -> Node:  # type: ignore[type-arg]
    """A pyinstrument JSON frame as a Node (own time: what its shown children do not hold)."""
    children = [frame_tree(c) for c in frame.get("children", [])]
    name = f"{frame['function']} ({frame['file_path_short']}:{frame['line_no']})"
    own = max(0.0, frame["time"] - sum(c.total for c in children))
    return Node(name, frame["time"], own, children)


def split_points(roots: list[Node]) -> list[Node]:
    """Every node except those that pass >= PASS_THROUGH of their time to one child.

    A node seen again below itself (recursion, an aggregated repeat) counts once, the
    outermost: its time already holds the inner one's."""
    found: dict[str, Node] = {}

    def walk(node: Node, above: frozenset[str]) -> None:
        biggest = max((c.total for c in node.children), default=0.0)
        passes = node.total > 0 and biggest >= PASS_THROUGH * node.total
        if not passes and node.name not in above:
            seen = found.get(node.name)
            found[node.name] = (
                Node(node.name, seen.total + node.total, seen.own + node.own) if seen else node
            )
        for child in node.children:
            walk(child, above | {node.name})

    for root in roots:
        walk(root, frozenset())
    return sorted(found.values(), key=lambda n: n.total, reverse=True)


def rows(nodes: list[Node], top: int, label: str) -> list[str]:
    lines = [f"| {label} | total | own |", "|---|---:|---:|"]
    for n in nodes[:top]:
        lines.append(f"| `{n.name}` | {n.total * 1000:.0f} ms | {n.own * 1000:.0f} ms |")
    return lines


@dataclass
class State:
    """A built index kept pristine, and the fixed folder every profiled run works in."""

    store: Path
    run: Path

    def env(self) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
        return {
            **base,
            "PYTHONPATH": str(ROOT),
            "NEWSBOT_ARTICLES_DIR": str(self.run / "articles"),
            "NEWSBOT_DATA_DIR": str(self.run / "data"),
        }

    def restore(self) -> None:
        copy_tree(self.store / "articles", self.run / "articles")
        copy_tree(self.store / "data", self.run / "data")

    def python(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [PY, *args], cwd=self.run, env=self.env(), capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            sys.stderr.write(done.stderr)
            raise SystemExit(f"`python {' '.join(args)}` failed (exit {done.returncode})")
        return done


def profile(state: State, command: str, top: int) -> list[str]:
    """Both profiles of one command, each on a fresh copy of the pristine state."""
    args = COMMANDS[command]
    state.restore()
    if command == "index (+1 article)":
        new_article(state.run / "articles", 0)
    imports = import_tree(state.python("-X", "importtime", "-m", "bot.cli", *args).stderr)
    state.restore()
    if command == "index (+1 article)":
        new_article(state.run / "articles", 0)
    out = state.run / "pyinstrument.json"
    state.python("-m", "pyinstrument", "-r", "json", "-o", str(out), "-m", "bot.cli", *args)
    session = json.loads(out.read_text(encoding="utf-8"))
    frames = frame_tree(session["root_frame"])
    total_imports = sum(n.total for n in imports)
    shown = f"`newsbot {command}`".replace(" (", "`, ").replace(")`", "")
    return [
        f"#### {shown}",
        "",
        f"Under pyinstrument {session['duration']:.2f} s wall ({session['cpu_time']:.2f} s CPU); "
        f"imports {total_imports:.2f} s by `-X importtime` (a separate run).",
        "",
        *rows(split_points(imports), top, "import (`-X importtime`)"),
        "",
        *rows(split_points([frames]), top, "frame (pyinstrument)"),
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles-dir", type=Path, help="articles of a built index")
    parser.add_argument("--data-dir", type=Path, help="its data folder (NEWSBOT_DATA_DIR)")
    parser.add_argument("--top", type=int, default=8, help="imports and frames per command")
    parser.add_argument("--append", type=Path, help="also append the report to this file")
    args = parser.parse_args()
    if (args.articles_dir is None) != (args.data_dir is None):
        parser.error("give both --articles-dir and --data-dir, or neither (the sample)")
    started = load()
    work = Path(tempfile.mkdtemp(prefix="newsbot-profile-"))
    state = State(work / "store", work / "run")
    try:
        copy_tree(args.articles_dir or ROOT / "articles", state.store / "articles")
        if args.data_dir:
            copy_tree(args.data_dir, state.store / "data")
        state.restore()
        state.python("-m", "bot.cli", "index")  # the build, or settling the copied state
        copy_tree(state.run / "data", state.store / "data")
        files = len(list((state.store / "articles").glob("*.txt")))
        body: list[str] = []
        for command in COMMANDS:
            print(f"... {command}", file=sys.stderr, flush=True)
            body += profile(state, command, args.top)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    where = f"`{args.articles_dir}`" if args.articles_dir else "the sample articles"
    text = "\n".join(
        [
            f"### Profiles of whole processes ({files:,} articles: {where})",
            "",
            f"`{' '.join(['python', 'benchmarks/profile_process.py', *sys.argv[1:]])}` on "
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, load average "
            f"(1/5/15 min) {started} at the start and {load()} at the end. A node that hands "
            f">= {PASS_THROUGH:.0%} of its time to one child is shown as that child; `own` is "
            "time not in a listed child (pyinstrument drops children under ~1 % of the run).",
            "",
            *body,
        ]
    )
    emit(text, args.append)


if __name__ == "__main__":
    main()
