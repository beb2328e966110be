"""Signing-key metrics, computed from the database at scrape time.

Keys are shared by every process and host, so these are not per-process values
to add up: each scrape reads them fresh (one small query over the key table and
one count over the audit log).

    authfort_signing_keys{state}             stored keys per state (pending, active, retired, expired, revoked)
    authfort_signing_key_active_age_seconds  how long the signing key has signed; absent when none signs
    authfort_key_rotation_total              signing keys ever created (the first one and each rotation),
                                             counted from the audit log, so rotations made by cron's
                                             `rotate_keys` on any host count too
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from authfort_django.keys.states import KeyState, key_statuses
from authfort_django.models import AuthEvent

logger = logging.getLogger("authfort.metrics")


class SigningKeyCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        try:
            now = timezone.now()
            statuses = key_statuses(now)  # newest first: the first active key is the one that signs
            created = AuthEvent.objects.filter(type=AuthEvent.Type.KEY_CREATED).count()  # partial index
        except Exception:  # noqa: BLE001 - a scrape must still answer the process metrics
            logger.exception("could not read signing keys for /metrics")
            return
        states = {state: 0 for state in KeyState}
        for _, state in statuses:
            states[state] += 1
        signing_since = next((key.activates_at for key, state in statuses if state is KeyState.ACTIVE), None)
        by_state = GaugeMetricFamily("authfort_signing_keys", "Stored signing keys by state.", labels=["state"])
        for state, count in states.items():
            by_state.add_metric([state.value], count)
        yield by_state
        if signing_since is not None:
            yield GaugeMetricFamily(
                "authfort_signing_key_active_age_seconds",
                "Seconds since the signing key started signing.",
                value=(now - signing_since).total_seconds(),
            )
        yield CounterMetricFamily(
            "authfort_key_rotation",
            "Signing keys created (the first and every rotation), from the audit log.",
            value=created,
        )
