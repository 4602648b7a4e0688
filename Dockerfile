# syntax=docker/dockerfile:1
# ticketbot's container image (docs/deployment.md). Build from the repository root:
#   docker build -t ticketbot .
#
# Two stages. `build` turns every dependency in requirements.lock into a wheel, each checked
# against the lock's hashes; llama-cpp-python is compiled here, once, with the Makefile's flags.
# It also builds ticketbot's own wheel. `runtime` holds only a virtualenv with those wheels
# installed (and the default model), and runs as an unprivileged user.
#
# The container's steps are the ones tests/test_install.py runs on a clean virtualenv:
#   1. install the wheel (below, at build time);
#   2. `ticketbot init` when the data directory (/data) is empty;
#   3. `ticketbot db upgrade`;
#   4. `ticketbot run`.
# Steps 2-4 are deploy/docker-entrypoint.sh, at every start.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake \
 && rm -rf /var/lib/apt/lists/*
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src

# On x86-64, the Makefile's LLAMA_CMAKE_ARGS: AVX2 instead of llama.cpp's "native" build, whose
# AMX path crashes where a CPU reports AMX without enabling it (and an image runs on CPUs
# other than the one that built it). Other architectures get llama.cpp's default build.
ARG LLAMA_CMAKE_ARGS_X86_64="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
COPY requirements.lock ./
RUN if [ "$(uname -m)" = x86_64 ]; then export CMAKE_ARGS="$LLAMA_CMAKE_ARGS_X86_64"; fi \
 && pip wheel --require-hashes --wheel-dir /wheels -r requirements.lock

COPY . .
RUN pip wheel --no-deps --wheel-dir /wheels .


FROM ${PYTHON_IMAGE} AS runtime
# libgomp1: llama.cpp's CPU backend runs its threads with OpenMP.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 ticketbot \
 && useradd --system --uid 10001 --gid ticketbot --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin ticketbot \
 && install -d -o ticketbot -g ticketbot -m 0700 /data \
 && install -d -m 0755 /models

ENV PATH=/opt/ticketbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    TICKETBOT_HOME=/data \
    GGUF_MODEL_PATH=/models/SmolLM2-135M-Instruct.Q4_1.gguf

# Step 1: install the wheel. --no-index: its dependencies can only be the locked wheels built
# above, so the image holds exactly the versions of requirements.lock.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    python -m venv /opt/ticketbot \
 && /opt/ticketbot/bin/pip install --no-cache-dir --no-index --find-links=/wheels ticketbot \
 && ticketbot --version

# The default model (SmolLM2-135M, checked against its SHA-256), fetched as `make model` does,
# into /models rather than the data directory. --build-arg DEFAULT_MODEL=no leaves /models
# empty, for a model of your own (GGUF_MODEL_PATH) or another backend (LLM_BACKENDS).
ARG DEFAULT_MODEL=yes
RUN if [ "$DEFAULT_MODEL" = yes ]; then \
        PIP_NO_CACHE_DIR=1 python -c 'import sys, pathlib, bot.model_fetch as m; m.fetch(pathlib.Path(sys.argv[1]))' \
            "$GGUF_MODEL_PATH"; \
    fi

COPY deploy/docker-entrypoint.sh /usr/local/bin/ticketbot-entrypoint
COPY deploy/healthcheck.py /usr/local/lib/ticketbot/healthcheck.py

USER ticketbot
WORKDIR /data
# /data: TICKETBOT_HOME (.env, config.yml overrides, the SQLite ticket log). /models: GGUF
# files; a new named volume starts with the default model from the image.
VOLUME ["/data", "/models"]

# Health: deploy/healthcheck.py. With TICKETBOT_HEALTH_URL set to the bot's health endpoint
# (opt-in, on 127.0.0.1 inside the container), that endpoint must answer; without it, the
# check only says that `ticketbot run` is the running process.
HEALTHCHECK --interval=30s --timeout=10s --start-period=120s --retries=3 \
    CMD ["python", "/usr/local/lib/ticketbot/healthcheck.py"]

# `docker stop` sends SIGTERM; the bot drains for pipeline.shutdown_grace_s (20 s) and exits.
# Docker's default stop timeout is 10 s: use `docker stop -t 30` (compose.yaml sets it).
STOPSIGNAL SIGTERM
ENTRYPOINT ["ticketbot-entrypoint"]
CMD ["run"]
