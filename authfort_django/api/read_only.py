"""The decorator of the plain Django views (JWKS, metadata, health, metrics, docs assets)."""

from __future__ import annotations

from collections.abc import Callable

from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe


def read_only(view: Callable) -> Callable:
    """GET and HEAD only (HEAD answers as GET would, without the body); other methods get 405.

    Without csrf_exempt a POST would get the CSRF middleware's HTML 403 first, though
    these views change nothing.
    """
    return csrf_exempt(require_safe(view))
