# Loaded by gunicorn from the working directory (the Dockerfile's and the tests' servers).
# Metrics across workers: prometheus_client multiprocess mode (authfort_django/metrics/gunicorn_hooks.py).
from authfort_django.metrics.gunicorn_hooks import child_exit, on_exit, on_starting  # noqa: F401
