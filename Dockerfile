# newsbot: one image for the bot, the indexer and the CLI.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

# Dependencies first (cached layer), pinned by the lock file.
COPY pyproject.toml requirements.lock README.md ./
COPY index ./index
COPY bot ./bot
COPY prompts ./prompts
# /data and /articles belong to the user: named volumes mounted there start with that
# owner, so the indexer and the bot can write the index data and feed stories.
RUN pip install -c requirements.lock . \
    && useradd --create-home --uid 10001 newsbot \
    && mkdir -p /data /articles/feeds \
    && chown -R newsbot /data /articles
COPY articles ./articles

USER newsbot
ENV NEWSBOT_ARTICLES_DIR=/app/articles NEWSBOT_DATA_DIR=/data
VOLUME ["/data"]
ENTRYPOINT ["newsbot"]
CMD ["bot"]
