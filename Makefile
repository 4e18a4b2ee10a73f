# newsbot: `make ask Q="..."` and `make test` are all a fresh machine needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
Q      ?= How many troops did Zelenskyy say were needed?

.PHONY: install ask index chat status eval eval-dev fit bench-answers bench-verify claimeval test test-all lint format bench bench-process bot audit clean check

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

ask: $(STAMP)  ## index the articles folder (incrementally), then answer Q
	$(BIN)/newsbot index
	$(BIN)/newsbot ask "$(Q)"

index: $(STAMP)
	$(BIN)/newsbot index

chat: $(STAMP)
	$(BIN)/newsbot index
	$(BIN)/newsbot chat

status: $(STAMP)
	$(BIN)/newsbot status

eval: $(STAMP)
	$(BIN)/newsbot index
	$(BIN)/newsbot eval tests/eval/sample_eval.jsonl

check: $(STAMP)  ## the fast unit tier (under a minute): run it while you work
	$(BIN)/python -m pytest -m unit

test: $(STAMP)  ## the whole default suite, offline (CI)
	$(BIN)/python -m pytest

test-all: $(STAMP)  ## including slow (load) tests
	$(BIN)/python -m pytest -m ""

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

$(VENV)/.bench-installed: $(STAMP)
	$(BIN)/pip install --quiet -c requirements.lock -e ".[dev,bench]"
	touch $@

# `make bench` rewrites benchmarks/RESULTS.md, then appends the whole-process table (this tree,
# the baseline commit and the llama-index default, 1,000 articles) and the profiles.
BENCH_PROCESS_ARGS ?= --articles 10000 --runs 5 --data-cache benchmarks/out/cache

bench: $(VENV)/.bench-installed  ## speed, memory, quality vs llama-index + raw model, whole process (~25 min)
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/bench_process.py --articles 1000 --append benchmarks/RESULTS.md
	$(BIN)/python benchmarks/profile_process.py --append benchmarks/RESULTS.md

bench-process: $(VENV)/.bench-installed  ## whole-process times at 10,000 articles (indexes cached)
	$(BIN)/python benchmarks/bench_process.py $(BENCH_PROCESS_ARGS)

bench-verify: $(STAMP)  ## verification cost of a 4-claim LLM answer (p50)
	$(BIN)/python benchmarks/bench_verify.py

claimeval: $(STAMP)  ## the claim check per kind on tests/eval/claims.jsonl (train and test)
	$(BIN)/python -m bot.claimeval --embed

bench-answers: $(STAMP)  ## the extractive answerer vs the baseline commit: quality, latency, cold start
	$(BIN)/python benchmarks/bench_answers.py $(BENCH_ARGS)

audit:  ## known vulnerabilities in the locked dependencies (pip-audit, own venv)
	test -d .venv-audit || $(PYTHON) -m venv .venv-audit
	.venv-audit/bin/pip install --quiet pip-audit==2.10.1
	.venv-audit/bin/pip-audit -r requirements.lock --no-deps --disable-pip --progress-spinner off

bot: $(STAMP)
	$(BIN)/newsbot index
	$(BIN)/newsbot bot

clean:
	rm -rf $(VENV) .newsbot .newsbot-dev .newsbot-fit .pytest_cache .ruff_cache

# Real-news calibration and evaluation on ../shared/corpus-dev/ (BBC News, never shipped).
# DEV_CORPUS may point elsewhere; the index lives in .newsbot-dev (and .newsbot-fit for fitting,
# which also holds the sample articles so that the sample questions train too).
DEV_CORPUS ?= ../shared/corpus-dev/bbc
DEV_ENV = NEWSBOT_ARTICLES_DIR=$(DEV_CORPUS) NEWSBOT_DATA_DIR=.newsbot-dev
FIT_ENV = NEWSBOT_ARTICLES_DIR=.newsbot-fit/articles NEWSBOT_DATA_DIR=.newsbot-fit/data

eval-dev: $(STAMP)  ## answers on the held-out BBC test split (keyword accuracy, declines, subsets)
	$(DEV_ENV) $(BIN)/newsbot index
	$(DEV_ENV) $(BIN)/newsbot eval tests/eval/bbc_test.jsonl

fit: $(STAMP)  ## refit bot/answer/scorer.json on the train split, threshold on dev
	mkdir -p .newsbot-fit/articles
	rm -rf .newsbot-fit/articles/bbc .newsbot-fit/articles/sample
	cp -r $(DEV_CORPUS) .newsbot-fit/articles/bbc
	cp -r articles .newsbot-fit/articles/sample
	$(FIT_ENV) $(BIN)/newsbot index
	$(FIT_ENV) $(BIN)/newsbot fit tests/eval/bbc_train.jsonl tests/eval/sample_eval.jsonl --dev tests/eval/bbc_dev.jsonl
