"""The orders example's routes plus /api/whoami-simplejwt (see bench/orders_settings.py)."""

from django.urls import path
from orders_service.urls import urlpatterns as orders_urlpatterns
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
)
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication


@api_view(["GET"])
@authentication_classes([JWTStatelessUserAuthentication])
@permission_classes([IsAuthenticated])
def whoami_simplejwt(request: Request) -> Response:
    """The orders example's whoami, with simplejwt checking the token instead."""
    return Response(dict(request.auth.payload))


urlpatterns = [*orders_urlpatterns, path("api/whoami-simplejwt", whoami_simplejwt)]
