"""Django admin: users and roles editable; signing keys and audit events read-only.

The SigningKey admin never selects or renders `private_key`: it is excluded from
every form, list and query of that admin.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Count, F, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from authfort_django.keys.states import key_state
from authfort_django.models import AuthEvent, Role, SigningKey, User


class UserCreationForm(AdminUserCreationForm):
    """Django's admin creation form (password twice, validators run) for email login."""

    class Meta:
        model = User
        fields = ("email",)


class UserChangeFormByEmail(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeFormByEmail
    add_form = UserCreationForm
    list_display = ("email", "name", "is_active", "is_staff", "date_joined")
    list_filter = ("is_active", "is_staff", "is_superuser", "roles")
    search_fields = ("email", "name")
    ordering = ("email",)
    filter_horizontal = ("roles", "groups", "user_permissions")
    readonly_fields = ("token_version", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("name", "email_verified_at")}),
        ("Roles (the roles claim of access tokens)", {"fields": ("roles",)}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Tokens and dates", {"fields": ("token_version", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "name", "usable_password", "password1", "password2")}),
    )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Bump token_version when roles change, so tokens with the old roles stop passing `ver` checks."""
        user = form.instance
        before = set(user.roles.values_list("pk", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        if change and set(user.roles.values_list("pk", flat=True)) != before:
            User.objects.filter(pk=user.pk).update(token_version=F("token_version") + 1)


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("name", "description", "user_count")
    search_fields = ("name", "description")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Role]:
        return super().get_queryset(request).annotate(_user_count=Count("users"))

    @admin.display(description="users", ordering="_user_count")
    def user_count(self, role: Role) -> int:
        return role._user_count  # type: ignore[attr-defined]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by staff with the view permission; nobody adds, changes or deletes here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyAdmin):
    """Keys change only through `manage.py rotate_keys`, which keeps the lifecycle rules."""

    list_display = ("kid", "algorithm", "state", "activates_at", "retires_at", "expires_at", "revoked_at")
    list_filter = ("algorithm",)
    search_fields = ("kid",)
    fields = ("kid", "algorithm", "state", "public_jwk", "created_at", "activates_at", "retires_at", "expires_at", "revoked_at")
    readonly_fields = fields
    exclude = ("private_key",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[SigningKey]:
        # Not even loaded into memory for rendering.
        return super().get_queryset(request).defer("private_key")

    @admin.display(description="state")
    def state(self, key: SigningKey) -> str:
        return key_state(key, timezone.now()).value


@admin.register(AuthEvent)
class AuthEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "type", "user", "ip_address")
    list_filter = ("type",)
    search_fields = ("user__email", "ip_address")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    fields = ("created_at", "type", "user", "session", "ip_address", "user_agent", "detail")
    readonly_fields = fields
