"""System checks of account recovery and verification (ids continue checks.py's list).

    E008 FRONTEND_URL set but not an http(s) URL, or a link path without {token}
    (PASSWORD_RESET_TTL and EMAIL_VERIFICATION_TTL are lifetimes: checks.py's E003)
    E009 REQUIRE_VERIFIED_EMAIL without FRONTEND_URL: new accounts could never verify
    W005 FRONTEND_URL unset: reset and verification requests answer 503
    W006 DEBUG off with the console email backend: mailed tokens land in the server's output
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from .app_settings import DEFAULTS, authfort_settings


@register()
def check_recovery(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for name in ("PASSWORD_RESET_PATH", "VERIFY_EMAIL_PATH"):
        path = getattr(authfort_settings, name)
        if not isinstance(path, str) or "{token}" not in path:
            messages.append(
                Error(
                    f"AUTHFORT[{name!r}] is {path!r}; the link would not carry the token.",
                    hint=f"Use a path with a {{token}} placeholder, e.g. {DEFAULTS[name]!r}.",
                    id="authfort.E008",
                )
            )
    frontend = authfort_settings.FRONTEND_URL
    if not frontend and authfort_settings.REQUIRE_VERIFIED_EMAIL:
        messages.append(
            Error(
                "REQUIRE_VERIFIED_EMAIL is on but AUTHFORT['FRONTEND_URL'] is not set: no verification "
                "link can be built, so new accounts could never log in.",
                hint="Set AUTHFORT_FRONTEND_URL to the address of the page that opens the link.",
                id="authfort.E009",
            )
        )
    elif not frontend:
        messages.append(
            Warning(
                "AUTHFORT['FRONTEND_URL'] is not set: password reset and email verification links "
                "cannot be built, so those requests answer 503 email_links_not_configured.",
                hint="Set AUTHFORT_FRONTEND_URL to the address of the pages that open the links, "
                "e.g. https://app.example.com (links are never built from the request's Host header).",
                id="authfort.W005",
            )
        )
    elif not isinstance(frontend, str) or not frontend.startswith(("https://", "http://")):
        messages.append(
            Error(
                f"AUTHFORT['FRONTEND_URL'] is {frontend!r}, not an http(s) URL.",
                hint="Set it to an absolute URL such as https://app.example.com.",
                id="authfort.E008",
            )
        )
    messages += _check_mail_delivery(frontend)
    return messages


CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"


def _check_mail_delivery(frontend: Any) -> list[CheckMessage]:
    """W006: outside DEBUG, the console backend would write every reset link, token
    and all, to the server's output, which is usually its log."""
    if settings.DEBUG or not frontend or not authfort_settings.SEND_ACCOUNT_EMAILS:
        return []
    if getattr(settings, "EMAIL_BACKEND", "") != CONSOLE_BACKEND:
        return []
    return [
        Warning(
            "EMAIL_BACKEND is the console backend with DEBUG off: every password-reset and "
            "verification mail, its single-use token included, is written to the server's output.",
            hint="Set EMAIL_URL (e.g. smtp+tls://user:password@mail.example.com:587) or another "
            "EMAIL_BACKEND; or AUTHFORT_SEND_ACCOUNT_EMAILS=false and deliver from the signals.",
            id="authfort.W006",
        )
    ]
