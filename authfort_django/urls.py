"""Mount with `path("", include("authfort_django.urls"))`: the well-known documents
must sit at the host root. /metrics is here only with the [metrics] extra installed."""

from django.db import transaction
from django.urls import path

from authfort_django import extras
from authfort_django.api.views import (
    accounts,
    federation,
    clients,
    introspection,
    mfa,
    moderation,
    passwordless,
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
    # Federated and passwordless sign-in (api/views/federation.py, passwordless.py).
    path("auth/oauth/exchange", federation.ExchangeView.as_view(), name="oauth-exchange"),
    path("auth/oauth/<str:provider>/authorize", federation.AuthorizeView.as_view(), name="oauth-authorize"),
    path("auth/oauth/<str:provider>/callback", federation.CallbackView.as_view(), name="oauth-callback"),
    path("auth/oauth/<str:provider>/id-token", federation.IdTokenView.as_view(), name="oauth-id-token"),
    path("auth/identities", federation.IdentityListView.as_view(), name="identities"),
    path("auth/identities/<str:identity_id>", federation.IdentityDetailView.as_view(), name="identity"),
    path("auth/magic-link", passwordless.MagicLinkRequestView.as_view(), name="magic-link"),
    path("auth/magic-link/verify", passwordless.MagicLinkVerifyView.as_view(), name="magic-link-verify"),
    path("auth/email-code", passwordless.EmailCodeRequestView.as_view(), name="email-code"),
    path("auth/email-code/verify", passwordless.EmailCodeVerifyView.as_view(), name="email-code-verify"),
    path("auth/introspect", introspection.IntrospectView.as_view(), name="introspect"),
    # Multi-factor authentication and passkeys (api/views/mfa.py).
    path("auth/login/mfa", mfa.LoginSecondFactorView.as_view(), name="login-mfa"),
    path("auth/step-up", mfa.StepUpView.as_view(), name="step-up"),
    path("auth/mfa", mfa.MFAStatusView.as_view(), name="mfa"),
    path("auth/mfa/totp", mfa.TotpView.as_view(), name="mfa-totp"),
    path("auth/mfa/totp/setup", mfa.TotpSetupView.as_view(), name="mfa-totp-setup"),
    path("auth/mfa/totp/confirm", mfa.TotpConfirmView.as_view(), name="mfa-totp-confirm"),
    path("auth/mfa/recovery-codes", mfa.RecoveryCodesView.as_view(), name="mfa-recovery-codes"),
    path("auth/passkeys", mfa.PasskeyListView.as_view(), name="passkeys"),
    path("auth/passkeys/register/options", mfa.PasskeyRegisterOptionsView.as_view(), name="passkey-register-options"),
    path("auth/passkeys/register", mfa.PasskeyRegisterView.as_view(), name="passkey-register"),
    path("auth/passkeys/login/options", mfa.PasskeyLoginOptionsView.as_view(), name="passkey-login-options"),
    path("auth/passkeys/login", mfa.PasskeyLoginView.as_view(), name="passkey-login"),
    path("auth/passkeys/<str:passkey_id>", mfa.PasskeyDetailView.as_view(), name="passkey"),
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
