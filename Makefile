# welfare-match: `make run` (main job on the bundled defaults) and `make test` (whole suite).
# Both create .venv on first use and install pinned dependencies (constraints.txt).

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint evaluate-sample bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 is required"'
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e .
	$(BIN)/recommender build-encoder
	@touch $@

$(DEVSTAMP): $(STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $@

run: $(STAMP)
	$(BIN)/recommender demo

test: $(DEVSTAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: $(DEVSTAMP)
	$(BIN)/ruff check .

evaluate-sample: $(STAMP)
	$(BIN)/recommender evaluate data/fixtures

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_match.py

clean:
	rm -rf $(VENV) .cache .pytest_cache .ruff_cache
