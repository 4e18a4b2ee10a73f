"""Where the rooms meet: who may import what, read from the source (ast), not by running it.

The front ends (CLI, Discord) talk to the service only; the service reaches `index` through
its door (`index.api`); the answer layer borrows only neutral helpers; `index` never
imports `bot`. A new import that crosses a line fails here, naming the file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FRONT_ENDS = [ROOT / "bot" / "cli.py", *sorted((ROOT / "bot" / "discord").rglob("*.py"))]
# Records and errors: what a front end may know of `index` besides the service.
FRONT_END_ALLOWED = {"index.types", "index.errors"}
# The Discord settings group extends the settings base all groups share.
SETTINGS_BASE = {ROOT / "bot" / "discord" / "settings.py": {"index.settings"}}
# Pure helpers with no store, ingest or retrieval behind them.
NEUTRAL = {"index.types", "index.errors", "index.text", "index.dates", "index.fusion"}


def imports(path: Path) -> list[tuple[int, str, bool]]:
    """(line, module, only for type checking) of every import in the file, wherever it
    sits (top level, inside a function, under `if TYPE_CHECKING:`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: list[tuple[int, str, bool]] = []

    def visit(node: ast.AST, typing_only: bool) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                visit(child, True)
            for child in node.orelse:
                visit(child, typing_only)
            return
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name, typing_only) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module in ("index", "bot"):  # `from index import types`
                found.extend(
                    (node.lineno, f"{node.module}.{a.name}", typing_only) for a in node.names
                )
            else:
                found.append((node.lineno, node.module, typing_only))
        for child in ast.iter_child_nodes(node):
            visit(child, typing_only)

    visit(tree, False)
    return found


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def test_front_ends_import_only_types_and_errors_of_index() -> None:
    assert len(FRONT_ENDS) > 5  # the walk found the cogs
    crossing = [
        f"{_where(path, line)} imports {module}"
        for path in FRONT_ENDS
        for line, module, _ in imports(path)
        if _in(module, "index") and module not in FRONT_END_ALLOWED | SETTINGS_BASE.get(path, set())
    ]
    assert not crossing, "front ends must go through bot.service:\n" + "\n".join(crossing)


def test_the_service_reaches_index_through_its_door() -> None:
    """At run time `bot/service.py` uses `index.api` (plus records and errors); modules
    named only for type annotations (the internals tests look at) do not count."""
    path = ROOT / "bot" / "service.py"
    crossing = [
        f"{_where(path, line)} imports {module}"
        for line, module, typing_only in imports(path)
        if _in(module, "index")
        and not typing_only
        and module not in {"index.api", "index.types", "index.errors"}
    ]
    assert not crossing, "\n".join(crossing)


def test_the_answer_layer_borrows_only_neutral_helpers() -> None:
    """No store (sentence-vector codec), ingest (dates) or retrieval in bot/answer: chunks
    reach it with their sentence vectors decoded."""
    allowed = NEUTRAL | {"index.settings"}  # bot/answer/settings.py extends the base
    crossing = [
        f"{_where(path, line)} imports {module}"
        for path in sorted((ROOT / "bot" / "answer").rglob("*.py"))
        for line, module, _ in imports(path)
        if _in(module, "index") and module not in allowed
    ]
    assert not crossing, "\n".join(crossing)


def test_the_neutral_helpers_stand_alone() -> None:
    """What the answer layer borrows imports nothing else of index (so nothing heavy)."""
    crossing = [
        f"{_where(ROOT / (name.replace('.', '/') + '.py'), line)} imports {module}"
        for name in sorted(NEUTRAL)
        for line, module, _ in imports(ROOT / (name.replace(".", "/") + ".py"))
        if _in(module, "index") and module not in NEUTRAL
    ]
    assert not crossing, "\n".join(crossing)


def test_index_never_imports_bot() -> None:
    crossing = [
        f"{_where(path, line)} imports {module}"
        for path in sorted((ROOT / "index").rglob("*.py"))
        for line, module, _ in imports(path)
        if _in(module, "bot")
    ]
    assert not crossing, "data flows one way, index -> bot:\n" + "\n".join(crossing)


def test_the_check_sees_lazy_typing_and_package_imports(tmp_path: Path) -> None:
    """The walk must not miss the lazy imports the CLI uses for a fast start."""
    path = tmp_path / "mod.py"
    path.write_text(
        "from typing import TYPE_CHECKING\n"
        "import index.store.chroma\n"
        "from index import build\n"
        "if TYPE_CHECKING:\n"
        "    from index.retrieve import Retriever\n"
        "def f():\n"
        "    from index.feeds import feed_registry\n",
        encoding="utf-8",
    )
    assert imports(path) == [
        (1, "typing", False),
        (2, "index.store.chroma", False),
        (3, "index.build", False),
        (5, "index.retrieve", True),
        (7, "index.feeds", False),
    ]
