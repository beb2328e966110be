"""Reading a /metrics answer: `samples(text)["authfort_login_total"][("success",)] == 3.0`."""

from __future__ import annotations

from collections import defaultdict

from prometheus_client.parser import text_string_to_metric_families


def samples(text: str) -> dict[str, dict[tuple[str, ...], float]]:
    """Every sample by name, then by its label values (sorted by label name)."""
    found: dict[str, dict[tuple[str, ...], float]] = defaultdict(dict)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = tuple(value for _, value in sorted(sample.labels.items()))
            found[sample.name][labels] = sample.value
    return found
