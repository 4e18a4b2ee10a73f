"""`newsbot status` and a no-change `newsbot index` answer from the published summary,
without importing chromadb or onnxruntime, and print what the full path prints; anything
the summary cannot vouch for (a changed file or setting, a store written or damaged behind
its back) takes the full path."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_ARTICLES

HEAVY = ("chromadb", "onnxruntime", "bm25s", "scipy", "llama_index", "nltk")
# Runs the CLI in this process, then says on stderr which heavy modules it imported.
_CODE = (
    "import atexit, sys\n"
    "atexit.register(lambda: sys.stderr.write("
    f"'\\nHEAVY ' + ','.join(m for m in {HEAVY!r} if m in sys.modules) + '\\n'))\n"
    "sys.argv = ['newsbot', *sys.argv[1:]]\n"
    "from bot.cli import main\n"
    "main()\n"
)


def newsbot(*args: str, env: dict[str, str]) -> tuple[str, str, tuple[str, ...]]:
    """(stdout, stderr without the marker, which of the HEAVY modules it imported)."""
    proc = subprocess.run(
        [sys.executable, "-c", _CODE, *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    err, _, heavy = proc.stderr.rpartition("\nHEAVY ")
    return proc.stdout, err, tuple(m for m in heavy.strip().split(",") if m)


def summary_file(env: dict[str, str]) -> Path:
    bm25 = next(Path(env["NEWSBOT_DATA_DIR"]).glob("bm25-*"))
    return bm25 / (bm25 / "CURRENT").read_text().strip() / "summary.json"


def full_path(env: dict[str, str], *args: str) -> tuple[str, str]:
    """What the full path prints for the command, the summary set aside (an index run
    writes a new one)."""
    summary = summary_file(env)
    saved = summary.read_bytes()
    summary.unlink()
    try:
        out, err, heavy = newsbot(*args, env=env)
    finally:
        if not summary_file(env).exists():
            summary.write_bytes(saved)
    assert "chromadb" in heavy, args
    return out, err


def no_time(text: str) -> str:
    text = re.sub(r"in \d+\.\ds\)", "in Xs)", text)
    return re.sub(r'"seconds": [0-9.]+', '"seconds": X', text)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    articles = tmp_path / "articles"
    shutil.copytree(SAMPLE_ARTICLES, articles)
    (articles / "notes.pdf").write_bytes(b"%PDF-1.4")  # a warning on every run
    (articles / "copy.txt").write_bytes(sorted(SAMPLE_ARTICLES.glob("*.txt"))[2].read_bytes())
    env = {"NEWSBOT_ARTICLES_DIR": str(articles), "NEWSBOT_DATA_DIR": str(tmp_path / "data")}
    out, _, heavy = newsbot("index", "--json", env=env)
    assert json.loads(out)["added"] == 5 and heavy
    assert summary_file(env).exists()
    return env


def test_status_and_a_no_change_index_import_no_store_and_print_the_same(
    env: dict[str, str],
) -> None:
    for args in (("status",), ("status", "--json")):
        out, err, heavy = newsbot(*args, env=env)
        assert not heavy, args
        assert (out, err) == full_path(env, *args)

    for args in (("index",), ("index", "--json")):
        out, err, heavy = newsbot(*args, env=env)
        assert not heavy, args
        assert "notes.pdf" in err and "same content as" in err  # warnings as before
        full_out, full_err = full_path(env, *args)
        assert (no_time(out), err) == (no_time(full_out), full_err)
    report = json.loads(newsbot("index", "--json", env=env)[0])
    assert (report["unchanged"], report["chunks"], report["embedded_chunks"]) == (5, 19, 0)

    # the no-change run counts as an update: status shows its time
    before = json.loads(newsbot("status", "--json", env=env)[0])["updated_at"]
    summary = json.loads(summary_file(env).read_text())
    summary["updated_at"] = "2000-01-01T00:00:00+00:00"
    summary_file(env).write_text(json.dumps(summary))
    newsbot("index", env=env)
    assert json.loads(newsbot("status", "--json", env=env)[0])["updated_at"] >= before


def _edit_article(env: dict[str, str]) -> None:
    path = sorted(Path(env["NEWSBOT_ARTICLES_DIR"]).glob("0*.txt"))[0]
    path.write_text(path.read_text() + "\nA correction was appended.\n")


def _new_setting(env: dict[str, str]) -> None:
    env["NEWSBOT_CHUNK_TOKENS"] = "128"


def _touch_fingerprint(env: dict[str, str]) -> None:
    checked = Path(os.path.realpath(Path(env["NEWSBOT_DATA_DIR"]) / "chroma")) / ".newsbot-checked"
    checked.write_text(checked.read_text() + "\nx:00000000")


def _damage_keyword_index(env: dict[str, str]) -> None:
    (summary_file(env).parent / "chunks.json").write_text("{}")


def _delete_an_article(env: dict[str, str]) -> None:
    sorted(Path(env["NEWSBOT_ARTICLES_DIR"]).glob("0*.txt"))[-1].unlink()


@pytest.mark.parametrize(
    ("change", "expect"),
    [
        (_edit_article, {"updated": 1}),
        (_delete_an_article, {"removed": 1}),
        (_new_setting, {"added": 5}),  # a rebuild with the new chunk size
        (_touch_fingerprint, {"unchanged": 5}),
        (_damage_keyword_index, {"unchanged": 5}),
    ],
)
def test_what_the_summary_cannot_vouch_for_takes_the_full_path(
    env: dict[str, str], change, expect: dict[str, int]
) -> None:  # type: ignore[no-untyped-def]
    change(env)
    out, _, heavy = newsbot("index", "--json", env=env)
    report = json.loads(out)
    assert heavy and {k: report[k] for k in expect} == expect, report
    out, _, heavy = newsbot("index", "--json", env=env)  # and then it is at rest again
    assert not heavy and not (report := json.loads(out))["added"] + report["updated"]


def test_an_added_article_pays_only_for_the_store_and_the_model(env: dict[str, str]) -> None:
    """The summary vouches for the store, so adding one article neither probes it again nor
    imports the libraries the full build does not need; the article is found at once."""
    (Path(env["NEWSBOT_ARTICLES_DIR"]) / "zz_new.txt").write_text(
        "Quokka census finished\n\nRangers on Rottnest Island finished the first quokka "
        "census in a decade on Monday and counted 12,400 of the marsupials.\n"
    )
    out, _, heavy = newsbot("index", "--json", env=env)
    report = json.loads(out)
    assert (report["added"], report["unchanged"], report["problems"]) == (1, 5, [])
    assert set(heavy) == {"chromadb", "onnxruntime"}
    out, _, heavy = newsbot("search", "quokka census", "--json", env=env)
    assert json.loads(out)[0]["source"] == "zz_new.txt" and "chromadb" not in heavy
    out, _, heavy = newsbot("index", "--json", env=env)  # at rest again
    assert not heavy and json.loads(out)["unchanged"] == 6


def test_a_store_written_behind_the_summary_is_read_from_the_store(env: dict[str, str]) -> None:
    from bot.service import NewsBot
    from bot.settings import load_settings

    bot = NewsBot(
        load_settings(
            articles_dir=Path(env["NEWSBOT_ARTICLES_DIR"]),
            data_dir=Path(env["NEWSBOT_DATA_DIR"]),
        )
    )
    bot.ws.store.delete(sorted(bot.ws.store.ids()))  # emptied behind the manifest's back
    del bot
    out, _, heavy = newsbot("status", "--json", env=env)
    assert heavy and json.loads(out)["files"] == 5
    out, _, heavy = newsbot("index", "--json", env=env)
    assert heavy and json.loads(out)["added"] == 5  # the lost files are re-indexed
