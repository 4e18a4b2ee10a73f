"""Discord extensions of newsbot: one cog per feature, each with `async def setup(bot)`."""
