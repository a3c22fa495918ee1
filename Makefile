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

HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run demo test lint evaluate-sample ablations mlflow-ui bench bench-api clean

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

# Serves the API on the bundled catalogue (SQLite store under data/store/) and prints a demo key.
run: $(STAMP)
	$(BIN)/recommender serve --demo --host $(HOST) --port $(PORT)

# The engine alone, on a sample of the bundled intakes, printed to the terminal.
demo: $(STAMP)
	$(BIN)/recommender demo

# Storage and API tests run on SQLite and on PostgreSQL: scripts/ensure-postgres.sh finds a
# server (installing and starting Debian's postgresql if none answers) or says why not.
# The review page's browser tests drive Debian's chromium: scripts/ensure-chromium.sh finds it
# (installing it with apt-get if missing) or says why not; Playwright downloads no browser.
test: $(DEVSTAMP)
	$(BIN)/ruff check .
	@url=$$(PYTHON=$(BIN)/python scripts/ensure-postgres.sh); \
	if [ -n "$$url" ]; then \
		echo "[make test] PostgreSQL tests on $$url"; \
		export WELFARE_MATCH_TEST_POSTGRES_URL="$$url" WELFARE_MATCH_REQUIRE_POSTGRES=1; \
	else \
		echo "[make test] WARNING: no PostgreSQL server: the PostgreSQL variants of the storage and API tests are SKIPPED (reasons in the summary)"; \
	fi; \
	chromium=$$(scripts/ensure-chromium.sh); \
	if [ -n "$$chromium" ]; then \
		echo "[make test] browser tests of the review page on $$chromium"; \
		export WELFARE_MATCH_CHROMIUM="$$chromium" WELFARE_MATCH_REQUIRE_CHROMIUM=1; \
	else \
		echo "[make test] WARNING: no chromium: the browser tests of the review page are SKIPPED (reasons in the summary)"; \
	fi; \
	$(BIN)/python -m pytest -q

lint: $(DEVSTAMP)
	$(BIN)/ruff check .

evaluate-sample: $(STAMP)
	$(BIN)/recommender evaluate data/fixtures

# Every ablation on the bundled collection, logged to MLflow (data/mlflow/ unless MLFLOW_TRACKING_URI).
ablations: $(STAMP)
	$(BIN)/recommender evaluate data/fixtures --ablations

# The MLflow UI on the project's tracking store: http://127.0.0.1:5000
mlflow-ui: $(STAMP)
	@mkdir -p data/mlflow
	$(BIN)/mlflow ui --backend-store-uri $${MLFLOW_TRACKING_URI:-sqlite:///data/mlflow/mlflow.db} --host 127.0.0.1 --port 5000

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_match.py

bench-api: $(STAMP)
	$(BIN)/python benchmarks/bench_api.py

clean:
	rm -rf $(VENV) .cache .pytest_cache .ruff_cache
