"""The orders API: an authfort consumer in Django REST framework.

Authentication (`JWKSAuthentication`) and the default permission (signed in) come
from `settings.REST_FRAMEWORK`; a view names only what is special about it. The
orders are demo data held in code: the point of this example is the auth wiring,
and no endpoint touches a database.
"""

from __future__ import annotations

from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from verifier_client.drf import IsAuthenticated, IsTokenActive, require_mfa, require_roles

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
def list_orders(request: Request) -> Response:
    """The caller's orders, for any valid token: checked locally, no call to the auth server."""
    return Response({"user": request.user.id, "orders": list(_ORDERS.values())})


@api_view(["DELETE"])
@permission_classes([require_roles("admin")])
def delete_order(request: Request, order_id: int) -> Response:
    """Delete an order: tokens with the `admin` role only (403 otherwise)."""
    _order(order_id)
    return Response(status=204)


@api_view(["POST"])
# IsAuthenticated first (local, free); only then is the auth server asked whether
# the token was revoked since it was issued (logout, ban, password change).
@permission_classes([IsAuthenticated, IsTokenActive])
def refund(request: Request, order_id: int) -> Response:
    """Refund an order: the auth server must confirm, live, that the token is still active."""
    return Response({"order": _order(order_id)["id"], "status": "refunded", "by": request.user.id})


@api_view(["POST"])
# Step-up (RFC 9470): the token must say the user passed a second factor in the last
# 10 minutes (`amr`, `auth_time`, checked locally). Otherwise a 401 with
# `WWW-Authenticate: Bearer error="insufficient_user_authentication", max_age="600"`:
# the client calls POST /auth/step-up at the auth server and retries.
@permission_classes([IsAuthenticated, require_mfa(max_age=600), IsTokenActive])
def payout(request: Request, order_id: int) -> Response:
    """Pay an order's refund out to a new account: multi-factor authentication no older than 10 minutes."""
    return Response({"order": _order(order_id)["id"], "status": "paid_out", "by": request.user.id,
                     "amr": list(request.auth.amr)})
