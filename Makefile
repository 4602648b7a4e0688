# One command each: `make run` starts the bot, `make test` runs every test.
# Both create .venv and install only when pyproject.toml or a lock file changed since the last
# install. Dependencies install from the lock files, hash-checked: requirements.lock (runtime)
# and requirements-dev.lock (runtime + dev tools); the project itself is then installed
# editable without dependencies. `make lock` refreshes the lock files (docs/deployment.md).

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

LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
# The lock tool lives in its own throwaway virtualenv, never in .venv.
LOCK_VENV := build/lock-venv
UV_VERSION := 0.13.9
UV_COMPILE = $(LOCK_VENV)/bin/uv pip compile pyproject.toml --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command "make lock" --quiet $(LOCK_ARGS)

.PHONY: run test lint typecheck check bench model lock clean

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

# llama-cpp-python alone first, from its locked sdist (hash-checked), with LLAMA_CMAKE_ARGS.
# Not quiet (no -q): this is the long step of a first install, and pip's output shows it going.
$(STAMPS)/llama: $(LOCK) | $(BIN)/python
	@mkdir -p $(STAMPS)
	sed -n '/^llama-cpp-python==/,/# via/p' $(LOCK) > $(STAMPS)/llama.lock
	@echo "Compiling llama.cpp for llama-cpp-python: about 4-7 minutes on 2 cores, once per .venv."
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip install --no-cache-dir \
		--require-hashes --no-deps -r $(STAMPS)/llama.lock
	@touch $@

# The locked dependencies (hash-checked), then the project without dependencies; `pip check`
# fails when pyproject.toml asks for something the lock lacks (run `make lock`).
$(STAMPS)/install: pyproject.toml $(LOCK) $(STAMPS)/llama | $(BIN)/python
	$(BIN)/python -m pip install -q --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install -q --no-deps -e .
	$(BIN)/python -m pip check
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/install-dev: pyproject.toml $(DEV_LOCK) $(STAMPS)/llama | $(BIN)/python
	$(BIN)/python -m pip install -q --require-hashes -r $(DEV_LOCK)
	$(BIN)/python -m pip install -q --no-deps -e '.[dev]'
	$(BIN)/python -m pip check
	@mkdir -p $(STAMPS) && touch $@ $(STAMPS)/install

$(MODEL): | $(STAMPS)/install
	$(BIN)/python -m bot.model_fetch

# Re-resolve the lock files after a change to the dependencies in pyproject.toml. Versions
# already locked are kept where the new ranges allow them; `make lock LOCK_ARGS=--upgrade`
# moves everything to the newest releases the ranges allow. One resolution for every platform
# and Python >= 3.11, with the hashes of every file PyPI has for each locked version.
lock:
	test -x $(LOCK_VENV)/bin/uv || { $(PYTHON) -m venv $(LOCK_VENV) && \
		$(LOCK_VENV)/bin/python -m pip install -q uv==$(UV_VERSION); }
	$(UV_COMPILE) -o $(LOCK)
	$(UV_COMPILE) --extra dev -c $(LOCK) -o $(DEV_LOCK)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
