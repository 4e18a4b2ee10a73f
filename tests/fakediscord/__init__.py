"""Fake Discord gateway + REST server for testing real discord.py clients on loopback.

See README.md in this directory. Typical use::

    from fakediscord import FakeDiscord   # or: from tests.fakediscord import FakeDiscord

    async with FakeDiscord(heartbeat_interval=100) as fake:
        client = discord.Client(intents=discord.Intents.default(), **FakeDiscord.client_options())
        async with fake.run_client(client):
            await fake.send_message(fake.channel("general").id, fake.member, "hi", mentions_bot=True)
            req = await fake.wait_for_request("POST", r"/channels/\\d+/messages")
"""

from .server import (
    ChannelType,
    ErrorLogGuard,
    FakeChannel,
    FakeDiscord,
    FakeInteraction,
    FakeRole,
    FakeUser,
    GatewayFrame,
    Intent,
    Perm,
    RecordedRequest,
    UploadedFile,
)

try:  # pytest fixtures; import them into a conftest.py to use them
    from .server import error_log_guard, fake_discord  # noqa: F401
except ImportError:  # pragma: no cover - pytest / pytest-asyncio not installed
    pass

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
