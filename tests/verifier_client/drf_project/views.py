"""Views of the DRF consumer project, one per thing the tests pin."""

from __future__ import annotations

from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView
from verifier_client import drf as verifier_drf
from verifier_client.drf import HasRole, IsTokenActive, require_roles


class _ConsumerView(APIView):
    """Reads DEFAULT_AUTHENTICATION_CLASSES per request.

    APIView copies the setting into a class attribute at import time, which would
    pin whatever settings the first test to import this module had.
    """

    permission_classes = [IsAuthenticated]

    def get_authenticators(self):
        return [auth() for auth in api_settings.DEFAULT_AUTHENTICATION_CLASSES]

    def get(self, request):
        return Response(_describe(request))

    def post(self, request):
        return Response(_describe(request))


def _describe(request) -> dict:
    user = request.user
    return {
        "user_class": type(user).__name__,
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "roles": list(user.roles),
        "auth_class": type(request.auth).__name__,
        "sub": request.auth.sub,
    }


class WhoAmI(_ConsumerView):
    pass


class Public(_ConsumerView):
    permission_classes = []

    def get(self, request):
        return Response({"authenticated": bool(request.user and request.user.is_authenticated)})


class AdminOnly(_ConsumerView):
    permission_classes = [HasRole]
    required_roles = ("admin",)


class EditorsOrAdmins(_ConsumerView):
    permission_classes = [require_roles("editor", "admin")]


class NoRolesNamed(_ConsumerView):
    permission_classes = [HasRole]


class Sensitive(_ConsumerView):
    permission_classes = [IsAuthenticated, IsTokenActive]


class SignedIn(_ConsumerView):
    permission_classes = [verifier_drf.IsAuthenticated]


class LiveOnly(_ConsumerView):
    permission_classes = [IsTokenActive]


class _HeaderUser:
    is_authenticated = True


class _HeaderAuthentication:
    """Another scheme's authenticator: admits whoever sends X-Test-User."""

    def authenticate(self, request):
        return (_HeaderUser(), None) if request.headers.get("X-Test-User") else None

    def authenticate_header(self, request):
        return None


class LiveOtherAuth(_ConsumerView):
    permission_classes = [IsTokenActive]

    def get_authenticators(self):
        return [_HeaderAuthentication()]


class NotificationsWriters(_ConsumerView):
    permission_classes = [verifier_drf.require_scopes("notifications:write")]


class UsersOnly(_ConsumerView):
    def get_authenticators(self):
        return [verifier_drf.UserJWKSAuthentication()]
