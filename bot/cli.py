"""`newsbot` command line. The edge where domain errors become one-line messages.

Heavy modules (chromadb, onnxruntime, llama-index) are imported inside commands so that
`newsbot --help` and cold starts stay fast.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.padding import Padding
from rich.text import Text
from typer.core import TyperGroup

from bot.redact import terminal_text
from bot.safe_output import console_escape as escape  # no markup, no escapes
from bot.safe_output import protect_process
from bot.textout import PhaseClock, change_lines, chat_command, chat_help, repeats_answer

if TYPE_CHECKING:
    # typer vendors click in typer._click: its Command and Context are what TyperGroup takes.
    from typer._click import Command, Context, Parameter

    from bot.answer.model import Answer
    from bot.service import FetchReport, NewsBot, Problem, UpdateReport
    from index.types import Filters


class _Commands(TyperGroup):
    """The command tree, its help without a `<bool>` type after flags (they take no value)."""

    def get_params(self, ctx: Context) -> list[Parameter]:
        _untype_flags(self, ctx)
        return super().get_params(ctx)


def _untype_flags(command: Command, ctx: Context) -> None:
    """Flags (and -h) get an empty metavar: typer would show `<bool>` as if they took one."""
    help_option = command.get_help_option(ctx)
    for param in [*command.params, *([help_option] if help_option else [])]:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    for sub in getattr(command, "commands", {}).values():
        _untype_flags(sub, ctx)


app = typer.Typer(
    cls=_Commands,
    no_args_is_help=True,
    help="Grounded, cited answers from your news articles.",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
# Text is wrapped at word boundaries to a terminal's width; piped, lines stay whole.
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)
out.soft_wrap, err.soft_wrap = not out.is_terminal, not err.is_terminal


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            out.print(f"newsbot {version('newsbot')}")
        except PackageNotFoundError:
            out.print("newsbot (not installed: version unknown)")
        raise typer.Exit()


@app.callback()
def _main(
    show_version: Annotated[
        bool | None,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = None,
) -> None:
    """Grounded, cited answers from your news articles."""


JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
KOpt = Annotated[
    int | None,
    typer.Option(
        "-k",
        "--top-k",
        min=1,
        max=50,
        metavar="N",
        help="Passages used.",
        show_default="NEWSBOT_TOP_K",
    ),
]
SinceOpt = Annotated[
    str | None,
    typer.Option("--since", metavar="YYYY-MM-DD", help="Only articles dated on/after this day."),
]
UntilOpt = Annotated[
    str | None,
    typer.Option("--until", metavar="YYYY-MM-DD", help="Only articles dated on/before this day."),
]
SourceOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--source",
        metavar="FILE",
        help="Only this article file (file name or path); repeatable.",
    ),
]


def _fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}")
    raise SystemExit(code)


def _quiet_logs() -> None:
    level = logging.DEBUG if os.environ.get("NEWSBOT_DEBUG") else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for name in ("chromadb", "httpx", "urllib3", "bm25s", "llama_index", "openai"):
        logging.getLogger(name).setLevel(max(level, logging.ERROR))


def _bot() -> NewsBot:
    from bot.service import NewsBot
    from bot.settings import get_settings

    return NewsBot(get_settings())


def _filters(since: str | None, until: str | None, sources: list[str] | None) -> Filters:
    from index.types import Filters

    def parse(value: str | None, flag: str) -> date | None:
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            _fail(f"{flag} takes a date as YYYY-MM-DD, not {value!r}", 2)

    first, last = parse(since, "--since"), parse(until, "--until")
    if first and last and first > last:
        _fail(f"--since {first} is after --until {last}: no article can match", 2)
    return Filters(tuple(sources or ()), first, last)


def _sources(bot: NewsBot, filters: Filters) -> Filters:
    """`--source` entries as indexed names; a warning for each that matches no file."""
    filters, unmatched = bot.resolve_sources(filters)
    for entry in unmatched:
        err.print(f"[yellow]warning:[/] --source {escape(entry)} matches no indexed file")
    return filters


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


class _Stream:
    """Prints an LLM's draft as it arrives; then only what the checked answer changes."""

    def __init__(self, before: Callable[[], None] | None = None) -> None:
        self.parts: list[str] = []
        self.before = before  # prints what goes before the first token (chat's prompt)

    def __call__(self, delta: str) -> None:
        if not self.parts and self.before is not None:
            self.before()
        self.parts.append(delta)
        sys.stdout.write(terminal_text(delta))
        sys.stdout.flush()

    @property
    def text(self) -> str:
        return "".join(self.parts)


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def _indented(text: str, style: str = "") -> None:
    """A paragraph under a source line; on a terminal its wrapped lines keep the indent."""
    if out.is_terminal:
        out.print(Padding(Text(terminal_text(text), style=style), (0, 0, 0, 4)))
    else:
        out.print(Text("    " + terminal_text(text), style=style))


def _print_answer(answer: Answer, streamed: _Stream | None = None) -> None:
    if streamed is not None and streamed.text.strip():
        out.print()
        if answer.fallback or not _same(streamed.text, answer.text):
            out.print("\n[dim]Checked against the sources:[/]")
            out.print(escape(answer.text))
    else:
        out.print(escape(answer.text))
    if answer.note:
        out.print(f"[dim]{escape(answer.note)}[/]")
    if answer.citations:
        if line := answer.as_of_line():
            out.print(f"[dim]{escape(line)}[/]")
        out.print("\n[bold]Sources[/]")
        for c in answer.citations:
            where = " · ".join(p for p in (c.source, c.meta()) if p)
            out.print(f"[bold][{c.n}][/] {escape(c.title)} [dim]({escape(where)})[/]")
            if c.url:
                _indented(c.url, "dim")
            if c.copies:
                _indented(f"same story also in: {', '.join(c.copies)}", "dim")
            if not repeats_answer(c.snippet, answer.text):
                _indented(c.snippet, "italic")


@app.command()
def index(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Article folders (default: the settings' one).")
    ] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Drop and rebuild the index.")] = False,
    watch: Annotated[
        bool, typer.Option("--watch", help="Keep running; update as the folder changes.")
    ] = False,
    wait: Annotated[
        float, typer.Option("--wait", min=0, help="Seconds to wait for another indexer.")
    ] = 0.0,
    feeds: Annotated[
        bool, typer.Option("--feeds", help="First fetch every registered feed (`newsbot feeds`).")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Index new and changed articles and drop deleted ones (incremental)."""
    bot = _bot()
    fetched = _fetch_feeds(bot, as_json) if feeds else None
    if watch:
        _watch(bot, paths, rebuild, wait, as_json, feeds)
        return
    try:
        if err.is_terminal and not as_json:
            report = _update_with_bar(bot, paths, rebuild, wait)
        else:
            report = bot.update(paths or None, rebuild=rebuild, wait=wait)
    except KeyboardInterrupt:  # after the bar is gone, so that this line stays
        kept = "the previous index is kept" if rebuild else "what was indexed so far is kept"
        _fail(f"interrupted; {kept} (run `newsbot index` again to finish)", 130)
    _print_report(report, as_json, fetched)
    if not report.files_seen and not as_json:
        roots = ", ".join(str(p) for p in paths or [bot.settings.index.articles_dir])
        err.print(f"[yellow]warning:[/] no article files in {escape(roots)}")


def _update_with_bar(
    bot: NewsBot, paths: list[Path] | None, rebuild: bool, wait: float
) -> UpdateReport:
    """An update under a live line saying what it does now: phase, counts, rate, time."""
    import time

    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    clock = PhaseClock()
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("starting", total=None)

        shown = [""]

        def phase(name: str, done: int, total: int) -> None:
            line = clock.line(name, done, total, time.monotonic())
            new = name != shown[0]  # a new phase shows at once; counts at the next tick
            shown[0] = name
            bar.update(task, description=line, completed=done, total=total or None, refresh=new)

        return bot.update(paths or None, rebuild=rebuild, wait=wait, phases=phase)


def _watch(
    bot: NewsBot,
    paths: list[Path] | None,
    rebuild: bool,
    wait: float,
    as_json: bool,
    feeds: bool = False,
) -> None:
    roots = paths or [bot.settings.index.articles_dir]

    def on_error(exc: Exception) -> None:
        err.print(f"[bold red]error:[/] {escape(str(exc))}")

    shown: set[Problem] = set()  # a skipped file is reported once, not at every update

    def on_report(report: UpdateReport) -> None:
        from dataclasses import replace
        from datetime import datetime

        fresh = [w for w in report.warnings if w not in shown]
        shown.update(fresh)
        if as_json:
            _print_report(report, as_json)
            return
        now = datetime.now()
        for line in change_lines(report.changes, now):
            out.print(escape(line))
        _print_report(replace(report, warnings=fresh), as_json, stamp=now.strftime("%H:%M:%S"))

    if not as_json:
        err.print(f"[dim]Watching {escape(', '.join(map(str, roots)))}; Ctrl-C stops.[/]")
    # --feeds: fetched again every NEWSBOT_FEED_REFRESH_MINUTES; new stories are indexed
    # as the folder change they are
    every = (bot.settings.feeds.refresh_minutes * 60, lambda: _fetch_feeds(bot, as_json))
    # Ctrl-C during an update leaves it as a crash would (the next run cleans up)
    with contextlib.suppress(KeyboardInterrupt):
        bot.watch(
            paths or None,
            on_report,
            on_error,
            rebuild=rebuild,
            wait=max(wait, 60.0),
            every=every if feeds else None,
        )
    if not as_json:
        err.print("[dim]Stopped watching.[/]")


def _fetch_feeds(bot: NewsBot, as_json: bool) -> FetchReport:
    """`index --feeds`: fetch the registered feeds; each feed's outcome is one line."""
    fetched = bot.refresh_feeds()
    if not fetched.feeds:
        err.print("[yellow]warning:[/] no feeds registered (add one: `newsbot feeds add URL`)")
    for f in fetched.feeds if not as_json else ():
        name = escape(f.title or f.url)
        if f.status == "ok":
            dupes = f", {f.duplicates} stored from another feed" if f.duplicates else ""
            out.print(
                f"feed {name}: {f.new} new, {f.updated} updated, "
                f"{f.unchanged} unchanged stories{dupes}"
            )
        elif f.status == "not modified":
            out.print(f"feed {name}: not modified")
    for p in fetched.problems:
        err.print(f"[red]feed problem:[/] {escape(p.source)}: {escape(p.message)}")
    return fetched


def _print_report(
    report: UpdateReport, as_json: bool, fetched: FetchReport | None = None, stamp: str = ""
) -> None:
    if as_json:
        data = report.as_dict()
        if fetched is not None:
            data["feeds"] = fetched.as_dict()
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    else:
        out.print(
            f"{stamp + ' ' if stamp else ''}"
            f"added {report.added}, updated {report.updated}, removed {report.removed}, "
            f"unchanged {report.unchanged} files; {report.chunks} chunks indexed "
            f"({report.embedded} embedded in {report.seconds:.1f}s)"
        )
    for p in report.warnings:
        err.print(f"[yellow]warning:[/] {escape(p.source)}: {escape(p.message)}")
    for p in report.problems:
        err.print(f"[red]skipped:[/] {escape(p.source)}: {escape(p.message)}")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(metavar="QUESTION", help="Your question.")],
    k: KOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    source: SourceOpt = None,
    as_json: JsonOpt = False,
    show_evidence: Annotated[
        bool,
        typer.Option(
            "--show-evidence",
            help="Then each claim with the source sentence behind it, and what was removed.",
        ),
    ] = False,
) -> None:
    """Answer a question from the indexed articles, with numbered sources."""
    bot = _bot()
    filters = _sources(bot, _filters(since, until, source))
    stream = _Stream() if bot.settings.llm.enabled and not as_json else None
    answer = bot.ask(question, k, filters=filters, on_token=stream)
    if as_json:  # the JSON carries the claims already (`claims`)
        _print_json(answer.as_dict())
        return
    _print_answer(answer, stream)
    if show_evidence:
        _print_evidence(answer)


def _print_evidence(answer: Answer) -> None:
    """Each claim, the source sentence behind it and its source; then what was removed."""
    from bot.answer.evidence import answer_evidence

    found = answer_evidence(answer)
    out.print("\n[bold]Evidence[/]")
    if not found.backed:
        out.print("[dim]No claim of this answer cites a source.[/]")
    for b in found.backed:
        number = f"[{b.n}]" if b.n is not None else "[-]"
        out.print(f"[bold]{escape(number)}[/] {escape(b.title)}")
        if b.quoted:
            _indented(f"“{b.claim}” (the source's own words)", "italic")
        else:
            _indented(b.claim)
            _indented(f"source: “{b.evidence or '(no sentence aligned)'}”", "italic")
    if found.rejected:
        out.print(f"\n[bold]{found.rejected_heading}[/]")
    for r in found.rejected:
        title = f" ({r.title})" if r.title else ""
        _indented(f"{found.what_happened(r)}: “{r.claim}” — {r.why}{title}", "dim")


@app.command()
def search(
    query: Annotated[str, typer.Argument(metavar="QUERY", help="What to look for.")],
    k: KOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    source: SourceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show the best-matching passages with their scores."""
    bot = _bot()
    hits = bot.search(query, k, _sources(bot, _filters(since, until, source)))
    if not hits:
        err.print("[yellow]warning:[/] no passage matches (check the words, dates and sources)")
    if as_json:
        _print_json(
            [
                {
                    "rank": i,
                    "article_id": h.chunk.article_id,
                    "source": h.chunk.source,
                    "title": h.chunk.title,
                    "date": h.chunk.date.isoformat() if h.chunk.date else None,
                    "dated_by": h.chunk.dated_by or None,
                    "file_time": h.chunk.file_time or None,
                    "chunk_id": h.chunk.chunk_id,
                    "score": round(h.score, 4),
                    "text": h.chunk.text,
                }
                for i, h in enumerate(hits, 1)
            ]
        )
        return
    for i, h in enumerate(hits, 1):
        when = f", {h.chunk.date.isoformat()}" if h.chunk.date else ", undated"
        out.print(
            f"[bold]{i}.[/] {escape(h.chunk.title)} [dim]({escape(h.chunk.source)}{when}) "
            f"score {h.score:.3f}[/]"
        )
        out.print(f"    {escape(' '.join(h.chunk.text.split())[:300])}")


@app.command()
def timeline(
    topic: Annotated[str, typer.Argument(help="What the timeline is about.")],
    since: SinceOpt = None,
    until: UntilOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Dated events about a topic, oldest first, one cited sentence each."""
    filters = _filters(since, until, None)
    result = _bot().timeline(topic, filters=filters)
    if as_json:
        _print_json(result.as_dict())
    else:
        _print_answer(result.answer)


@app.command()
def digest(
    since: Annotated[
        str, typer.Option("--since", help="How far back: 24h, 7d, 2w or a date YYYY-MM-DD.")
    ] = "24h",
    include_undated: Annotated[
        bool,
        typer.Option(
            "--include-undated", help="Also list articles with no known publication date."
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """What is new since then, grouped by topic, each article cited."""
    from bot.answer.digest import SinceError, parse_since

    try:
        parse_since(since)
    except SinceError as exc:
        _fail(str(exc), 2)
    result = _bot().digest(since, include_undated=include_undated)
    if as_json:
        _print_json(result.as_dict())
    else:
        _print_answer(result.answer())


@app.command()
def chat() -> None:
    """Interactive questions; follow-ups are read in the context of earlier turns."""
    from bot.answer.model import Turn
    from index.errors import NewsbotError

    bot = _bot()
    history: list[Turn] = []
    interactive = sys.stdin.isatty()
    if interactive:
        _line_editing(bot.settings.index.data_dir)
        out.print(
            "[dim]Ask about the indexed news. /help lists commands, /reset forgets the "
            "conversation, /quit ends.[/]"
        )
    while True:
        try:
            line = input("you> " if interactive else "")
        except (EOFError, KeyboardInterrupt):
            break
        line = line.strip()
        if not line:
            continue
        command = chat_command(line)
        if command == "/quit":
            break
        if command == "/reset":
            history.clear()
            out.print("[dim]Conversation cleared.[/]")
            continue
        if command == "/help":
            for row in chat_help():
                out.print(escape(row))
            continue
        if command == "?":
            out.print(f"unknown command {escape(line)}; /help lists the commands")
            continue

        def prompt(line: str = line) -> None:
            if not interactive:
                out.print(f"you> {escape(line)}")
            out.print("[bold]newsbot>[/] ", end="")

        stream = _Stream(prompt) if bot.settings.llm.enabled else None
        try:
            answer = bot.ask(line, history=history, on_token=stream)
        except NewsbotError as exc:
            err.print(f"[bold red]error:[/] {escape(str(exc))}")
            continue
        if stream is None or not stream.text:
            prompt()
        _print_answer(answer, stream)
        out.print()
        history.append(Turn(line, answer.text, answer.standalone))


def _line_editing(data_dir: Path) -> None:
    """Arrow keys, editing and history at chat's prompt (GNU readline or libedit),
    the history kept between chats in the data folder when that folder exists."""
    try:
        import readline
    except ImportError:  # Windows without pyreadline: plain input
        return
    import atexit

    history = data_dir / "chat_history"
    readline.set_history_length(1000)
    if history.exists():
        with contextlib.suppress(OSError):
            readline.read_history_file(history)

    def save() -> None:
        if data_dir.is_dir():
            with contextlib.suppress(OSError):  # read-only: history lasts the session
                readline.write_history_file(history)

    atexit.register(save)


@app.command()
def status(as_json: JsonOpt = False) -> None:
    """What is indexed, when it was last updated, and where it is stored."""
    st = _bot().status()
    if as_json:
        _print_json(st.as_dict())
        return
    if not st.indexed:
        out.print(f"No index yet in {escape(st.store)}; `newsbot index` builds one.")
        out.print(f"articles folder: {escape(st.articles_dir)}")
        return
    out.print(f"articles:      {st.articles} (from {st.files} files in {escape(st.articles_dir)})")
    out.print(f"chunks:        {st.chunks}")
    out.print(f"last update:   {st.updated_at or 'never'}")
    out.print(f"store:         {escape(st.store)}")
    out.print(f"answers:       {st.answerer}")
    if st.llm_model:
        out.print(f"llm:           {escape(st.llm_model)}")


@app.command(name="eval")
def evaluate(
    file: Annotated[Path, typer.Argument(help="JSONL file of questions.")],
    k: KOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Measure retrieval and answers on a question file: hit rate, MRR, keyword accuracy,
    declines and cited sources, overall and per subset (single, multi, follow-up,
    unanswerable), and a confusion of the declines."""
    from bot.evaluate import load_cases, run_cases

    bot = _bot()
    report = run_cases(bot, load_cases(file), k or bot.settings.retrieval.top_k)
    metrics, subsets, confusion = report.metrics(), report.subsets(), report.confusion()
    if as_json:
        _print_json(
            {
                "metrics": metrics,
                "subsets": subsets,
                "confusion": confusion,
                "cases": [
                    {
                        "question": r.case.question,
                        "kind": r.case.subset,
                        "unanswerable": r.case.unanswerable,
                        "rank": r.rank,
                        "answered": r.answered,
                        "keywords_ok": r.keywords_ok,
                        "cited_ok": r.cited_ok,
                        "standalone": r.standalone or None,
                        "answer": r.answer,
                    }
                    for r in report.results
                ],
            }
        )
        return
    for name, value in metrics.items():
        out.print(f"{name:28} {value}")
    names = list(subsets)
    rows = [
        "keyword_accuracy",
        "false_decline_rate",
        "decline_rate_unanswerable",
        "cited_source_hit",
    ]
    out.print()
    out.print(f"{'subset':28} " + " ".join(f"{n:>12}" for n in names))
    out.print(f"{'questions':28} " + " ".join(f"{subsets[n]['questions']:>12}" for n in names))
    for row in rows:
        out.print(f"{row:28} " + " ".join(f"{subsets[n][row]:>12}" for n in names))
    out.print()
    out.print("declines      answered right  answered wrong  declined")
    out.print(
        f"answerable    {confusion['answerable_answered_right']:>14}  "
        f"{confusion['answerable_answered_wrong']:>14}  {confusion['answerable_declined']:>8}"
    )
    out.print(
        f"unanswerable  {'-':>14}  {confusion['unanswerable_answered']:>14}  "
        f"{confusion['unanswerable_declined']:>8}"
    )


@app.command(name="fit")
def fit_scorer(
    train: Annotated[
        list[Path], typer.Argument(help="JSONL question files to fit the weights on.")
    ],
    dev: Annotated[Path, typer.Option("--dev", help="JSONL questions to pick the threshold on.")],
    precision: Annotated[
        float | None,
        typer.Option(
            min=0.1, max=1.0, help="Pick the threshold for this precision on dev instead."
        ),
    ] = None,
    max_false_declines: Annotated[
        float,
        typer.Option(
            min=0.0, max=1.0, help="Share of answerable dev questions the threshold may decline."
        ),
    ] = 0.05,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Where to write the weights (default: shipped file)."),
    ] = None,
    k: KOpt = None,
) -> None:
    """Refit the extractive answerer's scorer on the indexed corpus (needs the dev extra)."""
    try:
        from bot.fit import fit
    except ImportError as exc:  # scikit-learn comes with `pip install '.[dev]'`
        _fail(f"fitting needs scikit-learn ({exc}); install with pip install '.[dev]'")
    from bot.answer.scorer import WEIGHTS_FILE
    from bot.evaluate import load_cases

    bot = _bot()
    top_k = k or bot.settings.retrieval.top_k
    try:
        cases = [case for path in train for case in load_cases(path)]
        scorer, points = fit(
            bot, cases, load_cases(dev), precision, top_k, max_false_declines=max_false_declines
        )
    except ValueError as exc:
        _fail(str(exc))
    target = out_file or WEIGHTS_FILE
    target.write_text(json.dumps(scorer.as_dict(), indent=1) + "\n", encoding="utf-8")
    out.print("threshold  precision  recall  declined-unanswerable  false-declines")
    for p in points:
        mark = "  <- chosen" if p.threshold == scorer.threshold else ""
        out.print(
            f"{p.threshold:9.3f}  {p.precision:9.3f}  {p.recall:6.3f}  "
            f"{p.decline_unanswerable:21.3f}  {p.false_declines:14.3f}{mark}"
        )
    out.print(f"wrote {escape(str(target))} (threshold {scorer.threshold})")


@app.command()
def bot() -> None:
    """Run the Discord bot (needs DISCORD_TOKEN)."""
    from bot.discord.runner import run

    run()


feeds_app = typer.Typer(
    no_args_is_help=True,
    help="RSS/Atom feeds fetched over HTTP by `newsbot index --feeds`.",
)
app.add_typer(feeds_app, name="feeds")
FeedUrlArg = Annotated[str, typer.Argument(help="The feed's address (http:// or https://).")]


@feeds_app.command("add")
def feeds_add(url: FeedUrlArg) -> None:
    """Register a feed; `newsbot index --feeds` fetches it (nothing is fetched now)."""
    feed, added, folder = _bot().add_feed(url)
    if not added:
        out.print(f"already registered: {escape(feed.url)}")
        return
    out.print(f"added {escape(feed.url)}; its stories will be stored in {escape(str(folder))}")


@feeds_app.command("list")
def feeds_list(as_json: JsonOpt = False) -> None:
    """The registered feeds with the state of their last fetch."""
    from dataclasses import asdict

    feeds = _bot().feeds()
    if as_json:
        _print_json([asdict(f) for f in feeds])
        return
    if not feeds:
        out.print("No feeds registered; add one with `newsbot feeds add URL`.")
        return
    for f in feeds:
        title = f" [dim]({escape(f.title)})[/]" if f.title else ""
        out.print(f"[bold]{escape(f.url)}[/]{title}")
        state = f.last_status or "never fetched"
        when = f" at {f.last_fetched}" if f.last_fetched else ""
        out.print(f"    {f.stories} stories; last fetch: {escape(state)}{when}")
        if f.last_error:
            out.print(f"    [red]last error:[/] {escape(f.last_error)}")


@feeds_app.command("remove")
def feeds_remove(
    url: FeedUrlArg,
    delete_stories: Annotated[
        bool,
        typer.Option(
            "--delete-stories", help="Also delete its stored stories (dropped at the next index)."
        ),
    ] = False,
) -> None:
    """Stop following a feed. Its stories stay indexed unless --delete-stories."""
    feed, deleted = _bot().remove_feed(url, delete_stories)
    note = ""
    if deleted is not None:
        note = f"; deleted {deleted} stories (run `newsbot index` to drop them)"
    out.print(f"removed {escape(feed.url)}{note}")


feedback_app = typer.Typer(
    no_args_is_help=True, help="👍 / 👎 votes given to the Discord bot's answers."
)
app.add_typer(feedback_app, name="feedback")


@feedback_app.command("export")
def feedback_export(
    as_json: Annotated[bool, typer.Option("--json", help="A JSON array (the default).")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV; sources as a JSON column.")] = False,
) -> None:
    """Every vote with its question, answer, sources and 👎 reason, to stdout."""
    from bot.discord.feedback import FEEDBACK_FILE, FeedbackStore, export_votes
    from bot.settings import get_settings

    if as_json and as_csv:
        _fail("choose one of --json and --csv", 2)
    path = get_settings().index.data_dir / FEEDBACK_FILE
    votes = FeedbackStore(path).votes() if path.is_file() else []  # never create it here
    sys.stdout.write(export_votes(votes, "csv" if as_csv else "json"))
    sys.stdout.flush()


def main() -> None:
    """Console entry point: every NewsbotError is one line on stderr and exit 1."""
    _quiet_logs()
    protect_process()  # secrets redacted from stdout, stderr and logs from here on
    from index.errors import NewsbotError

    try:
        app(prog_name="newsbot")
    except NewsbotError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except Exception as exc:  # the user gets one line; NEWSBOT_DEBUG=1 shows the traceback
        if os.environ.get("NEWSBOT_DEBUG"):
            raise
        _fail(f"unexpected {type(exc).__name__}: {exc} (set NEWSBOT_DEBUG=1 for details)")
    finally:
        # The interpreter's last collections walk every object chromadb and numpy
        # made (~0.1 s of a one-shot command). Everything is written and closed by now, and
        # Python never promised finalizers at exit: freeze the objects so exit skips them.
        gc.freeze()


if __name__ == "__main__":
    main()
