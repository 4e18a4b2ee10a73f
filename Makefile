# newsbot: `make ask Q="..."` and `make test` are all a fresh machine needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
Q      ?= How many troops did Zelenskyy say were needed?

.PHONY: install ask index chat status eval test test-all lint format bench bot audit clean

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

test: $(STAMP)  ## the whole default suite, offline
	$(BIN)/python -m pytest

test-all: $(STAMP)  ## including slow (load) tests
	$(BIN)/python -m pytest -m ""

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

$(VENV)/.bench-installed: $(STAMP)
	$(BIN)/pip install --quiet -c requirements.lock -e ".[dev,bench]"
	touch $@

bench: $(VENV)/.bench-installed  ## speed, memory, quality vs llama-index + raw model (~25 min)
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

audit:  ## known vulnerabilities in the locked dependencies (pip-audit, own venv)
	test -d .venv-audit || $(PYTHON) -m venv .venv-audit
	.venv-audit/bin/pip install --quiet pip-audit==2.10.1
	.venv-audit/bin/pip-audit -r requirements.lock --no-deps --disable-pip --progress-spinner off

bot: $(STAMP)
	$(BIN)/newsbot index
	$(BIN)/newsbot bot

clean:
	rm -rf $(VENV) .newsbot .pytest_cache .ruff_cache
