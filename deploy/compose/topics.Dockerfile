# The one-shot job that creates every Kafka topic from the registry (compose `topics`, k8s Job):
#   python -m citizeninfo_devstack.topics
# Build from the repository root:
#   docker build -f deploy/compose/topics.Dockerfile -t citizeninfo/topics:dev .

# The official bases by default; `make images` passes ones built here (no registry is reachable).
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.8
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${UV_IMAGE} AS uv

FROM ${PYTHON_IMAGE} AS build
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src

COPY pyproject.toml uv.lock ./
COPY shared/pyproject.toml shared/pyproject.toml
COPY deploy/local/pyproject.toml deploy/local/pyproject.toml
COPY services/pin-service/pyproject.toml services/pin-service/pyproject.toml
COPY services/nocopy-service/pyproject.toml services/nocopy-service/pyproject.toml
COPY services/feedback-service/pyproject.toml services/feedback-service/pyproject.toml
COPY services/stats-service/pyproject.toml services/stats-service/pyproject.toml
COPY services/card-gateway/pyproject.toml services/card-gateway/pyproject.toml
COPY services/card-agent/pyproject.toml services/card-agent/pyproject.toml
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package citizeninfo-devstack

COPY shared/src shared/src
COPY deploy/local/src deploy/local/src
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package citizeninfo-devstack

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 citizeninfo \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin citizeninfo
COPY --from=build /app/.venv /app/.venv
ENV PATH="/app/.venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
USER 10001:10001
# A job, not a server: it exits when the topics exist, so there is nothing to health-check.
HEALTHCHECK NONE
CMD ["python", "-m", "citizeninfo_devstack.topics"]
