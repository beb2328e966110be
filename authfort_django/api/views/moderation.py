"""Administration over the API: roles, and banning or unbanning users."""

from __future__ import annotations

from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from authfort_django.accounts import moderation, roles
from authfort_django.accounts.errors import (
    CannotBanYourself,
    RoleExists,
    RoleNotFound,
    StaffTargetNeedsStaff,
    UserNotFound,
)
from authfort_django.api import serializers
from authfort_django.api.client import request_context
from authfort_django.api.openapi_extra import extend_schema
from authfort_django.api.permissions import IsAuthfortAdmin
from authfort_django.api.views.base import AuthfortAPIView, no_content
from authfort_django.tokens.errors import TokenTooLarge


# On the class, by method: a method's own @extend_schema would be built on the
# project's DEFAULT_SCHEMA_CLASS rather than this view's AuthfortAutoSchema.
@extend_schema(methods=["GET"], responses=serializers.RoleSerializer(many=True))
@extend_schema(methods=["POST"], responses={201: serializers.RoleSerializer})
class RoleListView(AuthfortAPIView):
    """The roles: list them, create one. Each method's docstring describes its operation."""

    permission_classes = [IsAuthfortAdmin]
    serializer_class = serializers.RoleSerializer
    domain_errors = {"post": (RoleExists,)}

    def get(self, request: Request) -> Response:
        """List roles."""
        return Response(serializers.RoleSerializer(roles.list_roles(), many=True).data)

    def post(self, request: Request) -> Response:
        """Create a role."""
        data = self.validated_body(request)
        role = roles.create_role(**data)
        return Response(serializers.RoleSerializer(role).data, status=status.HTTP_201_CREATED)


@extend_schema(responses={204: None})
class UserRoleView(AuthfortAPIView):
    """A user's roles: PUT grants one, DELETE takes it away. Each method's docstring describes its operation."""

    permission_classes = [IsAuthfortAdmin]
    # TokenTooLarge: a grant that would push the user's access token over ACCESS_TOKEN_MAX_BYTES.
    domain_errors = (UserNotFound, RoleNotFound, StaffTargetNeedsStaff, TokenTooLarge)

    def put(self, request: Request, user_id: str, role_name: str) -> Response:
        """Grant a role (idempotent)."""
        roles.grant_role(moderation.find_user(user_id), role_name, by=request.user, context=request_context(request))
        return no_content()

    def delete(self, request: Request, user_id: str, role_name: str) -> Response:
        """Take a role away (idempotent)."""
        roles.revoke_role(moderation.find_user(user_id), role_name, by=request.user, context=request_context(request))
        return no_content()


@extend_schema(responses={204: None})
class BanView(AuthfortAPIView):
    """Ban a user: deactivate and end every session and token."""

    permission_classes = [IsAuthfortAdmin]
    domain_errors = (UserNotFound, CannotBanYourself, StaffTargetNeedsStaff)

    def post(self, request: Request, user_id: str) -> Response:
        moderation.ban(moderation.find_user(user_id), by=request.user, context=request_context(request))
        return no_content()


@extend_schema(responses={204: None})
class UnbanView(AuthfortAPIView):
    """Reactivate a banned user.

    Their old sessions stay ended: they log in again.
    """

    permission_classes = [IsAuthfortAdmin]
    domain_errors = (UserNotFound, StaffTargetNeedsStaff)

    def post(self, request: Request, user_id: str) -> Response:
        moderation.unban(moderation.find_user(user_id), by=request.user, context=request_context(request))
        return no_content()
