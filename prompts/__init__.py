"""The prompt templates (answer.md, condense.md, decline.md), shipped as package data.

Edit the .md files here; `bot.answer.templates` reads them with `importlib.resources`.
"""
