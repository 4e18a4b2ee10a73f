"""Find article files and read them into raw documents (txt, md, html, json, jsonl, feeds)."""

from __future__ import annotations

import errno
import json
import math
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

from index.errors import SourceError
from index.errors import describe as describe  # build and watch read it here
from index.errors import first_line as _first_line
from index.ingest.stories import find_date, split_stories
from index.types import Article, DatedBy

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json", ".jsonl", ".ndjson"}
FEED_SUFFIXES = {".rss", ".atom", ".xml"}
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES | FEED_SUFFIXES
_TEXT_KEYS = ("text", "content", "body", "article", "summary", "description")
_DATE_KEYS = ("date", "published", "published_at", "publishedAt", "pubDate", "datetime")
_FIRST_YEAR = 1900  # older "news" dates are typos or garbage
_BLOCK = 1 << 20  # bytes per read
_MS_EPOCH = 1e11  # an epoch above this (year 5138 in seconds) is in milliseconds
_FILE_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFDIR: "a folder",
}


@dataclass(frozen=True)
class RawDoc:
    """A document as a file gives it: text plus whatever metadata the format carries."""

    key: str  # unique within its file; "" when the file is one document
    text: str
    title: str | None = None
    date: date | None = None
    url: str | None = None
    outlet: str | None = None
    dated_by: DatedBy = "metadata"  # where `date` came from: metadata, front-matter or sidecar


SIDECAR_SUFFIX = ".meta.json"  # `story.txt.meta.json` holds {"date": "2025-05-24"} for story.txt
_FRONT_MATTER_RE = re.compile(
    r"\A(?:---|\+\+\+)[ \t]*\n(.*?)\n(?:---|\+\+\+|\.\.\.)[ \t]*(?:\n|\Z)", re.S
)
_FRONT_LINE_RE = re.compile(r"^([A-Za-z_][\w-]*)\s*[:=]\s*(.*?)\s*$")
_NAME_DATE_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)-(\d\d)-(\d\d)(?!\d)")


def sidecar_path(path: Path) -> Path:
    """Where the user may put a publication date for `path` (see SIDECAR_SUFFIX)."""
    return path.with_name(path.name + SIDECAR_SUFFIX)


def is_sidecar(name: str) -> bool:
    return name.lower().endswith(SIDECAR_SUFFIX)


def date_from_name(source: str) -> date | None:
    """The date a file name carries as YYYY-MM-DD ("2025-05-24-brussels.txt"), if any:
    the user dated the file by naming it. Folders do not count."""
    match = _NAME_DATE_RE.search(source.rsplit("/", 1)[-1])
    if not match:
        return None
    try:
        return plausible(date(*(int(g) for g in match.groups())))
    except ValueError:
        return None


def printable(name: str) -> str:
    """A file name fit for a terminal, a log and a manifest id: bytes that are not UTF-8
    (os.fsdecode's surrogates) are written as \\xNN instead of crashing the printer."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def discover(root: Path) -> Iterator[tuple[Path, str]]:
    """(path, relative name) of every article file below root, sorted, hidden ones skipped.

    Symlinks are followed only when they stay inside root, so a link cannot pull in
    files from elsewhere on the machine. Broken links (dangling, looping) are listed:
    reading them fails, and that failure is what the user gets to see.
    """
    root_real = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or Path(name).suffix.lower() not in SUFFIXES:
                continue
            if is_sidecar(name):  # a date for another file, not an article
                continue
            path = Path(dirpath) / name
            if path.is_symlink() and not _link_inside(path, root_real):
                continue
            yield path, path.relative_to(root).as_posix()


def unsupported(root: Path) -> Iterator[str]:
    """Relative names of the visible files below root that `discover` passes over, so the
    user hears that a PDF was not read instead of wondering why it is never cited."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith(".") and Path(name).suffix.lower() not in SUFFIXES:
                yield (Path(dirpath) / name).relative_to(root).as_posix()


def unsupported_message(name: str) -> str:
    """Why a file is skipped, with what to do about it."""
    suffix = Path(name).suffix.lower()
    kind = {".pdf": "PDF", ".docx": "Word", ".doc": "Word", ".odt": "OpenDocument"}.get(suffix)
    if kind:
        return f"skipped: {kind} files ({suffix}) are not read; save it as text or HTML"
    formats = ", ".join(sorted(SUFFIXES))
    return f"skipped: not an article format ({suffix or 'no extension'}); read are {formats}"


def _link_inside(path: Path, root_real: Path) -> bool:
    """Whether a symlink points inside root; a loop counts as inside, so it gets reported."""
    try:
        return path.resolve().is_relative_to(root_real)
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return True


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most max_bytes; SourceError otherwise.

    FIFOs, sockets and devices are refused before they are opened (reading a FIFO blocks
    forever). The size is checked on the opened file and at most max_bytes + 1 bytes are
    read, so a huge, sparse or growing file costs nothing.
    """
    try:
        kind = _FILE_KINDS.get(stat.S_IFMT(path.stat().st_mode))
        if kind:
            raise SourceError(f"not a regular file ({kind}); not read")
        # O_NONBLOCK: a FIFO swapped in after the check still cannot block the open
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise SourceError("not a regular file; not read")
            if info.st_size > max_bytes:
                raise SourceError(_too_big(info.st_size, max_bytes))
            parts, size = [], 0
            while size <= max_bytes and (part := os.read(fd, min(max_bytes + 1 - size, _BLOCK))):
                parts.append(part)
                size += len(part)
        finally:
            os.close(fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SourceError("cannot read: symlink loop") from None
        if isinstance(exc, FileNotFoundError) and path.is_symlink():
            raise SourceError("cannot read: broken symlink (its target does not exist)") from None
        raise SourceError(f"cannot read: {exc.strerror or exc}") from None
    if size > max_bytes:
        raise SourceError(_too_big(size, max_bytes))
    return b"".join(parts)


def _too_big(size: int, max_bytes: int) -> str:
    return f"too big ({size / 2**20:.1f} MiB > {max_bytes / 2**20:.1f} MiB)"


def decode(data: bytes) -> tuple[str, str | None]:
    """Text of a file and a warning when it was not valid UTF-8."""
    if b"\x00" in data[:8192]:
        raise SourceError("looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "not valid UTF-8; read as Windows-1252"


def plausible(when: date | None) -> date | None:
    """The date if a news story can carry it (1900 to two years ahead), else None: a year
    like 33658 or 0 is a typo or garbage, and must not crash or skew the timeline."""
    if when is None or not _FIRST_YEAR <= when.year <= date.today().year + 2:
        return None
    return when


def parse_date(value: object) -> date | None:
    """A date from metadata: ISO strings, epoch numbers (seconds or milliseconds) or written
    dates. None for anything missing, unreadable or implausible; never an exception."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _epoch_date(value)
    text = str(value).strip()[:200]
    try:
        return plausible(datetime.fromisoformat(text.replace("Z", "+00:00")).date())
    except ValueError:
        pass
    try:
        from email.utils import parsedate_to_datetime

        return plausible(parsedate_to_datetime(text).date())
    except (TypeError, ValueError, IndexError, OverflowError):
        return plausible(find_date(text))


def _epoch_date(value: float) -> date | None:
    """Epoch seconds, or milliseconds as JavaScript writes them (1717171717000)."""
    if not math.isfinite(value) or value < 0:
        return None  # a negative epoch in a news feed is garbage, not 1969
    if value > _MS_EPOCH:
        value = value / 1000
    try:
        return plausible(datetime.fromtimestamp(value, UTC).date())
    except (OverflowError, OSError, ValueError):
        return None


def _from_json_obj(obj: object, key: str, warnings: list[str]) -> RawDoc | None:
    if not isinstance(obj, dict):
        return None
    text = next((obj[k] for k in _TEXT_KEYS if isinstance(obj.get(k), str) and obj[k]), None)
    if not text:
        return None
    raw = next((obj[k] for k in _DATE_KEYS if obj.get(k)), None)
    when = parse_date(raw)
    if raw is not None and when is None:
        shown = repr(raw) if len(repr(raw)) <= 40 else repr(raw)[:40] + "…"
        warnings.append(f"{key + ': ' if key else ''}date {shown} is not a usable date; ignored")
    title = obj.get("title") or obj.get("headline")
    outlet = obj.get("outlet") or obj.get("source") or obj.get("publisher")
    return RawDoc(
        key=key,
        text=text,
        title=str(title).strip() if title else None,
        date=when,
        url=str(obj["url"]) if obj.get("url") else None,
        outlet=str(outlet) if isinstance(outlet, str) else None,
    )


def _read_json(text: str, suffix: str, warnings: list[str]) -> list[RawDoc]:
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SourceError(f"invalid JSON at line {exc.lineno}: {exc.msg}") from None
        except RecursionError:
            raise SourceError("invalid JSON: nested too deeply") from None
        except ValueError as exc:  # e.g. an integer longer than Python's digit limit
            raise SourceError(f"invalid JSON: {_first_line(exc)}") from None
        items = data if isinstance(data, list) else [data]
        keyed = [(f"#{i}" if len(items) > 1 else "", obj) for i, obj in enumerate(items, 1)]
    else:
        keyed = []
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                keyed.append((f"#{lineno}", json.loads(line)))
            except json.JSONDecodeError as exc:
                raise SourceError(f"invalid JSON on line {lineno}: {exc.msg}") from None
            except RecursionError:
                raise SourceError(f"invalid JSON on line {lineno}: nested too deeply") from None
            except ValueError as exc:
                raise SourceError(f"invalid JSON on line {lineno}: {_first_line(exc)}") from None
    docs = [doc for key, obj in keyed if (doc := _from_json_obj(obj, key, warnings))]
    if not docs:
        raise SourceError("no object with a text/content/body field")
    return docs


def html_to_doc(html: str) -> RawDoc:
    """The article of an HTML page: its text (navigation, scripts, footers dropped) and the
    title, date, URL and outlet its metadata gives."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)

    def meta(*names: str) -> str | None:
        for name in names:
            node = tree.css_first(f'meta[property="{name}"]') or tree.css_first(
                f'meta[name="{name}"]'
            )
            if node and node.attributes.get("content"):
                return node.attributes["content"]
        return None

    title = meta("og:title", "twitter:title")
    if not title:
        node = tree.css_first("h1") or tree.css_first("title")
        title = node.text(strip=True) if node else None
    when = parse_date(meta("article:published_time", "date", "pubdate", "dc.date"))
    if when is None and (node := tree.css_first("time[datetime]")):
        when = parse_date(node.attributes.get("datetime"))
    tree.strip_tags(["script", "style", "noscript", "nav", "header", "footer", "aside", "form"])
    root = tree.css_first("article") or tree.css_first("main") or tree.body
    blocks = root.css("h1, h2, h3, h4, p, li, blockquote") if root else []
    text = "\n".join(b.text(separator=" ", strip=True) for b in blocks)
    if not text.strip() and root:
        text = root.text(separator="\n", strip=True)
    return RawDoc(
        key="",
        text=text,
        title=title,
        date=when,
        url=meta("og:url"),
        outlet=meta("og:site_name"),
    )


def _read_feed(data: bytes, warnings: list[str]) -> list[RawDoc]:
    """The entries of a feed file, each read as the story record `newsbot feeds add` would
    store for it: one parser, so a feed indexes alike from the folder and from the registry.
    """
    from index.feeds.parse import build_story, parse_feed  # here: it imports this module

    try:
        feed = parse_feed(data)
    except ValueError as exc:
        raise SourceError(str(exc)) from None
    if not feed.entries:
        raise SourceError("not an RSS/Atom feed with entries")
    docs = []
    for i, entry in enumerate(feed.entries, 1):
        record = build_story(entry, "", feed.title)
        key = f"#{entry.guid or entry.link or i}"
        if record is not None and (doc := _from_json_obj(record, key, warnings)):
            docs.append(doc)
    return docs


def read_docs(path: Path, max_bytes: int) -> tuple[list[RawDoc], list[str]]:
    """Raw documents of one file and warnings about it; SourceError when it is unusable."""
    data = read_bytes(path, max_bytes)
    if not data.strip():
        raise SourceError("empty file")
    suffix = path.suffix.lower()
    if suffix in FEED_SUFFIXES:
        feed_warnings: list[str] = []
        return _read_feed(data, feed_warnings), feed_warnings
    text, warning = decode(data)
    warnings = [warning] if warning else []
    if suffix in JSON_SUFFIXES:
        docs = _read_json(text, suffix, warnings)
    elif suffix in HTML_SUFFIXES:
        docs = [html_to_doc(text)]
    else:
        docs = [text_to_doc(text, warnings)]
    return _with_sidecar(path, docs, warnings, max_bytes), warnings


def text_to_doc(text: str, warnings: list[str]) -> RawDoc:
    """A text or Markdown article; a front-matter block at its top (`---` lines around
    `title:`, `date:`, `url:`, `outlet:`) is read as its metadata, not as its text."""
    match = _FRONT_MATTER_RE.match(text.replace("\r\n", "\n"))
    if not match:
        return RawDoc(key="", text=text)
    fields: dict[str, str] = {}
    for line in match.group(1).splitlines():
        if found := _FRONT_LINE_RE.match(line):
            fields.setdefault(found.group(1).lower(), found.group(2).strip("'\""))
    raw = next((fields[k.lower()] for k in _DATE_KEYS if fields.get(k.lower())), None)
    when = parse_date(raw)
    if raw is not None and when is None:
        warnings.append(f"front-matter date {raw[:40]!r} is not a usable date; ignored")
    title = fields.get("title") or fields.get("headline")
    outlet = fields.get("outlet") or fields.get("source") or fields.get("publisher")
    return RawDoc(
        key="",
        text=text.replace("\r\n", "\n")[match.end() :],
        title=title or None,
        date=when,
        url=fields.get("url") or fields.get("link") or None,
        outlet=outlet or None,
        dated_by="front-matter",
    )


def _with_sidecar(
    path: Path, docs: list[RawDoc], warnings: list[str], max_bytes: int
) -> list[RawDoc]:
    """The documents dated by the file's sidecar, when there is one: the user's word on
    when the file was published wins over what the file says."""
    side = sidecar_path(path)
    if not side.is_file():
        return docs
    try:
        data = json.loads(read_bytes(side, min(max_bytes, 1 << 16)).decode("utf-8-sig"))
    except (SourceError, ValueError, RecursionError) as exc:
        warnings.append(f"{side.name} is not readable JSON ({_first_line(exc)}); ignored")
        return docs
    fields = data if isinstance(data, dict) else {}
    when = parse_date(next((fields[k] for k in _DATE_KEYS if fields.get(k)), None))
    if when is None:
        expected = '{"date": "YYYY-MM-DD"}'
        warnings.append(f"{side.name} holds no usable date (expected {expected}); ignored")
        return docs
    return [replace(doc, date=when, dated_by="sidecar") for doc in docs]


def sidecar_bytes(path: Path) -> bytes:
    """The sidecar's bytes (b"" without one): part of what decides that a file changed."""
    try:
        return read_bytes(sidecar_path(path), 1 << 16)
    except SourceError:
        return b""


def to_articles(source: str, docs: list[RawDoc], file_time: str = "") -> list[Article]:
    """Split raw documents into stories and give each a stable id derived from its file.

    A story's date is its publication date: from the document's metadata (or sidecar), a
    dateline at its top, or a YYYY-MM-DD in the file name; otherwise it is undated.
    `file_time` (the file's mtime, ISO) is kept for display only, never as a date: a copy
    time says nothing about when a story ran.
    """
    stem = source.rsplit(".", 1)[0]
    named = date_from_name(source)
    fallback: tuple[date, DatedBy] | None = (named, "filename") if named else None
    articles: list[Article] = []
    for doc in docs:
        stories = split_stories(doc.text, doc.title, doc.date, doc.dated_by, fallback)
        for n, story in enumerate(stories, 1):
            suffix = "" if n == 1 else f"~{n}"
            articles.append(
                Article(
                    article_id=f"{stem}{doc.key}{suffix}",
                    source=source,
                    title=story.title,
                    text=story.text,
                    date=story.date,
                    url=doc.url,
                    outlet=doc.outlet,
                    dated_by=story.dated_by,
                    file_time=file_time,
                )
            )
    return articles
