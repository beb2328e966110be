"""The orders API: an authfort consumer in Django REST framework.

Authentication (`JWKSAuthentication`) and the default permission (signed in) come
from `settings.REST_FRAMEWORK`; a view names only what is special about it. The
orders are demo data held in code: the point of this example is the auth wiring,
and no endpoint touches a database.
"""

from __future__ import annotations

import functools
import json
import logging

import requests
from django.conf import settings
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from verifier_client import ClientCredentials, ClientCredentialsError
from verifier_client.drf import (
    IsAuthenticated,
    IsTokenActive,
    UserJWKSAuthentication,
    require_mfa,
    require_roles,
    require_scopes,
)

logger = logging.getLogger("orders")

_ORDERS = {
    1001: {"id": 1001, "item": "Mechanical keyboard", "total": "89.00"},
    1002: {"id": 1002, "item": "USB-C cable", "total": "9.50"},
}


def _order(order_id: int) -> dict:
    try:
        return _ORDERS[order_id]
    except KeyError:
        raise NotFound(f"There is no order {order_id}; GET /api/orders lists yours.") from None


@api_view(["GET"])
@authentication_classes([])  # a probe gets its answer whatever header it sends
@permission_classes([AllowAny])
def ping(request: Request) -> Response:
    """200 while the process serves; public, no token read, no database."""
    return Response({"status": "ok"})


@api_view(["GET"])
def whoami(request: Request) -> Response:
    """The claims of the caller's token, verified locally (no call to the auth server)."""
    return Response(dict(request.auth.raw))


@api_view(["GET"])
# A person's orders: a service's client-credentials token is refused (403 user_token_required).
@authentication_classes([UserJWKSAuthentication])
def list_orders(request: Request) -> Response:
    """The caller's orders, for any valid user token: checked locally, no call to the auth server."""
    return Response({"user": request.user.id, "orders": list(_ORDERS.values())})


@api_view(["GET"])
@permission_classes([require_scopes("orders:read")])
def export_orders(request: Request) -> Response:
    """Every order, for services granted `orders:read` (reporting, reconciliation):
    403 insufficient_scope for any token without that scope."""
    return Response({"orders": list(_ORDERS.values()), "for": request.user.id})


@api_view(["DELETE"])
@permission_classes([require_roles("admin")])
def delete_order(request: Request, order_id: int) -> Response:
    """Delete an order: tokens with the `admin` role only (403 otherwise)."""
    _order(order_id)
    return Response(status=204)


@api_view(["POST"])
# Cheapest check first. IsAuthenticated and the step-up requirement (RFC 9470) read only
# the token: it must say the user passed a second factor in the last 10 minutes (`amr`,
# `auth_time`), else a 401 with `WWW-Authenticate: Bearer
# error="insufficient_user_authentication", max_age="600"`, and the client calls
# POST /auth/step-up at the auth server and retries. Only then is the auth server asked
# whether the token was revoked since it was issued (logout, ban, password change).
@permission_classes([IsAuthenticated, require_mfa(max_age=600), IsTokenActive])
def refund(request: Request, order_id: int) -> Response:
    """Refund an order: multi-factor authentication no older than 10 minutes, and the auth
    server must confirm, live, that the token is still active.

    Then the customer is told, by a call to the notifications service made as this
    service (its own client-credentials token, scope notifications:write), not with
    the user's token: `notified` says whether that worked.
    """
    order = _order(order_id)["id"]
    return Response({"order": order, "status": "refunded", "by": request.user.id, "notified": _notify(order)})


@functools.cache
def _service_tokens() -> ClientCredentials:
    """One token source per process: it fetches a token once and reuses it until shortly
    before it expires, for every request and thread."""
    notify = settings.NOTIFY
    client_id, client_secret = notify["CLIENT_ID"], notify["CLIENT_SECRET"]
    if notify["CLIENT_FILE"]:  # what `manage.py create_client ... --json` wrote
        with open(notify["CLIENT_FILE"], encoding="utf-8") as file:
            created = json.load(file)
        client_id, client_secret = created["client_id"], created["client_secret"]
    return ClientCredentials(
        notify["TOKEN_URL"], client_id, client_secret,
        scope="notifications:write", allow_insecure_http=settings.VERIFIER_CLIENT["ALLOW_INSECURE_HTTP"],
    )


def _notify(order: int) -> bool:
    if settings.NOTIFY is None:
        return False
    try:
        answer = requests.post(
            f"{settings.NOTIFY['URL']}/api/notifications",
            json={"text": f"Your order {order} was refunded."},
            auth=_service_tokens(),
            timeout=5,
        )
    except (requests.RequestException, ClientCredentialsError, OSError, ValueError, KeyError) as exc:
        logger.warning("Could not notify about the refund of order %s: %s", order, exc)
        return False
    if answer.status_code != 202:
        logger.warning("The notifications service answered %s to the refund of order %s", answer.status_code, order)
    return answer.status_code == 202

