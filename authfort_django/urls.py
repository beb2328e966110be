"""Mount with `path("", include("authfort_django.urls"))`: the well-known documents
must sit at the host root."""

from django.db import transaction
from django.urls import path

from .api import recovery_views, views, wellknown
from .metrics import views as metrics_views

app_name = "authfort"

urlpatterns = [
    path("auth/register", views.RegisterView.as_view(), name="register"),
    path("auth/login", views.LoginView.as_view(), name="login"),
    # Never wrapped in ATOMIC_REQUESTS: a detected reuse must commit its revocation.
    path("auth/refresh", transaction.non_atomic_requests(views.RefreshView.as_view()), name="refresh"),
    path("auth/logout", views.LogoutView.as_view(), name="logout"),
    path("auth/logout-all", views.LogoutAllView.as_view(), name="logout-all"),
    path("auth/me", views.MeView.as_view(), name="me"),
    path("auth/password", views.PasswordView.as_view(), name="password"),
    path("auth/sessions", views.SessionListView.as_view(), name="sessions"),
    # <str:...>, not <uuid:...>: a malformed id gets our JSON 404, not Django's HTML one.
    path("auth/sessions/<str:session_id>", views.SessionDetailView.as_view(), name="session"),
    path("auth/roles", views.RoleListView.as_view(), name="roles"),
    path("auth/users/<str:user_id>/roles/<str:role_name>", views.UserRoleView.as_view(), name="user-role"),
    path("auth/users/<str:user_id>/ban", views.BanView.as_view(), name="ban"),
    path("auth/users/<str:user_id>/unban", views.UnbanView.as_view(), name="unban"),
    path("auth/password-reset", recovery_views.PasswordResetRequestView.as_view(), name="password-reset"),
    path(
        "auth/password-reset/confirm",
        recovery_views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("auth/verify-email/request", recovery_views.VerifyEmailRequestView.as_view(), name="verify-email-request"),
    path("auth/verify-email", recovery_views.VerifyEmailView.as_view(), name="verify-email"),
    path("auth/introspect", views.IntrospectView.as_view(), name="introspect"),
    path(".well-known/jwks.json", wellknown.jwks, name="jwks"),
    path(".well-known/oauth-authorization-server", wellknown.metadata, name="metadata"),
    path(".well-known/openid-configuration", wellknown.metadata, name="openid-configuration"),
    path("health", wellknown.health, name="health"),
    path("metrics", metrics_views.metrics, name="metrics"),
]
