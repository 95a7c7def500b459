# syntax=docker/dockerfile:1
#
# market API image: one image for the API (default command), the outbox worker
# (`market worker`) and the migrations (`market db migrate`).
# Build: docker build -t market .   Run: see docs/deployment.md.

# Both stages must use the same Python: the venv's interpreter is a symlink into it.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- builder: a self-contained venv with the project and its runtime dependencies only
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_INPUT=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

# npm fetches the pinned Swagger UI of /docs and htmx below (builder only: the runtime has no npm).
RUN apt-get update \
    && apt-get install -y --no-install-recommends npm \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY pyproject.toml requirements.lock ./
COPY market ./market
COPY schemas ./schemas
COPY search ./search

# Non-editable install of the runtime dependencies at the locked versions; no dev extra.
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install -c requirements.lock .

# The Swagger UI files and htmx, checked against their pinned integrity, go into the venv: the
# app then serves /docs and the pages with no network (docs/deployment.md).
ENV MARKET_DOCS_UI_DIR=/opt/venv/share/market/swagger-ui \
    MARKET_WEB_ASSETS_DIR=/opt/venv/share/market/htmx
RUN market docs fetch

# ---- runtime: the venv and nothing else from the source tree
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="market" \
      org.opencontainers.image.description="Cross-border trade matchmaking API for Central Asia"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    MARKET_ENV=prod \
    MARKET_LOG_FORMAT=json \
    MARKET_DOCS_UI_DIR=/opt/venv/share/market/swagger-ui \
    MARKET_WEB_ASSETS_DIR=/opt/venv/share/market/htmx

RUN groupadd --system --gid 10001 market \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin market

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
USER 10001:10001

EXPOSE 8000

# `docker stop` sends SIGTERM: `market run` stops accepting, finishes in-flight requests and
# exits 0; `market worker` stops between batches (docs/reliability.md).
STOPSIGNAL SIGTERM

# Liveness only (/ready also checks PostgreSQL and Meilisearch). The first start loads the
# HS nomenclature into Meilisearch before the server listens, hence the start period.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]

# One uvicorn process per container: scale by running more containers.
CMD ["market", "run", "--host", "0.0.0.0", "--port", "8000"]
