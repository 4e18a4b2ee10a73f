"""Re-indexing that never breaks the index: SIGKILL mid-update, concurrent readers, one writer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from chromadb.api.client import SharedSystemClient

from bot.service import NewsBot
from bot.settings import load_settings
from index.lock import IndexBusyError
from tests.conftest import SAMPLE_ARTICLES

COPIES = 8  # 40 files, ~160 chunks in 2 groups: long enough for kills to land mid-way


def write_corpus(folder: Path, version: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(COPIES):
        for f in sorted(SAMPLE_ARTICLES.glob("*.txt")):
            body = f.read_text(encoding="utf-8")
            (folder / f"{i}_{f.name}").write_text(
                f"{body}\n\nEdition {i} version {version}: the {version} bulletin reports "
                f"{version} delegates in city {i}.\n",
                encoding="utf-8",
            )


BULLETINS = 260  # one short chunk each: with the sample articles ~280 chunks, 2 groups


def write_bulletins(folder: Path, version: str) -> None:
    """The sample articles and many one-chunk bulletins, every file marked with `version`:
    enough chunks for two of the indexer's groups (so kills land between them), yet short
    passages, so each run embeds a quarter of the words `write_corpus` would."""
    folder.mkdir(parents=True, exist_ok=True)
    for f in sorted(SAMPLE_ARTICLES.glob("*.txt")):
        body = f.read_text(encoding="utf-8")
        (folder / f.name).write_text(
            f"{body}\n\nThe {version} bulletin reports version {version} of this story.\n",
            encoding="utf-8",
        )
    for i in range(BULLETINS):
        (folder / f"bulletin_{i:03d}.txt").write_text(
            f"Bulletin {i}, version {version}: the {version} bulletin reports {version} "
            f"delegates in city {i}, who met on day {i % 28 + 1} to discuss trade.\n",
            encoding="utf-8",
        )


def start_indexer(articles: Path, data: Path, fault: str = "") -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "NEWSBOT_ARTICLES_DIR": str(articles),
        "NEWSBOT_DATA_DIR": str(data),
        "NEWSBOT_FAULT_POINT": fault,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "index", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def check_consistent(bot: NewsBot, shas: dict[str, dict[str, str]]) -> dict[str, int]:
    """Every file is wholly in version A or B; its chunks all exist; nothing is duplicated."""
    manifest = bot.ws.manifest()
    assert manifest is not None
    versions = {"A": 0, "B": 0}
    for name, entry in manifest.files.items():
        version = next(v for v, by_name in shas.items() if by_name[name] == entry.sha256)
        versions[version] += 1
        chunks = bot.ws.store.get(entry.chunks)
        assert [c.chunk_id for c in chunks] == entry.chunks  # none missing
        assert all(f"version {version}" in " ".join(c.text for c in chunks) for _ in [0])
    assert sum(versions.values()) == len(shas["A"])  # no file lost
    live = manifest.live_chunks()
    assert len(live) == manifest.chunk_count  # no chunk listed twice
    hits = bot.search("bulletin reports delegates", k=10)
    assert hits and all(h.chunk.chunk_id in live for h in hits)
    keys = [(h.chunk.article_id, h.chunk.position) for h in hits]
    assert len(keys) == len(set(keys))  # never an old and a new copy of one passage
    return versions


def sha_map(folder: Path) -> dict[str, str]:
    from index.build import file_digest

    return {p.name: file_digest(p) for p in folder.iterdir()}


def test_sigkill_at_several_points_leaves_a_working_index(tmp_path: Path) -> None:
    articles, data = tmp_path / "articles", tmp_path / "data"
    write_bulletins(articles, "A")
    shas = {"A": sha_map(articles)}
    started = time.monotonic()
    proc = start_indexer(articles, data)
    assert proc.wait(timeout=600) == 0, proc.stderr.read() if proc.stderr else ""
    full = time.monotonic() - started

    write_bulletins(articles, "B")
    shas["B"] = sha_map(articles)
    seen_versions = []
    finished = False  # a run after one that finished has nothing to do: no fault point
    # SIGKILL at chosen points (the indexer kills itself there) and at a moment in time
    for fault in ("after-upsert:2", "after-upsert:1", "after-switch:1", "", "before-cleanup:1"):
        proc = start_indexer(articles, data, fault)
        if not fault:
            time.sleep(full * 0.5)
            proc.send_signal(signal.SIGKILL)
        code = proc.wait(timeout=600)
        assert code == -signal.SIGKILL or (code == 0 and (finished or not fault)), (fault, code)
        finished = code == 0
        SharedSystemClient.clear_system_cache()  # look at it as a fresh process would
        bot = NewsBot(load_settings(articles_dir=articles, data_dir=data))
        seen_versions.append(check_consistent(bot, shas))
        assert bot.ask("How many troops did Zelenskyy say were needed?").answered

    # some kills landed mid-way: some files already new, others still old
    assert any(v["A"] and v["B"] for v in seen_versions), seen_versions
    SharedSystemClient.clear_system_cache()
    bot = NewsBot(load_settings(articles_dir=articles, data_dir=data))
    report = bot.update()
    assert report.problems == []
    assert check_consistent(bot, shas) == {"A": 0, "B": len(shas["B"])}
    assert bot.ws.store.count() == report.chunks  # leftovers collected


def test_a_run_killed_after_its_switches_but_before_publishing_is_published_by_the_next(
    tmp_path: Path,
) -> None:
    """Run 1 switches every file to version B and is killed before it publishes; run 2
    collects its leftovers and is killed before publishing too. Nothing is left to switch
    or collect then, yet the published snapshot still lists version A: run 3 must publish
    (readers search the snapshot), not trust it because its generation number is current."""
    articles, data = tmp_path / "articles", tmp_path / "data"
    write_corpus(articles, "A")  # one group: run 1's only switch is all of them
    assert start_indexer(articles, data).wait(timeout=600) == 0
    write_corpus(articles, "B")
    for fault in ("after-switch:1", "before-publish:1"):
        assert start_indexer(articles, data, fault).wait(timeout=600) == -signal.SIGKILL, fault
    done = start_indexer(articles, data)
    assert done.wait(timeout=600) == 0, done.stderr.read() if done.stderr else ""
    SharedSystemClient.clear_system_cache()
    bot = NewsBot(load_settings(articles_dir=articles, data_dir=data))
    live = bot.ws.manifest().live_chunks()  # type: ignore[union-attr]
    hits = bot.search("bulletin reports delegates", k=10)
    assert hits and all(h.chunk.chunk_id in live for h in hits)
    assert all("version B" in h.chunk.text for h in hits)


def test_questions_get_answers_while_an_update_runs(corpus: tuple[Path, Path]) -> None:
    articles, data = corpus
    bot = NewsBot(load_settings(articles_dir=articles, data_dir=data))
    bot.update()
    for f in articles.iterdir():
        f.write_text(f.read_text() + "\nA late correction was added to this story.\n")
    errors: list[BaseException] = []
    answers = []
    done = threading.Event()

    def ask_loop() -> None:
        while not done.is_set():
            try:
                answers.append(bot.ask("How many troops did Zelenskyy say were needed?"))
            except BaseException as exc:
                errors.append(exc)

    reader = threading.Thread(target=ask_loop)
    reader.start()
    try:
        report = bot.update()
    finally:
        done.set()
        reader.join(timeout=60)
    assert report.updated == 5
    assert errors == []
    assert answers and all(a.answered and "100,000" in a.text for a in answers)


def test_only_one_indexer_at_a_time(corpus: tuple[Path, Path]) -> None:
    articles, data = corpus
    bot = NewsBot(load_settings(articles_dir=articles, data_dir=data))
    holder = bot.ws.lock()
    holder.acquire()
    try:
        with pytest.raises(IndexBusyError, match="Another indexer is running"):
            bot.update()
    finally:
        holder.release()
    assert bot.update().added == 5  # free again once released


def test_a_killed_indexer_does_not_hold_the_lock(tmp_path: Path) -> None:
    data = tmp_path / "data"
    code = (
        "import sys, time; from pathlib import Path; from index.lock import IndexLock; "
        "IndexLock(Path(sys.argv[1])).acquire(); print('locked', flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(data)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout and proc.stdout.readline().strip() == "locked"
    from index.lock import IndexLock

    with pytest.raises(IndexBusyError):
        IndexLock(data).acquire()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    lock = IndexLock(data)
    lock.acquire(wait=5)
    lock.release()
