"""RFC 7662 introspection for resource servers that need a real-time answer."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import AuthenticationFailed, NotFound
from rest_framework.parsers import FormParser
from rest_framework.request import Request
from rest_framework.response import Response

from authfort_django.api import throttling
from authfort_django.api.parsers import JSONParser
from authfort_django.api.openapi_extra import extend_schema
from authfort_django.api.schema_serializers import (
    IntrospectionSerializer,
    IntrospectSerializer,
)
from authfort_django.api.views.base import AuthfortAPIView, no_store
from authfort_django.conf import authfort_settings
from authfort_django.tokens.introspection import caller_is_authorized, introspect


class IntrospectionCallerRejected(AuthenticationFailed):
    default_detail = (
        "Introspection needs 'Authorization: Bearer <secret>' with one of the server's "
        "INTROSPECTION_SECRETS."
    )
    default_code = "invalid_client"


@extend_schema(request=IntrospectSerializer, responses=IntrospectionSerializer, auth=[{"introspectionSecret": []}])
class IntrospectView(AuthfortAPIView):
    """RFC 7662 token introspection.

    For resource servers, which authenticate with a shared secret. Anything short of a
    fully valid, current token is exactly `{"active": false}`. Form-encoded or JSON `token`.
    """

    authentication_classes: list = []
    parser_classes = [FormParser, JSONParser]
    throttle_classes = [throttling.IntrospectThrottle]
    # NotFound: introspection is disabled (no AUTHFORT_INTROSPECTION_SECRETS).
    domain_errors = (IntrospectionCallerRejected, NotFound)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if not authfort_settings.INTROSPECTION_SECRETS:
            raise NotFound("Introspection is disabled: set AUTHFORT_INTROSPECTION_SECRETS to enable it.")
        super().initial(request, *args, **kwargs)  # the throttle counts every attempt, wrong secrets too

    def get_authenticate_header(self, request: Request) -> str:
        # Without a challenge DRF would turn the 401 into a 403.
        return 'Bearer realm="authfort-introspection"'

    def post(self, request: Request) -> Response:
        # Checked here, after the throttle and after DRF has answered 405 to other methods.
        scheme, _, presented = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        secrets = authfort_settings.INTROSPECTION_SECRETS
        if scheme.lower() != "bearer" or not caller_is_authorized(presented.strip(), secrets):
            raise IntrospectionCallerRejected()
        token = request.data.get("token", "") if hasattr(request.data, "get") else ""
        if not isinstance(token, str):
            token = ""
        return no_store(Response(introspect(token)))
