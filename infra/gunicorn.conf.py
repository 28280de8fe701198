"""gunicorn settings for the MCP server; every knob can be changed through the environment.

    gunicorn --config infra/gunicorn.conf.py app.main:app

The defaults suit one container among many replicas: scale out with replicas, not workers.
"""

import os
from typing import TypeVar

_T = TypeVar("_T", int, str)


def _env(name: str, default: _T) -> _T:
    """The variable `name`, converted to the type of `default`, or `default` when unset."""
    value = os.environ.get(name)
    return default if value is None else type(default)(value)


# Listen where the app would (FASTMCP_HOST / FASTMCP_PORT), or on GUNICORN_BIND when given.
# The app's own default is loopback; the image and the Kubernetes ConfigMap set FASTMCP_HOST=0.0.0.0.
bind = _env("GUNICORN_BIND", f"{_env('FASTMCP_HOST', '127.0.0.1')}:{_env('FASTMCP_PORT', 8000)}")

# uvicorn-worker's class with the app's limits on request heads (size and time to arrive), which
# plain uvicorn does not have; gunicorn's own limit_request_* settings do not reach uvicorn workers.
worker_class = "app.serving.Worker"

# One worker per container by default. cpu_count() sees the node's cores, not the container's
# CPU request, so it is never used here. Raise WEB_CONCURRENCY to use more cores in one process tree.
workers = _env("WEB_CONCURRENCY", 1)

# Async workers: `timeout` is only the heartbeat a worker must keep; it never ends a long stream.
timeout = _env("GUNICORN_TIMEOUT", 30)

# Time open requests get after SIGTERM before SIGKILL. Kubernetes budget:
# preStop sleep 10 + graceful_timeout 40 < terminationGracePeriodSeconds 60.
graceful_timeout = _env("GUNICORN_GRACEFUL_TIMEOUT", 40)

# Idle keep-alive; longer than the proxy's upstream keepalive_timeout (nginx: 60s), so the proxy
# always closes an idle connection first and never sends a request into one being closed.
keepalive = _env("GUNICORN_KEEPALIVE", 75)

# Recycle workers after this many requests (0: never). Each recycle ends that worker's open
# streams after graceful_timeout; the jitter keeps workers from recycling together.
max_requests = _env("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = _env("GUNICORN_MAX_REQUESTS_JITTER", max_requests // 10)

# Proxies whose X-Forwarded-For / X-Forwarded-Proto are trusted. Use "*" only where a
# NetworkPolicy lets nothing but the proxy reach the pod.
forwarded_allow_ips = _env("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# The worker heartbeat file lives on tmpfs: a disk-backed /tmp can stall os.fchmod.
worker_tmp_dir = _env("GUNICORN_WORKER_TMP_DIR", "/dev/shm")

# The control socket would be created under $HOME, which a read-only root filesystem refuses.
control_socket_disable = True

# Workers import the app after the fork. Nothing fork-unsafe (a Redis pool, an OpenTelemetry
# exporter thread) exists before it: the app creates those per worker in its lifespan.
preload_app = False

# Access log off by default (one line per request is costly and the proxy logs them);
# GUNICORN_ACCESSLOG=- writes it to stdout.
accesslog = _env("GUNICORN_ACCESSLOG", "") or None
loglevel = _env("FASTMCP_LOG_LEVEL", "info").lower()


def on_starting(server: object) -> None:
    """Check the app's settings once, in the master: a bad value stops gunicorn with one line,
    instead of every worker failing at boot and being started again."""
    from app.settings import load_settings

    host, _, port = bind.rpartition(":")  # the address gunicorn binds is the one the auth check must see
    load_settings(**({"host": host.strip("[]") or "0.0.0.0"} if port and not bind.startswith("unix:") else {}))
