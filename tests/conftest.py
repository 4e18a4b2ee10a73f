"""Suite-wide guards: no network beyond loopback, no model hub, and a sample index."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NETGUARD = Path(__file__).parent / "netguard"
SAMPLE_ARTICLES = ROOT / "articles"
EVAL_FILE = Path(__file__).parent / "eval" / "sample_eval.jsonl"

# Child processes (the CLI under test) load the same guard through sitecustomize.
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(NETGUARD), str(ROOT), os.environ.get("PYTHONPATH", "")]
).rstrip(os.pathsep)
for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
    os.environ[var] = "1"
# Knobs for the tests themselves (not newsbot settings), kept before the scrub below.
TEST_KNOBS = {
    k: os.environ[k] for k in ("NEWSBOT_TEST_GGUF", "NEWSBOT_DEV_CORPUS") if k in os.environ
}
# Settings must come from the tests, never from a developer's .env or shell.
for var in list(os.environ):
    if var.startswith(("NEWSBOT_", "DISCORD_")):
        del os.environ[var]
sys.path.insert(0, str(NETGUARD))
import newsbot_netguard  # noqa: E402,F401  (installs the guard in this process too)

SCRUBBED_PREFIXES = ("NEWSBOT_", "DISCORD_")


@pytest.fixture(scope="session", autouse=True)
def _session_outside_checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Session fixtures (the sample index) run in an empty folder: no `.env` to read."""
    patch = pytest.MonkeyPatch()
    patch.chdir(tmp_path_factory.mktemp("cwd"))
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every test ignores the developer's `.env` and shell: `NEWSBOT_*`/`DISCORD_*` are
    scrubbed and the test runs in an empty folder of its own, which the CLI subprocesses
    the tests start inherit, so a `.env` in the checkout or the caller's folder never
    reaches them. A test that wants a `.env` writes one into this folder."""
    for var in list(os.environ):
        if var.startswith(SCRUBBED_PREFIXES):
            monkeypatch.delenv(var)
    cwd = tmp_path_factory.mktemp("cwd")
    monkeypatch.chdir(cwd)
    return cwd


@pytest.fixture(scope="session")
def sample_bot(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A NewsBot over the sample corpus, indexed once into a temp folder."""
    from bot.service import NewsBot
    from bot.settings import load_settings

    base = tmp_path_factory.mktemp("sample")
    articles = base / "articles"
    shutil.copytree(SAMPLE_ARTICLES, articles)
    bot = NewsBot(load_settings(articles_dir=articles, data_dir=base / "data"))
    bot.update()
    return bot


@pytest.fixture
def corpus(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A private copy of the sample articles and an empty data folder."""
    articles = tmp_path / "articles"
    shutil.copytree(SAMPLE_ARTICLES, articles)
    yield articles, tmp_path / "data"


# --- tiers -------------------------------------------------------------------------------
# `make check` runs the unit tier (pure functions and in-process parts, well under a minute);
# `make test` runs both tiers. A test is "integration" when its folder is about real
# processes and servers, or when it asks for a fixture that builds an index or starts a
# server; everything else is "unit". New tests land in the right tier without a marker.
INTEGRATION_DIRS = {"e2e", "faults", "server", "discord", "feeds", "fakediscord", "llm"}
# Files of those folders that test pure parts: in the unit tier.
UNIT_FILES = {
    "test_discord_formatting.py",
    "test_discord_units.py",
    "test_feeds_units.py",
    "test_prompt.py",
    "test_verify.py",
}
# Fixtures that index a corpus, start a server or a fake service.
INTEGRATION_FIXTURES = {
    "sample_bot",
    "corpus",
    "index_dir",
    "newsbot",
    "chroma_server",
    "fake_server",
    "fake",
    "site",
    "sites",
}


def tier(item: pytest.Item) -> str:
    """ "integration" or "unit", from the test's folder, file and fixtures."""
    path = Path(str(item.path)).relative_to(ROOT / "tests")
    if path.parts[0] in INTEGRATION_DIRS and path.name not in UNIT_FILES:
        return "integration"
    if INTEGRATION_FIXTURES & set(getattr(item, "fixturenames", ())):
        return "integration"
    if item.get_closest_marker("slow") or item.get_closest_marker("llamacpp"):
        return "integration"
    return "unit"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(tier(item))
