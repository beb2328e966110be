"""The orders API: an authfort consumer in Django REST framework.

Authentication (`JWKSAuthentication`) and the default permission (signed in) come
from `settings.REST_FRAMEWORK`; a view names only what is special about it.
"""

from __future__ import annotations

from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
)
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from verifier_client.drf import IsTokenActive, require_roles

_ORDERS = [
    {"id": 1001, "item": "Mechanical keyboard", "total": "89.00"},
    {"id": 1002, "item": "USB-C cable", "total": "9.50"},
]


@api_view(["GET"])
@authentication_classes([])  # a probe must get its answer whatever header it sends
@permission_classes([AllowAny])
def health(request: Request) -> Response:
    """200 while the process serves; public."""
    return Response({"status": "ok"})


@api_view(["GET"])
def list_orders(request: Request) -> Response:
    """The caller's orders, for any valid token: checked locally, no call to the auth server."""
    user = request.user  # a TokenUser: sub, email and roles straight from the token
    return Response({"sub": user.id, "email": user.email, "orders": _ORDERS})


@api_view(["POST"])
# The role is checked first (local, free); only then is the auth server asked
# whether the token was revoked since it was issued (logout, ban, role change).
@permission_classes([require_roles("support"), IsTokenActive])
def refund(request: Request, order_id: int) -> Response:
    """Refund an order: needs the `support` role and a token the auth server confirms is still active."""
    return Response({"order": order_id, "status": "refunded", "by": request.user.id})
