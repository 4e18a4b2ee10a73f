"""What the bot logs at start: the invite link, and no voice warnings (it never joins voice)."""

from __future__ import annotations

import logging
import urllib.parse
from pathlib import Path

import discord
import pytest
from botkit import Recording, running_bot

from bot.discord.client import INVITE_PERMISSIONS
from bot.service import NewsBot
from tests.fakediscord import FakeDiscord

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


async def test_start_logs_the_invite_link_and_no_voice_warning(
    fake: FakeDiscord,
    newsbot: NewsBot,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(discord.VoiceClient, "warn_nacl", True)  # as in a fresh process
    monkeypatch.setattr(discord.VoiceClient, "warn_dave", True, raising=False)
    caplog.set_level(logging.INFO)
    async with running_bot(fake, Recording(newsbot), tmp_path):
        pass
    assert not [r for r in caplog.records if "voice" in r.getMessage().lower()]
    (link,) = [
        r.getMessage().split("invite link: ")[1]
        for r in caplog.records
        if "invite link: " in r.getMessage()
    ]
    url = urllib.parse.urlsplit(link)
    assert (url.scheme, url.netloc, url.path) == ("https", "discord.com", "/oauth2/authorize")
    query = urllib.parse.parse_qs(url.query)
    assert query["client_id"] == [str(fake.application_id)]
    assert query["scope"] == ["bot applications.commands"]
    granted = discord.Permissions(int(query["permissions"][0]))
    assert granted == INVITE_PERMISSIONS
    for needed in (
        "send_messages",
        "send_messages_in_threads",
        "create_public_threads",
        "embed_links",
        "read_message_history",
        "add_reactions",
    ):
        assert getattr(granted, needed), needed
    assert not granted.administrator and not granted.mention_everyone
