"""Fake Discord gateway + REST server for testing real discord.py clients on loopback.

See README.md in this directory. Typical use::

    from fakediscord import FakeDiscord   # or: from tests.fakediscord import FakeDiscord

    async with FakeDiscord(heartbeat_interval=100) as fake:
        opts = FakeDiscord.client_options()
        client = discord.Client(intents=discord.Intents.default(), **opts)
        async with fake.run_client(client):
            general = fake.channel("general").id
            await fake.send_message(general, fake.member, "hi", mentions_bot=True)
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
