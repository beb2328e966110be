"""Gunicorn server hooks for correct metrics across workers (prometheus_client multiprocess mode).

    # gunicorn.conf.py
    from authfort_django.metrics.gunicorn_hooks import on_exit, on_starting  # noqa: F401

- on_starting (master, once): use PROMETHEUS_MULTIPROC_DIR, emptied, or a fresh
  private temporary directory when it is unset; workers inherit the variable.
(No child_exit/mark_process_dead: it only drops per-process "live" gauges, and there
are none; the gauges are read from the database at scrape time. A dead worker's
counters must keep counting, and do.)
- on_exit: a temporary directory made by on_starting is removed.

Imports nothing from prometheus_client or Django at module level: the master
must set the directory before the library is imported anywhere.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

ENV = "PROMETHEUS_MULTIPROC_DIR"
_CREATED_MARK = "AUTHFORT_METRICS_DIR_CREATED"


def prepare_directory() -> Path:
    """The multiprocess directory, empty: counters start from zero with the server."""
    configured = os.environ.get(ENV)
    if not configured:
        path = Path(tempfile.mkdtemp(prefix="authfort-metrics-"))
        os.environ[ENV] = str(path)
        os.environ[_CREATED_MARK] = str(path)
        return path
    path = Path(configured)
    path.mkdir(parents=True, exist_ok=True)
    # Only the value files prometheus_client writes: never anything else an operator keeps there.
    for stale in path.glob("*.db"):
        stale.unlink()
    return path


def on_starting(server: Any) -> None:
    path = prepare_directory()
    server.log.info("metrics: multiprocess directory %s", path)


def on_exit(server: Any) -> None:
    created = os.environ.get(_CREATED_MARK)
    if created and created == os.environ.get(ENV):
        shutil.rmtree(created, ignore_errors=True)
