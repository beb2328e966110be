"""Deprecated path (0.2): use authfort_django.observability.metrics.gunicorn_hooks; removed in 0.4.

No warning is raised here: gunicorn.conf.py files import this in the master, before
logging is set up, and the names are the same.
"""

from authfort_django.observability.metrics.gunicorn_hooks import (
    on_exit,
    on_starting,
    prepare_directory,
)

__all__ = ["on_exit", "on_starting", "prepare_directory"]
