"""Mount with `path("", include("authfort_django.urls"))`: the well-known documents
must sit at the host root. /metrics is here only with the [metrics] extra installed."""

from django.db import transaction
from django.urls import path

from authfort_django import extras
from authfort_django.api.views import (
    accounts,
    clients,
    introspection,
    moderation,
    recovery,
    sessions,
    wellknown,
)

app_name = "authfort"

urlpatterns = [
    path("auth/register", accounts.RegisterView.as_view(), name="register"),
    path("auth/login", accounts.LoginView.as_view(), name="login"),
    # Never wrapped in ATOMIC_REQUESTS: a detected reuse must commit its revocation.
    path("auth/refresh", transaction.non_atomic_requests(sessions.RefreshView.as_view()), name="refresh"),
    path("auth/logout", sessions.LogoutView.as_view(), name="logout"),
    path("auth/logout-all", sessions.LogoutAllView.as_view(), name="logout-all"),
    path("auth/me", accounts.MeView.as_view(), name="me"),
    path("auth/password", accounts.PasswordView.as_view(), name="password"),
    path("auth/sessions", sessions.SessionListView.as_view(), name="sessions"),
    # <str:...>, not <uuid:...>: a malformed id gets our JSON 404, not Django's HTML one.
    path("auth/sessions/<str:session_id>", sessions.SessionDetailView.as_view(), name="session"),
    path("auth/roles", moderation.RoleListView.as_view(), name="roles"),
    path("auth/users/<str:user_id>/roles/<str:role_name>", moderation.UserRoleView.as_view(), name="user-role"),
    path("auth/users/<str:user_id>/ban", moderation.BanView.as_view(), name="ban"),
    path("auth/users/<str:user_id>/unban", moderation.UnbanView.as_view(), name="unban"),
    path("auth/password-reset", recovery.PasswordResetRequestView.as_view(), name="password-reset"),
    path(
        "auth/password-reset/confirm",
        recovery.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("auth/verify-email/request", recovery.VerifyEmailRequestView.as_view(), name="verify-email-request"),
    path("auth/verify-email", recovery.VerifyEmailView.as_view(), name="verify-email"),
    path("auth/introspect", introspection.IntrospectView.as_view(), name="introspect"),
    # Service clients (OAuth 2.0): form-encoded, RFC 6749 errors (api/views/clients.py).
    path("auth/token", clients.token, name="token"),
    path("auth/revoke", clients.revoke, name="revoke"),
    path(".well-known/jwks.json", wellknown.jwks, name="jwks"),
    path(".well-known/oauth-authorization-server", wellknown.metadata, name="metadata"),
    path("health", wellknown.health, name="health"),
]

# The view imports prometheus-client; without it there is nothing to serve, and
# checks.py (authfort.I101/W101) says what to install.
if extras.installed("metrics"):
    from authfort_django.api.views import metrics

    urlpatterns.append(path("metrics", metrics.metrics, name="metrics"))
