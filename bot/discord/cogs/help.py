"""/help: the slash commands with an example each, and how to follow up."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.client import tell
from bot.discord.formatting import help_text

if TYPE_CHECKING:
    from bot.discord.client import NewsDiscordBot


class HelpCog(commands.Cog):
    def __init__(self, bot: NewsDiscordBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="What newsbot can do, with examples")
    @app_commands.allowed_contexts(guilds=True, dms=True)
    async def help(self, interaction: discord.Interaction) -> None:
        """Listed from the command tree itself, so a new command is never missing here."""
        listed = [
            (c.name, c.description)
            for c in self.bot.tree.get_commands()
            if isinstance(c, app_commands.Command | app_commands.Group)
        ]
        name = self.bot.user.name if self.bot.user else "newsbot"
        text = help_text(listed, name, reads_threads=self.bot.settings.discord.message_content)
        await tell(interaction, text)


async def setup(bot: NewsDiscordBot) -> None:
    await bot.add_cog(HelpCog(bot))
