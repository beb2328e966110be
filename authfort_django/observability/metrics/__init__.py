"""Prometheus metrics at /metrics.

    instruments.py     counters and the token-issuing histogram
    receivers.py       move the counters on the auth_event, token_introspected and MFA signals
    collector.py       signing-key gauges and the rotation count, read from the database at scrape
    access.py          who may scrape (AUTHFORT["METRICS_ACCESS"]: off, open, or addresses)
    gunicorn_hooks.py  multiprocess mode: one shared directory, wiped at start, dead workers marked
    unrecorded.py      what instruments.py counts with when the [metrics] extra is not installed

The /metrics endpoint itself is an HTTP view: api/views/metrics.py.

This package's __init__ imports nothing: gunicorn.conf.py imports gunicorn_hooks in
the master, which must set PROMETHEUS_MULTIPROC_DIR before anything imports
prometheus_client (the library picks its value store at import).
"""
