"""👍 / 👎 under each answer, stored locally for later evaluation.

`FeedbackStore` is a small sqlite database in the data dir (`feedback.sqlite3`): one row
per answer the bot sent (question, answer, sources, where, when) keyed by the id of the
message carrying the buttons, and one row per (message, user) vote with the answer's data
copied in, so `SELECT * FROM feedback` is the whole evaluation set. A user who votes again
changes their vote.

Every text is stored through `bot.redact.redact`: no secret reaches the database.

`VoteView` is a persistent view (fixed custom_ids, no timeout) registered once at startup,
so buttons under answers keep working after the bot restarts. Answers carry `vote_buttons()`,
a copy of the buttons that discord.py does not keep in memory per message.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import discord

from bot.discord.formatting import (
    EVIDENCE_GONE,
    REASON_GONE,
    REASON_THANKS,
    VOTE_THANKS,
    WHY_TEXT,
    bot_text,
    evidence_messages,
)
from bot.discord.work import failure_reply
from bot.redact import redact

if TYPE_CHECKING:
    from bot.answer.evidence import Evidence
    from bot.answer.model import Answer
    from bot.discord.client import NewsDiscordBot

log = logging.getLogger(__name__)

VOTE_UP_ID = "newsbot:vote:up"
VOTE_DOWN_ID = "newsbot:vote:down"
EVIDENCE_ID = "newsbot:evidence"  # the answer is the clicked message: its id finds the claims

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    message_id INTEGER PRIMARY KEY,
    channel_id INTEGER,
    guild_id INTEGER,
    user_id INTEGER,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    sources TEXT NOT NULL,
    mode TEXT,
    created_at TEXT NOT NULL,
    claims TEXT
);
CREATE TABLE IF NOT EXISTS feedback (
    message_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    sources TEXT NOT NULL,
    voted_at TEXT NOT NULL,
    reason TEXT,
    PRIMARY KEY (message_id, user_id)
);
"""
_FEEDBACK_COLUMNS = "message_id, user_id, vote, question, answer, sources, voted_at, reason"

VoteValue = Literal["up", "down"]  # 👍 or 👎

# What a 👎 may say was wrong (asked once, privately; answering is optional).
REASONS = {
    "wrong": "Wrong",
    "outdated": "Outdated",
    "source": "Missing source",
    "other": "Other",
}
REASON_ID_PREFIX = "newsbot:why:"
FEEDBACK_FILE = "feedback.sqlite3"  # in the data dir


@dataclass(frozen=True)
class Vote:
    message_id: int
    user_id: int
    vote: str
    question: str
    answer: str
    sources: list[dict[str, object]]
    voted_at: str
    changed: bool = False
    reason: str | None = None  # for a 👎: one of REASONS, when the voter said


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class FeedbackStore:
    """Thread-safe (one short connection per call); call it from worker threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._ready = False

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if not self._ready:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(self.path, timeout=10)) as db:
                if not self._ready:
                    db.executescript(_SCHEMA)
                    columns = {row[1] for row in db.execute("PRAGMA table_info(feedback)")}
                    if "reason" not in columns:  # a database from before reasons existed
                        db.execute("ALTER TABLE feedback ADD COLUMN reason TEXT")
                    columns = {row[1] for row in db.execute("PRAGMA table_info(answers)")}
                    if "claims" not in columns:  # from before evidence was kept
                        db.execute("ALTER TABLE answers ADD COLUMN claims TEXT")
                    self._ready = True
                with db:
                    yield db

    def record_answer(
        self,
        message_id: int,
        answer: Answer,
        *,
        channel_id: int | None = None,
        guild_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        sources = redact(json.dumps([c.as_dict() for c in answer.citations], ensure_ascii=False))
        claims = redact(json.dumps(answer.claims, ensure_ascii=False))
        with self._db() as db:
            db.execute(
                "INSERT OR REPLACE INTO answers (message_id, channel_id, guild_id, user_id, "
                "question, answer, sources, mode, created_at, claims) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    message_id,
                    channel_id,
                    guild_id,
                    user_id,
                    redact(answer.question),
                    redact(answer.text),
                    sources,
                    answer.mode,
                    _now(),
                    claims,
                ),
            )

    def record_vote(
        self, message_id: int, user_id: int, vote: VoteValue, fallback_answer: str = ""
    ) -> Vote:
        """Store (or change) a user's vote on the answer carried by `message_id`.

        An answer the store does not know (sent before the database was reset) is stored
        with the message's text as the answer and an empty question.
        """
        if vote not in ("up", "down"):
            raise ValueError(f"vote must be 'up' or 'down', not {vote!r}")
        with self._db() as db:
            row = db.execute(
                "SELECT question, answer, sources FROM answers WHERE message_id = ?",
                (message_id,),
            ).fetchone()
            question, answer, sources = row or ("", redact(fallback_answer), "[]")
            previous = db.execute(
                "SELECT vote, reason FROM feedback WHERE message_id = ? AND user_id = ?",
                (message_id, user_id),
            ).fetchone()
            reason = previous[1] if previous is not None and previous[0] == vote else None
            voted_at = _now()
            db.execute(
                f"INSERT OR REPLACE INTO feedback ({_FEEDBACK_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (message_id, user_id, vote, question, answer, sources, voted_at, reason),
            )
        return Vote(
            message_id,
            user_id,
            vote,
            question,
            answer,
            json.loads(sources),
            voted_at,
            changed=previous is not None and previous[0] != vote,
            reason=reason,
        )

    def record_reason(self, message_id: int, user_id: int, reason: str) -> bool:
        """What the user's 👎 on `message_id` was about; False if there is no such 👎
        (the vote was changed to 👍 meanwhile)."""
        if reason not in REASONS:
            raise ValueError(f"reason must be one of {sorted(REASONS)}, not {reason!r}")
        with self._db() as db:
            cursor = db.execute(
                "UPDATE feedback SET reason = ? "
                "WHERE message_id = ? AND user_id = ? AND vote = 'down'",
                (reason, message_id, user_id),
            )
        return cursor.rowcount > 0

    def answer_turn(self, message_id: int) -> tuple[str, str] | None:
        """(question, answer) of the answer closed by `message_id`, None if unknown: what a
        reply to an answer continues after a restart."""
        with self._db() as db:
            row = db.execute(
                "SELECT question, answer FROM answers WHERE message_id = ?", (message_id,)
            ).fetchone()
        return (row[0], row[1]) if row else None

    def evidence(self, message_id: int) -> Evidence | None:
        """The evidence of the answer closed by `message_id`, rebuilt from what was stored
        (so the button works after a restart); None if the store does not know the answer."""
        from bot.answer.evidence import evidence_of  # not for `newsbot feedback export`
        from bot.answer.generative import FALLBACK_MODE

        with self._db() as db:
            row = db.execute(
                "SELECT answer, sources, mode, claims FROM answers WHERE message_id = ?",
                (message_id,),
            ).fetchone()
        if row is None:
            return None
        text, sources, mode, claims = row
        titles = {int(s["n"]): str(s.get("title") or "") for s in json.loads(sources)}
        return evidence_of(text, titles, json.loads(claims or "[]"), fallback=mode == FALLBACK_MODE)

    def votes(self) -> list[Vote]:
        with self._db() as db:
            rows = db.execute(
                f"SELECT {_FEEDBACK_COLUMNS} FROM feedback ORDER BY voted_at, message_id"
            ).fetchall()
        return [
            Vote(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], reason=r[7]) for r in rows
        ]


EXPORT_FIELDS = (
    "message_id",
    "user_id",
    "vote",
    "reason",
    "question",
    "answer",
    "sources",
    "voted_at",
)


def export_votes(votes: list[Vote], fmt: str = "json") -> str:
    """The votes as a JSON array or CSV (sources as a JSON column): the evaluation set of
    `newsbot feedback export`, readable without sqlite."""
    rows = [{name: getattr(v, name) for name in EXPORT_FIELDS} for v in votes]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if fmt != "csv":
        raise ValueError(f"format must be 'json' or 'csv', not {fmt!r}")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "sources": json.dumps(row["sources"], ensure_ascii=False)})
    return buffer.getvalue()


class _VoteButtons(discord.ui.View):
    """Just the buttons. Not "dispatchable", so discord.py does not keep a copy in memory
    for every answer message: the one persistent `VoteView` handles all clicks."""

    def is_dispatchable(self) -> bool:
        return False


def vote_buttons(evidence: bool = False) -> discord.ui.View:
    """The buttons to put under an answer (with "Show evidence" when it cites sources); the
    persistent `VoteView` handles their clicks."""
    view = _VoteButtons(timeout=None)
    view.add_item(_button("up"))
    view.add_item(_button("down"))
    if evidence:
        view.add_item(
            discord.ui.Button(
                label="Show evidence", style=discord.ButtonStyle.secondary, custom_id=EVIDENCE_ID
            )
        )
    return view


def _button(vote: VoteValue) -> discord.ui.Button[discord.ui.View]:
    return discord.ui.Button(
        emoji="👍" if vote == "up" else "👎",
        style=discord.ButtonStyle.secondary,
        custom_id=VOTE_UP_ID if vote == "up" else VOTE_DOWN_ID,
    )


def has_vote_buttons(message: discord.Message) -> bool:
    """True for the bot's message that closes an answer (it carries the vote buttons)."""
    for row in message.components:
        for child in getattr(row, "children", [row]):
            if getattr(child, "custom_id", None) in (VOTE_UP_ID, VOTE_DOWN_ID):
                return True
    return False


def reason_buttons(message_id: int) -> discord.ui.View:
    """Wrong / Outdated / Missing source / Other for the 👎 on `message_id` (the answer's
    id rides in each custom_id, so a click works even after a restart)."""
    view = discord.ui.View(timeout=None)
    for reason in REASONS:
        view.add_item(ReasonButton(message_id, reason))
    return view


class ReasonButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=REASON_ID_PREFIX + r"(?P<message>\d+):(?P<reason>[a-z]+)",
):
    """One reason button; every click of any answer's reasons lands here."""

    def __init__(self, message_id: int, reason: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=REASONS.get(reason, reason),
                style=discord.ButtonStyle.secondary,
                custom_id=f"{REASON_ID_PREFIX}{message_id}:{reason}",
            )
        )
        self.message_id = message_id
        self.reason = reason

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> ReasonButton:
        return cls(int(match["message"]), match["reason"])

    async def callback(self, interaction: discord.Interaction) -> None:
        # Only NewsDiscordBot registers this item (add_dynamic_items), so it is the client.
        store = cast("NewsDiscordBot", interaction.client).feedback
        try:
            noted = self.reason in REASONS and await asyncio.to_thread(
                store.record_reason, self.message_id, interaction.user.id, self.reason
            )
        except Exception as exc:
            text = failure_reply(exc, "feedback reason")
        else:
            text = REASON_THANKS.format(reason=REASONS[self.reason]) if noted else REASON_GONE
        await interaction.response.edit_message(content=bot_text(text), view=None)


class VoteView(discord.ui.View):
    """Persistent handler of the vote buttons of every answer, across restarts."""

    def __init__(self, store: FeedbackStore) -> None:
        super().__init__(timeout=None)
        self.store = store

    @discord.ui.button(emoji="👍", style=discord.ButtonStyle.secondary, custom_id=VOTE_UP_ID)
    async def up(self, interaction: discord.Interaction, _: discord.ui.Button[VoteView]) -> None:
        await self._vote(interaction, "up")

    @discord.ui.button(emoji="👎", style=discord.ButtonStyle.secondary, custom_id=VOTE_DOWN_ID)
    async def down(self, interaction: discord.Interaction, _: discord.ui.Button[VoteView]) -> None:
        await self._vote(interaction, "down")

    @discord.ui.button(
        label="Show evidence", style=discord.ButtonStyle.secondary, custom_id=EVIDENCE_ID
    )
    async def evidence(
        self, interaction: discord.Interaction, _: discord.ui.Button[VoteView]
    ) -> None:
        """Privately: each claim of the clicked answer and the source sentence behind it."""
        from bot.discord.client import tell  # the client imports this module

        message = interaction.message
        found = None
        if message is not None:
            found = await asyncio.to_thread(self.store.evidence, message.id)
        if found is None:
            await tell(interaction, EVIDENCE_GONE)
            return
        for text in evidence_messages(found):
            await tell(interaction, text)

    async def _vote(self, interaction: discord.Interaction, vote: VoteValue) -> None:
        message = interaction.message
        if message is None:
            await interaction.response.send_message("That answer is gone.", ephemeral=True)
            return
        stored = await asyncio.to_thread(
            self.store.record_vote, message.id, interaction.user.id, vote, message.content
        )
        log.info("feedback %s on message %s", stored.vote, stored.message_id)
        if vote == "down":  # optional: one click says what was wrong
            await interaction.response.send_message(
                bot_text(VOTE_THANKS[vote] + " " + WHY_TEXT),
                view=reason_buttons(message.id),
                ephemeral=True,
            )
        else:
            await interaction.response.send_message(bot_text(VOTE_THANKS[vote]), ephemeral=True)

    async def on_error(
        self,
        interaction: discord.Interaction,
        error: Exception,
        item: discord.ui.Item[VoteView],
    ) -> None:
        reply = failure_reply(error, "feedback vote")
        if not interaction.response.is_done():
            await interaction.response.send_message(reply, ephemeral=True)
