"""Django admin: accounts (roles, verification) and roles editable, the bundled user model
when the project uses it; signing keys and audit events read-only.

The default `admin.site`'s sign-in page is guarded here (api/admin_login.py): it meets
the throttles and audit events of POST /auth/login.

The SigningKey admin never selects or renders `private_key`: it is excluded from
every form, list and query of that admin.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from authfort_django.accounts.roles import ensure_token_fits
from authfort_django.api.admin_login import guard_admin_site
from authfort_django.keys.states import key_state
from authfort_django.models import Account, AuthEvent, Role, SigningKey, User
from authfort_django.tokens.errors import TokenTooLarge

guard_admin_site(admin.site)


class AccountForm(forms.ModelForm):
    """An account's roles as the admin edits them: refused, as the API refuses a grant, when
    they would push the user's access token over AUTHFORT_ACCESS_TOKEN_MAX_BYTES."""

    class Meta:
        model = Account
        fields = "__all__"

    def clean_roles(self) -> Any:
        chosen = self.cleaned_data["roles"]
        if self.instance.pk is not None and "roles" in self.changed_data:
            try:
                ensure_token_fits(self.instance.user, [role.name for role in chosen])
            except TokenTooLarge as refused:
                raise forms.ValidationError(refused.detail, code=refused.code) from None
        return chosen


class AccountInline(admin.StackedInline):
    """authfort's state of the user, on the bundled user's page."""

    model = Account
    form = AccountForm
    can_delete = False
    fields = ("sub", "email", "email_verified_at", "roles", "token_version")
    readonly_fields = ("sub", "email", "token_version")
    filter_horizontal = ("roles",)


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    """Roles and verification of any project's users (whatever AUTH_USER_MODEL is).

    Changing roles here bumps the token version and writes the audit events through the
    same receiver as the API (accounts/credentials.py).
    """

    form = AccountForm
    list_display = ("email", "user", "sub", "email_verified_at", "token_version")
    list_select_related = ("user",)
    list_filter = ("roles",)
    search_fields = ("email", "sub")
    fields = ("user", "sub", "email", "email_verified_at", "roles", "token_version")
    readonly_fields = ("user", "sub", "email", "token_version")
    filter_horizontal = ("roles",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # every user gets one when it is saved


if not User._meta.swapped:

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
        inlines = (AccountInline,)

        def get_inline_instances(self, request: HttpRequest, obj: Any = None) -> list[Any]:
            # A new user's Account is created by the credential receiver when it is saved.
            return super().get_inline_instances(request, obj) if obj is not None else []
        list_display = ("email", "name", "is_active", "is_staff", "date_joined")
        list_filter = ("is_active", "is_staff", "is_superuser", "authfort_account__roles")
        search_fields = ("email", "name")
        ordering = ("email",)
        filter_horizontal = ("groups", "user_permissions")
        readonly_fields = ("last_login", "date_joined")
        fieldsets = (
            (None, {"fields": ("email", "password")}),
            ("Profile", {"fields": ("name",)}),
            (
                "Permissions",
                {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
            ),
            ("Dates", {"fields": ("last_login", "date_joined")}),
        )
        add_fieldsets = (
            (None, {"classes": ("wide",), "fields": ("email", "name", "usable_password", "password1", "password2")}),
        )


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("name", "description", "user_count")
    search_fields = ("name", "description")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Role]:
        return super().get_queryset(request).annotate(_user_count=Count("accounts"))

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
    search_fields = ("ip_address",)
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    fields = ("created_at", "type", "user", "session", "ip_address", "user_agent", "detail")
    readonly_fields = fields
