"""Fixtures of the end-to-end tests."""

from __future__ import annotations

import logging

import pytest


@pytest.fixture(autouse=True)
def _quiet_http_client_log():
    """The loads send thousands of requests; urllib3's per-request DEBUG line would
    only fill the suite's log recorder (tests/log_guard.py) and the terminal."""
    logger = logging.getLogger("urllib3")
    previous = logger.level
    logger.setLevel(logging.INFO)
    yield
    logger.setLevel(previous)
