"""What every authfort view shares: the base class and the shapes of token and empty answers."""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from authfort_django.api import cookies, serializers
from authfort_django.api.delivery import Delivery, server_default
from authfort_django.api.authentication import AccessTokenAuthentication
from authfort_django.api.errors import authfort_exception_handler
from authfort_django.api.permissions import StaffMFASetup
from authfort_django.api.mfa_serializers import mfa_required_body
from authfort_django.api.parsers import JSONParser
from authfort_django.api.openapi_extra import INSTALLED as OPENAPI_INSTALLED
from authfort_django.accounts.login import MFARequired
from authfort_django.tokens.pairs import TokenPair

if OPENAPI_INSTALLED:
    from authfort_django.api.openapi import AuthfortAutoSchema as ViewSchema
else:  # no schema to describe the views in: DRF's default, which reads DEFAULT_SCHEMA_CLASS
    from rest_framework.schemas import DefaultSchema as ViewSchema


class AuthfortAPIView(APIView):
    """Base: our authentication, JSON in and out, and our error shape — whatever the
    project's REST_FRAMEWORK defaults are."""

    authentication_classes = [AccessTokenAuthentication]
    # JSON only: a cross-site HTML form cannot send it without a CORS preflight.
    # Ours: nesting deeper than parsers.MAX_DEPTH is a 400, not a RecursionError.
    parser_classes = [JSONParser]
    permission_classes: list = []
    throttle_classes: list = []
    # REQUIRE_MFA_FOR_STAFF: True on the few views a staff user without a second factor
    # may still reach (setting one up, /auth/me, logout); see permissions.StaffMFASetup.
    allowed_before_mfa_setup = False
    # Its OpenAPI description is read from these attributes, its docstring and its
    # domain_errors, whatever the project's DEFAULT_SCHEMA_CLASS (with the [openapi] extra).
    schema = ViewSchema()

    def get_permissions(self) -> list[Any]:
        # The staff MFA policy first, whatever the view's own permission_classes say.
        return [StaffMFASetup(), *super().get_permissions()]

    def get_exception_handler(self) -> Any:
        return authfort_exception_handler

    def validated_body(self, request: Request, **context: Any) -> dict[str, Any]:
        """The request body checked by the view's `serializer_class` (400 invalid_request otherwise).

        The one serializer a view declares is both what the schema documents and what
        runs, so the two cannot drift apart.
        """
        body = self.serializer_class(data=request.data, context=context)
        body.is_valid(raise_exception=True)
        return body.validated_data


def no_store(response: Response) -> Response:
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def token_answer(
    pair: TokenPair, *, status_code: int = 200, delivery: Delivery | None = None
) -> Response:
    """A token answer, never cached: cookies and a token-free body, or the tokens in the body
    (api/delivery.py decides which; without a decision, the server's default)."""
    delivery = delivery or server_default()
    in_cookies = delivery is Delivery.COOKIE
    response = Response(serializers.token_response(pair, in_body=not in_cookies), status=status_code)
    if in_cookies:
        cookies.set_token_cookies(response, pair)
    return no_store(response)


def sign_in_answer(result: TokenPair | MFARequired, *, delivery: Delivery | None = None, status_code: int = 200) -> Response:
    """The answer to a first factor: the token answer, or 200 `{mfa_required, mfa_token,
    methods}` without tokens when the user has a second factor (POST /auth/login/mfa)."""
    if isinstance(result, MFARequired):
        return no_store(Response(mfa_required_body(result)))
    return token_answer(result, status_code=status_code, delivery=delivery)


def mail_requested(detail: str) -> Response:
    """The 202 a mail request always gets (reset, verification, magic link, email code),
    whoever has an account: the same body either way."""
    return no_store(Response({"detail": detail}, status=status.HTTP_202_ACCEPTED))


def no_content(*, clear_cookies: bool = False) -> Response:
    response = Response(status=status.HTTP_204_NO_CONTENT)
    if clear_cookies:
        cookies.clear_token_cookies(response)
    return no_store(response)


def has_authorization_header(request: Request) -> bool:
    return bool(request.META.get("HTTP_AUTHORIZATION"))
