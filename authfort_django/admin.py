"""Django admin: accounts (roles, verification) and roles editable, the bundled user model
when the project uses it; signing keys and audit events read-only; service clients
(their secrets shown once, on a page of their own: see ClientAdmin).

Accounts (and the bundled users) have the action "Reset MFA": every factor and recovery
code removed, every session ended, an `mfa_reset` AuthEvent naming the admin.

The default `admin.site`'s sign-in page is guarded here (api/admin_login.py): it meets
the throttles and audit events of POST /auth/login.

The SigningKey admin never selects or renders `private_key`: it is excluded from
every form, list and query of that admin.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from authfort_django.accounts.roles import ensure_token_fits
from authfort_django.api.admin_login import guard_admin_site
from authfort_django.api.client import request_context
from authfort_django.clients.registry import (
    InvalidClientSettings,
    check_settings,
    create_client,
    disable_client,
    rotate_secret,
)
from authfort_django.keys.states import key_state
from authfort_django.mfa.state import reset_mfa
from authfort_django.models import Account, AuthEvent, Client, Role, SigningKey, User
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


def reset_mfa_of_users(modeladmin: admin.ModelAdmin, request: HttpRequest, users: list[Any]) -> None:
    """The admin action's work: mfa.state.reset_mfa for each user, by the signed-in admin.

    Only a superuser resets a superuser's MFA: staff who may change accounts must not be
    able to strip the strongest accounts of their second factor.
    """
    context = request_context(request)
    done, refused = [], []
    for user in users:
        if user.is_superuser and not request.user.is_superuser:
            refused.append(str(user))
            continue
        reset_mfa(user, by=request.user, context=context)
        done.append(str(user))
    if done:
        modeladmin.message_user(
            request,
            f"Reset the MFA of {len(done)} user(s): their authenticator apps, passkeys and recovery codes are "
            f"removed and every session and token has ended ({', '.join(done)}).",
            level=messages.SUCCESS,
        )
    if refused:
        modeladmin.message_user(
            request,
            f"Not reset: only a superuser may reset a superuser's MFA ({', '.join(refused)}).",
            level=messages.ERROR,
        )


_RESET_MFA_DESCRIPTION = "Reset MFA of selected users (removes every factor, ends every session)"


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
    actions = ("reset_mfa_of_selected",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # every user gets one when it is saved

    @admin.action(description=_RESET_MFA_DESCRIPTION, permissions=["change"])
    def reset_mfa_of_selected(self, request: HttpRequest, queryset: QuerySet[Account]) -> None:
        reset_mfa_of_users(self, request, [account.user for account in queryset.select_related("user")])


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
        actions = ("reset_mfa_of_selected",)

        @admin.action(description=_RESET_MFA_DESCRIPTION, permissions=["change"])
        def reset_mfa_of_selected(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
            reset_mfa_of_users(self, request, list(queryset))

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


# -- service clients --------------------------------------------------------------------


class ClientForm(forms.ModelForm):
    """Scopes and audiences as space-separated text, checked by the same rules as the commands."""

    scopes = forms.CharField(required=False, help_text="Space-separated, e.g. orders:read notifications:write.")
    audiences = forms.CharField(
        required=False, help_text="Space-separated; empty: the server's AUTHFORT_AUDIENCE."
    )
    jwks_uri = forms.URLField(required=False, assume_scheme="https", max_length=2048)

    class Meta:
        model = Client
        fields = ("name", "scopes", "audiences", "token_ttl", "can_request_tokens", "can_introspect", "jwks", "jwks_uri")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["scopes"] = " ".join(self.instance.scopes or [])
            self.initial["audiences"] = " ".join(self.instance.audiences or [])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            data["scopes"], data["audiences"] = check_settings(
                name=data.get("name") or "",
                scopes=(data.get("scopes") or "").split(),
                audiences=(data.get("audiences") or "").split(),
                token_ttl=data.get("token_ttl"),
                jwks=data.get("jwks"),
                jwks_uri=data.get("jwks_uri") or "",
            )
        except InvalidClientSettings as exc:
            raise forms.ValidationError(str(exc)) from None
        return data


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    """Creating a client shows its secret once, on a page that is rendered and forgotten
    (never a message: those may sit in a cookie). Disabling and rotating go through the
    registry, so they are audited like the commands; `is_active` is not edited directly."""

    form = ClientForm
    list_display = ("name", "client_id", "is_active", "scope_list", "created_at", "last_used_at")
    list_filter = ("is_active", "can_introspect")
    search_fields = ("name", "client_id")
    readonly_fields = ("client_id", "is_active", "created_at", "last_used_at", "disabled_at")
    actions = ("disable_selected", "rotate_secret_of_selected")

    @admin.display(description="scopes")
    def scope_list(self, client: Client) -> str:
        return " ".join(client.scopes or [])

    def save_model(self, request: HttpRequest, obj: Client, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        created = create_client(
            data["name"], scopes=data["scopes"], audiences=data["audiences"], token_ttl=data.get("token_ttl"),
            jwks=data.get("jwks"), jwks_uri=data.get("jwks_uri") or "",
            can_request_tokens=data["can_request_tokens"], can_introspect=data["can_introspect"],
            context=request_context(request),
        )
        obj.pk, obj.client_id, obj.created_at = created.client.pk, created.client.client_id, created.client.created_at
        obj._state.adding = False
        request._authfort_new_secret = created.secret  # type: ignore[attr-defined]

    def response_add(self, request: HttpRequest, obj: Client, post_url_continue: Any = None) -> Any:
        secret = getattr(request, "_authfort_new_secret", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        return self._secret_page(request, obj, secret)

    def _secret_page(self, request: HttpRequest, client: Client, secret: str) -> Any:
        response = TemplateResponse(
            request,
            "admin/authfort_django/client/secret.html",
            {
                **self.admin_site.each_context(request),
                "client": client,
                "secret": secret,
                "change_url": reverse("admin:authfort_django_client_change", args=[client.pk]),
                "title": "Client secret",
            },
        )
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Disable selected clients (their tokens turn inactive at introspection)")
    def disable_selected(self, request: HttpRequest, queryset: QuerySet[Client]) -> None:
        disabled = sum(disable_client(client, context=request_context(request)) for client in queryset)
        self.message_user(request, f"Disabled {disabled} client(s).")

    @admin.action(description="Rotate the secret of the selected client (old ones end in a day)")
    def rotate_secret_of_selected(self, request: HttpRequest, queryset: QuerySet[Client]) -> Any:
        clients = list(queryset[:2])
        if len(clients) != 1:
            self.message_user(request, "Select exactly one client to rotate its secret.", level="error")
            return None
        secret = rotate_secret(clients[0], context=request_context(request))
        return self._secret_page(request, clients[0], secret)
