# One command each: `make run` starts the bot, `make test` runs every test.
# Both create .venv and install only when pyproject.toml changed since the last install.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := $(VENV)/.stamps
MODEL := models/SmolLM2-135M-Instruct.Q4_1.gguf

.PHONY: run test lint typecheck check bench model clean

# With Slack tokens (environment or .env) this runs the bot as `python app.py` does;
# without, the sandbox (`ticketbot sandbox`) with a banner saying how to connect Slack.
run: $(STAMPS)/install $(MODEL)
	$(BIN)/python -m sandbox.launch

test: $(STAMPS)/install-dev $(MODEL)
	$(BIN)/python -m pytest

lint: $(STAMPS)/install-dev
	$(BIN)/ruff check .

typecheck: $(STAMPS)/install-dev
	$(BIN)/mypy

check: lint typecheck test

bench: $(STAMPS)/install-dev $(MODEL)
	$(BIN)/python -m bench

model: $(MODEL)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMPS)/install: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/install-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	@mkdir -p $(STAMPS) && touch $@ $(STAMPS)/install

$(MODEL): | $(STAMPS)/install
	$(BIN)/python -m bot.model_fetch

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
