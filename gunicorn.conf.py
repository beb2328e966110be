"""gunicorn settings of the reference auth server (`gunicorn config.wsgi:application`).

gunicorn reads this file by itself when started from the repository root (the
Docker image's working directory); command-line options override it. Every value
comes from the environment so one image serves every deployment:

    GUNICORN_BIND      address to listen on (default 127.0.0.1:8000; the image sets 0.0.0.0:8000)
    GUNICORN_WORKERS   worker processes; falls back to WEB_CONCURRENCY, then 2. Each holds a
                       database connection; about 2 x cores + 1 per host is the usual size
    GUNICORN_TIMEOUT   seconds before a silent worker is restarted (default 30)

Workers share nothing in memory: keys and sessions are in the database,
throttle counters in Redis (REDIS_URL), so any number of workers and hosts may
serve side by side.
"""

import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"gunicorn.conf.py: {name} must be a whole number, got {raw!r}") from None


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _int("GUNICORN_WORKERS", _int("WEB_CONCURRENCY", 2))
timeout = _int("GUNICORN_TIMEOUT", 30)

# Access log on stdout. The format leaves out what could carry a secret: the
# query string (%(U)s is the path alone, where %(r)s would repeat `?token=...`),
# the referrer (another page's URL, query included) and the Basic-auth user name
# (%(u)s). Headers such as Authorization and Cookie are never logged by gunicorn
# unless named in the format, and they are not. The last field is the response's
# X-Request-ID, which joins an access line to the application's JSON log lines.
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s" %({x-request-id}o)s'

# The runtime control socket (gunicornc) defaults to one path per user, shared by
# every gunicorn of that user on the host; this deployment does not use it.
control_socket_disable = True

# Metrics across workers: prometheus_client multiprocess mode (authfort_django/observability/metrics/gunicorn_hooks.py).
from authfort_django.observability.metrics.gunicorn_hooks import on_exit, on_starting  # noqa: E402,F401
