# syntax=docker/dockerfile:1
# Two stages: the builder installs the project into a virtualenv; the runtime stage copies only
# that venv onto the same slim base, so no pip cache, compiler or source tree ships.
# Both stages start from one base, because the venv points at its python by path.
# Pin it by digest in CI (python:3.13-slim-trixie@sha256:...) and let a bot bump it.
FROM python:3.13-slim-trixie AS base

FROM base AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"
WORKDIR /src
# Dependencies first, the template's (pyproject.toml) and your tools' (tools/requirements.txt), so a
# code change reuses this layer.
COPY pyproject.toml README.md ./
COPY tools/requirements.txt ./tools/
RUN pip install --no-cache-dir . -r tools/requirements.txt
# Then the project itself, the server and your tools package, non-editable; every module is
# compiled to bytecode now, because the runtime neither may nor can write __pycache__ (read-only
# root filesystem).
COPY app ./app
COPY tools ./tools
RUN pip install --no-cache-dir --no-deps --force-reinstall . \
 && python -m compileall -q /opt/venv

FROM base AS runtime
# The variable names a file path, not a secret: the tokens themselves are mounted at run time.
# hadolint ignore=DL3064
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONFAULTHANDLER=1 \
    PATH="/opt/venv/bin:$PATH" \
    FASTMCP_HOST=0.0.0.0 \
    FASTMCP_PORT=8000 \
    FASTMCP_SERVER=tools:server \
    FASTMCP_AUTH=bearer \
    FASTMCP_AUTH_BEARER_TOKENS_FILE=/run/secrets/mcp-tokens
# Authenticated by default: static bearer tokens from a mounted file (a Docker or Compose secret:
# `docker run -v "$PWD/tokens:/run/secrets/mcp-tokens:ro" ...`). Kubernetes sets FASTMCP_AUTH=jwt.
# A numeric user, so Kubernetes can check runAsNonRoot without reading /etc/passwd.
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --no-log-init \
    --home-dir /nonexistent --shell /usr/sbin/nologin app
WORKDIR /app
# Owned by root and only readable by the app user: it cannot change its own code.
COPY --from=builder /opt/venv /opt/venv
COPY infra/gunicorn.conf.py /app/infra/gunicorn.conf.py
USER 10001:10001
# 9464: the Prometheus scrape endpoint, when OTEL_METRICS_EXPORTER=prometheus
EXPOSE 8000 9464
# Docker and Compose only; Kubernetes ignores HEALTHCHECK and uses the Deployment's probes.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/healthz' % os.environ['FASTMCP_PORT'], timeout=2)"]
# Exec form: gunicorn is PID 1 and gets SIGTERM itself; it reaps its own workers.
ENTRYPOINT ["gunicorn", "--config", "/app/infra/gunicorn.conf.py"]
CMD ["app.main:app"]
