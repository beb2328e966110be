"""RFC 7662 introspection for resource servers that need a real-time answer."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import AuthenticationFailed, NotFound, PermissionDenied
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
from authfort_django.api.client import request_context
from authfort_django.api.oauth_requests import OAuthForm
from authfort_django.api.views.base import AuthfortAPIView, no_store
from authfort_django.api.views.clients import authenticate
from authfort_django.api.views.wellknown import clients_may_introspect
from authfort_django.clients.errors import OAuthError
from authfort_django.conf import authfort_settings
from authfort_django.models import Client
from authfort_django.tokens.introspection import caller_is_authorized, introspect


class IntrospectionCallerRejected(AuthenticationFailed):
    default_detail = (
        "Introspection needs 'Authorization: Bearer <secret>' with one of the server's "
        "INTROSPECTION_SECRETS, or the credentials of a client allowed to introspect "
        "(HTTP Basic client_id:client_secret, client_secret in the form, or a client_assertion)."
    )
    default_code = "invalid_client"


class IntrospectionNotAllowed(PermissionDenied):
    default_detail = (
        "This client may not introspect tokens. An administrator can allow it "
        "(the client's can_introspect, or create_client --introspect)."
    )
    default_code = "introspection_not_allowed"


def _form_of(data: Any) -> OAuthForm:
    """request.data (a form's QueryDict or a JSON object) as the OAuth parameters."""
    if hasattr(data, "lists"):
        return OAuthForm({name: [v for v in values if isinstance(v, str)] for name, values in data.lists()})
    if isinstance(data, dict):
        return OAuthForm({name: [value] for name, value in data.items() if isinstance(value, str) and value})
    return OAuthForm({})


@extend_schema(request=IntrospectSerializer, responses=IntrospectionSerializer, auth=[{"introspectionSecret": []}])
class IntrospectView(AuthfortAPIView):
    """RFC 7662 token introspection.

    For resource servers, which authenticate with a shared secret (`Bearer`) or as a
    client allowed to introspect (RFC 7662 §2.1: HTTP Basic, `client_secret` in the
    body, or a `private_key_jwt` assertion). Anything short of a fully valid, current
    token (a user's or a client's) is exactly `{"active": false}`. Form-encoded or JSON `token`.
    """

    authentication_classes: list = []
    parser_classes = [FormParser, JSONParser]
    throttle_classes = [throttling.IntrospectThrottle]
    # NotFound: introspection is disabled (no AUTHFORT_INTROSPECTION_SECRETS).
    domain_errors = (IntrospectionCallerRejected, IntrospectionNotAllowed, NotFound)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # The shared secrets first: the hot path of resource servers makes no extra query.
        if not authfort_settings.INTROSPECTION_SECRETS and not clients_may_introspect():
            raise NotFound(
                "Introspection is disabled: set AUTHFORT_INTROSPECTION_SECRETS, or allow a client "
                "to introspect (create_client --introspect), to enable it."
            )
        super().initial(request, *args, **kwargs)  # the throttle counts every attempt, wrong secrets too

    def get_authenticate_header(self, request: Request) -> str:
        # Without a challenge DRF would turn the 401 into a 403.
        return 'Bearer realm="authfort-introspection", Basic realm="authfort"'

    def post(self, request: Request) -> Response:
        # Checked here, after the throttle and after DRF has answered 405 to other methods.
        scheme, _, presented = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() == "bearer":
            secrets = authfort_settings.INTROSPECTION_SECRETS
            if not caller_is_authorized(presented.strip(), secrets):
                raise IntrospectionCallerRejected()
        else:
            client = self._client(request)
            if not client.can_introspect:
                raise IntrospectionNotAllowed()
        token = request.data.get("token", "") if hasattr(request.data, "get") else ""
        if not isinstance(token, str):
            token = ""
        return no_store(Response(introspect(token)))

    def _client(self, request: Request) -> Client:
        """The client the request authenticates as; 401 for none or a refused one (audited)."""
        try:
            client = authenticate(request, _form_of(request.data), request_context(request), "authfort:introspect")
        except OAuthError as error:
            raise IntrospectionCallerRejected(error.detail) from None
        assert client is not None
        return client
