"""Questions: /ask, /search, @mentions (answered in a thread of their own), thread follow-ups
and direct messages.

Every answer: defer or show "typing" at once, answer in a worker thread (never on the event
loop), then send the text in pieces within Discord's limits, the sources as an embed and
👍 / 👎 buttons under the last piece. With an LLM, the draft it streams is shown meanwhile
(`bot.discord.streaming`): /ask edits its "thinking" message, a mention gets a message that
is edited, at most once a second; the checked answer then takes the draft's place.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.answer.evidence import answer_evidence
from bot.answer.model import Answer, Turn
from bot.discord.client import COOLDOWN_REACTION, CooldownRefusal, tell
from bot.discord.conversations import TranscriptMessage, turns_from_transcript
from bot.discord.feedback import has_vote_buttons, vote_buttons
from bot.discord.formatting import (
    BAD_DATE_TEXT,
    OutMessage,
    answer_messages,
    bot_text,
    follow_up_hint,
    question_text,
    search_messages,
    thread_name,
    unlink_markers,
)
from bot.discord.streaming import DraftStream
from bot.discord.work import failure_reply
from index.types import Filters

if TYPE_CHECKING:
    from discord.abc import MessageableChannel

    from bot.discord.client import NewsDiscordBot
    from bot.service import NewsBot

log = logging.getLogger(__name__)

Sender = Callable[[OutMessage, discord.ui.View | None, bool], Awaitable[discord.Message]]
_ANSWERABLE = (discord.MessageType.default, discord.MessageType.reply)
_SOURCE_CACHE_SECONDS = 60.0
_NO_MENTIONS = discord.AllowedMentions.none()
_MAX_HINTED = 10_000


class BadOption(ValueError):
    """An option of a slash command the user typed wrong (the text is the reply)."""


def parse_day(value: str | None) -> date | None:
    if not value or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadOption(BAD_DATE_TEXT.format(value=value.strip()[:40])) from None


def make_filters(source: str | None, since: str | None, until: str | None) -> Filters | None:
    sources = (source.strip(),) if source and source.strip() else ()
    filters = Filters(sources, parse_day(since), parse_day(until))
    return filters if filters != Filters() else None


class AskCog(commands.Cog):
    def __init__(self, bot: NewsDiscordBot) -> None:
        self.bot = bot
        self._sources: tuple[float, list[str]] = (0.0, [])
        self._hinted: OrderedDict[int, None] = OrderedDict()  # threads told to mention us

    # ------------------------------------------------------------------ slash commands

    async def _admit_slash(
        self,
        interaction: discord.Interaction,
        text: str,
        source: str | None,
        since: str | None,
        until: str | None,
    ) -> tuple[str, Filters | None] | None:
        """Check the options and the asker; defer at once when accepted (Discord's 3 s)."""
        try:
            filters = make_filters(source, since, until)
        except BadOption as exc:
            await tell(interaction, str(exc))
            return None
        text, refusal = self.bot.admit(interaction.user.id, interaction.channel, text)
        if refusal:
            await tell(interaction, refusal)
            return None
        await interaction.response.defer(thinking=True)
        return text, filters

    @app_commands.command(name="ask", description="Ask a question about the news articles")
    @app_commands.describe(
        question="Your question",
        source="Only this article file",
        since="Only articles dated on or after this day (YYYY-MM-DD)",
        until="Only articles dated on or before this day (YYYY-MM-DD)",
    )
    @app_commands.allowed_contexts(guilds=True, dms=True)
    async def ask(
        self,
        interaction: discord.Interaction,
        question: str,
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> None:
        admitted = await self._admit_slash(interaction, question, source, since, until)
        if admitted is None:
            return
        question, filters = admitted

        async def show_draft(text: str) -> None:
            await interaction.edit_original_response(
                content=text, embed=None, view=None, allowed_mentions=_NO_MENTIONS
            )

        drafts = self._drafts(show_draft)
        try:
            answer = await self._ask(drafts, question, filters=filters)

            async def send(
                out: OutMessage, view: discord.ui.View | None, first: bool
            ) -> discord.Message:
                if first and drafts is not None and drafts.shown:
                    return await interaction.edit_original_response(
                        content=out.content or None,
                        embed=out.embed,
                        view=view,
                        allowed_mentions=_NO_MENTIONS,
                    )
                return await interaction.followup.send(
                    out.content or discord.utils.MISSING,
                    embed=out.embed or discord.utils.MISSING,
                    view=view or discord.utils.MISSING,
                    wait=True,
                )

            await self.deliver(
                answer,
                send,
                channel_id=interaction.channel_id,
                guild_id=interaction.guild_id,
                user_id=interaction.user.id,
            )
        except Exception as exc:
            reply = failure_reply(exc, "/ask")
            with contextlib.suppress(discord.HTTPException):
                if drafts is not None and drafts.shown:  # the failure replaces the draft
                    await interaction.edit_original_response(
                        content=reply, embed=None, view=None, allowed_mentions=_NO_MENTIONS
                    )
                else:
                    await tell(interaction, reply, ephemeral=False)

    @app_commands.command(name="search", description="Find the best-matching news articles")
    @app_commands.describe(
        query="What to look for",
        source="Only this article file",
        since="Only articles dated on or after this day (YYYY-MM-DD)",
        until="Only articles dated on or before this day (YYYY-MM-DD)",
    )
    @app_commands.allowed_contexts(guilds=True, dms=True)
    async def search(
        self,
        interaction: discord.Interaction,
        query: str,
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> None:
        admitted = await self._admit_slash(interaction, query, source, since, until)
        if admitted is None:
            return
        query, filters = admitted
        try:
            hits = await self.bot.worker.run(self.bot.service.search, query, None, filters)
            for out in search_messages(query, hits):
                await interaction.followup.send(
                    out.content or discord.utils.MISSING,
                    embed=out.embed or discord.utils.MISSING,
                    wait=True,
                )
        except Exception as exc:
            with contextlib.suppress(discord.HTTPException):
                await tell(interaction, failure_reply(exc, "/search"), ephemeral=False)

    @ask.autocomplete("source")
    async def _ask_source(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._source_choices(current)

    @search.autocomplete("source")
    async def _search_source(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._source_choices(current)

    async def _source_choices(self, current: str) -> list[app_commands.Choice[str]]:
        """Indexed article files matching what the user typed (from the manifest)."""
        loaded, names = self._sources
        if time.monotonic() - loaded > _SOURCE_CACHE_SECONDS:
            names = await self.bot.worker.run(_indexed_sources, self.bot.service)
            self._sources = (time.monotonic(), names)
        needle = current.lower().strip()
        return [
            app_commands.Choice(name=n, value=n)
            for n in names
            if needle in n.lower() and len(n) <= 100
        ][:25]

    # ------------------------------------------------------------------ messages

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if (
            me is None
            or message.author.bot
            or message.webhook_id
            or message.type not in _ANSWERABLE
        ):
            return
        channel = message.channel
        mentioned = any(user.id == me.id for user in message.mentions)
        question = question_text(message.content, me.id)
        is_dm = message.guild is None
        is_thread = isinstance(channel, discord.Thread)
        own_thread = (
            channel if isinstance(channel, discord.Thread) and channel.owner_id == me.id else None
        )
        ours = own_thread is not None
        replied = await self._replied_history(message) if question or mentioned else None
        if not (is_dm or mentioned or ours or replied is not None):
            return
        if not question and not mentioned:
            if own_thread is not None and not self.bot.settings.discord.message_content:
                await self._hint_once(own_thread)
            return  # content hidden (no Message Content intent) or nothing but an attachment
        if not self.bot.channel_allowed(channel) and not mentioned and not is_dm:
            return
        question, refusal = self.bot.admit(message.author.id, channel, question)
        if refusal:
            await self._refuse(message, refusal, is_dm)
            return
        thread: discord.Thread | None = None
        try:
            if is_dm or is_thread:
                await self._answer_in(channel, message, message, question, history=replied)
                return
            thread = await self._open_thread(message, question)
            if thread is None:
                await self._answer_in(channel, message, message, question, history=replied or [])
            else:
                await self._answer_in(thread, None, message, question, history=replied or [])
        except Exception as exc:
            reply = failure_reply(exc, "mention")
            with contextlib.suppress(discord.HTTPException):
                if thread is not None:
                    await thread.send(reply)
                else:
                    await message.reply(reply, mention_author=False)

    async def _replied_history(self, message: discord.Message) -> list[Turn] | None:
        """The conversation of the answer `message` replies to (an /ask answer, say), or
        None when it is no reply to one of the bot's answers."""
        ref = message.reference
        me = self.bot.user
        if ref is None or ref.message_id is None or me is None:
            return None
        history = self.bot.conversations.answer_history(ref.message_id)
        if history is not None:
            return history
        resolved = ref.resolved
        if isinstance(resolved, discord.Message) and resolved.author.id != me.id:
            return None
        stored = await asyncio.to_thread(self.bot.feedback.answer_turn, ref.message_id)
        return [Turn(*stored)] if stored else None  # after a restart: the stored answer

    async def _hint_once(self, thread: discord.Thread) -> None:
        """Without the Message Content intent a plain message in our thread arrives empty:
        say once per thread that a mention is needed, instead of silently ignoring it."""
        if thread.id in self._hinted or not self.bot.channel_allowed(thread):
            return
        self._hinted[thread.id] = None
        while len(self._hinted) > _MAX_HINTED:
            self._hinted.popitem(last=False)
        name = self.bot.user.name if self.bot.user else "newsbot"
        with contextlib.suppress(discord.HTTPException):
            await thread.send(bot_text(follow_up_hint(name)))

    async def _refuse(self, message: discord.Message, refusal: str, is_dm: bool) -> None:
        """A refusal as a reply; a cooldown in a server only as a reaction (nobody else
        needs to read that someone asked too fast)."""
        with contextlib.suppress(discord.HTTPException):
            if isinstance(refusal, CooldownRefusal) and not is_dm:
                await message.add_reaction(COOLDOWN_REACTION)
            else:
                await message.reply(refusal, mention_author=False)

    async def _open_thread(self, message: discord.Message, question: str) -> discord.Thread | None:
        """A public thread on the question, or None where threads cannot be made."""
        try:
            return await message.create_thread(
                name=thread_name(question), auto_archive_duration=1440
            )
        except discord.HTTPException as exc:
            log.warning("could not open a thread (%s); answering in the channel", exc)
            return None

    async def _answer_in(
        self,
        target: MessageableChannel,
        reply_to: discord.Message | None,
        asked: discord.Message,
        question: str,
        *,
        history: list[Turn] | None = None,
    ) -> None:
        """Answer `question` in `target`, one at a time per conversation.

        `history` is where the question comes from (a new thread: none; a reply to an
        answer: that answer's conversation); None means the conversation of `target`.
        """
        key = target.id
        async with self.bot.conversations.lock(key):
            if history is None:
                history = await self._history(target, asked)
            draft: discord.Message | None = None

            def reference() -> discord.MessageReference | None:
                return reply_to.to_reference(fail_if_not_exists=False) if reply_to else None

            async def show_draft(text: str) -> None:
                nonlocal draft
                if draft is None:
                    draft = await target.send(
                        text,
                        # discord.py's overloads omit the None its send() accepts
                        reference=reference(),  # type: ignore[arg-type]
                        mention_author=False,
                        allowed_mentions=_NO_MENTIONS,
                    )
                else:
                    draft = await draft.edit(content=text, allowed_mentions=_NO_MENTIONS)

            drafts = self._drafts(show_draft)
            try:
                async with _typing(target):
                    answer = await self._ask(drafts, question, history=history)
            except Exception:
                if draft is not None:  # the failure is told instead of a half-written answer
                    with contextlib.suppress(discord.HTTPException):
                        await draft.delete()
                raise

            async def send(
                out: OutMessage, view: discord.ui.View | None, first: bool
            ) -> discord.Message:
                if first and draft is not None:
                    return await draft.edit(
                        content=out.content or None,
                        embed=out.embed,
                        view=view,
                        allowed_mentions=_NO_MENTIONS,
                    )
                # discord.py's send() overloads omit the None it accepts for these three
                return await target.send(
                    out.content or None,
                    embed=out.embed,  # type: ignore[arg-type]
                    view=view,  # type: ignore[arg-type]
                    reference=reference() if first else None,  # type: ignore[arg-type]
                    mention_author=False,
                )

            guild = getattr(target, "guild", None)
            await self.deliver(
                answer,
                send,
                channel_id=key,
                guild_id=guild.id if guild else None,
                user_id=asked.author.id,
                footer=self._footer(target),
                history=history,
            )
            turn = Turn(question, answer.text, answer.standalone)
            self.bot.conversations.remember(key, [*history, turn])

    def _footer(self, target: object) -> str:
        if isinstance(target, discord.Thread):
            if self.bot.settings.discord.message_content:
                return "Ask follow-up questions right here in this thread."
            return f"Mention @{self.bot.user.name if self.bot.user else 'me'} here to follow up."
        return "Ask a follow-up question any time."

    async def _history(
        self, target: MessageableChannel, before: discord.Message | None
    ) -> list[Turn]:
        """Earlier turns: from memory, else rebuilt from a thread the bot created."""
        key = target.id
        conversations = self.bot.conversations
        if key in conversations:
            return conversations.history(key)
        me = self.bot.user
        if not isinstance(target, discord.Thread) or me is None or target.owner_id != me.id:
            return []
        transcript: list[TranscriptMessage] = []
        starter = await self._starter_question(target)
        if starter:
            transcript.append(TranscriptMessage(False, starter))
        older = [m async for m in target.history(limit=100, before=before)]
        for m in reversed(older):
            if m.type not in _ANSWERABLE:
                continue
            if m.author.id == me.id:
                content = unlink_markers(m.content)
                transcript.append(TranscriptMessage(True, content, has_vote_buttons(m)))
            elif not m.author.bot:
                transcript.append(TranscriptMessage(False, question_text(m.content, me.id)))
        turns = turns_from_transcript(transcript)
        conversations.remember(key, turns)
        log.info("rebuilt %d earlier turn(s) of thread %s", len(turns), key)
        return turns

    async def _starter_question(self, thread: discord.Thread) -> str:
        me = self.bot.user
        assert me is not None
        starter = thread.starter_message
        if starter is None:
            parent = thread.parent or self.bot.get_channel(thread.parent_id)
            # The bot opens threads on messages of text channels (a forum post's starter
            # lives in the thread itself, and a ForumChannel has no fetch_message).
            if isinstance(parent, discord.TextChannel):
                with contextlib.suppress(discord.HTTPException):
                    starter = await parent.fetch_message(thread.id)
        if starter is not None and starter.author.id != me.id:
            return question_text(starter.content, me.id)
        return thread.name

    # ------------------------------------------------------------------ answering

    def _drafts(self, show: Callable[[str], Awaitable[object]]) -> DraftStream | None:
        """Live drafts of the answer where an LLM writes it (None: no LLM, nothing streams)."""
        return DraftStream(show) if self.bot.settings.llm.enabled else None

    async def _ask(self, drafts: DraftStream | None, question: str, **kwargs: Any) -> Answer:
        """`service.ask` in a worker thread, streaming into `drafts` when there are any."""
        if drafts is None:  # exactly the call of a bot without an LLM
            return await self.bot.worker.run(self.bot.service.ask, question, **kwargs)
        try:
            return await self.bot.worker.run(
                self.bot.service.ask, question, on_token=drafts.on_token, **kwargs
            )
        finally:
            await drafts.close()

    # ------------------------------------------------------------------ delivery

    async def deliver(
        self,
        answer: Answer,
        send: Sender,
        *,
        channel_id: int | None,
        guild_id: int | None,
        user_id: int | None,
        footer: str | None = None,
        history: Sequence[Turn] = (),
    ) -> discord.Message:
        """Send an answer's messages in order; the last carries the vote buttons.

        The conversation so far (`history` and this answer) is remembered under the ids of
        the messages, so a reply to any of them continues it.
        """
        outs = answer_messages(answer, footer=footer)
        has_evidence = bool(answer_evidence(answer))  # claims or cited sentences to show
        sent: list[discord.Message] = []
        for i, out in enumerate(outs):
            view = vote_buttons(has_evidence) if i == len(outs) - 1 else None
            sent.append(await send(out, view, i == 0))
        last = sent[-1]
        turn = Turn(answer.question, answer.text, answer.standalone)
        self.bot.conversations.remember_answer([m.id for m in sent], [*history, turn])
        await asyncio.to_thread(
            self.bot.feedback.record_answer,
            last.id,
            answer,
            channel_id=channel_id,
            guild_id=guild_id,
            user_id=user_id,
        )
        return last


def _indexed_sources(service: NewsBot) -> list[str]:
    """Article files the index knows, for autocompletion ([] when it cannot tell)."""
    try:
        return service.source_names()
    except Exception:  # autocompletion is a convenience: never fail because of it
        log.debug("no source names for autocompletion", exc_info=True)
        return []


@contextlib.asynccontextmanager
async def _typing(target: discord.abc.Messageable) -> AsyncIterator[None]:
    """Show "typing…" while answering; a channel that refuses it is no reason to fail."""
    typing = target.typing()
    try:
        await typing.__aenter__()
    except discord.HTTPException:
        yield
        return
    try:
        yield
    finally:
        await typing.__aexit__(None, None, None)


async def setup(bot: NewsDiscordBot) -> None:
    await bot.add_cog(AskCog(bot))
