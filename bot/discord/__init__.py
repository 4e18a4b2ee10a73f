"""newsbot in Discord: slash commands, @mention threads, DMs, feedback buttons.

Modules: `formatting` (pure text and embeds), `conversations` (thread/DM memory),
`cooldown` (per-user pacing), `work` (blocking work off the event loop), `feedback`
(votes store + persistent buttons), `client` (the discord.py bot), `cogs/` (commands and
listeners), `runner` (`newsbot bot`).
"""
