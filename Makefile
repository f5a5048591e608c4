# The two commands: `make run` and `make test`. Everything else is a step they take.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK = POINTSMART_ENV=development FLASK_RUN_PORT=$(PORT) $(BIN)/flask --app pointsmart
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PORT ?= 5000

.PHONY: run test test-postgres system-packages lint format translations extract-messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-runtime: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed-runtime

translations: $(VENV)/.installed-runtime
	$(BIN)/pybabel compile --use-fuzzy -d pointsmart/translations -D messages >/dev/null

extract-messages: $(VENV)/.installed-runtime
	$(BIN)/pybabel extract -F babel.cfg -k _l -o pointsmart/translations/messages.pot pointsmart
	$(BIN)/pybabel update --ignore-obsolete -i pointsmart/translations/messages.pot -d pointsmart/translations

# PORT (default 5000) is where it serves; the development settings print it into the cards.
run: $(VENV)/.installed-runtime translations
	$(FLASK) db upgrade
	$(FLASK) demo
	@echo "pointsmart is serving at http://127.0.0.1:$(PORT) (Ctrl-C stops it)"
	$(FLASK) run --host 127.0.0.1

# Chromium, CJK fonts and poppler-utils for the browser and PDF tests (apt-get as root).
system-packages:
	@sh scripts/system-packages.sh

test: $(VENV)/.installed-dev translations system-packages
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest

test-postgres: $(VENV)/.installed-dev translations system-packages
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
