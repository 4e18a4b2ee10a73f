"""What the Discord bot says, shaped to Discord's limits. Pure: no network, no event loop.

* `split_message`: long text -> messages of at most 2,000 characters, cut at a paragraph,
  line, sentence or word boundary, never inside a word or a citation marker such as [3] or
  [1, 2], and never leaving a marker alone at the start of the next message.
* `source_embeds` / `answer_messages` / `search_messages`: sources as embeds within the
  embed limits (title 256, description 4,096, 25 fields of 256 + 1,024, 6,000 in all).
* `thread_name`, `question_text`, `neutralise_mentions`: user and article text made safe
  to show (no @everyone, @here or <@id> that could ping, even if mentions were allowed).
* `article_text` / `bot_text`: every text shown passes one of them. Both redact secrets
  (`bot.redact`) and defuse mentions and masked links ([text](url) never renders as a link);
  `article_text` escapes all markdown of untrusted text (article titles, passages, answers
  built from them), `bot_text` keeps the bot's own (bold counts, -# notes).
* Reply texts for cooldowns, refusals and errors, so that every user-facing line is here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import discord

from bot.redact import current, redact, terminal_text

if TYPE_CHECKING:
    from bot.answer.evidence import Backed, Evidence
    from bot.answer.model import Answer, Citation
    from bot.service import FetchReport, Status, UpdateReport
    from index.types import Hit

MESSAGE_LIMIT = 2000
THREAD_NAME_LIMIT = 100
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELDS_LIMIT = 25
EMBED_FIELD_NAME_LIMIT = 256
EMBED_FIELD_VALUE_LIMIT = 1024
EMBED_FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
_EMBED_BUDGET = EMBED_TOTAL_LIMIT - 100  # headroom for the ellipses added by shortening
SOURCES_PER_EMBED = 10
SNIPPET_CHARS = 350
EMBED_COLOUR = 0x2B6CB0

MARKER_RE = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]")
_MASS_MENTION_RE = re.compile(r"@(everyone|here)\b")
_ID_MENTION_RE = re.compile(r"<@([!&]?\d+)>")
_READABLE_MENTIONS = (
    (re.compile(r"<@!?\d+>"), "@user"),
    (re.compile(r"<@&\d+>"), "@role"),
    (re.compile(r"<#\d+>"), "#channel"),
)
_MASKED_LINK_RE = re.compile(r"(?<!\\)\[([^\[\]\n]*)\]\(")
_ZWSP = "\u200b"
_SENTENCE_END = ".!?…"
_CLOSERS = "\"'”’)»"


# --------------------------------------------------------------------------- mentions


def neutralise_mentions(text: str) -> str:
    """Defuse @everyone, @here and <@id>/<@!id>/<@&id> with a zero-width space.

    The bot also sends every message with `AllowedMentions.none()`; this second layer keeps
    article or user text from even *looking* like a ping.
    """
    text = _MASS_MENTION_RE.sub(f"@{_ZWSP}\\1", text)
    return _ID_MENTION_RE.sub(f"<@{_ZWSP}\\1>", text)


def defuse_links(text: str) -> str:
    """`[text](url)` -> `\\[text\\](url)`: shown as typed, never as a masked link."""
    return _MASKED_LINK_RE.sub(r"\\[\1\\](", text)


def article_text(text: str) -> str:
    """Untrusted text as plain text: secrets redacted, control characters (ANSI escapes,
    bidi overrides) dropped, markdown escaped, mentions defused."""
    return neutralise_mentions(discord.utils.escape_markdown(terminal_text(redact(text))))


def bot_text(text: str) -> str:
    """Text carrying the bot's own markdown: secrets redacted, links and mentions defused."""
    return neutralise_mentions(defuse_links(redact(text)))


def question_text(content: str, bot_id: int) -> str:
    """The question in a message that mentions the bot: its mention removed, spaces collapsed."""
    content = re.sub(rf"<@!?{bot_id}>", " ", content)
    return " ".join(content.split())


def thread_name(question: str, limit: int = THREAD_NAME_LIMIT) -> str:
    """A thread title from a question: 1 to `limit` characters, mentions made readable."""
    text = redact(question)
    for pattern, readable in _READABLE_MENTIONS:
        text = pattern.sub(readable, text)
    text = " ".join(_MASS_MENTION_RE.sub(f"@{_ZWSP}\\1", text).split())
    if not text:
        return "Question"
    return shorten(text, limit)


def shorten(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, cut at a word boundary with an ellipsis."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return "…"[:limit]
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


# --------------------------------------------------------------------------- splitting


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split `text` into pieces of at most `limit` characters for separate messages.

    Cuts go, in order of preference, at a paragraph break, a line break, the end of a
    sentence (after its citation markers) or between words, and only in the second half of
    a piece so pieces do not come out tiny. A cut never falls inside a citation marker and
    never puts a marker at the start of the next piece. Only a single "word" longer than
    `limit` (say, a huge URL) is ever cut hard. Whitespace at the cuts is dropped, so
    `" ".join(pieces).split() == text.split()`.
    """
    if limit < 20:
        raise ValueError("limit must be at least 20 characters")
    pieces: list[str] = []
    text = text.strip()
    while len(text) > limit:
        cut = _cut_point(text, limit)
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        pieces.append(text)
    return pieces


def _cut_point(text: str, limit: int) -> int:
    """Where to end the next piece: an index <= limit into `text` (which has no leading space)."""
    window = text[: limit + 1]
    spans = [m.span() for m in MARKER_RE.finditer(text, 0, limit + 64)]
    inside: set[int] = set()
    ends: set[int] = set()
    for start, end in spans:
        inside.update(range(start + 1, end))
        ends.add(end)

    def next_word(i: int) -> int:
        while i < len(text) and text[i].isspace():
            i += 1
        return i

    def before_marker(i: int) -> bool:
        return MARKER_RE.match(text, next_word(i)) is not None

    def after_sentence(i: int) -> bool:
        if i in ends:  # a claim ends with its markers
            return True
        return window[:i].rstrip(_CLOSERS)[-1:] in tuple(_SENTENCE_END)

    candidates = [
        i
        for i in range(1, len(window))
        if window[i].isspace() and not window[i - 1].isspace() and i not in inside
    ]
    late = [i for i in candidates if i >= limit // 2]
    preferences = (
        lambda: [i for i in late if "\n\n" in text[i : next_word(i)] and not before_marker(i)],
        lambda: [i for i in late if "\n" in text[i : next_word(i)] and not before_marker(i)],
        lambda: [i for i in late if after_sentence(i) and not before_marker(i)],
        lambda: [i for i in candidates if not before_marker(i)],
        lambda: candidates,
    )
    for options in preferences:
        found = options()
        if found:
            return found[-1]
    # One "word" longer than the limit: cut hard, but not inside a marker.
    for start, end in spans:
        if 0 < start < limit < end:
            return start
    return limit


# --------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class SourceEntry:
    """One source line of an embed: an answer's citation or a search result."""

    label: str  # "[1]" for a citation, "1." for a search result
    title: str
    source: str
    day: date | None = None
    url: str | None = None
    snippet: str = ""
    note: str = ""  # e.g. "score 0.93"


@dataclass(frozen=True)
class OutMessage:
    """One message to send: content (may be empty when there is an embed) and an embed."""

    content: str
    embed: discord.Embed | None = None


def citation_entries(citations: Sequence[Citation]) -> list[SourceEntry]:
    return [
        SourceEntry(f"[{c.n}]", c.title, c.source, c.date, c.url, c.snippet, _citation_note(c))
        for c in citations
    ]


def _citation_note(c: Citation) -> str:
    """'undated · Reuters, AP · also in 2 more files': what the reader should know."""
    parts = [
        "" if c.date else "undated",
        ", ".join(c.outlets),
        f"also in {len(c.copies)} more file(s)" if c.copies else "",
    ]
    return " · ".join(p for p in parts if p)


def hit_entries(hits: Sequence[Hit]) -> list[SourceEntry]:
    return [
        SourceEntry(
            f"{i}.",
            h.chunk.title,
            h.chunk.source,
            h.chunk.date,
            h.chunk.url,
            h.chunk.text,
            f"score {h.score:.2f}",
        )
        for i, h in enumerate(hits, 1)
    ]


def _safe_url(url: str | None) -> str | None:
    if url and re.fullmatch(r"https?://[^\s<>()]{1,500}", url):
        return url
    return None


def _meta_line(entry: SourceEntry) -> str:
    source = shorten(" ".join(redact(entry.source).split()).replace("`", "'"), 200)
    source = source or "unknown source"
    parts = [f"`{source}`"]
    if entry.day:
        parts.append(entry.day.isoformat())
    if entry.note:
        parts.append(entry.note)
    url = _safe_url(redact(entry.url) if entry.url else None)
    if url:
        parts.append(f"[link]({url})")
    return " · ".join(parts)


def _field_name(entry: SourceEntry) -> str:
    title = " ".join(article_text(entry.title or entry.source).split()) or "Untitled"
    return shorten(f"{entry.label} {title}", EMBED_FIELD_NAME_LIMIT)


def source_embeds(
    entries: Sequence[SourceEntry],
    *,
    title: str = "Sources",
    footer: str | None = None,
    per_embed: int = SOURCES_PER_EMBED,
) -> list[discord.Embed]:
    """Embeds listing `entries`, each within every embed limit on its own.

    Send one embed per message (the 6,000-character total counts over all embeds of a
    message). Snippets share what is left of the budget after titles and source lines.
    """
    if not entries:
        return []
    per_embed = max(1, min(per_embed, EMBED_FIELDS_LIMIT))
    title = shorten(" ".join(bot_text(title).split()), EMBED_TITLE_LIMIT)
    footer = shorten(bot_text(footer), EMBED_FOOTER_LIMIT) if footer else None
    groups = [entries[i : i + per_embed] for i in range(0, len(entries), per_embed)]
    embeds = []
    for number, group in enumerate(groups, 1):
        heading = title if len(groups) == 1 else shorten(f"{title} ({number}/{len(groups)})", 256)
        names = [_field_name(e) for e in group]
        metas = [_meta_line(e) for e in group]
        fixed = (
            len(heading)
            + len(footer or "")
            + sum(len(n) + len(m) + 3 for n, m in zip(names, metas, strict=True))
        )
        share = max(0, (_EMBED_BUDGET - fixed) // len(group))
        embed = discord.Embed(title=heading, colour=EMBED_COLOUR)
        for entry, name, meta in zip(group, names, metas, strict=True):
            room = min(SNIPPET_CHARS, share, EMBED_FIELD_VALUE_LIMIT - len(meta) - 3)
            snippet = " ".join(article_text(entry.snippet).split())
            value = meta
            if snippet and room >= 20:
                value = f"{meta}\n> {shorten(snippet, room - 2)}"
            embed.add_field(name=name, value=value[:EMBED_FIELD_VALUE_LIMIT], inline=False)
        if footer:
            embed.set_footer(text=footer)
        embeds.append(embed)
    return embeds


_LINKABLE_MARKER_RE = re.compile(r"(?<!\\)\[(\d+(?:\s*,\s*\d+)*)\](?!\()")
_LINKED_RE = re.compile(r"\[\[(\d+)\]\]\(<[^<>\s]*>\)|\[(\d+)\]\(<[^<>\s]*>\)")


def link_markers(text: str, urls: dict[int, str]) -> str:
    """The first `[n]` of each source with a URL -> `[[n]](<url>)` (`[1, 2]` ->
    `[[1](<u1>), [2](<u2>)]`), so a reader gets from a claim to its article in one click.

    Once per source and text (one message): repeats would only make the message longer.
    `<…>` keeps Discord from adding a preview per link. Only the bot's own markers are
    linked: one escaped (`\\[1]`, which is how article text shows `[1](…)`) or followed
    by `(` is left as it is.
    """
    done: set[int] = set()

    def link(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        fresh = {n for n in numbers if n in urls and n not in done}
        if not fresh:
            return match.group(0)
        done.update(fresh)
        if len(numbers) == 1:
            return f"[[{numbers[0]}]](<{urls[numbers[0]]}>)"
        parts = [f"[{n}](<{urls[n]}>)" if n in fresh else str(n) for n in numbers]
        return f"[{', '.join(parts)}]"

    return _LINKABLE_MARKER_RE.sub(link, text)


def unlink_markers(text: str) -> str:
    """The inverse of `link_markers`, for reading the bot's own past answers back."""
    return _LINKED_RE.sub(lambda m: f"[{m.group(1)}]" if m.group(1) else m.group(2), text)


def split_linked(text: str, urls: dict[int, str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """`split_message`, with the markers of each piece linked, every piece within `limit`.

    Cuts are chosen on the plain text (a link is never cut); a piece whose links make it
    too long is cut shorter (down to a tenth), and one that still cannot fit keeps its
    plain markers.
    """
    if not urls:
        return split_message(text, limit)
    pieces: list[str] = []
    text = text.strip()
    while text:
        room = limit
        while True:
            cut = len(text) if len(text) <= room else _cut_point(text, room)
            piece = text[:cut].rstrip()
            linked = link_markers(piece, urls)
            if len(linked) <= limit:
                break
            if room <= limit // 10:
                linked = piece  # too many long links for one message: plain markers
                break
            room = max(limit // 10, room - (len(linked) - limit))
        pieces.append(linked)
        text = text[cut:].lstrip()
    return pieces


_BULLET = re.compile(r"(?m)^\\- ")  # the bot's own list lines (timelines) stay lists


def answer_messages(
    answer: Answer, *, footer: str | None = None, markdown: bool = False
) -> list[OutMessage]:
    """The messages that carry an answer: its text in pieces, then the sources embed(s).

    The first embed rides on the last text piece; any further embeds (more than
    `SOURCES_PER_EMBED` sources) follow as messages of their own. The answer's text is
    article text (escaped) unless `markdown` says the bot wrote markdown into it (digest).
    """
    text = bot_text(answer.text) if markdown else _BULLET.sub("- ", article_text(answer.text))
    if answer.answered and (as_of := answer.as_of_line()):
        text = f"{text}\n-# {as_of}"
    if answer.note:
        text = f"{text}\n\n-# {bot_text(' '.join(answer.note.split()))}"
    urls = {c.n: url for c in answer.citations if (url := _safe_url(redact(c.url or "")))}
    pieces = split_linked(text, urls)
    embeds = source_embeds(citation_entries(answer.citations), footer=footer)
    messages = [OutMessage(p) for p in pieces] or [OutMessage("" if embeds else "…")]
    if embeds:
        messages[-1] = OutMessage(messages[-1].content, embeds[0])
        messages.extend(OutMessage("", e) for e in embeds[1:])
    return messages


EVIDENCE_MESSAGES = 3  # ephemeral replies to one click: more would flood the user
_EVIDENCE_TITLE_CHARS = 120
_EVIDENCE_CLAIM_CHARS = 350
_EVIDENCE_SOURCE_CHARS = 600
EVIDENCE_HEADER = "**Evidence**: each claim and the source sentence behind it."
EVIDENCE_NONE = "This answer cites no source, so there is no evidence to show."
EVIDENCE_GONE = (
    "The evidence for this answer is no longer available (it was sent before the bot's "
    "answer store was reset). Ask again to see it."
)


def evidence_messages(evidence: Evidence, limit: int = MESSAGE_LIMIT) -> list[str]:
    """An answer's evidence as at most `EVIDENCE_MESSAGES` messages of `limit` characters:
    a block per claim (claim, supporting sentence, source), then the rejected claims and why.
    Long texts are shortened; what does not fit is counted, not dropped silently."""
    blocks = [_backed_block(b) for b in evidence.backed]
    if evidence.rejected:
        blocks.append(f"**{evidence.rejected_heading}:**")
    for r in evidence.rejected:
        title = f" ({article_text(shorten(r.title, _EVIDENCE_TITLE_CHARS))})" if r.title else ""
        claim = article_text(shorten(r.claim, _EVIDENCE_CLAIM_CHARS))
        blocks.append(f"- {evidence.what_happened(r)}: “{claim}” — {bot_text(r.why)}{title}")
    if not blocks:
        return [EVIDENCE_NONE]
    messages = [EVIDENCE_HEADER]
    for i, block in enumerate(blocks):
        block = shorten(block, limit)
        if len(messages[-1]) + 2 + len(block) <= limit:
            messages[-1] += "\n\n" + block
        elif len(messages) < EVIDENCE_MESSAGES:
            messages.append(block)
        else:
            rest = f"\n\n-# … {len(blocks) - i} more not shown (`newsbot ask --show-evidence`)."
            messages[-1] = shorten(messages[-1], limit - len(rest)) + rest
            break
    return messages


def _backed_block(b: Backed) -> str:
    """**[n] Title**, then the claim and its source sentence (once, if they are the same)."""
    n = f"[{b.n}] " if b.n is not None else ""
    title = article_text(shorten(b.title, _EVIDENCE_TITLE_CHARS))
    head = f"**{n}{title}**" if n or title else "**Source**"
    claim = article_text(shorten(b.claim, _EVIDENCE_CLAIM_CHARS))
    if b.quoted:
        return f"{head}\n“{claim}” (the source's own words)"
    source = article_text(shorten(b.evidence, _EVIDENCE_SOURCE_CHARS))
    return f"{head}\n{claim}\n> source: “{source or 'no sentence aligned'}”"


def search_messages(query: str, hits: Sequence[Hit]) -> list[OutMessage]:
    """Search results as embed message(s), with links where the articles have them."""
    query = article_text(query)
    heading = f"Best matches for “{shorten(' '.join(query.split()), 200)}”"
    if not hits:
        return [OutMessage(f"No indexed article matches “{query}”."[:1900])]
    footer = "Cite a result by its title and source; links open the article where known."
    return [
        OutMessage("", e) for e in source_embeds(hit_entries(hits), title=heading, footer=footer)
    ]


# --------------------------------------------------------------------------- admin texts


def _timestamp(iso: str | None) -> str:
    if not iso:
        return "never"
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    epoch = int(moment.timestamp())
    return f"<t:{epoch}:f> (<t:{epoch}:R>)"


def status_embed(status: Status, auto_update_minutes: float = 0.0) -> discord.Embed:
    """What is indexed and when it was last updated (no server paths)."""
    embed = discord.Embed(title="newsbot status", colour=EMBED_COLOUR)
    embed.add_field(name="Articles", value=f"{status.articles:,}")
    embed.add_field(name="Files", value=f"{status.files:,}")
    embed.add_field(name="Passages", value=f"{status.chunks:,}")
    embed.add_field(name="Last update", value=_timestamp(status.updated_at), inline=False)
    embed.add_field(name="Answers", value=status.answerer)
    auto = f"every {auto_update_minutes:g} min" if auto_update_minutes > 0 else "off"
    embed.add_field(name="Automatic updates", value=auto)
    return embed


def feeds_report_text(report: FetchReport) -> str:
    """One line for /reindex: what the feeds brought, and which failed."""
    text = f"Feeds: {len(report.feeds)} fetched, **{report.changed}** new or corrected stories."
    if report.problems:
        text += f" {len(report.problems)} problem(s), e.g. " + " ".join(
            f"{report.problems[0].source}: {report.problems[0].message}".split()
        )
    return shorten(bot_text(text), 400)


def update_report_text(report: UpdateReport) -> str:
    """One short paragraph for /reindex: counts, then any skipped files."""
    text = (
        f"Index updated in {report.seconds:.1f} s: **{report.added}** added, "
        f"**{report.updated}** updated, **{report.removed}** removed "
        f"({report.unchanged} unchanged files; {report.chunks:,} passages indexed)."
    )
    problems = [*report.problems, *report.warnings]
    if problems:
        lines = [f"- `{p.source}`: {' '.join(p.message.split())}" for p in problems[:10]]
        more = f"\n…and {len(problems) - 10} more" if len(problems) > 10 else ""
        text += "\nProblems:\n" + "\n".join(lines) + more
    return shorten(bot_text(text), MESSAGE_LIMIT)


# --------------------------------------------------------------------------- reply texts


def cooldown_text(retry_after: float) -> str:
    seconds = max(1, round(retry_after + 0.49))
    unit = "second" if seconds == 1 else "seconds"
    return f"You're asking quickly! Please wait {seconds} {unit} before your next question."


def follow_up_hint(bot_name: str) -> str:
    """Said once in a thread where someone wrote without mentioning the bot, while the
    bot cannot read such messages (no Message Content intent)."""
    return f"I only see messages that mention me here: mention @{bot_name} to follow up."


COMMAND_EXAMPLES = {
    "ask": "/ask question: How many troops did Zelenskyy say were needed?",
    "search": "/search query: coalition of the willing since: 2025-03-01",
    "timeline": "/timeline topic: the reassurance force",
    "digest": "/digest since: 7d",
    "status": "/status",
    "reindex": "/reindex (Manage Server only)",
    "help": "/help",
}


def help_text(commands: Sequence[tuple[str, str]], bot_name: str, *, reads_threads: bool) -> str:
    """/help: every slash command (name, description) with an example, then how to talk
    to the bot by mention, in its threads, by reply and by DM."""
    lines = ["**newsbot answers questions about the news articles it has indexed.**", ""]
    for name, description in commands:
        lines.append(f"**/{name}**: {description}")
        if example := COMMAND_EXAMPLES.get(name):
            lines.append(f"-# e.g. `{example}`")
    follow = (
        "write in the thread it opens"
        if reads_threads
        else f"mention @{bot_name} in the thread it opens"
    )
    lines += [
        "",
        f"**Mention @{bot_name}** with a question: it answers in a thread; to follow up, "
        f"{follow}, or reply to any of its answers (an /ask answer too).",
        "Answers cite their sources as [1], [2]…; 👍 / 👎 under an answer tell us how it did.",
    ]
    return shorten("\n".join(lines), MESSAGE_LIMIT)


def apology_text(error_id: str) -> str:
    return (
        "Sorry, something went wrong on my side while answering. "
        f"Please try again later (error id `{error_id}`)."
    )


def draft_safe(text: str) -> str:
    """A growing draft as article text, cut before a tail that may be a secret's start."""
    text = redact(text)
    return article_text(text[: len(text) - current().pending(text)])


def polite_text(message: str) -> str:
    """A domain error (too long, nothing indexed, bad settings) as a reply."""
    return shorten(bot_text(f"Sorry, I can't do that: {message}"), MESSAGE_LIMIT)


def not_here_text(channel_ids: Sequence[int]) -> str:
    where = ", ".join(f"<#{c}>" for c in channel_ids[:10])
    return f"I only answer questions in {where}." if where else "I don't answer here."


ADMIN_ONLY_TEXT = "Only members with the **Manage Server** permission can update the index."
REINDEX_BUSY_TEXT = "An index update is already running; try again in a moment."
BAD_DATE_TEXT = "Dates look like 2025-03-01 (YYYY-MM-DD); `{value}` is not one."
WHY_TEXT = "If you like, tell us what was wrong with it:"
REASON_THANKS = "Thanks, noted: **{reason}**."
REASON_GONE = "That 👎 was changed meanwhile; nothing to add to it."
VOTE_THANKS = {"up": "Thanks for the 👍 — noted.", "down": "Thanks for the 👎 — noted, we'll look."}
