"""Optional Django app: `manage.py check` validates the VERIFIER_CLIENT setting.

    INSTALLED_APPS = [..., "verifier_client"]

The adapter works without it (and still refuses unusable settings, on first
use); with it, the same rules run at `manage.py check` and at start-up, with
ids `verifier_client.E001`... listed in `verifier_client.checks`.
"""

from __future__ import annotations

try:
    from django.apps import AppConfig
    from django.core import checks
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        'verifier_client.apps needs Django: pip install "authfort-verifier[drf]"'
    ) from exc

__all__ = ["VerifierClientConfig"]


class VerifierClientConfig(AppConfig):
    """Registers the system checks of the VERIFIER_CLIENT setting; nothing else (no models)."""

    name = "verifier_client"
    verbose_name = "authfort-verifier"

    def ready(self) -> None:
        from .checks import check_settings

        checks.register(check_settings)
