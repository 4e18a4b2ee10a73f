"""Tests of the fake Discord harness, driven by real (unmocked) discord.py clients."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from . import server as harness
from .server import ErrorLogGuard, FakeDiscord, Intent

# The harness's pytest fixtures, made visible to the tests in this module.
error_log_guard = harness.error_log_guard
fake_discord = harness.fake_discord

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(30)]

W = 5.0  # default bound for every wait


def make_client(**kwargs: Any) -> discord.Client:
    intents = kwargs.pop("intents", discord.Intents.default())
    return discord.Client(intents=intents, **FakeDiscord.client_options(), **kwargs)


def make_bot(**kwargs: Any) -> commands.Bot:
    intents = kwargs.pop("intents", discord.Intents.default())
    return commands.Bot(
        command_prefix="!", intents=intents, **FakeDiscord.client_options(), **kwargs
    )


# --------------------------------------------------------------------------- connection


async def test_connects_and_reaches_on_ready(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    intents = discord.Intents.default()
    intents.members = True  # without it discord.py caches no other members
    client = make_client(intents=intents)
    ready = asyncio.Event()

    @client.event
    async def on_ready() -> None:
        ready.set()

    async with fake.run_client(client):
        await asyncio.wait_for(ready.wait(), W)
        assert client.user is not None and client.user.id == fake.bot_user.id
        assert client.application_id == fake.application_id
        guild = client.get_guild(fake.guild_id)
        assert guild is not None
        assert {c.name for c in guild.text_channels} == {"general", "news"}
        admin = guild.get_member(fake.admin.id)
        plain = guild.get_member(fake.member.id)
        assert admin is not None and plain is not None
        assert admin.guild_permissions.manage_guild and not admin.guild_permissions.administrator
        assert not plain.guild_permissions.manage_guild
        assert guild.me.guild_permissions.send_messages
        assert guild.me.guild_permissions.create_public_threads

        # login flow and gateway transport as seen by the fake
        assert fake.find_requests("GET", r"/users/@me")
        assert fake.find_requests("GET", r"/oauth2/applications/@me")
        assert fake.unhandled_requests == []
        assert (
            fake.gateway_connections[0]["compress"] == "zlib-stream"
        )  # real zlib path is exercised
        assert fake.intents == intents.value
        assert fake.identify_count == 1


async def test_bad_token_fails_login(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    client = make_client()
    await fake.start()
    with fake.patch_discord():
        with pytest.raises(discord.LoginFailure):
            await asyncio.wait_for(client.login("wrong-token"), W)
        await client.close()


# --------------------------------------------------------------------------- messages


async def test_mention_is_received_and_answered(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    client = make_client(allowed_mentions=discord.AllowedMentions.none())
    seen: list[discord.Message] = []

    @client.event
    async def on_message(message: discord.Message) -> None:
        if message.author.id == client.user.id:  # type: ignore[union-attr]
            return
        seen.append(message)
        if client.user in message.mentions:
            await message.reply(f"answer to: {message.clean_content}", mention_author=False)

    general = fake.channel("general")
    async with fake.run_client(client):
        since = fake.mark()
        sent = await fake.send_message(general.id, fake.member, "what is new?", mentions_bot=True)
        req = await fake.wait_for_request(
            "POST", rf"/channels/{general.id}/messages", timeout=W, since=since
        )

        assert req.json["content"].startswith("answer to:")
        assert "what is new?" in req.json["content"]
        assert req.json["allowed_mentions"] == {"parse": [], "replied_user": False}
        assert int(req.json["message_reference"]["message_id"]) == int(sent["id"])
        assert req.status == 200 and req.response["author"]["id"] == str(fake.bot_user.id)

        msg = seen[0]
        assert isinstance(msg.author, discord.Member) and msg.author.id == fake.member.id
        assert isinstance(msg.channel, discord.TextChannel) and msg.guild is not None

        # Without the message_content intent Discord blanks non-mention guild messages.
        await fake.send_message(general.id, fake.member, "no mention here")
        await _until(lambda: len(seen) == 2)
        assert seen[1].content == "" and client.user not in seen[1].mentions
        await asyncio.sleep(0.1)
        assert (
            len(fake.find_requests("POST", rf"/channels/{general.id}/messages", since=since)) == 1
        )

        # The bot's own reply was echoed back over the gateway, as Discord does.
        assert len(fake.bot_messages(general.id)) == 1


async def test_message_content_intent_and_dm_and_files(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    intents = discord.Intents.default()
    intents.message_content = True
    client = make_client(intents=intents)
    contents: list[str] = []

    @client.event
    async def on_message(message: discord.Message) -> None:
        if message.author.bot:
            return
        contents.append(message.content)
        if message.guild is None:
            data = await message.attachments[0].read()
            await message.channel.send(
                "got your file",
                file=discord.File(__import__("io").BytesIO(data.upper()), "echo.txt"),
            )

    async with fake.run_client(client):
        assert fake.intents & Intent.MESSAGE_CONTENT
        await fake.send_message(fake.channel("news").id, fake.member, "plain text")
        await _until(lambda: contents == ["plain text"])

        outsider = fake.add_user("stranger")
        dm = fake.dm_channel(outsider)
        await fake.send_message(
            None, outsider, "hello bot", guild=False, attachments=[("q.txt", b"question")]
        )
        req = await fake.wait_for_request("POST", rf"/channels/{dm.id}/messages", timeout=W)
        assert req.json["content"] == "got your file"  # parsed from the multipart payload_json part
        assert req.files[0].filename == "echo.txt" and req.files[0].data == b"QUESTION"
        assert req.response["attachments"][0]["filename"] == "echo.txt"


# --------------------------------------------------------------------------- slash commands


def _ask_bot(fake: FakeDiscord, *, guild_sync: bool) -> commands.Bot:
    bot = make_bot()

    @app_commands.command(name="ask", description="Ask the news bot")
    @app_commands.describe(question="What do you want to know?")
    async def ask(interaction: discord.Interaction, question: str, detailed: bool = False) -> None:
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(0.2)  # slow work, without blocking the loop
        await interaction.followup.send(f"answer to {question!r} (detailed={detailed})")

    @app_commands.command(name="config", description="Admin only")
    @app_commands.default_permissions(manage_guild=True)
    async def config(interaction: discord.Interaction) -> None:
        if not interaction.permissions.manage_guild:
            await interaction.response.send_message("not allowed", ephemeral=True)
            return
        await interaction.response.send_message("configured")

    async def setup_hook() -> None:
        bot.tree.add_command(ask)
        bot.tree.add_command(config)
        if guild_sync:
            guild = discord.Object(fake.guild_id)
            bot.tree.copy_global_to(guild=guild)
            bot.synced = await bot.tree.sync(guild=guild)  # type: ignore[attr-defined]
        else:
            bot.synced = await bot.tree.sync()  # type: ignore[attr-defined]

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


@pytest.mark.parametrize("guild_sync", [False, True], ids=["global", "guild"])
async def test_slash_command_sync_defer_and_followup(
    fake_discord: FakeDiscord, guild_sync: bool
) -> None:
    fake = fake_discord
    bot = _ask_bot(fake, guild_sync=guild_sync)
    async with fake.run_client(bot):
        path = (
            rf"/applications/{fake.application_id}/guilds/{fake.guild_id}/commands"
            if guild_sync
            else rf"/applications/{fake.application_id}/commands"
        )
        put = await fake.wait_for_request("PUT", path, timeout=W)
        assert {c["name"] for c in put.json} == {"ask", "config"}
        synced = bot.synced  # type: ignore[attr-defined]
        assert {c.name for c in synced} == {"ask", "config"} and all(c.id for c in synced)

        inter = await fake.send_interaction("ask", {"question": "why?", "detailed": True})
        cb = await inter.wait_for_callback(timeout=W)
        assert cb.status == 200 and cb.json["type"] == 5  # deferred, "thinking"
        followup = await inter.wait_for_followup(timeout=W)
        assert followup.json["content"] == "answer to 'why?' (detailed=True)"
        assert followup.query.get("wait") == "1" and followup.status == 200
        # First follow-up after a defer replaces the "thinking" message, like Discord.
        original = inter.original_message
        assert original is not None and original["content"] == followup.json["content"]
        assert not original["flags"] & 128

        denied = await fake.send_interaction("config", user=fake.member)
        cb = await denied.wait_for_callback(timeout=W)
        assert cb.json["type"] == 4 and cb.json["data"]["content"] == "not allowed"
        assert cb.json["data"]["flags"] & 64  # ephemeral
        allowed = await fake.send_interaction("config", user=fake.admin)
        cb = await allowed.wait_for_callback(timeout=W)
        assert cb.json["data"]["content"] == "configured"


async def test_resolved_options_dm_and_uncompressed_gateway(error_log_guard: ErrorLogGuard) -> None:
    seen: list[str] = []
    async with FakeDiscord(heartbeat_interval=100, compress=False) as fake:
        bot = make_bot()

        @bot.tree.command(name="whois", description="describe a member and a channel")
        async def whois(
            interaction: discord.Interaction, who: discord.Member, where: discord.TextChannel
        ) -> None:
            seen.append(f"{who.name}|{who.guild_permissions.manage_guild}|{where.name}")
            await interaction.response.send_message("ok")

        @bot.tree.command(name="ping", description="works in DMs too")
        @app_commands.allowed_contexts(guilds=True, dms=True)
        async def ping(interaction: discord.Interaction) -> None:
            seen.append(f"ping|{interaction.guild is None}|{type(interaction.channel).__name__}")
            await interaction.response.send_message("pong")

        async def setup_hook() -> None:
            await bot.tree.sync()

        bot.setup_hook = setup_hook  # type: ignore[method-assign]
        async with fake.run_client(bot):
            inter = await fake.send_interaction(
                "whois", {"who": fake.admin, "where": fake.channel("news")}
            )
            await inter.wait_for_callback(timeout=W)
            dm = await fake.send_interaction("ping", guild=False, user=fake.add_user("stranger"))
            cb = await dm.wait_for_callback(timeout=W)
            assert cb.json["data"]["content"] == "pong"
    assert seen == ["admin|True|news", "ping|True|DMChannel"]


async def test_unsynced_command_is_rejected_by_the_fake(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    async with fake.run_client(make_client()):
        with pytest.raises(LookupError):
            await fake.send_interaction("ask", {"question": "x"})


async def test_interaction_ack_rules(error_log_guard: ErrorLogGuard) -> None:
    outcomes: dict[str, Any] = {}
    async with FakeDiscord(heartbeat_interval=100, interaction_ack_deadline=0.3) as fake:
        bot = make_bot()

        @bot.tree.command(name="slow", description="acks too late")
        async def slow(interaction: discord.Interaction) -> None:
            await asyncio.sleep(0.5)
            try:
                await interaction.response.defer()
            except discord.NotFound as exc:
                outcomes["slow"] = exc.code

        @bot.tree.command(name="twice", description="acks twice")
        async def twice(interaction: discord.Interaction) -> None:
            await interaction.response.defer()
            try:  # bypass discord.py's own guard to hit the API a second time
                await interaction._state.http.request(  # type: ignore[attr-defined]
                    discord.http.Route(
                        "POST",
                        "/interactions/{iid}/{token}/callback",
                        iid=interaction.id,
                        token=interaction.token,
                    ),
                    json={"type": 5},
                )
            except discord.HTTPException as exc:
                outcomes["twice"] = exc.code

        async def setup_hook() -> None:
            await bot.tree.sync()

        bot.setup_hook = setup_hook  # type: ignore[method-assign]
        async with fake.run_client(bot):
            await fake.send_interaction("slow")
            await fake.send_interaction("twice")
            await _until(lambda: len(outcomes) == 2)
    assert outcomes == {"slow": 10062, "twice": 40060}


async def test_autocomplete_and_modal(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    bot = make_bot()
    submitted: list[str] = []

    class Feedback(discord.ui.Modal, title="Feedback"):
        text = discord.ui.TextInput(label="Your feedback", custom_id="feedback_text")

        async def on_submit(self, interaction: discord.Interaction) -> None:
            submitted.append(self.text.value)
            await interaction.response.send_message("thanks", ephemeral=True)

    @bot.tree.command(name="topic", description="pick a topic")
    async def topic(interaction: discord.Interaction, name: str) -> None:
        await interaction.response.send_modal(Feedback(custom_id="feedback_modal"))

    @topic.autocomplete("name")
    async def topic_ac(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=t, value=t)
            for t in ("sports", "science")
            if t.startswith(current)
        ]

    async def setup_hook() -> None:
        await bot.tree.sync()

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    async with fake.run_client(bot):
        ac = await fake.send_interaction("topic", {"name": "sc"}, focused="name")
        cb = await ac.wait_for_callback(timeout=W)
        assert cb.json == {
            "type": 8,
            "data": {"choices": [{"name": "science", "value": "science"}]},
        }

        inter = await fake.send_interaction("topic", {"name": "science"})
        cb = await inter.wait_for_callback(timeout=W)
        assert cb.json["type"] == 9 and cb.json["data"]["custom_id"] == "feedback_modal"
        sub = await fake.send_modal_submit("feedback_modal", {"feedback_text": "great bot"})
        cb = await sub.wait_for_callback(timeout=W)
        assert cb.json["data"]["content"] == "thanks"
        assert submitted == ["great bot"]


# --------------------------------------------------------------------------- threads


async def test_thread_from_message_and_reply_inside(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    client = make_client()
    threads: list[discord.Thread] = []
    replies_in_thread: list[str] = []

    @client.event
    async def on_message(message: discord.Message) -> None:
        if message.author.bot or client.user not in message.mentions:
            return
        if isinstance(message.channel, discord.Thread):
            replies_in_thread.append(message.content)
            await message.channel.send("follow-up answer")
            return
        thread = await message.create_thread(name="Question thread")
        threads.append(thread)
        await thread.send("first answer")

    general = fake.channel("general")
    async with fake.run_client(client):
        sent = await fake.send_message(general.id, fake.member, "tell me more", mentions_bot=True)
        create = await fake.wait_for_request(
            "POST", rf"/channels/{general.id}/messages/{sent['id']}/threads", timeout=W
        )
        assert create.json["name"] == "Question thread" and create.status == 201
        thread_id = int(create.response["id"])
        assert thread_id == int(sent["id"])  # Discord reuses the starter message id
        post = await fake.wait_for_request("POST", rf"/channels/{thread_id}/messages", timeout=W)
        assert post.json["content"] == "first answer"

        fake_thread = fake.channel(thread_id)
        assert fake_thread.type == 11 and fake_thread.parent_id == general.id
        cached = client.get_channel(thread_id)
        assert isinstance(cached, discord.Thread) and cached.parent_id == general.id

        since = fake.mark()
        await fake.send_message(thread_id, fake.member, "and then?", mentions_bot=True)
        post = await fake.wait_for_request(
            "POST", rf"/channels/{thread_id}/messages", timeout=W, since=since
        )
        assert post.json["content"] == "follow-up answer"
        assert replies_in_thread == [f"<@{fake.bot_user.id}> and then?"]

        # A thread without a starter message.
        channel = client.get_channel(fake.channel("news").id)
        assert isinstance(channel, discord.TextChannel)
        thread = await channel.create_thread(
            name="standalone", type=discord.ChannelType.public_thread
        )
        assert thread.parent_id == channel.id
        await _until(lambda: client.get_channel(thread.id) is not None)


# --------------------------------------------------------------------------- heartbeats


async def test_heartbeats_arrive_at_the_interval(fake_discord: FakeDiscord) -> None:
    fake = fake_discord  # 100 ms interval
    client = make_client()
    handled = asyncio.Event()

    @client.event
    async def on_message(message: discord.Message) -> None:
        if message.author.bot:
            return
        await asyncio.sleep(1.0)  # slow but cooperative handler
        handled.set()

    async with fake.run_client(client):
        beats = await fake.wait_for_heartbeats(6, timeout=W)
        gaps = sorted(b - a for a, b in itertools.pairwise(beats))
        assert 0.08 < gaps[len(gaps) // 2] < 0.2, gaps  # median close to the 100 ms interval
        assert gaps[-1] < 0.5, gaps

        start = time.monotonic()
        await fake.send_message(
            fake.channel("general").id, fake.member, "slow please", mentions_bot=True
        )
        await asyncio.wait_for(handled.wait(), W)
        # the handler took 1 s; a blocked loop would show a >= 1 s gap
        assert fake.max_heartbeat_gap(since=start) < 0.6


async def test_blocking_handler_shows_up_as_heartbeat_gap(fake_discord: FakeDiscord) -> None:
    """The gap measurement really detects an event loop blocked by a handler."""
    fake = fake_discord
    client = make_client()
    done = asyncio.Event()

    @client.event
    async def on_message(message: discord.Message) -> None:
        if message.author.bot:
            return
        time.sleep(0.6)  # deliberately blocks the event loop
        done.set()

    async with fake.run_client(client):
        await fake.wait_for_heartbeats(2, timeout=W)
        start = time.monotonic()
        await fake.send_message(fake.channel("general").id, fake.member, "block", mentions_bot=True)
        await asyncio.wait_for(done.wait(), W)
        await fake.wait_for_heartbeats(2, timeout=W)
        assert fake.max_heartbeat_gap(since=start - 0.2) >= 0.5


# --------------------------------------------------------------------------- components


class VoteView(discord.ui.View):
    def __init__(self, clicks: list[str]) -> None:
        super().__init__(timeout=None)
        self.clicks = clicks

    @discord.ui.button(label="Helpful", custom_id="vote:yes", style=discord.ButtonStyle.success)
    async def yes(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.clicks.append(
            f"yes:{interaction.user.id}:{interaction.message.id if interaction.message else None}"
        )
        await interaction.response.send_message("thanks for the feedback", ephemeral=True)


async def test_button_reaches_persistent_view(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    clicks: list[str] = []
    bot = make_bot()

    async def setup_hook() -> None:
        bot.add_view(VoteView(clicks))  # persistent: survives restarts, no message id

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    async with fake.run_client(bot):
        # 1) a click on a message the fake knows nothing about (e.g. sent before a restart)
        inter = await fake.send_component_interaction("vote:yes", user=fake.admin)
        cb = await inter.wait_for_callback(timeout=W)
        assert cb.json["type"] == 4 and cb.json["data"]["content"] == "thanks for the feedback"
        assert cb.json["data"]["flags"] & 64
        assert clicks and clicks[0].startswith(f"yes:{fake.admin.id}:")

        # 2) a click on a message the bot just sent with the view
        channel = bot.get_channel(fake.channel("general").id)
        assert isinstance(channel, discord.TextChannel)
        sent = await channel.send("Was this helpful?", view=VoteView(clicks))
        inter = await fake.send_component_interaction("vote:yes")
        await inter.wait_for_callback(timeout=W)
        assert inter.payload["message"]["id"] == str(sent.id)
        assert clicks[-1] == f"yes:{fake.member.id}:{sent.id}"


async def test_component_update_message(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    bot = make_bot()

    class Counter(discord.ui.View):
        def __init__(self) -> None:
            super().__init__(timeout=30)
            self.count = 0

        @discord.ui.button(label="0", custom_id="count")
        async def inc(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
            self.count += 1
            button.label = str(self.count)
            await interaction.response.edit_message(content=f"count={self.count}", view=self)

    async with fake.run_client(bot):
        channel = bot.get_channel(fake.channel("general").id)
        assert isinstance(channel, discord.TextChannel)
        sent = await channel.send("count=0", view=Counter())
        inter = await fake.send_component_interaction("count", message_id=sent.id)
        cb = await inter.wait_for_callback(timeout=W)
        assert cb.json["type"] == 7
        assert fake.messages[sent.id]["content"] == "count=1"
        assert fake.messages[sent.id]["components"][0]["components"][0]["label"] == "1"


# --------------------------------------------------------------------------- robustness


async def test_reconnect_resumes_and_replays(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    client = make_client()
    resumed = asyncio.Event()
    got: list[str] = []

    @client.event
    async def on_resumed() -> None:
        resumed.set()

    @client.event
    async def on_message(message: discord.Message) -> None:
        if not message.author.bot:
            got.append(message.content)

    async with fake.run_client(client):
        await fake.request_reconnect()
        await asyncio.wait_for(resumed.wait(), W)
        assert fake.resume_count == 1 and fake.identify_count == 1
        await fake.send_message(
            fake.channel("general").id, fake.member, "after resume", mentions_bot=True
        )
        await _until(lambda: len(got) == 1)


async def test_error_log_guard_catches_swallowed_handler_errors(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    client = make_client()

    @client.event
    async def on_message(message: discord.Message) -> None:
        raise RuntimeError("handler bug")

    with ErrorLogGuard() as inner:  # the fixture-level guard must not see this one
        root = logging.getLogger()
        outer = [h for h in root.handlers if isinstance(h, ErrorLogGuard) and h is not inner]
        for h in outer:
            root.removeHandler(h)
        try:
            async with fake.run_client(client):
                await fake.send_message(
                    fake.channel("general").id, fake.member, "boom", mentions_bot=True
                )
                await _until(lambda: bool(inner.records))
            assert "handler bug" in inner.format_records() or any(
                r.exc_info and "handler bug" in str(r.exc_info[1]) for r in inner.records
            )
            with pytest.raises(AssertionError):
                inner.assert_clean()
            inner.clear()
        finally:
            for h in outer:
                root.addHandler(h)


async def test_failure_injection_and_unknown_routes(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    client = make_client()
    async with fake.run_client(client):
        channel = client.get_channel(fake.channel("general").id)
        assert isinstance(channel, discord.TextChannel)
        fake.fail_next(
            "POST",
            r"/channels/\d+/messages",
            status=403,
            body={"message": "Missing Permissions", "code": 50013},
        )
        with pytest.raises(discord.Forbidden):
            await channel.send("nope")
        await channel.send("works again")
        with pytest.raises(discord.NotFound):
            await client.http.request(discord.http.Route("GET", "/no/such/route"))
        assert [r.path for r in fake.unhandled_requests] == ["/no/such/route"]


# --------------------------------------------------------------------------- helpers


async def _until(condition: Any, timeout: float = W) -> None:
    """Poll ``condition()`` until true (bounded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.01)
