# One command each: `make run` starts the bot, `make test` runs every test.
# Both create .venv and install only when pyproject.toml changed since the last install.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := $(VENV)/.stamps
MODEL := models/SmolLM2-135M-Instruct.Q4_1.gguf

# llama-cpp-python compiles llama.cpp at install time. Its default "native" build uses every
# instruction set the CPU reports, AMX included, and on machines or VMs that report AMX
# without enabling it the first multi-token evaluation crashes (SIGSEGV in
# ggml_backend_amx_mul_mat). On x86-64 we build for AVX2 instead, and bypass pip's wheel cache
# so that an earlier native build is never reused. Override: make LLAMA_CMAKE_ARGS=...
ifeq ($(shell uname -m),x86_64)
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
endif
LLAMA_REQUIREMENT := $(shell grep -o '"llama-cpp-python[^"]*"' pyproject.toml)

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

$(STAMPS)/llama: pyproject.toml | $(BIN)/python
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip install -q --no-cache-dir $(LLAMA_REQUIREMENT)
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/install: pyproject.toml $(STAMPS)/llama | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/install-dev: pyproject.toml $(STAMPS)/llama | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	@mkdir -p $(STAMPS) && touch $@ $(STAMPS)/install

$(MODEL): | $(STAMPS)/install
	$(BIN)/python -m bot.model_fetch

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
