"""GET /metrics: the Prometheus text format, for the addresses METRICS_ACCESS allows."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from authfort_django.api.client import client_address
from authfort_django.api.read_only import read_only
from authfort_django.conf import authfort_settings
from authfort_django.observability.metrics import access
from authfort_django.observability.metrics.collector import SigningKeyCollector


class _Scrape:
    """What one scrape reports: the process metrics (every worker's, in multiprocess mode) and the keys."""

    def __init__(self, sources: Iterable[Any]) -> None:
        self._sources = sources

    def collect(self) -> Iterator[Any]:
        for source in self._sources:
            yield from source.collect()


def _sources() -> list[Any]:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    # MultiProcessCollector sums the value files every worker writes; the default
    # registry alone would only show the worker that happens to answer.
    process_metrics = MultiProcessCollector(None, path=directory) if directory else REGISTRY
    return [process_metrics, SigningKeyCollector()]


@read_only
def metrics(request: HttpRequest) -> HttpResponse:
    policy = access.parse(authfort_settings.METRICS_ACCESS)
    if policy == access.OFF:
        raise Http404("Metrics are off (AUTHFORT_METRICS_ACCESS=off).")
    if not access.allows(policy, client_address(request)):
        response = JsonResponse(
            {
                "detail": "Your address may not read /metrics. Add it (or its network) to "
                "AUTHFORT_METRICS_ACCESS, e.g. 10.0.0.0/8, or scrape from the server's host.",
                "code": "metrics_forbidden",
            },
            status=403,
        )
    else:
        response = HttpResponse(generate_latest(_Scrape(_sources())), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
