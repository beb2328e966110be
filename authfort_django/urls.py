"""Mount with `path("", include("authfort_django.urls"))`: the well-known documents
must sit at the host root."""

from django.db import transaction
from django.urls import path

from .api import views, wellknown

app_name = "authfort"

urlpatterns = [
    path("auth/register", views.RegisterView.as_view(), name="register"),
    path("auth/login", views.LoginView.as_view(), name="login"),
    # Never wrapped in ATOMIC_REQUESTS: a detected reuse must commit its revocation.
    path("auth/refresh", transaction.non_atomic_requests(views.RefreshView.as_view()), name="refresh"),
    path("auth/me", views.MeView.as_view(), name="me"),
    path("auth/introspect", views.IntrospectView.as_view(), name="introspect"),
    path(".well-known/jwks.json", wellknown.jwks, name="jwks"),
    path(".well-known/oauth-authorization-server", wellknown.metadata, name="metadata"),
    path(".well-known/openid-configuration", wellknown.metadata, name="openid-configuration"),
    path("health", wellknown.health, name="health"),
]
