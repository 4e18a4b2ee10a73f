"""Fault matrix: one bad file never aborts an index run, the watcher or the Discord refresh.

Each fault is dropped into a copy of the 5 sample articles and indexed by the real CLI. What
a user cares about is recorded for every case: the line that names the bad file, that no
other article was lost, and that the next `newsbot index` still works.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.discord.cogs.admin import AdminCog
from bot.discord.work import Worker
from bot.service import NewsBot
from bot.settings import load_settings
from index.build import UpdateReport
from index.errors import SourceError
from index.ingest.sources import parse_date, read_bytes
from tests.cli_process import assert_ok, newsbot_process

SAMPLE = 5  # articles in the sample corpus
BAD_NAME = os.fsdecode(b"bad-\xff\xfe.txt")  # not UTF-8: os.fsdecode gives surrogates
BAD_NAME_SHOWN = "bad-\\xff\\xfe.txt"
EMPTY_BAD_NAME = os.fsdecode(b"empty-\xff.txt")


def run(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    proc = assert_ok(newsbot_process(*args, env=env, timeout=timeout))
    assert "unexpected" not in proc.stderr, proc.stderr
    return proc


def cli_env(articles: Path, data: Path, **extra: str) -> dict[str, str]:
    return {"NEWSBOT_ARTICLES_DIR": str(articles), "NEWSBOT_DATA_DIR": str(data), **extra}


def write_json(path: Path, date: str) -> None:
    """A one-story JSON file whose date field is `date`, written as raw JSON."""
    path.write_text(f'{{"text": "The {path.stem} story about the harbour.", "date": {date}}}')


def links(articles: Path) -> None:
    (articles / "loop_a.txt").symlink_to("loop_b.txt")
    (articles / "loop_b.txt").symlink_to("loop_a.txt")
    (articles / "dangling.txt").symlink_to("no-such-file.txt")


def bad_json(articles: Path) -> None:
    (articles / "deep.json").write_text("[" * 100_000)
    (articles / "bigint.json").write_text('{"text": "Big number story.", "n": ' + "9" * 5000 + "}")


def bad_dates(articles: Path) -> None:
    write_json(articles / "nan.json", "NaN")
    write_json(articles / "e20.json", "1e20")
    write_json(articles / "negative.json", "-99999999999999")
    write_json(articles / "y33658.json", '"33658-01-01"')
    write_json(articles / "y0.json", '"0000-01-01"')
    write_json(articles / "millis.json", "1717171717000")


def bad_names(articles: Path) -> None:
    (articles / BAD_NAME).write_text("Ferry services to the islands resumed on Monday.\n")
    (articles / EMPTY_BAD_NAME).write_text("")
    (articles / "latin1.txt").write_bytes("Café owners reopened in Kyiv.".encode("cp1252"))
    future = articles / "future.txt"
    future.write_text("Tram drivers in Lviv went on strike over pay.\n")
    os.utime(future, (1e12, 1e12))  # year 33658


def special_files(articles: Path) -> None:
    os.mkfifo(articles / "fifo.txt")  # reading it would block forever
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(articles / "sock.txt"))


def sparse(articles: Path) -> None:
    with open(articles / "sparse.txt", "wb") as f:
        f.truncate(3 * 2**30)  # 3 GiB of holes: costs no disk


@dataclass(frozen=True)
class Fault:
    make: Callable[[Path], None]
    skipped: dict[str, str]  # file -> part of its "skipped:" line; not indexed
    warned: dict[str, str] = field(default_factory=dict)  # file -> part of its "warning:" line
    indexed: int = 0  # files of the fault that must be indexed anyway
    env: dict[str, str] = field(default_factory=dict)
    # query -> (source of the top hit, its date or ... for any date)
    search: dict[str, tuple[str, object]] = field(default_factory=dict)


FAULTS = {
    "symlink-loop-and-dangling": Fault(
        links,
        skipped={
            "loop_a.txt": "symlink loop",
            "loop_b.txt": "symlink loop",
            "dangling.txt": "broken symlink",
        },
    ),
    "json-deep-nesting-and-huge-int": Fault(
        bad_json,
        skipped={"deep.json": "nested too deeply", "bigint.json": "invalid JSON"},
    ),
    "json-absurd-dates": Fault(
        bad_dates,
        skipped={},
        warned={
            name: "not a usable date"
            for name in ("nan.json", "e20.json", "negative.json", "y33658.json", "y0.json")
        },
        indexed=6,  # the stories stay; only their dates are dropped
        search={"millis story harbour": ("millis.json", "2024-05-31")},
    ),
    "undecodable-names-latin1-future-mtime": Fault(
        bad_names,
        skipped={"empty-\\xff.txt": "empty file"},
        warned={"latin1.txt": "not valid UTF-8"},
        indexed=3,
        search={
            "ferry services islands": (BAD_NAME_SHOWN, ...),  # a printable, usable name
            "tram drivers Lviv strike": ("future.txt", None),  # no year-33658 date
        },
    ),
    "fifo-and-socket": Fault(
        special_files,
        skipped={"fifo.txt": "not a regular file (a FIFO)", "sock.txt": "(a socket)"},
    ),
    "sparse-3gib-over-the-limit": Fault(
        sparse, skipped={"sparse.txt": "too big"}, env={"NEWSBOT_MAX_FILE_MB": "1"}
    ),
}


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
def test_a_bad_file_is_reported_and_skipped(corpus: tuple[Path, Path], fault: Fault) -> None:
    articles, data = corpus
    fault.make(articles)
    env = cli_env(articles, data, **fault.env)

    first = run("index", "--json", env=env, timeout=90)
    report = json.loads(first.stdout)
    problems = {p["source"]: p["message"] for p in report["problems"]}
    warnings = {p["source"]: p["message"] for p in report["warnings"]}
    assert set(problems) == set(fault.skipped)
    for source, part in fault.skipped.items():
        assert part in problems[source]
        assert f"skipped: {source}" in first.stderr  # the line the user sees names the file
    for source, part in fault.warned.items():
        assert part in warnings[source]
        assert f"warning: {source}" in first.stderr
    lost = SAMPLE + fault.indexed - report["added"]
    assert lost == 0

    again = json.loads(run("index", "--json", env=env, timeout=90).stdout)
    assert (again["added"], again["removed"]) == (0, 0)
    assert again["unchanged"] == SAMPLE + fault.indexed
    assert {p["source"] for p in again["problems"]} == set(fault.skipped)  # still named

    for query, (source, when) in fault.search.items():
        top = json.loads(run("search", query, "--json", "-k", "1", env=env).stdout)[0]
        assert top["source"] == source
        assert when is ... or top["date"] == when


def test_a_huge_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    sparse(tmp_path)
    big = tmp_path / "sparse.txt"
    started = time.perf_counter()
    with pytest.raises(SourceError, match="too big"):
        read_bytes(big, 2**20)
    assert time.perf_counter() - started < 0.5


def test_epoch_dates_in_seconds_or_milliseconds() -> None:
    assert str(parse_date(1717171717)) == str(parse_date(1717171717000)) == "2024-05-31"
    for absurd in (float("nan"), float("inf"), 1e20, -1, -(10**14), 10**40, True):
        assert parse_date(absurd) is None
    for text in ("33658-01-01", "0000-01-01", "1066-10-14", "x" * 100_000):
        assert parse_date(text) is None


def test_an_unreadable_file_is_reported(
    corpus: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    articles, data = corpus
    locked = articles / "locked.txt"
    locked.write_text("A story nobody may read.\n")
    locked.chmod(0)
    if os.geteuid() == 0:
        # root reads a chmod 000 file: make the kernel's answer for it EACCES instead
        real_open = os.open

        def deny(path: object, *args: object, **kwargs: object) -> int:
            if Path(str(path)) == locked:
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(os, "open", deny)
    bot = NewsBot(load_settings(articles_dir=articles, data_dir=data))
    report = bot.update()
    assert [(p.source, p.message) for p in report.problems] == [
        ("locked.txt", "cannot read: Permission denied")
    ]
    assert report.added == SAMPLE
    assert bot.update().unchanged == SAMPLE


def test_a_file_that_vanishes_or_breaks_a_parser_costs_only_itself(
    corpus: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import index.build as build
    import index.ingest.sources as sources

    articles, data = corpus
    for name in ("gone_early.txt", "gone_late.txt", "buggy.html", "buggy_digest.txt"):
        (articles / name).write_text(f"<p>The {name} story about the harbour.</p>\n")
    real_discover, real_digest, real_html = build.discover, build.file_digest, sources.html_to_doc

    def discover(root: Path):  # type: ignore[no-untyped-def]
        found = list(real_discover(root))
        (articles / "gone_early.txt").unlink()  # deleted after it was listed
        yield from found

    def file_digest(path: Path, max_bytes: int) -> str:
        if path.name == "buggy_digest.txt":
            raise KeyError("a bug")
        digest = real_digest(path, max_bytes)
        if path.name == "gone_late.txt":
            path.unlink()  # deleted between hashing and reading
        return digest

    def html_to_doc(html: str):  # type: ignore[no-untyped-def]
        if "buggy.html" in html:
            return 1 / 0
        return real_html(html)

    monkeypatch.setattr(build, "discover", discover)
    monkeypatch.setattr(build, "file_digest", file_digest)
    monkeypatch.setattr(sources, "html_to_doc", html_to_doc)
    bot = NewsBot(load_settings(articles_dir=articles, data_dir=data))
    report = bot.update()
    assert {p.source: p.message for p in report.problems} == {
        "gone_early.txt": "cannot read: No such file or directory",
        "gone_late.txt": "cannot read: No such file or directory",
        "buggy.html": "could not read: ZeroDivisionError: division by zero",
        "buggy_digest.txt": "could not read: KeyError: 'a bug'",
    }
    assert report.added == SAMPLE


def test_indexing_another_folder_keeps_the_configured_one(
    corpus: tuple[Path, Path], tmp_path: Path
) -> None:
    articles, data = corpus
    other = tmp_path / "elsewhere"
    (other / "feeds").mkdir(parents=True)
    (other / "feeds" / "tulips.txt").write_text("Tulip growers in Holland had a record year.\n")
    (articles / "feeds").mkdir()
    (articles / "feeds" / "tulips.txt").write_text("Tulip prices fell in the spring auctions.\n")
    env = cli_env(articles, data)
    assert json.loads(run("index", "--json", env=env).stdout)["added"] == SAMPLE + 1

    added = json.loads(run("index", str(other), "--json", env=env).stdout)
    assert (added["added"], added["removed"]) == (1, 0)
    again = json.loads(run("index", "--json", env=env).stdout)  # the configured folder again
    assert (again["added"], again["removed"], again["unchanged"]) == (0, 0, SAMPLE + 1)
    hits = json.loads(run("search", "tulip growers Holland", "--json", env=env).stdout)
    sources = {h["source"] for h in hits}
    assert {"feeds/tulips.txt", f"{other.resolve()}/feeds/tulips.txt"} <= sources

    (other / "feeds" / "tulips.txt").unlink()
    gone = json.loads(run("index", str(other), "--json", env=env).stdout)
    assert (gone["removed"], gone["unchanged"]) == (1, 0)
    status = run("status", env=env).stdout
    assert str(articles.resolve()) in status and f"{SAMPLE + 1}" in status


def test_the_watcher_outlives_bad_files(corpus: tuple[Path, Path]) -> None:
    articles, data = corpus
    env = {**os.environ, **cli_env(articles, data, NEWSBOT_MAX_FILE_MB="1")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "index", "--watch", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    reports: queue.Queue[str] = queue.Queue()
    errors: list[str] = []
    threading.Thread(target=lambda: [reports.put(x) for x in proc.stdout], daemon=True).start()  # type: ignore[union-attr]
    threading.Thread(target=lambda: errors.extend(proc.stderr), daemon=True).start()  # type: ignore[arg-type]
    bad = ["fifo.txt", "millis.json", "deep.json", "loop_a.txt", "loop_b.txt", "sparse.txt"]
    try:
        assert json.loads(reports.get(timeout=120))["added"] == SAMPLE
        time.sleep(0.5)
        special_files(articles)
        write_json(articles / "millis.json", "1717171717000")  # ended the watcher before
        (articles / "deep.json").write_text("[" * 100_000)
        links(articles)
        sparse(articles)
        time.sleep(1.5)  # a separate burst: the good file comes after the bad ones
        (articles / "good.md").write_text("# Lighthouse Restored\n\nThe old lighthouse shines.\n")
        added = 0
        deadline = time.monotonic() + 60
        while added < 2 and time.monotonic() < deadline:  # millis.json and good.md
            added += json.loads(reports.get(timeout=60))["added"]
        assert added == 2
        assert proc.poll() is None  # still watching
        hits = json.loads(run("search", "old lighthouse shines", "--json", env=env).stdout)
        assert hits[0]["source"] == "good.md"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    stderr = "".join(errors)
    assert "Traceback" not in stderr and "unexpected" not in stderr and "error:" not in stderr
    for name in bad:
        if name != "millis.json":
            assert f"skipped: {name}" in stderr


class FailingOnce:
    """A service whose first update dies of a bug; later ones work."""

    def __init__(self) -> None:
        self.calls = 0

    def update(self) -> UpdateReport:
        self.calls += 1
        if self.calls == 1:
            raise ValueError("year 56385 is out of range\nsecond line")
        return UpdateReport(added=1)

    def feeds_registered(self) -> bool:
        return False  # no feeds: the cycle is the folder update alone


async def test_the_discord_refresh_logs_a_failed_cycle_in_one_line_and_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings(_env_file=None, data_dir=tmp_path / "data", articles_dir=tmp_path)
    service = FailingOnce()
    bot = SimpleNamespace(settings=settings, service=service, worker=Worker(1))
    cog = AdminCog(bot)  # type: ignore[arg-type]
    with caplog.at_level(logging.INFO, logger="bot.discord.cogs.admin"):
        await cog._auto_update()
        await cog._auto_update()
    failed = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in failed] == [
        "automatic index update failed: ValueError: year 56385 is out of range"
    ]
    assert failed[0].exc_info is None  # one line, no traceback
    assert service.calls == 2
    assert any("1 added" in r.getMessage() for r in caplog.records)


async def test_the_discord_refresh_names_each_bad_file(
    corpus: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    articles, data = corpus
    links(articles)
    service = NewsBot(load_settings(articles_dir=articles, data_dir=data))
    bot = SimpleNamespace(settings=service.settings, service=service, worker=Worker(1))
    with caplog.at_level(logging.INFO, logger="bot.discord.cogs.admin"):
        await AdminCog(bot)._auto_update()  # type: ignore[arg-type]
    lines = [r.getMessage() for r in caplog.records]
    assert "automatic index update: skipped dangling.txt: cannot read: broken symlink" in (
        "\n".join(lines)
    )
    assert any("5 added" in line and "3 problems" in line for line in lines)
