# Thin aliases. `make run` and `make test` set everything up on a fresh clone.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
INDEX  ?= var/index
HOST   ?= 127.0.0.1
PORT   ?= 8080
WORKERS ?= 0
# 0: one worker process per core
EVAL   := ../shared/eval
# e.g. BENCH_ARGS="--sizes 100000" (see benchmarks/run.py)
BENCH_ARGS ?=
# e.g. SOAK_ARGS="--seconds 30 --kill-trials 5" (see benchmarks/soak.py)
SOAK_ARGS ?=

.PHONY: run test lint fmt typecheck index serve eval bench bench-crawl bench-ranking soak clean install

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (set PYTHON=python3.11)")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP) index serve

index: $(STAMP)
	$(BIN)/analysis-search index examples/articles --index $(INDEX) --prune

serve: $(STAMP)
	$(BIN)/analysis-search serve --index $(INDEX) --host $(HOST) --port $(PORT) --workers $(WORKERS)

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

typecheck: $(STAMP)
	$(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

eval: $(STAMP)
	@if [ -d $(EVAL)/extraction-dev ]; then \
		PATH="$(CURDIR)/$(BIN):$$PATH" bash $(EVAL)/run_extraction_eval.sh; \
	else \
		echo "make eval: $(EVAL)/extraction-dev is not here, so there is nothing to score."; \
	fi

bench: $(STAMP)
	@command -v wrk >/dev/null 2>&1 || { echo "make bench: installing Debian's wrk (the load generator)"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }; }
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	$(PY) -m benchmarks.run $(BENCH_ARGS)

# Minutes, not part of make test: kill -9 trials, disk faults, the fuzzer at a large
# budget, and load while indexing (see benchmarks/soak.py).
soak: $(STAMP)
	@command -v wrk >/dev/null 2>&1 || { echo "make soak: installing Debian's wrk (the load generator)"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }; }
	$(PY) -m benchmarks.soak $(SOAK_ARGS)

bench-crawl: $(STAMP)
	$(PY) -m benchmarks.crawl

bench-ranking: $(STAMP)
	@if [ -d $(EVAL)/ranking ]; then \
		$(PY) benchmarks/ranking.py; \
	else \
		echo "make bench-ranking: $(EVAL)/ranking is not here, so there is nothing to score."; \
	fi

clean:
	rm -rf var build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
