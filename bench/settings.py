"""The reference settings plus a trivial view, so the benchmark compares like with like."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
