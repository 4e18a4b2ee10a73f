"""A fake Discord API + gateway on loopback for testing real discord.py clients.

The fake speaks enough of the v10 gateway (HELLO, HEARTBEAT/ACK, IDENTIFY ->
READY + GUILD_CREATE, RESUME -> RESUMED, REQUEST_GUILD_MEMBERS, optional
``zlib-stream`` transport compression) and of the REST API (users,
application, command sync, messages, threads, interaction callbacks and
webhook follow-ups) for an unmodified ``discord.Client`` / ``commands.Bot`` to
log in, receive events and answer them.  Nothing in discord.py is mocked: the
client is only pointed at the fake by patching ``discord.http.Route.BASE`` and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` (see
:meth:`FakeDiscord.patch_discord` and :meth:`FakeDiscord.run_client`).

Everything binds to 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import re
import secrets
import time
import zlib
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import (
    Any,
    TypeVar,
)

import discord
import discord.gateway
import discord.http
import yarl
from aiohttp import WSMsgType, web

__all__ = [
    "ChannelType",
    "ErrorLogGuard",
    "FakeChannel",
    "FakeDiscord",
    "FakeInteraction",
    "FakeRole",
    "FakeUser",
    "GatewayFrame",
    "Intent",
    "Perm",
    "RecordedRequest",
    "UploadedFile",
]

_log = logging.getLogger("fakediscord")

DISCORD_EPOCH_MS = 1420070400000
API_VERSION = 10
JSON_CT = "application/json"  # exactly this: discord.py compares the header verbatim
T = TypeVar("T")


# --------------------------------------------------------------------------- constants


class Intent:
    """Gateway intent bits used by the fake for event filtering."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    DIRECT_MESSAGES = 1 << 12
    MESSAGE_CONTENT = 1 << 15


class Perm:
    """Permission bits (same values as ``discord.Permissions``)."""

    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CHANGE_NICKNAME = 1 << 26
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    SEND_MESSAGES_IN_THREADS = 1 << 38
    ALL = (1 << 51) - 1

    EVERYONE_DEFAULT = (
        VIEW_CHANNEL
        | SEND_MESSAGES
        | ADD_REACTIONS
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | USE_EXTERNAL_EMOJIS
        | CHANGE_NICKNAME
        | USE_APPLICATION_COMMANDS
        | CREATE_PUBLIC_THREADS
        | SEND_MESSAGES_IN_THREADS
    )
    MODERATOR_DEFAULT = MANAGE_GUILD | MANAGE_MESSAGES | MANAGE_THREADS | MENTION_EVERYONE
    BOT_DEFAULT = EVERYONE_DEFAULT | MANAGE_THREADS | CREATE_PRIVATE_THREADS | MANAGE_MESSAGES


class ChannelType:
    GUILD_TEXT = 0
    DM = 1
    GUILD_NEWS = 5
    NEWS_THREAD = 10
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12


_THREAD_TYPES = (ChannelType.NEWS_THREAD, ChannelType.PUBLIC_THREAD, ChannelType.PRIVATE_THREAD)

# Message flags
_FLAG_EPHEMERAL = 1 << 6
_FLAG_LOADING = 1 << 7

# Interaction callback types
CB_PONG = 1
CB_MESSAGE = 4
CB_DEFERRED_MESSAGE = 5
CB_DEFERRED_UPDATE = 6
CB_UPDATE_MESSAGE = 7
CB_AUTOCOMPLETE = 8
CB_MODAL = 9


def _now_iso(offset: float = 0.0) -> str:
    return (datetime.now(UTC) + timedelta(seconds=offset)).isoformat()


class _Snowflakes:
    """Monotonic snowflake generator (timestamp-based, like Discord's)."""

    def __init__(self) -> None:
        self._last = 0

    def __call__(self) -> int:
        candidate = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        if candidate <= self._last:
            candidate = self._last + 1
        self._last = candidate
        return candidate


# --------------------------------------------------------------------------- entities


@dataclass(eq=False)
class FakeUser:
    """A Discord user known to the fake."""

    id: int
    username: str
    bot: bool = False
    global_name: str | None = None

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def to_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass(eq=False)
class FakeRole:
    """A guild role. ``id == guild_id`` for @everyone."""

    id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False
    bot_id: int | None = None

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": False,
            "flags": 0,
        }
        if self.bot_id is not None:
            payload["tags"] = {"bot_id": str(self.bot_id)}
        return payload


@dataclass(eq=False)
class _Member:
    user: FakeUser
    role_ids: list[int]
    joined_at: str = field(default_factory=_now_iso)
    nick: str | None = None


@dataclass(eq=False)
class FakeChannel:
    """A guild text channel, a thread (types 10/11/12) or a DM channel (type 1)."""

    id: int
    name: str
    type: int = ChannelType.GUILD_TEXT
    guild_id: int | None = None
    parent_id: int | None = None
    owner_id: int | None = None
    position: int = 0
    topic: str | None = None
    recipient: FakeUser | None = None
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 1440
    created_at: str = field(default_factory=_now_iso)
    message_ids: list[int] = field(default_factory=list)
    member_ids: list[int] = field(default_factory=list)

    @property
    def is_thread(self) -> bool:
        return self.type in _THREAD_TYPES

    @property
    def is_dm(self) -> bool:
        return self.type == ChannelType.DM

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    @property
    def last_message_id(self) -> str | None:
        return str(self.message_ids[-1]) if self.message_ids else None

    def to_payload(self) -> dict[str, Any]:
        if self.is_dm:
            return {
                "id": str(self.id),
                "type": ChannelType.DM,
                "last_message_id": self.last_message_id,
                "flags": 0,
                "recipients": [self.recipient.to_payload()] if self.recipient else [],
            }
        base: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "last_message_id": self.last_message_id,
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        if self.is_thread:
            base.update(
                parent_id=str(self.parent_id),
                owner_id=str(self.owner_id),
                message_count=len(self.message_ids),
                total_message_sent=len(self.message_ids),
                member_count=max(1, len(self.member_ids)),
                thread_metadata={
                    "archived": self.archived,
                    "auto_archive_duration": self.auto_archive_duration,
                    "archive_timestamp": self.created_at,
                    "locked": self.locked,
                    "invitable": True,
                    "create_timestamp": self.created_at,
                },
            )
        else:
            base.update(
                position=self.position,
                parent_id=None,
                topic=self.topic,
                nsfw=False,
                permission_overwrites=[],
                default_auto_archive_duration=1440,
            )
        return base


# --------------------------------------------------------------------------- records


@dataclass
class UploadedFile:
    """One file part of a multipart request."""

    field_name: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class RecordedRequest:
    """A REST request the fake received (recorded after it was answered).

    ``path`` is relative to the API base, e.g. ``/channels/123/messages``.
    ``json`` is the parsed JSON body, or the parsed ``payload_json`` part of a
    multipart body; ``files`` holds the other multipart parts.
    """

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[UploadedFile]
    headers: dict[str, str]
    timestamp: float
    status: int = 0
    response: Any = None
    handled: bool = True

    def matches(self, method: str | None, path_regex: str | None) -> bool:
        """``method`` compared case-insensitively, ``path_regex`` with ``re.fullmatch``."""
        if method is not None and self.method != method.upper():
            return False
        return path_regex is None or re.fullmatch(path_regex, self.path) is not None

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"


@dataclass
class GatewayFrame:
    """A gateway frame from the client (``direction='recv'``) or to it (``'send'``)."""

    direction: str
    op: int
    data: Any
    timestamp: float
    event: str | None = None
    seq: int | None = None


class _Recorder(list[T]):
    """A list whose appends wake up waiters."""

    def __init__(self, abort: Callable[[], str | None] | None = None) -> None:
        super().__init__()
        self._changed = asyncio.Event()
        self._abort = abort

    def poke(self) -> None:
        """Wake up waiters without adding anything (they re-check their abort condition)."""
        self._changed.set()
        self._changed = asyncio.Event()

    def add(self, item: T) -> None:
        self.append(item)
        self.poke()

    async def wait_for(
        self,
        predicate: Callable[[T], bool],
        timeout: float,
        since: int = 0,
        describe: Callable[[], str] = lambda: "",
    ) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        index = since
        while True:
            while index < len(self):
                item = self[index]
                index += 1
                if predicate(item):
                    return item
            reason = self._abort() if self._abort is not None else None
            if reason:
                raise AssertionError(f"gave up waiting for {describe()}: {reason}")
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout}s waiting for {describe()}")
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)


class _ErrorCapture(logging.Handler):
    def __init__(self, sink: list[logging.LogRecord], on_record: Callable[[], None]) -> None:
        super().__init__(logging.ERROR)
        self._sink = sink
        self._on_record = on_record

    def emit(self, record: logging.LogRecord) -> None:
        self._sink.append(record)
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # logged from another thread: waiters notice on their next wake-up
            return
        self._on_record()


@dataclass(eq=False)
class FakeInteraction:
    """An interaction injected by the fake, with what the client did with it."""

    id: int
    token: str
    type: int
    channel_id: int
    guild_id: int | None
    user: FakeUser
    payload: dict[str, Any]
    created: float
    fake: FakeDiscord = field(repr=False)
    acknowledged: bool = False
    response_type: int | None = None
    original_message_id: int | None = None
    response_data: dict[str, Any] | None = None
    followup_ids: list[int] = field(default_factory=list)
    _followup_edits_original: bool = False

    @property
    def original_message(self) -> dict[str, Any] | None:
        """The current original-response message payload, if any."""
        if self.original_message_id is None:
            return None
        return self.fake.messages.get(self.original_message_id)

    @property
    def followups(self) -> list[dict[str, Any]]:
        return [self.fake.messages[i] for i in self.followup_ids if i in self.fake.messages]

    @property
    def _webhook_prefix(self) -> str:
        return f"/webhooks/{self.fake.application_id}/{re.escape(self.token)}"

    async def wait_for_callback(self, timeout: float = 5.0) -> RecordedRequest:
        """Wait for ``POST /interactions/{id}/{token}/callback`` (any status)."""
        return await self.fake.wait_for_request(
            "POST", rf"/interactions/{self.id}/{re.escape(self.token)}/callback", timeout=timeout
        )

    async def wait_for_followup(self, timeout: float = 5.0, since: int = 0) -> RecordedRequest:
        """Wait for a follow-up ``POST /webhooks/{app_id}/{token}``."""
        return await self.fake.wait_for_request(
            "POST", self._webhook_prefix, timeout=timeout, since=since
        )

    async def wait_for_edit(self, timeout: float = 5.0, since: int = 0) -> RecordedRequest:
        """Wait for ``PATCH /webhooks/{app_id}/{token}/messages/(@original|id)``."""
        return await self.fake.wait_for_request(
            "PATCH",
            self._webhook_prefix + r"/messages/(@original|\d+)",
            timeout=timeout,
            since=since,
        )


@dataclass
class _Failure:
    method: str
    path_regex: str
    status: int
    body: Any
    remaining: int


class _Session:
    def __init__(self, session_id: str, intents: int) -> None:
        self.session_id = session_id
        self.intents = intents
        self.seq = 0
        self.buffer: list[dict[str, Any]] = []


class _Connection:
    def __init__(self, ws: web.WebSocketResponse, compress: bool) -> None:
        self.ws = ws
        self.compressor = zlib.compressobj() if compress else None
        self.lock = asyncio.Lock()
        self.session: _Session | None = None

    async def send(self, payload: dict[str, Any]) -> bool:
        text = json.dumps(payload, separators=(",", ":"))
        async with self.lock:
            if self.ws.closed:
                return False
            try:
                if self.compressor is not None:
                    data = self.compressor.compress(text.encode()) + self.compressor.flush(
                        zlib.Z_SYNC_FLUSH
                    )
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return False
        return True


class _HTTPError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"message": message, "code": code}


def _not_found(what: str, code: int) -> _HTTPError:
    return _HTTPError(404, code, f"Unknown {what}")


# --------------------------------------------------------------------------- log guard


class ErrorLogGuard(logging.Handler):
    """Collects log records at or above ``level`` (default ERROR) from the root logger.

    discord.py swallows exceptions raised in event handlers, command callbacks and
    views and only logs them, so tests must look at the logs to notice them::

        with ErrorLogGuard() as guard:   # raises AssertionError on exit if anything was logged
            ...

    ``ignore`` takes regexes matched (``re.search``) against the formatted message.
    """

    def __init__(self, level: int = logging.ERROR, ignore: Iterable[str] = ()) -> None:
        super().__init__(level)
        self.records: list[logging.LogRecord] = []
        self._ignore = [re.compile(p) for p in ignore]
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if any(p.search(message) for p in self._ignore):
            return
        self.records.append(record)

    def install(self) -> ErrorLogGuard:
        logging.getLogger().addHandler(self)
        return self

    def uninstall(self) -> None:
        logging.getLogger().removeHandler(self)

    def clear(self) -> None:
        self.records.clear()

    def format_records(self) -> str:
        return "\n".join(self.format(r) for r in self.records)

    def assert_clean(self) -> None:
        """Raise ``AssertionError`` listing every captured record (with tracebacks)."""
        if self.records:
            raise AssertionError(
                f"{len(self.records)} log record(s) at ERROR or above:\n{self.format_records()}"
            )

    def __enter__(self) -> ErrorLogGuard:
        return self.install()

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.uninstall()
        if exc_type is None:
            self.assert_clean()


# --------------------------------------------------------------------------- the fake

_MENTION_USER = re.compile(r"<@!?(\d+)>")
_MENTION_ROLE = re.compile(r"<@&(\d+)>")
_patch_owner: FakeDiscord | None = None

Handler = Callable[..., Awaitable[tuple[int, Any]]]


@dataclass
class _ParsedRequest:
    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[UploadedFile]
    headers: dict[str, str]


class FakeDiscord:
    """A fake Discord (REST + gateway) serving one bot, one guild and a few users.

    Default world (all ids are fresh snowflakes):

    * ``bot_user`` -- the bot (``application_id`` defaults to its id)
    * ``owner`` -- guild owner, ``admin`` -- has the *Moderator* role
      (Manage Server, Manage Messages, Manage Threads), ``member`` -- plain member
    * ``roles``: ``"@everyone"``, ``"Moderator"``, and the bot's managed role
    * text channels named by ``text_channels`` (default ``general`` and ``news``)

    Use :meth:`run_client` to connect a client, then inject events with
    :meth:`send_message`, :meth:`send_interaction`, :meth:`send_component_interaction`
    and observe the client through :attr:`requests` / :meth:`wait_for_request`.
    """

    def __init__(
        self,
        *,
        heartbeat_interval: int = 1000,
        token: str = "fake-bot-token",
        bot_name: str = "newsbot",
        bot_id: int | None = None,
        application_id: int | None = None,
        guild_name: str = "Fake Guild",
        text_channels: Sequence[str] = ("general", "news"),
        bot_permissions: int = Perm.BOT_DEFAULT,
        everyone_permissions: int = Perm.EVERYONE_DEFAULT,
        moderator_permissions: int = Perm.MODERATOR_DEFAULT,
        compress: bool = True,
        interaction_ack_deadline: float | None = 3.0,
        echo_bot_messages: bool = True,
        fail_fast_on_error_logs: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        """
        :param heartbeat_interval: milliseconds, sent in HELLO.
        :param compress: honour ``compress=zlib-stream`` in the gateway URL (else text frames).
        :param interaction_ack_deadline: seconds within which an interaction must be
            acknowledged (like Discord's 3 s); later callbacks get 404 *Unknown interaction*.
            ``None`` disables the check.
        :param echo_bot_messages: dispatch MESSAGE_CREATE/UPDATE/DELETE for messages the bot
            creates/edits/deletes over REST, as Discord does.
        :param fail_fast_on_error_logs: while :meth:`run_client` runs, ERROR log records go to
            :attr:`client_errors`, and any ``wait_for_*`` call fails at once with them (instead of
            timing out) while that list is non-empty; ``client_errors.clear()`` expected ones.
        """
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("FakeDiscord only binds to loopback")
        self.heartbeat_interval = heartbeat_interval
        self.token = token
        self.compress = compress
        self.interaction_ack_deadline = interaction_ack_deadline
        self.echo_bot_messages = echo_bot_messages
        self._host = host
        self._port = port
        self._snowflake = _Snowflakes()

        self.bot_user = FakeUser(bot_id or self._snowflake(), bot_name, bot=True)
        self.application_id: int = application_id or self.bot_user.id
        self.guild_id: int = self._snowflake()
        self.guild_name = guild_name
        self.owner = FakeUser(self._snowflake(), "owner")
        self.admin = FakeUser(self._snowflake(), "admin")
        self.member = FakeUser(self._snowflake(), "member")

        self.roles: dict[str, FakeRole] = {
            "@everyone": FakeRole(self.guild_id, "@everyone", everyone_permissions, 0),
            "Moderator": FakeRole(self._snowflake(), "Moderator", moderator_permissions, 2),
            bot_name: FakeRole(
                self._snowflake(),
                bot_name,
                bot_permissions,
                1,
                managed=True,
                bot_id=self.bot_user.id,
            ),
        }
        self.users: dict[int, FakeUser] = {}
        self._members: dict[int, _Member] = {}
        for user, roles in (
            (self.bot_user, [bot_name]),
            (self.owner, []),
            (self.admin, ["Moderator"]),
            (self.member, []),
        ):
            self._register_member(user, roles)

        self.channels: dict[int, FakeChannel] = {}
        for position, name in enumerate(text_channels):
            self._new_text_channel(name, position)

        self.messages: dict[int, dict[str, Any]] = {}
        self.interactions: dict[int, FakeInteraction] = {}
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.attachments: dict[int, tuple[str, bytes, str]] = {}
        self.presence_updates: list[dict[str, Any]] = []

        self.fail_fast_on_error_logs = fail_fast_on_error_logs
        self.client_errors: list[logging.LogRecord] = []
        self.requests: _Recorder[RecordedRequest] = _Recorder(self._abort_reason)
        self.heartbeats: _Recorder[float] = _Recorder(self._abort_reason)
        self.gateway_frames: _Recorder[GatewayFrame] = _Recorder(self._abort_reason)
        self.gateway_connections: list[dict[str, str]] = []  # query params of each gateway connect
        self.identify_count = 0
        self.resume_count = 0
        self._failures: list[_Failure] = []
        self._session: _Session | None = None
        self._conn: _Connection | None = None
        self._connections: set[_Connection] = set()
        self._runner: web.AppRunner | None = None
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._install_routes()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start listening on 127.0.0.1 (random free port unless ``port`` was given)."""
        if self._runner is not None:
            return
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("GET", "/", self._ws_handler)
        app.router.add_route("GET", "/attachments/{aid}/{filename}", self._attachment_handler)
        app.router.add_route("*", f"/api/v{API_VERSION}/{{tail:.*}}", self._rest_handler)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=0.5
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        _log.debug("fake discord listening on %s", self.base_url)

    async def stop(self) -> None:
        """Close gateway connections and stop the server."""
        for conn in list(self._connections):
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1001)
        self._connections.clear()
        self._conn = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self._port}"

    @property
    def api_base(self) -> str:
        """Value for ``discord.http.Route.BASE``."""
        return f"{self.base_url}/api/v{API_VERSION}"

    @property
    def gateway_url(self) -> yarl.URL:
        """Value for ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``."""
        return yarl.URL(f"ws://{self._host}:{self._port}/")

    @contextlib.contextmanager
    def patch_discord(self) -> Iterator[None]:
        """Point discord.py (process-wide) at this fake; restores the old values on exit."""
        global _patch_owner
        if self._runner is None:
            raise RuntimeError("start() the fake before patching discord.py")
        if _patch_owner is not None and _patch_owner is not self:
            raise RuntimeError("another FakeDiscord is already patched into discord.py")
        nested = _patch_owner is self
        old_base = discord.http.Route.BASE
        old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self.gateway_url
        _patch_owner = self
        try:
            yield
        finally:
            if not nested:
                discord.http.Route.BASE = old_base
                discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway
                _patch_owner = None

    def _abort_reason(self) -> str | None:
        if not (self.fail_fast_on_error_logs and self.client_errors):
            return None
        fmt = logging.Formatter("%(levelname)s %(name)s: %(message)s")
        return "error(s) logged while the client ran:\n" + "\n".join(
            fmt.format(r) for r in self.client_errors
        )

    def _poke_waiters(self) -> None:
        for recorder in (self.requests, self.heartbeats, self.gateway_frames):
            recorder.poke()

    @staticmethod
    def client_options() -> dict[str, Any]:
        """Recommended extra kwargs for ``discord.Client``/``commands.Bot`` under test."""
        return {"guild_ready_timeout": 0.05, "chunk_guilds_at_startup": False}

    @contextlib.asynccontextmanager
    async def run_client(
        self,
        client: discord.Client,
        *,
        ready_timeout: float = 10.0,
        close_timeout: float = 5.0,
    ) -> AsyncIterator[discord.Client]:
        """Start ``client`` against the fake, wait until ``client.is_ready()``, close it on exit.

        Startup failures (e.g. an exception in ``setup_hook``) are re-raised.
        """
        await self.start()
        capture = _ErrorCapture(self.client_errors, self._poke_waiters)
        logging.getLogger().addHandler(capture)
        with self.patch_discord(), contextlib.ExitStack() as cleanup:
            cleanup.callback(logging.getLogger().removeHandler, capture)
            task = asyncio.create_task(client.start(self.token), name="fakediscord-client")
            try:
                loop = asyncio.get_running_loop()
                deadline = loop.time() + ready_timeout
                while not client.is_ready():
                    if task.done():
                        task.result()  # re-raise the startup error
                        raise RuntimeError("client.start() returned before the client became ready")
                    if loop.time() > deadline:
                        raise TimeoutError(f"client not ready after {ready_timeout}s")
                    await asyncio.sleep(0.01)
                yield client
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(client.close(), close_timeout)
                if not task.done():
                    try:
                        await asyncio.wait_for(task, close_timeout)
                    except (TimeoutError, asyncio.CancelledError):
                        pass
                    except Exception:
                        _log.debug(
                            "client task ended with an exception during close", exc_info=True
                        )
                elif not task.cancelled() and task.exception() is not None:
                    _log.debug("client task ended with an exception", exc_info=task.exception())

    # ------------------------------------------------------------------ world setup

    def _register_member(self, user: FakeUser, role_names: Iterable[str] = ()) -> _Member:
        self.users[user.id] = user
        member = _Member(user, [self.roles[name].id for name in role_names])
        self._members[user.id] = member
        return member

    def _new_text_channel(self, name: str, position: int) -> FakeChannel:
        channel = FakeChannel(
            self._snowflake(),
            name,
            ChannelType.GUILD_TEXT,
            guild_id=self.guild_id,
            position=position,
        )
        self.channels[channel.id] = channel
        return channel

    def channel(self, name_or_id: str | int) -> FakeChannel:
        """Look a channel/thread up by name or id (``KeyError`` if unknown)."""
        if isinstance(name_or_id, int):
            return self.channels[name_or_id]
        for channel in self.channels.values():
            if channel.name == name_or_id and not channel.is_dm:
                return channel
        raise KeyError(name_or_id)

    @property
    def text_channels(self) -> list[FakeChannel]:
        return [c for c in self.channels.values() if c.type == ChannelType.GUILD_TEXT]

    @property
    def threads(self) -> list[FakeChannel]:
        return [c for c in self.channels.values() if c.is_thread]

    async def add_member(
        self, username: str, *, roles: Sequence[str] = (), bot: bool = False
    ) -> FakeUser:
        """Add a guild member (dispatches GUILD_MEMBER_ADD if a client is connected)."""
        user = FakeUser(self._snowflake(), username, bot=bot)
        self._register_member(user, roles)
        if self._session is not None:
            await self.dispatch(
                "GUILD_MEMBER_ADD",
                {**self._member_payload(user.id), "guild_id": str(self.guild_id)},
            )
        return user

    def add_user(self, username: str, *, bot: bool = False) -> FakeUser:
        """Add a user who is *not* a guild member (e.g. for DMs)."""
        user = FakeUser(self._snowflake(), username, bot=bot)
        self.users[user.id] = user
        return user

    async def add_text_channel(self, name: str) -> FakeChannel:
        """Add a text channel (dispatches CHANNEL_CREATE if a client is connected)."""
        channel = self._new_text_channel(name, len(self.text_channels))
        if self._session is not None:
            await self.dispatch("CHANNEL_CREATE", channel.to_payload())
        return channel

    async def create_thread(
        self,
        parent_id: int,
        name: str,
        *,
        owner: FakeUser | None = None,
        message_id: int | None = None,
        private: bool = False,
    ) -> FakeChannel:
        """Create a thread as a *user* would (dispatches THREAD_CREATE)."""
        return await self._create_thread(
            self._get_channel(parent_id),
            name,
            owner or self.member,
            message_id=message_id,
            private=private,
        )

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        """The DM channel between ``user`` and the bot (created on first use)."""
        for channel in self.channels.values():
            if channel.is_dm and channel.recipient is not None and channel.recipient.id == user.id:
                return channel
        self.users.setdefault(user.id, user)
        channel = FakeChannel(self._snowflake(), "", ChannelType.DM, recipient=user)
        self.channels[channel.id] = channel
        return channel

    def is_member(self, user: FakeUser) -> bool:
        return user.id in self._members

    def member_roles(self, user: FakeUser) -> list[FakeRole]:
        by_id = {r.id: r for r in self.roles.values()}
        member = self._members.get(user.id)
        return [by_id[r] for r in member.role_ids] if member else []

    def member_permissions(self, user: FakeUser) -> int:
        """Guild-level permissions of a member (owner/Administrator -> everything)."""
        if user.id == self.owner.id:
            return Perm.ALL
        value = self.roles["@everyone"].permissions
        for role in self.member_roles(user):
            value |= role.permissions
        return Perm.ALL if value & Perm.ADMINISTRATOR else value

    def fail_next(
        self,
        method: str,
        path_regex: str,
        *,
        status: int = 500,
        body: Any = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` matching REST requests with ``status`` (error injection).

        Note discord.py retries 5xx responses with back-off (1 s, 3 s, ...); use 4xx for fast tests.
        """
        if body is None:
            body = {"message": f"injected failure {status}", "code": 0}
        self._failures.append(_Failure(method.upper(), path_regex, status, body, times))

    # ------------------------------------------------------------------ payload builders

    def _member_payload(self, user_id: int, *, with_user: bool = True) -> dict[str, Any]:
        member = self._members[user_id]
        payload: dict[str, Any] = {
            "roles": [str(r) for r in member.role_ids],
            "joined_at": member.joined_at,
            "nick": member.nick,
            "avatar": None,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            payload["user"] = member.user.to_payload()
        return payload

    def guild_payload(self, *, full: bool = True) -> dict[str, Any]:
        """The guild object (``full`` adds GUILD_CREATE-only fields: members, channels, ...)."""
        payload: dict[str, Any] = {
            "id": str(self.guild_id),
            "name": self.guild_name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner.id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [r.to_payload() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
        }
        if full:
            payload.update(
                unavailable=False,
                large=False,
                member_count=len(self._members),
                joined_at=self._members[self.bot_user.id].joined_at,
                members=[self._member_payload(uid) for uid in self._members],
                channels=[
                    {k: v for k, v in c.to_payload().items() if k != "guild_id"}
                    for c in self.channels.values()
                    if c.guild_id == self.guild_id and not c.is_thread
                ],
                threads=[c.to_payload() for c in self.threads if not c.archived],
                presences=[],
                voice_states=[],
                stage_instances=[],
                guild_scheduled_events=[],
                soundboard_sounds=[],
            )
        return payload

    def _app_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": self.bot_user.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "owner": self.owner.to_payload(),
            "team": None,
            "bot": self.bot_user.to_payload(),
            "interactions_endpoint_url": None,
            "redirect_uris": [],
        }

    def _thread_member_payload(self, thread: FakeChannel, user_id: int) -> dict[str, Any]:
        return {
            "id": str(thread.id),
            "user_id": str(user_id),
            "join_timestamp": thread.created_at,
            "flags": 0,
        }

    def _build_message(
        self,
        channel: FakeChannel,
        author: FakeUser,
        body: Mapping[str, Any],
        *,
        msg_type: int = 0,
        message_id: int | None = None,
        webhook: bool = False,
        interaction: FakeInteraction | None = None,
        files: Sequence[UploadedFile] = (),
    ) -> dict[str, Any]:
        content = body.get("content") or ""
        reference = body.get("message_reference")
        user_ids, role_ids, everyone = self._resolve_mentions(
            content, body.get("allowed_mentions"), reference
        )
        msg: dict[str, Any] = {
            "id": str(message_id or self._snowflake()),
            "channel_id": str(channel.id),
            "type": msg_type,
            "content": content,
            "author": author.to_payload(),
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": everyone,
            "mentions": [self.users[u].to_payload() for u in user_ids],
            "mention_roles": [str(r) for r in role_ids],
            "attachments": self._store_attachments(channel, files, body.get("attachments")),
            "embeds": list(body.get("embeds") or []),
            "components": list(body.get("components") or []),
            "pinned": False,
            "flags": int(body.get("flags") or 0),
        }
        if channel.guild_id is not None:
            msg["guild_id"] = str(channel.guild_id)
        if body.get("nonce") is not None:
            msg["nonce"] = body["nonce"]
        if reference:
            ref_id = int(reference["message_id"])
            ref_msg = self.messages.get(ref_id)
            if ref_msg is None and reference.get("fail_if_not_exists", True):
                raise _HTTPError(
                    400, 50035, "Invalid Form Body: message_reference: Unknown message"
                )
            msg["type"] = 19 if msg_type == 0 else msg_type
            msg["message_reference"] = {
                "type": 0,
                "message_id": str(ref_id),
                "channel_id": str(reference.get("channel_id") or channel.id),
                **({"guild_id": str(channel.guild_id)} if channel.guild_id else {}),
            }
            if ref_msg is not None:
                msg["referenced_message"] = {
                    k: v for k, v in ref_msg.items() if k != "referenced_message"
                }
        if webhook:
            msg["webhook_id"] = str(self.application_id)
            msg["application_id"] = str(self.application_id)
        if interaction is not None:
            msg["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": interaction.user.to_payload(),
                "authorizing_integration_owners": interaction.payload[
                    "authorizing_integration_owners"
                ],
            }
        return msg

    def _resolve_mentions(
        self, content: str, allowed: Mapping[str, Any] | None, reference: Mapping[str, Any] | None
    ) -> tuple[list[int], list[int], bool]:
        users = [
            int(u) for u in dict.fromkeys(_MENTION_USER.findall(content)) if int(u) in self.users
        ]
        roles = [int(r) for r in dict.fromkeys(_MENTION_ROLE.findall(content))]
        everyone = "@everyone" in content or "@here" in content
        replied_user = True
        if allowed is not None:
            parse = allowed.get("parse") or []
            if "users" not in parse:
                explicit = {int(u) for u in allowed.get("users") or []}
                users = [u for u in users if u in explicit]
            if "roles" not in parse:
                explicit = {int(r) for r in allowed.get("roles") or []}
                roles = [r for r in roles if r in explicit]
            everyone = everyone and "everyone" in parse
            replied_user = bool(allowed.get("replied_user", False))
        if reference and replied_user:
            ref = self.messages.get(int(reference.get("message_id", 0)))
            if ref is not None:
                author_id = int(ref["author"]["id"])
                if author_id not in users and author_id in self.users:
                    users.append(author_id)
        return users, roles, everyone

    def _store_attachments(
        self,
        channel: FakeChannel,
        files: Sequence[UploadedFile],
        metadata: Sequence[Mapping[str, Any]] | None,
    ) -> list[dict[str, Any]]:
        by_index = {f"files[{m.get('id')}]": m for m in metadata or []}
        result = []
        for f in files:
            aid = self._snowflake()
            filename = f.filename or "file"
            ctype = f.content_type or "application/octet-stream"
            self.attachments[aid] = (filename, f.data, ctype)
            url = f"{self.base_url}/attachments/{aid}/{filename}"
            meta = by_index.get(f.field_name, {})
            result.append(
                {
                    "id": str(aid),
                    "filename": filename,
                    "size": len(f.data),
                    "url": url,
                    "proxy_url": url,
                    "content_type": ctype,
                    **({"description": meta["description"]} if meta.get("description") else {}),
                }
            )
        return result

    # ------------------------------------------------------------------ gateway

    @property
    def connected(self) -> bool:
        """True while a client is identified/resumed on an open gateway connection."""
        return self._conn is not None and not self._conn.ws.closed and self._session is not None

    @property
    def intents(self) -> int:
        """Intents the client sent in IDENTIFY (0 before that)."""
        return self._session.intents if self._session else 0

    async def wait_until_connected(self, timeout: float = 5.0) -> None:
        """Wait until a client has identified (READY sent)."""
        await self.gateway_frames.wait_for(
            lambda f: f.direction == "send" and f.event in ("READY", "RESUMED"),
            timeout,
            describe=lambda: "READY/RESUMED",
        )

    async def dispatch(self, event: str, data: dict[str, Any]) -> int | None:
        """Send a DISPATCH (op 0) event; returns its sequence number.

        Returns ``None`` if the client's intents filter the event out (as Discord would).
        While the client is reconnecting the event is buffered and replayed on RESUME.
        """
        session = self._session
        if session is None:
            raise RuntimeError("no gateway session: is the client connected?")
        if not self._intents_allow(event, data, session.intents):
            _log.debug("event %s filtered out by intents %s", event, session.intents)
            return None
        session.seq += 1
        payload = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.buffer.append(payload)
        del session.buffer[:-1000]
        conn = self._conn
        if conn is not None and conn.session is session:
            await self._send_frame(conn, payload)
        return session.seq

    @staticmethod
    def _intents_allow(event: str, data: Mapping[str, Any], intents: int) -> bool:
        if event.startswith("MESSAGE_REACTION"):
            bit = (
                Intent.GUILD_MESSAGE_REACTIONS
                if "guild_id" in data
                else Intent.DIRECT_MESSAGES << 1
            )
            return bool(intents & bit)
        if event.startswith("MESSAGE_"):
            bit = Intent.GUILD_MESSAGES if "guild_id" in data else Intent.DIRECT_MESSAGES
            return bool(intents & bit)
        if event.startswith(("GUILD_CREATE", "GUILD_UPDATE", "CHANNEL_", "THREAD_", "GUILD_ROLE")):
            return bool(intents & Intent.GUILDS)
        if event in ("GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE", "GUILD_MEMBER_REMOVE"):
            return bool(intents & Intent.GUILD_MEMBERS)
        return True

    async def _send_frame(self, conn: _Connection, payload: dict[str, Any]) -> None:
        if await conn.send(payload):
            self.gateway_frames.add(
                GatewayFrame(
                    "send",
                    payload["op"],
                    payload.get("d"),
                    time.monotonic(),
                    payload.get("t"),
                    payload.get("s"),
                )
            )

    async def _ws_handler(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        self.gateway_connections.append(dict(request.query))
        compress = self.compress and request.query.get("compress") == "zlib-stream"
        conn = _Connection(ws, compress)
        self._connections.add(conn)
        try:
            await self._send_frame(
                conn, {"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval}}
            )
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    frame = json.loads(msg.data)
                elif msg.type == WSMsgType.BINARY:
                    frame = json.loads(msg.data.decode())
                else:
                    break
                try:
                    await self._on_gateway_frame(conn, frame)
                except Exception:
                    _log.exception("fake gateway failed handling %r", frame)
        finally:
            self._connections.discard(conn)
            if self._conn is conn:
                self._conn = None
        return ws

    async def _on_gateway_frame(self, conn: _Connection, frame: dict[str, Any]) -> None:
        op = frame.get("op")
        data = frame.get("d")
        now = time.monotonic()
        self.gateway_frames.add(GatewayFrame("recv", op, data, now))  # type: ignore[arg-type]
        if op == 1:  # HEARTBEAT
            self.heartbeats.add(now)
            await self._send_frame(conn, {"op": 11})
        elif op == 2:  # IDENTIFY
            if data.get("token") != self.token:
                await conn.ws.close(code=4004, message=b"Authentication failed.")
                return
            self.identify_count += 1
            session = _Session(secrets.token_hex(16), int(data.get("intents", 0)))
            self._session = session
            self._conn = conn
            conn.session = session
            ready = {
                "v": API_VERSION,
                "user": {
                    **self.bot_user.to_payload(),
                    "verified": True,
                    "mfa_enabled": False,
                    "flags": 0,
                },
                "guilds": [{"id": str(self.guild_id), "unavailable": True}],
                "session_id": session.session_id,
                "session_type": "normal",
                "resume_gateway_url": str(self.gateway_url),
                "application": {"id": str(self.application_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": [],
                "user_settings": {},
            }
            if data.get("shard") is not None:  # Discord echoes the shard of a sharded IDENTIFY
                ready["shard"] = list(data["shard"])
            await self.dispatch("READY", ready)
            await self.dispatch("GUILD_CREATE", self.guild_payload())
        elif op == 6:  # RESUME
            session = self._session
            if (
                session is None
                or data.get("session_id") != session.session_id
                or data.get("token") != self.token
            ):
                await self._send_frame(conn, {"op": 9, "d": False})
                return
            self.resume_count += 1
            self._conn = conn
            conn.session = session
            last = data.get("seq") or 0
            for payload in list(session.buffer):
                if payload["s"] > last:
                    await self._send_frame(conn, payload)
            await self.dispatch("RESUMED", {})
        elif op == 3:  # PRESENCE_UPDATE
            self.presence_updates.append(data)
        elif op == 8:  # REQUEST_GUILD_MEMBERS
            await self._answer_member_request(data)

    async def _answer_member_request(self, data: Mapping[str, Any]) -> None:
        query = (data.get("query") or "").lower()
        wanted = {int(u) for u in data.get("user_ids") or []}
        members = [
            self._member_payload(uid)
            for uid, m in self._members.items()
            if (not wanted or uid in wanted) and m.user.username.lower().startswith(query)
        ]
        limit = data.get("limit") or 0
        if limit:
            members = members[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(self.guild_id),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        await self.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT; discord.py reconnects and RESUMEs."""
        if self._conn is None:
            raise RuntimeError("no client connected")
        await self._send_frame(self._conn, {"op": 7, "d": None})

    async def invalidate_session(self, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION (the client then re-IDENTIFYs after its usual delay)."""
        if self._conn is None:
            raise RuntimeError("no client connected")
        if not resumable:
            self._session = None
        await self._send_frame(self._conn, {"op": 9, "d": resumable})

    async def disconnect_client(self, code: int = 4000) -> None:
        """Close the gateway connection from the server side."""
        if self._conn is not None:
            await self._conn.ws.close(code=code)

    # heartbeats ---------------------------------------------------------

    def heartbeat_gaps(self, since: float | None = None) -> list[float]:
        """Intervals (s) between consecutive heartbeats received at/after ``since`` (monotonic)."""
        beats = [t for t in self.heartbeats if since is None or t >= since]
        return [b - a for a, b in itertools.pairwise(beats)]

    def max_heartbeat_gap(self, since: float | None = None, *, include_now: bool = True) -> float:
        """Largest gap between heartbeats (optionally also counting the time since the last one)."""
        beats = [t for t in self.heartbeats if since is None or t >= since]
        gaps = self.heartbeat_gaps(since)
        if include_now and beats:
            gaps.append(time.monotonic() - beats[-1])
        return max(gaps, default=0.0)

    async def wait_for_heartbeats(
        self, count: int, timeout: float = 5.0, since: float | None = None
    ) -> list[float]:
        """Wait until ``count`` heartbeats have arrived at or after ``since`` (default: now)."""
        start = time.monotonic() if since is None else since
        seen: list[float] = []

        def pred(t: float) -> bool:
            if t >= start:
                seen.append(t)
            return len(seen) >= count

        await self.heartbeats.wait_for(
            pred, timeout, describe=lambda: f"{count} heartbeats (got {len(seen)})"
        )
        return seen

    # ------------------------------------------------------------------ requests API

    def mark(self) -> int:
        """Current number of recorded requests; pass as ``since=`` to only look at later ones."""
        return len(self.requests)

    def find_requests(
        self,
        method: str | None = None,
        path_regex: str | None = None,
        *,
        predicate: Callable[[RecordedRequest], bool] | None = None,
        since: int = 0,
    ) -> list[RecordedRequest]:
        """All recorded requests matching (``path_regex`` uses ``re.fullmatch``)."""
        return [
            r
            for r in self.requests[since:]
            if r.matches(method, path_regex) and (predicate is None or predicate(r))
        ]

    async def wait_for_request(
        self,
        method: str | None,
        path_regex: str | None,
        *,
        predicate: Callable[[RecordedRequest], bool] | None = None,
        timeout: float = 5.0,
        since: int = 0,
    ) -> RecordedRequest:
        """First matching request with index >= ``since`` (recorded or future).

        Raises ``TimeoutError`` (listing the requests seen) after ``timeout`` seconds.
        """

        def describe() -> str:
            seen = ", ".join(str(r) for r in self.requests[since:][-15:]) or "none"
            return f"{method} {path_regex}; requests seen: {seen}"

        return await self.requests.wait_for(
            lambda r: r.matches(method, path_regex) and (predicate is None or predicate(r)),
            timeout,
            since,
            describe,
        )

    @property
    def unhandled_requests(self) -> list[RecordedRequest]:
        """Requests for routes the fake does not implement (answered 404)."""
        return [r for r in self.requests if not r.handled]

    def channel_messages(self, channel_id: int) -> list[dict[str, Any]]:
        """Messages currently in a channel, oldest first."""
        return [
            self.messages[m]
            for m in self._get_channel(channel_id).message_ids
            if m in self.messages
        ]

    def bot_messages(self, channel_id: int | None = None) -> list[dict[str, Any]]:
        """Messages authored by the bot (optionally in one channel), oldest first."""
        return [
            m
            for m in self.messages.values()
            if int(m["author"]["id"]) == self.bot_user.id
            and (channel_id is None or int(m["channel_id"]) == channel_id)
        ]

    # ------------------------------------------------------------------ event injection

    async def send_message(
        self,
        channel_id: int | None,
        author: FakeUser,
        content: str,
        *,
        mentions_bot: bool = False,
        guild: bool = True,
        reply_to: int | None = None,
        embeds: list[dict[str, Any]] | None = None,
        attachments: Sequence[tuple[str, bytes]] = (),
    ) -> dict[str, Any]:
        """Inject a user message (MESSAGE_CREATE) and return its payload.

        ``mentions_bot`` prepends ``<@bot_id>`` unless the content already mentions the bot;
        mentions are parsed from the content. ``guild=False`` sends a DM from ``author``
        (``channel_id`` may then be ``None``). Without the MESSAGE_CONTENT intent the
        gateway copy has empty content/embeds/attachments unless it is a DM or mentions
        the bot, like on Discord. ``attachments`` are ``(filename, bytes)`` pairs served
        by the fake so ``Attachment.read()`` works.
        """
        if guild:
            if channel_id is None:
                raise ValueError("channel_id is required for guild messages")
            channel = self._get_channel(channel_id)
            if channel.is_dm:
                raise ValueError("use guild=False for DM channels")
            if not self.is_member(author):
                raise ValueError(f"{author.username} is not a guild member")
        else:
            channel = (
                self._get_channel(channel_id) if channel_id is not None else self.dm_channel(author)
            )
            if not channel.is_dm:
                raise ValueError("guild=False needs a DM channel")
        if mentions_bot and not re.search(rf"<@!?{self.bot_user.id}>", content):
            content = f"{self.bot_user.mention} {content}".rstrip()
        body: dict[str, Any] = {"content": content, "embeds": embeds or []}
        if reply_to is not None:
            body["message_reference"] = {"message_id": reply_to, "channel_id": channel.id}
        files = [
            UploadedFile(f"files[{i}]", name, None, data)
            for i, (name, data) in enumerate(attachments)
        ]
        msg = self._build_message(channel, author, body, files=files)
        await self._commit_message(channel, msg)
        return msg

    async def send_interaction(
        self,
        name: str,
        options: Mapping[str, Any] | list[dict[str, Any]] | None = None,
        *,
        user: FakeUser | None = None,
        channel_id: int | None = None,
        guild: bool = True,
        command_type: int = 1,
        target: FakeUser | dict[str, Any] | None = None,
        focused: str | None = None,
        require_synced: bool = True,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Inject an application-command INTERACTION_CREATE (type 2, or 4 if ``focused``).

        ``name`` may contain spaces for subcommands (``"config set"``). ``options`` is a
        ``{name: value}`` mapping (types come from the synced command definition; users,
        roles, channels may be given as FakeUser/FakeRole/FakeChannel or ids and get
        ``resolved`` data) or a raw Discord options list. ``command_type`` 2/3 are
        user/message context menus with ``target`` a FakeUser or a message payload.
        ``focused`` names the option being typed: an autocomplete interaction (type 4).
        The command must have been synced (PUT) unless ``require_synced=False``.
        """
        user = user or self.member
        channel = self._interaction_channel(channel_id, user, guild)
        parts = name.split()
        command = self._find_command(parts[0], command_type, guild)
        if command is None and require_synced:
            known = [
                c["name"] for c in self.global_commands + self.guild_commands.get(self.guild_id, [])
            ]
            raise LookupError(
                f"command {parts[0]!r} (type {command_type}) was not synced; synced: {known}"
            )
        resolved: dict[str, dict[str, Any]] = {}
        data: dict[str, Any] = {
            "id": command["id"] if command else str(self._snowflake()),
            "name": parts[0],
            "type": command_type,
        }
        if command and command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        if command_type == 1:
            defs = command.get("options", []) if command else []
            for sub in parts[1:]:
                sub_def = next((o for o in defs if o.get("name") == sub), None)
                defs = sub_def.get("options", []) if sub_def else []
            built = self._build_options(options, defs, resolved, focused)
            for sub in reversed(parts[1:]):
                sub_type = 1
                if command:
                    sub_type = self._subcommand_type(command, parts[1:], sub)
                built = [{"type": sub_type, "name": sub, "options": built}]
            data["options"] = built
        else:
            if target is None:
                raise ValueError("context-menu commands need a target")
            if command_type == 2:
                assert isinstance(target, FakeUser)
                data["target_id"] = str(target.id)
                self._resolve_value(6, target, resolved)
            else:
                assert isinstance(target, dict)
                data["target_id"] = target["id"]
                resolved.setdefault("messages", {})[target["id"]] = target
        if resolved:
            data["resolved"] = resolved
        itype = 4 if focused is not None else 2
        return await self._inject_interaction(itype, data, user, channel, locale=locale)

    async def send_component_interaction(
        self,
        custom_id: str,
        *,
        message_id: int | None = None,
        component_type: int = 2,
        values: list[str] | None = None,
        user: FakeUser | None = None,
        channel_id: int | None = None,
        guild: bool = True,
    ) -> FakeInteraction:
        """Inject a component interaction (type 3): a button click (``component_type=2``) or
        a select (3/5/6/7/8 with ``values``).

        The interaction's ``message`` is ``message_id`` if given, else the newest stored bot
        message carrying a component with ``custom_id``, else a fabricated bot message with
        such a button (enough for persistent views registered with ``client.add_view``).
        """
        user = user or self.member
        message: dict[str, Any] | None = None
        if message_id is not None:
            message = self.messages.get(message_id)
            if message is None:
                raise KeyError(f"unknown message {message_id}")
        else:
            for candidate in reversed(list(self.messages.values())):
                if (
                    int(candidate["author"]["id"]) == self.bot_user.id
                    and custom_id in _custom_ids(candidate.get("components") or [])
                    and (channel_id is None or int(candidate["channel_id"]) == channel_id)
                ):
                    message = candidate
                    break
        if message is not None:
            channel = self._get_channel(int(message["channel_id"]))
        else:
            channel = self._interaction_channel(channel_id, user, guild)
            button = {"type": 2, "style": 1, "label": custom_id, "custom_id": custom_id}
            message = self._build_message(
                channel,
                self.bot_user,
                {"content": "", "components": [{"type": 1, "components": [button]}]},
            )
            self.messages[int(message["id"])] = message
            channel.message_ids.append(int(message["id"]))
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if component_type != 2:
            data["values"] = list(values or [])
        return await self._inject_interaction(3, data, user, channel, message=message)

    async def send_modal_submit(
        self,
        custom_id: str,
        values: Mapping[str, str],
        *,
        user: FakeUser | None = None,
        channel_id: int | None = None,
        guild: bool = True,
    ) -> FakeInteraction:
        """Inject a modal submit (type 5) with text-input ``values`` keyed by custom_id."""
        user = user or self.member
        channel = self._interaction_channel(channel_id, user, guild)
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]}
            for k, v in values.items()
        ]
        return await self._inject_interaction(
            5, {"custom_id": custom_id, "components": rows}, user, channel
        )

    # helpers for interactions --------------------------------------------

    def _interaction_channel(
        self, channel_id: int | None, user: FakeUser, guild: bool
    ) -> FakeChannel:
        if not guild:
            return (
                self._get_channel(channel_id) if channel_id is not None else self.dm_channel(user)
            )
        if channel_id is None:
            return self.text_channels[0]
        return self._get_channel(channel_id)

    def _find_command(self, name: str, ctype: int, guild: bool) -> dict[str, Any] | None:
        pools = ([self.guild_commands.get(self.guild_id, [])] if guild else []) + [
            self.global_commands
        ]
        for pool in pools:
            for cmd in pool:
                if cmd["name"] == name and cmd.get("type", 1) == ctype:
                    return cmd
        return None

    @staticmethod
    def _subcommand_type(command: Mapping[str, Any], path: list[str], sub: str) -> int:
        defs = command.get("options", [])
        for part in path:
            found = next((o for o in defs if o.get("name") == part), None)
            if found is None:
                return 1
            if part == sub:
                return int(found.get("type", 1))
            defs = found.get("options", [])
        return 1

    def _build_options(
        self,
        options: Mapping[str, Any] | list[dict[str, Any]] | None,
        defs: list[dict[str, Any]],
        resolved: dict[str, dict[str, Any]],
        focused: str | None,
    ) -> list[dict[str, Any]]:
        if options is None:
            return []
        if isinstance(options, list):
            return options
        types = {d["name"]: int(d["type"]) for d in defs if "name" in d and "type" in d}
        result = []
        for key, value in options.items():
            otype = types.get(key) or _infer_option_type(value)
            option: dict[str, Any] = {
                "name": key,
                "type": otype,
                "value": self._resolve_value(otype, value, resolved),
            }
            if focused == key:
                option["focused"] = True
            result.append(option)
        return result

    def _resolve_value(self, otype: int, value: Any, resolved: dict[str, dict[str, Any]]) -> Any:
        if (
            otype in (6, 9)
            and isinstance(value, (FakeUser, int))
            and (isinstance(value, FakeUser) or value in self.users)
        ):
            user = value if isinstance(value, FakeUser) else self.users[value]
            resolved.setdefault("users", {})[str(user.id)] = user.to_payload()
            if self.is_member(user):
                member = self._member_payload(user.id, with_user=False)
                member["permissions"] = str(self.member_permissions(user))
                resolved.setdefault("members", {})[str(user.id)] = member
            return str(user.id)
        if otype in (8, 9) and isinstance(value, (FakeRole, int)):
            role = (
                value
                if isinstance(value, FakeRole)
                else next(r for r in self.roles.values() if r.id == value)
            )
            resolved.setdefault("roles", {})[str(role.id)] = role.to_payload()
            return str(role.id)
        if otype == 7 and isinstance(value, (FakeChannel, int)):
            channel = value if isinstance(value, FakeChannel) else self._get_channel(value)
            payload = channel.to_payload()
            payload["permissions"] = str(Perm.ALL)
            resolved.setdefault("channels", {})[str(channel.id)] = payload
            return str(channel.id)
        return value

    async def _inject_interaction(
        self,
        itype: int,
        data: dict[str, Any],
        user: FakeUser,
        channel: FakeChannel,
        *,
        message: dict[str, Any] | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        iid = self._snowflake()
        token = "fake-itoken-" + secrets.token_urlsafe(32)
        in_guild = channel.guild_id is not None
        channel_payload = channel.to_payload()
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "token": token,
            "version": 1,
            "locale": locale,
            "channel_id": str(channel.id),
            "app_permissions": str(self.member_permissions(self.bot_user)),
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "context": 0 if in_guild else 1,
        }
        if in_guild:
            if not self.is_member(user):
                raise ValueError(f"{user.username} is not a guild member")
            perms = self.member_permissions(user)
            member = self._member_payload(user.id)
            member["permissions"] = str(perms)
            channel_payload["permissions"] = str(perms)
            payload.update(
                guild_id=str(self.guild_id),
                guild={"id": str(self.guild_id), "locale": "en-US", "features": []},
                guild_locale="en-US",
                member=member,
                authorizing_integration_owners={"0": str(self.guild_id)},
            )
        else:
            payload.update(
                user=user.to_payload(), authorizing_integration_owners={"1": str(user.id)}
            )
        payload["channel"] = channel_payload
        if message is not None:
            payload["message"] = message
        interaction = FakeInteraction(
            id=iid,
            token=token,
            type=itype,
            channel_id=channel.id,
            guild_id=self.guild_id if in_guild else None,
            user=user,
            payload=payload,
            created=time.monotonic(),
            fake=self,
        )
        self.interactions[iid] = interaction
        await self.dispatch("INTERACTION_CREATE", payload)
        return interaction

    # ------------------------------------------------------------------ message plumbing

    def _get_channel(self, channel_id: int | str) -> FakeChannel:
        try:
            return self.channels[int(channel_id)]
        except (KeyError, ValueError):
            raise _not_found("Channel", 10003) from None

    def _get_message(self, channel: FakeChannel, message_id: int | str) -> dict[str, Any]:
        msg = self.messages.get(int(message_id))
        if msg is None or int(msg["channel_id"]) != channel.id:
            raise _not_found("Message", 10008)
        return msg

    def _gateway_message(self, msg: dict[str, Any]) -> dict[str, Any]:
        """Gateway copy of a stored message: adds ``member`` fields, MESSAGE_CONTENT gating."""
        out = dict(msg)
        author_id = int(msg["author"]["id"])
        if "guild_id" in msg and "webhook_id" not in msg and author_id in self._members:
            out["member"] = self._member_payload(author_id, with_user=False)
        if "guild_id" in msg:
            out["mentions"] = [
                {**m, "member": self._member_payload(int(m["id"]), with_user=False)}
                if int(m["id"]) in self._members
                else m
                for m in msg["mentions"]
            ]
        privileged = self.intents & Intent.MESSAGE_CONTENT
        mentioned = any(int(m["id"]) == self.bot_user.id for m in msg["mentions"])
        if not privileged and "guild_id" in msg and not mentioned and author_id != self.bot_user.id:
            out.update(content="", embeds=[], attachments=[], components=[])
        return out

    async def _commit_message(
        self, channel: FakeChannel, msg: dict[str, Any], *, dispatch: bool = True
    ) -> None:
        mid = int(msg["id"])
        self.messages[mid] = msg
        if not int(msg.get("flags", 0)) & _FLAG_EPHEMERAL:
            channel.message_ids.append(mid)
            if dispatch and self._session is not None:
                await self.dispatch("MESSAGE_CREATE", self._gateway_message(msg))

    async def _edit_message(
        self, msg: dict[str, Any], body: Mapping[str, Any], files: Sequence[UploadedFile]
    ) -> None:
        channel = self._get_channel(msg["channel_id"])
        was_loading = int(msg.get("flags", 0)) & _FLAG_LOADING
        for key in ("content", "embeds", "components"):
            if key in body:
                msg[key] = body[key] if body[key] is not None else ("" if key == "content" else [])
        if "flags" in body and body["flags"] is not None:
            msg["flags"] = (int(msg.get("flags", 0)) & _FLAG_EPHEMERAL) | int(body["flags"])
        if "attachments" in body or files:
            keep_ids = {str(a.get("id")) for a in body.get("attachments") or []}
            kept = [a for a in msg.get("attachments", []) if a["id"] in keep_ids]
            msg["attachments"] = kept + self._store_attachments(
                channel, files, body.get("attachments")
            )
        if "content" in body:
            users, roles, everyone = self._resolve_mentions(
                msg["content"], body.get("allowed_mentions"), msg.get("message_reference")
            )
            msg.update(
                mentions=[self.users[u].to_payload() for u in users],
                mention_roles=[str(r) for r in roles],
                mention_everyone=everyone,
            )
        msg["flags"] = int(msg.get("flags", 0)) & ~_FLAG_LOADING
        if not was_loading:
            msg["edited_timestamp"] = _now_iso()
        if (
            self.echo_bot_messages
            and self._session is not None
            and not msg["flags"] & _FLAG_EPHEMERAL
        ):
            await self.dispatch("MESSAGE_UPDATE", self._gateway_message(msg))

    async def _delete_message(self, msg: dict[str, Any]) -> None:
        mid = int(msg["id"])
        self.messages.pop(mid, None)
        channel = self.channels.get(int(msg["channel_id"]))
        if channel is not None and mid in channel.message_ids:
            channel.message_ids.remove(mid)
        if (
            self.echo_bot_messages
            and self._session is not None
            and not int(msg.get("flags", 0)) & _FLAG_EPHEMERAL
        ):
            data = {"id": msg["id"], "channel_id": msg["channel_id"]}
            if "guild_id" in msg:
                data["guild_id"] = msg["guild_id"]
            await self.dispatch("MESSAGE_DELETE", data)

    async def _create_thread(
        self,
        parent: FakeChannel,
        name: str,
        owner: FakeUser,
        *,
        message_id: int | None = None,
        private: bool = False,
        auto_archive_duration: int = 1440,
    ) -> FakeChannel:
        if parent.type not in (ChannelType.GUILD_TEXT, ChannelType.GUILD_NEWS):
            raise _HTTPError(400, 50024, "Cannot execute action on this channel type")
        if message_id is not None:
            starter = self._get_message(parent, message_id)
            if "thread" in starter or message_id in self.channels:
                raise _HTTPError(400, 160004, "A thread has already been created for this message")
            ttype = (
                ChannelType.NEWS_THREAD
                if parent.type == ChannelType.GUILD_NEWS
                else ChannelType.PUBLIC_THREAD
            )
            thread_id = message_id  # Discord reuses the starter message id as the thread id
        else:
            starter = None
            ttype = ChannelType.PRIVATE_THREAD if private else ChannelType.PUBLIC_THREAD
            thread_id = self._snowflake()
        thread = FakeChannel(
            thread_id,
            name,
            ttype,
            guild_id=parent.guild_id,
            parent_id=parent.id,
            owner_id=owner.id,
            auto_archive_duration=auto_archive_duration,
            member_ids=[owner.id],
        )
        self.channels[thread.id] = thread
        if starter is not None:
            starter["thread"] = thread.to_payload()
        if self._session is not None:
            payload = thread.to_payload()
            payload["newly_created"] = True
            if owner.id == self.bot_user.id:
                payload["member"] = self._thread_member_payload(thread, owner.id)
            await self.dispatch("THREAD_CREATE", payload)
        return thread

    # ------------------------------------------------------------------ REST plumbing

    def _route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            self._routes.append((method, re.compile(pattern), fn))
            return fn

        return deco

    async def _attachment_handler(self, request: web.Request) -> web.StreamResponse:
        try:
            _filename, data, ctype = self.attachments[int(request.match_info["aid"])]
        except (KeyError, ValueError):
            return web.Response(status=404)
        return web.Response(body=data, headers={"Content-Type": ctype})

    async def _parse_request(self, request: web.Request) -> _ParsedRequest:
        path = "/" + request.match_info["tail"]
        body: Any = None
        files: list[UploadedFile] = []
        ctype = request.headers.get("Content-Type", "")
        if ctype.startswith("multipart/"):
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                raw = await part.read(decode=False)  # type: ignore[union-attr]
                if part.name == "payload_json":  # type: ignore[union-attr]
                    body = json.loads(raw.decode())
                else:
                    files.append(
                        UploadedFile(
                            part.name or "",  # type: ignore[union-attr]
                            part.filename,  # type: ignore[union-attr]
                            part.headers.get("Content-Type"),  # type: ignore[union-attr]
                            bytes(raw),
                        )
                    )
        elif request.can_read_body:
            text = await request.text()
            if text:
                try:
                    body = json.loads(text)
                except ValueError:
                    body = text
        return _ParsedRequest(
            request.method, path, dict(request.query), body, files, dict(request.headers)
        )

    async def _rest_handler(self, request: web.Request) -> web.StreamResponse:
        parsed = await self._parse_request(request)
        record = RecordedRequest(
            parsed.method,
            parsed.path,
            parsed.query,
            parsed.json,
            parsed.files,
            parsed.headers,
            time.monotonic(),
        )
        status, result = await self._route_request(parsed, record)
        record.status = status
        record.response = result
        self.requests.add(record)
        if status == 204 or result is None:
            return web.Response(status=204 if 200 <= status < 300 else status)
        return web.Response(
            status=status, body=json.dumps(result).encode(), headers={"Content-Type": JSON_CT}
        )

    async def _route_request(self, req: _ParsedRequest, record: RecordedRequest) -> tuple[int, Any]:
        for failure in self._failures:
            if failure.remaining > 0 and record.matches(failure.method, failure.path_regex):
                failure.remaining -= 1
                return failure.status, failure.body
        needs_auth = not req.path.startswith(("/webhooks/", "/interactions/"))
        if needs_auth and req.headers.get("Authorization") != f"Bot {self.token}":
            return 401, {"message": "401: Unauthorized", "code": 0}
        for method, pattern, handler in self._routes:
            if method != req.method:
                continue
            match = pattern.fullmatch(req.path)
            if match is None:
                continue
            try:
                return await handler(req, *match.groups())
            except _HTTPError as exc:
                return exc.status, exc.body
            except Exception as exc:  # a bug in the fake: fail loudly but fast (no 5xx retries)
                _log.exception("fake discord handler crashed on %s %s", req.method, req.path)
                return 400, {"message": f"fake discord internal error: {exc!r}", "code": 0}
        record.handled = False
        _log.warning("fake discord: unhandled route %s %s", req.method, req.path)
        return 404, {"message": "404: Not Found", "code": 0}

    def _install_routes(self) -> None:
        r = self._route
        ID = r"(\d+)"
        TOKEN = r"([^/]+)"

        # -- identity ------------------------------------------------------
        @r("GET", r"/users/@me")
        async def get_me(req: _ParsedRequest) -> tuple[int, Any]:
            return 200, {
                **self.bot_user.to_payload(),
                "verified": True,
                "mfa_enabled": False,
                "flags": 0,
            }

        @r("GET", rf"/users/{ID}")
        async def get_user(req: _ParsedRequest, uid: str) -> tuple[int, Any]:
            user = self.users.get(int(uid))
            if user is None:
                raise _not_found("User", 10013)
            return 200, user.to_payload()

        @r("POST", r"/users/@me/channels")
        async def open_dm(req: _ParsedRequest) -> tuple[int, Any]:
            user = self.users.get(int((req.json or {}).get("recipient_id", 0)))
            if user is None:
                raise _not_found("User", 10013)
            return 200, self.dm_channel(user).to_payload()

        @r("GET", r"/oauth2/applications/@me")
        async def get_app(req: _ParsedRequest) -> tuple[int, Any]:
            return 200, self._app_payload()

        @r("GET", r"/applications/@me")
        async def get_app2(req: _ParsedRequest) -> tuple[int, Any]:
            return 200, self._app_payload()

        @r("GET", r"/gateway")
        async def get_gateway(req: _ParsedRequest) -> tuple[int, Any]:
            return 200, {"url": str(self.gateway_url).rstrip("/")}

        @r("GET", r"/gateway/bot")
        async def get_gateway_bot(req: _ParsedRequest) -> tuple[int, Any]:
            limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
            return 200, {
                "url": str(self.gateway_url).rstrip("/"),
                "shards": 1,
                "session_start_limit": limit,
            }

        # -- application commands -----------------------------------------
        def check_app(app_id: str) -> None:
            if int(app_id) != self.application_id:
                raise _not_found("Application", 10002)

        def upsert(
            existing: list[dict[str, Any]], new: list[dict[str, Any]], guild_id: int | None
        ) -> list[dict[str, Any]]:
            old = {(c["name"], c.get("type", 1)): c for c in existing}
            result = []
            for cmd in new:
                prev = old.get((cmd["name"], cmd.get("type", 1)))
                stored = {
                    "type": 1,
                    "description": "",
                    "options": [],
                    "default_member_permissions": None,
                    "dm_permission": True,
                    "nsfw": False,
                    **cmd,
                    "id": prev["id"] if prev else str(self._snowflake()),
                    "application_id": str(self.application_id),
                    "version": str(self._snowflake()),
                }
                if guild_id is not None:
                    stored["guild_id"] = str(guild_id)
                result.append(stored)
            return result

        @r("GET", rf"/applications/{ID}/commands")
        async def get_global(req: _ParsedRequest, app_id: str) -> tuple[int, Any]:
            check_app(app_id)
            return 200, self.global_commands

        @r("PUT", rf"/applications/{ID}/commands")
        async def put_global(req: _ParsedRequest, app_id: str) -> tuple[int, Any]:
            check_app(app_id)
            self.global_commands = upsert(self.global_commands, list(req.json or []), None)
            return 200, self.global_commands

        @r("GET", rf"/applications/{ID}/guilds/{ID}/commands")
        async def get_guild_cmds(req: _ParsedRequest, app_id: str, gid: str) -> tuple[int, Any]:
            check_app(app_id)
            return 200, self.guild_commands.get(int(gid), [])

        @r("PUT", rf"/applications/{ID}/guilds/{ID}/commands")
        async def put_guild_cmds(req: _ParsedRequest, app_id: str, gid: str) -> tuple[int, Any]:
            check_app(app_id)
            if int(gid) != self.guild_id:
                raise _HTTPError(403, 50001, "Missing Access")
            self.guild_commands[int(gid)] = upsert(
                self.guild_commands.get(int(gid), []), list(req.json or []), int(gid)
            )
            return 200, self.guild_commands[int(gid)]

        # -- guild ------------------------------------------------------------
        def check_guild(gid: str) -> None:
            if int(gid) != self.guild_id:
                raise _not_found("Guild", 10004)

        @r("GET", rf"/guilds/{ID}")
        async def get_guild(req: _ParsedRequest, gid: str) -> tuple[int, Any]:
            check_guild(gid)
            return 200, {
                **self.guild_payload(full=False),
                "approximate_member_count": len(self._members),
            }

        @r("GET", rf"/guilds/{ID}/channels")
        async def get_guild_channels(req: _ParsedRequest, gid: str) -> tuple[int, Any]:
            check_guild(gid)
            return 200, [
                c.to_payload()
                for c in self.channels.values()
                if c.guild_id == self.guild_id and not c.is_thread
            ]

        @r("GET", rf"/guilds/{ID}/roles")
        async def get_roles(req: _ParsedRequest, gid: str) -> tuple[int, Any]:
            check_guild(gid)
            return 200, [role.to_payload() for role in self.roles.values()]

        @r("GET", rf"/guilds/{ID}/members/{ID}")
        async def get_member(req: _ParsedRequest, gid: str, uid: str) -> tuple[int, Any]:
            check_guild(gid)
            if int(uid) not in self._members:
                raise _not_found("Member", 10007)
            return 200, self._member_payload(int(uid))

        # -- channels -----------------------------------------------------------
        @r("GET", rf"/channels/{ID}")
        async def get_channel(req: _ParsedRequest, cid: str) -> tuple[int, Any]:
            return 200, self._get_channel(cid).to_payload()

        @r("PATCH", rf"/channels/{ID}")
        async def edit_channel(req: _ParsedRequest, cid: str) -> tuple[int, Any]:
            channel = self._get_channel(cid)
            body = req.json or {}
            for key in ("name", "topic", "archived", "locked", "auto_archive_duration"):
                if key in body:
                    setattr(channel, key, body[key])
            event = "THREAD_UPDATE" if channel.is_thread else "CHANNEL_UPDATE"
            if self._session is not None and not channel.is_dm:
                await self.dispatch(event, channel.to_payload())
            return 200, channel.to_payload()

        @r("POST", rf"/channels/{ID}/typing")
        async def typing(req: _ParsedRequest, cid: str) -> tuple[int, Any]:
            self._get_channel(cid)
            return 204, None

        @r("GET", rf"/channels/{ID}/messages")
        async def history(req: _ParsedRequest, cid: str) -> tuple[int, Any]:
            channel = self._get_channel(cid)
            ids = list(channel.message_ids)
            if "before" in req.query:
                ids = [i for i in ids if i < int(req.query["before"])]
            if "after" in req.query:
                ids = [i for i in ids if i > int(req.query["after"])]
            limit = int(req.query.get("limit", 50))
            ids = ids[:limit] if "after" in req.query else ids[-limit:]
            return 200, [self.messages[i] for i in reversed(ids) if i in self.messages]

        @r("GET", rf"/channels/{ID}/messages/{ID}")
        async def get_msg(req: _ParsedRequest, cid: str, mid: str) -> tuple[int, Any]:
            return 200, self._get_message(self._get_channel(cid), mid)

        @r("POST", rf"/channels/{ID}/messages")
        async def create_msg(req: _ParsedRequest, cid: str) -> tuple[int, Any]:
            channel = self._get_channel(cid)
            body = req.json or {}
            if not (
                body.get("content")
                or body.get("embeds")
                or req.files
                or body.get("components")
                or body.get("sticker_ids")
                or body.get("poll")
            ):
                raise _HTTPError(400, 50006, "Cannot send an empty message")
            if len(body.get("content") or "") > 2000:
                raise _HTTPError(
                    400, 50035, "Invalid Form Body: content: Must be 2000 or fewer in length."
                )
            if channel.is_thread and channel.locked:
                raise _HTTPError(403, 50083, "Thread is archived")
            if channel.is_thread and channel.archived:
                channel.archived = False
            msg = self._build_message(channel, self.bot_user, body, files=req.files)
            await self._commit_message(channel, msg, dispatch=self.echo_bot_messages)
            return 200, msg

        @r("PATCH", rf"/channels/{ID}/messages/{ID}")
        async def edit_msg(req: _ParsedRequest, cid: str, mid: str) -> tuple[int, Any]:
            msg = self._get_message(self._get_channel(cid), mid)
            if int(msg["author"]["id"]) != self.bot_user.id:
                raise _HTTPError(403, 50005, "Cannot edit a message authored by another user")
            await self._edit_message(msg, req.json or {}, req.files)
            return 200, msg

        @r("DELETE", rf"/channels/{ID}/messages/{ID}")
        async def delete_msg(req: _ParsedRequest, cid: str, mid: str) -> tuple[int, Any]:
            msg = self._get_message(self._get_channel(cid), mid)
            await self._delete_message(msg)
            return 204, None

        @r("PUT", rf"/channels/{ID}/messages/{ID}/reactions/([^/]+)/@me")
        async def add_reaction(
            req: _ParsedRequest, cid: str, mid: str, emoji: str
        ) -> tuple[int, Any]:
            msg = self._get_message(self._get_channel(cid), mid)
            reactions = msg.setdefault("reactions", [])
            name = yarl.URL.build(path=emoji, encoded=True).path
            for reaction in reactions:
                if reaction["emoji"]["name"] == name:
                    if not reaction["me"]:
                        reaction["count"] += 1
                        reaction["me"] = True
                    break
            else:
                reactions.append({"emoji": {"id": None, "name": name}, "count": 1, "me": True})
            return 204, None

        @r("DELETE", rf"/channels/{ID}/messages/{ID}/reactions/([^/]+)/@me")
        async def remove_reaction(
            req: _ParsedRequest, cid: str, mid: str, emoji: str
        ) -> tuple[int, Any]:
            msg = self._get_message(self._get_channel(cid), mid)
            name = yarl.URL.build(path=emoji, encoded=True).path
            msg["reactions"] = [
                x
                for x in msg.get("reactions", [])
                if not (x["emoji"]["name"] == name and x["count"] == 1)
            ]
            return 204, None

        # -- threads ---------------------------------------------------------
        @r("POST", rf"/channels/{ID}/messages/{ID}/threads")
        async def thread_from_msg(req: _ParsedRequest, cid: str, mid: str) -> tuple[int, Any]:
            body = req.json or {}
            thread = await self._create_thread(
                self._get_channel(cid),
                body.get("name") or "thread",
                self.bot_user,
                message_id=int(mid),
                auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
            )
            return 201, {
                **thread.to_payload(),
                "member": self._thread_member_payload(thread, self.bot_user.id),
            }

        @r("POST", rf"/channels/{ID}/threads")
        async def thread_no_msg(req: _ParsedRequest, cid: str) -> tuple[int, Any]:
            body = req.json or {}
            thread = await self._create_thread(
                self._get_channel(cid),
                body.get("name") or "thread",
                self.bot_user,
                private=int(body.get("type") or 11) == ChannelType.PRIVATE_THREAD,
                auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
            )
            return 201, {
                **thread.to_payload(),
                "member": self._thread_member_payload(thread, self.bot_user.id),
            }

        @r("PUT", rf"/channels/{ID}/thread-members/@me")
        async def join_thread(req: _ParsedRequest, cid: str) -> tuple[int, Any]:
            thread = self._get_channel(cid)
            if self.bot_user.id not in thread.member_ids:
                thread.member_ids.append(self.bot_user.id)
            return 204, None

        @r("DELETE", rf"/channels/{ID}/thread-members/@me")
        async def leave_thread(req: _ParsedRequest, cid: str) -> tuple[int, Any]:
            thread = self._get_channel(cid)
            if self.bot_user.id in thread.member_ids:
                thread.member_ids.remove(self.bot_user.id)
            return 204, None

        # -- interactions ------------------------------------------------------
        def get_interaction(iid: str, token: str, *, for_callback: bool) -> FakeInteraction:
            inter = self.interactions.get(int(iid))
            if inter is None or inter.token != token:
                raise _not_found("interaction", 10062)
            if for_callback and inter.acknowledged:
                raise _HTTPError(400, 40060, "Interaction has already been acknowledged.")
            if (
                for_callback
                and self.interaction_ack_deadline is not None
                and time.monotonic() - inter.created > self.interaction_ack_deadline
            ):
                raise _not_found("interaction", 10062)
            return inter

        def by_token(app_id: str, token: str) -> FakeInteraction:
            if int(app_id) != self.application_id:
                raise _not_found("Webhook", 10015)
            for inter in self.interactions.values():
                if inter.token == token:
                    if not inter.acknowledged:
                        raise _not_found("Webhook", 10015)
                    return inter
            raise _not_found("Webhook", 10015)

        def interaction_message(
            inter: FakeInteraction,
            body: Mapping[str, Any],
            flags: int,
            files: Sequence[UploadedFile],
            *,
            original: bool,
        ) -> dict[str, Any]:
            channel = self._get_channel(inter.channel_id)
            msg_type = 0
            if original:
                msg_type = (
                    20
                    if inter.type == 2 and inter.payload["data"].get("type", 1) == 1
                    else (23 if inter.type == 2 else 0)
                )
            return self._build_message(
                channel,
                self.bot_user,
                {**body, "flags": flags},
                msg_type=msg_type,
                webhook=True,
                interaction=inter,
                files=files,
            )

        @r("POST", rf"/interactions/{ID}/{TOKEN}/callback")
        async def callback(req: _ParsedRequest, iid: str, token: str) -> tuple[int, Any]:
            inter = get_interaction(iid, token, for_callback=True)
            body = req.json or {}
            ctype = int(body.get("type", 0))
            data = body.get("data") or {}
            resource: dict[str, Any] | None = None
            if ctype in (CB_MESSAGE, CB_DEFERRED_MESSAGE):
                if inter.type not in (2, 3, 5):
                    raise _HTTPError(
                        400, 50035, "Invalid interaction callback type for this interaction"
                    )
                flags = int(data.get("flags") or 0) & _FLAG_EPHEMERAL
                if ctype == CB_DEFERRED_MESSAGE:
                    msg = interaction_message(inter, {}, flags | _FLAG_LOADING, (), original=True)
                else:
                    if not (
                        data.get("content")
                        or data.get("embeds")
                        or data.get("components")
                        or req.files
                        or data.get("poll")
                    ):
                        raise _HTTPError(400, 50006, "Cannot send an empty message")
                    msg = interaction_message(
                        inter, data, int(data.get("flags") or 0), req.files, original=True
                    )
                await self._commit_message(
                    self._get_channel(inter.channel_id), msg, dispatch=self.echo_bot_messages
                )
                inter.original_message_id = int(msg["id"])
                inter._followup_edits_original = ctype == CB_DEFERRED_MESSAGE
                resource = {"type": ctype, "message": msg}
            elif ctype in (CB_DEFERRED_UPDATE, CB_UPDATE_MESSAGE):
                if inter.type != 3 or "message" not in inter.payload:
                    raise _HTTPError(
                        400,
                        50035,
                        "UPDATE_MESSAGE callbacks are only valid for component interactions",
                    )
                target = self.messages.get(int(inter.payload["message"]["id"]))
                if target is None:
                    raise _not_found("Message", 10008)
                inter.original_message_id = int(target["id"])
                if ctype == CB_UPDATE_MESSAGE:
                    await self._edit_message(target, data, req.files)
                    resource = {"type": ctype, "message": target}
            elif ctype == CB_AUTOCOMPLETE:
                if inter.type != 4:
                    raise _HTTPError(
                        400,
                        50035,
                        "Autocomplete results are only valid for autocomplete interactions",
                    )
            elif ctype == CB_MODAL:
                if inter.type not in (2, 3):
                    raise _HTTPError(400, 50035, "Cannot respond to a modal submit with a modal")
            elif ctype != CB_PONG:
                raise _HTTPError(
                    400, 50035, f"Invalid Form Body: type: unsupported callback type {ctype}"
                )
            inter.acknowledged = True
            inter.response_type = ctype
            inter.response_data = data
            if req.query.get("with_response") not in ("1", "true", "True"):
                return 204, None
            original = self.messages.get(inter.original_message_id or 0)
            result: dict[str, Any] = {
                "interaction": {
                    "id": str(inter.id),
                    "type": inter.type,
                    "response_message_loading": ctype == CB_DEFERRED_MESSAGE,
                    "response_message_ephemeral": bool(
                        original and int(original.get("flags", 0)) & _FLAG_EPHEMERAL
                    ),
                    **(
                        {"response_message_id": str(inter.original_message_id)}
                        if inter.original_message_id
                        else {}
                    ),
                },
            }
            if resource is not None:
                result["resource"] = resource
            return 200, result

        @r("POST", rf"/webhooks/{ID}/{TOKEN}")
        async def followup(req: _ParsedRequest, app_id: str, token: str) -> tuple[int, Any]:
            inter = by_token(app_id, token)
            body = req.json or {}
            if not (
                body.get("content")
                or body.get("embeds")
                or body.get("components")
                or req.files
                or body.get("poll")
            ):
                raise _HTTPError(400, 50006, "Cannot send an empty message")
            if inter._followup_edits_original and inter.original_message_id in self.messages:
                # Discord: the first follow-up after a deferred (type 5) response edits the
                # "thinking" message instead of creating a new one.
                inter._followup_edits_original = False
                msg = self.messages[inter.original_message_id]  # type: ignore[index]
                await self._edit_message(
                    msg, {k: v for k, v in body.items() if k != "flags"}, req.files
                )
            else:
                inter._followup_edits_original = False
                msg = interaction_message(
                    inter, body, int(body.get("flags") or 0), req.files, original=False
                )
                await self._commit_message(
                    self._get_channel(inter.channel_id), msg, dispatch=self.echo_bot_messages
                )
            inter.followup_ids.append(int(msg["id"]))
            if req.query.get("wait") in ("1", "true", "True"):
                return 200, msg
            return 204, None

        def webhook_message(inter: FakeInteraction, mid: str) -> dict[str, Any]:
            if mid == "@original":
                msg = self.messages.get(inter.original_message_id or 0)
            else:
                allowed = set(inter.followup_ids) | {inter.original_message_id}
                msg = self.messages.get(int(mid)) if int(mid) in allowed else None
            if msg is None:
                raise _not_found("Message", 10008)
            return msg

        @r("GET", rf"/webhooks/{ID}/{TOKEN}/messages/(@original|\d+)")
        async def get_webhook_msg(
            req: _ParsedRequest, app_id: str, token: str, mid: str
        ) -> tuple[int, Any]:
            return 200, webhook_message(by_token(app_id, token), mid)

        @r("PATCH", rf"/webhooks/{ID}/{TOKEN}/messages/(@original|\d+)")
        async def edit_webhook_msg(
            req: _ParsedRequest, app_id: str, token: str, mid: str
        ) -> tuple[int, Any]:
            inter = by_token(app_id, token)
            msg = webhook_message(inter, mid)
            if mid == "@original":
                inter._followup_edits_original = False
            await self._edit_message(msg, req.json or {}, req.files)
            return 200, msg

        @r("DELETE", rf"/webhooks/{ID}/{TOKEN}/messages/(@original|\d+)")
        async def delete_webhook_msg(
            req: _ParsedRequest, app_id: str, token: str, mid: str
        ) -> tuple[int, Any]:
            inter = by_token(app_id, token)
            await self._delete_message(webhook_message(inter, mid))
            return 204, None


# --------------------------------------------------------------------------- helpers


def _custom_ids(components: Iterable[Mapping[str, Any]]) -> list[str]:
    found: list[str] = []
    for component in components:
        if "custom_id" in component:
            found.append(component["custom_id"])
        found.extend(_custom_ids(component.get("components") or []))
        if isinstance(component.get("component"), Mapping):
            found.extend(_custom_ids([component["component"]]))
        if isinstance(component.get("accessory"), Mapping):
            found.extend(_custom_ids([component["accessory"]]))
    return found


def _infer_option_type(value: Any) -> int:
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    if isinstance(value, FakeUser):
        return 6
    if isinstance(value, FakeChannel):
        return 7
    if isinstance(value, FakeRole):
        return 8
    return 3


# --------------------------------------------------------------------------- pytest integration

try:  # pragma: no cover - only when pytest is available
    import pytest as _pytest
except ImportError:  # pragma: no cover
    _pytest = None  # type: ignore[assignment]

if _pytest is not None:

    @_pytest.fixture
    def error_log_guard() -> Iterator[ErrorLogGuard]:
        """Fail the test (at teardown) if anything logged at ERROR or above during it."""
        guard = ErrorLogGuard().install()
        try:
            yield guard
        finally:
            guard.uninstall()
        guard.assert_clean()

    try:
        import pytest_asyncio as _pytest_asyncio
    except ImportError:  # pragma: no cover
        _pytest_asyncio = None  # type: ignore[assignment]

    if _pytest_asyncio is not None:

        @_pytest_asyncio.fixture
        async def fake_discord(error_log_guard: ErrorLogGuard) -> AsyncIterator[FakeDiscord]:
            """A started :class:`FakeDiscord` (100 ms heartbeats) plus the ERROR-log guard."""
            async with FakeDiscord(heartbeat_interval=100) as fake:
                yield fake
