# market: `make run` serves the demo, `make test` runs everything against real services.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run test lint format bench bench-bulk bench-load clean messages

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "market needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

PORT ?= 8000

run: install  ## services + migrations + demo data + API on http://127.0.0.1:$(PORT) (make run PORT=8001)
	$(BIN)/market dev --port $(PORT)

test: install lint  ## the whole suite against real PostgreSQL, Meilisearch and Chromium
	$(BIN)/python -m tests.browser.chromium
	$(BIN)/pytest

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install  ## benchmarks; results go to docs/benchmarks.md by hand
	$(BIN)/python -m benchmarks.run
	$(BIN)/python -m benchmarks.places

bench-bulk: install  ## bulk import: POST /v1/listings/batch against COPY, and time to searchable
	$(BIN)/python -m benchmarks.bulk

bench-load: install  ## a realistic mix at rising concurrency until saturation, then 80 % of it: errors, lost writes
	$(BIN)/python -m benchmarks.load

clean:
	rm -rf $(VENV) .market .pytest_cache .mypy_cache .ruff_cache

messages: install  ## after changing a page's text: extract its strings, merge them into each language's catalog
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --project market -o market/web/locales/messages.pot .
	$(BIN)/pybabel update -i market/web/locales/messages.pot -d market/web/locales --no-fuzzy-matching --width 100
