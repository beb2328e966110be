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

from ..key_store import KeyState, key_state
from ..models import AuthEvent, SigningKey

logger = logging.getLogger("authfort.metrics")


class SigningKeyCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        try:
            now = timezone.now()
            keys = list(SigningKey.objects.only("kid", "activates_at", "retires_at", "expires_at", "revoked_at"))
            created = AuthEvent.objects.filter(type=AuthEvent.Type.KEY_CREATED).count()
        except Exception:  # noqa: BLE001 - a scrape must still answer the process metrics
            logger.exception("could not read signing keys for /metrics")
            return
        states = {state: 0 for state in KeyState}
        signing_since = None
        for key in keys:
            state = key_state(key, now)
            states[state] += 1
            # The latest activates_at among active keys signs (as in the key store).
            if state is KeyState.ACTIVE and (signing_since is None or key.activates_at > signing_since):
                signing_since = key.activates_at
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
