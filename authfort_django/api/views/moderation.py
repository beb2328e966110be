"""Administration over the API: roles, and banning or unbanning users."""

from __future__ import annotations

from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from authfort_django.accounts import moderation, roles
from authfort_django.api import schema, serializers
from authfort_django.api.client import request_context
from authfort_django.api.permissions import IsAuthfortAdmin
from authfort_django.api.views.base import AuthfortAPIView, no_content


@schema.ROLES
class RoleListView(AuthfortAPIView):
    """GET every role; POST `{name, description?}` creates one (201, or 409 role_exists)."""

    permission_classes = [IsAuthfortAdmin]

    def get(self, request: Request) -> Response:
        return Response(serializers.RoleSerializer(roles.list_roles(), many=True).data)

    def post(self, request: Request) -> Response:
        body = serializers.RoleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        role = roles.create_role(**body.validated_data)
        return Response(serializers.RoleSerializer(role).data, status=status.HTTP_201_CREATED)


@schema.USER_ROLE
class UserRoleView(AuthfortAPIView):
    """PUT grants, DELETE revokes a role; both idempotent, 204. 404 for an unknown user or role."""

    permission_classes = [IsAuthfortAdmin]

    def put(self, request: Request, user_id: str, role_name: str) -> Response:
        roles.grant_role(moderation.find_user(user_id), role_name, by=request.user, context=request_context(request))
        return no_content()

    def delete(self, request: Request, user_id: str, role_name: str) -> Response:
        roles.revoke_role(moderation.find_user(user_id), role_name, by=request.user, context=request_context(request))
        return no_content()


@schema.BAN
class BanView(AuthfortAPIView):
    """Deactivate the user and end all their sessions and tokens. 204."""

    permission_classes = [IsAuthfortAdmin]

    def post(self, request: Request, user_id: str) -> Response:
        moderation.ban(moderation.find_user(user_id), by=request.user, context=request_context(request))
        return no_content()


@schema.UNBAN
class UnbanView(AuthfortAPIView):
    """Reactivate the user; they log in again. 204."""

    permission_classes = [IsAuthfortAdmin]

    def post(self, request: Request, user_id: str) -> Response:
        moderation.unban(moderation.find_user(user_id), by=request.user, context=request_context(request))
        return no_content()
