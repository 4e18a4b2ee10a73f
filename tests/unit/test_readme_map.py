"""The README's "How it fits together" map matches the tree: every module it names exists,
and every module of bot/ and index/ is named, so the map cannot drift from the code."""

from __future__ import annotations

import re

from tests.conftest import ROOT


def _section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("## How it fits together", 1)[1].split("\n## ", 1)[0]


def _named() -> set[str]:
    """Paths the map names: `bot/answer/` (`x.py`, ...) expands to bot/answer/x.py."""
    named: set[str] = set()
    for row in _section().splitlines():
        if not row.startswith("| "):
            continue  # the prose names folders too ("index/ never imports bot/")
        for folder, inner in re.findall(r"`([\w/]+/)` \(([^)]*)\)", row):
            named |= {folder + f for f in re.findall(r"`([\w/]+(?:\.py|/))`", inner)}
        # a folder named with its list is covered by the list, not by its name
        pattern = r"`((?:bot|index|prompts|benchmarks)/[\w/]*(?:\.py|/)?)`(?! \()"
        named |= set(re.findall(pattern, row))
    return named


def test_every_module_the_map_names_exists() -> None:
    missing = sorted(p for p in _named() if not (ROOT / p).exists())
    assert not missing, f"README names modules that do not exist: {missing}"


def test_every_module_is_on_the_map() -> None:
    named = _named()
    modules = [
        p.relative_to(ROOT).as_posix()
        for top in ("bot", "index")
        for p in (ROOT / top).rglob("*.py")
        if p.name != "__init__.py"
    ]
    folders = [d for d in named if d.endswith("/")]
    unnamed = sorted(m for m in modules if m not in named and not m.startswith(tuple(folders)))
    assert not unnamed, f"modules missing from the README map: {unnamed}"
