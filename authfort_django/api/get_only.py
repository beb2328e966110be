"""The decorator of the plain Django views (JWKS, metadata, health, metrics, docs assets)."""

from __future__ import annotations

from collections.abc import Callable

from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET


def get_only(view: Callable) -> Callable:
    """GET (and HEAD) only. Other methods get require_GET's 405; without csrf_exempt a POST
    would get the CSRF middleware's 403 page first, though these views change nothing."""
    return csrf_exempt(require_GET(view))
