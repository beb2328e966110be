"""Links and mails of account recovery and verification, through Django's email framework.

The link's base is AUTHFORT["FRONTEND_URL"] and nothing else: never the request's
Host header, which a client chooses (a forged Host would otherwise mail the
victim a link to the attacker's site, carrying the token). Templates live under
`authfort_django/email/`; a project overrides them by putting files with the same
names earlier on its template path.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from authfort_django.accounts.errors import EmailLinksNotConfigured
from authfort_django.conf import authfort_settings
from authfort_django.accounts.users import display_name
from authfort_django.models import Account, User

logger = logging.getLogger("authfort.mail")

TEMPLATE_DIR = "authfort_django/email"


@dataclass(frozen=True)
class MailKind:
    templates: str  # prefix of the three templates: <prefix>_subject.txt, _body.txt, _body.html
    path_setting: str | None  # AUTHFORT key of the link's path, with a {token} placeholder (None: no link)
    ttl_setting: str  # AUTHFORT key of the token lifetime, in seconds


PASSWORD_RESET = MailKind("password_reset", "PASSWORD_RESET_PATH", "PASSWORD_RESET_TTL")
VERIFY_EMAIL = MailKind("verify_email", "VERIFY_EMAIL_PATH", "EMAIL_VERIFICATION_TTL")
# Passwordless sign-in (federation/passwordless.py): the code mail carries `code`, no link.
MAGIC_LINK = MailKind("magic_link", "MAGIC_LINK_PATH", "MAGIC_LINK_TTL")
EMAIL_CODE = MailKind("email_code", None, "EMAIL_CODE_TTL")


def frontend_url() -> str:
    """The configured FRONTEND_URL without a trailing slash; EmailLinksNotConfigured when unset."""
    base = authfort_settings.FRONTEND_URL
    if not isinstance(base, str) or not base.startswith(("https://", "http://")):
        raise EmailLinksNotConfigured()
    return base.rstrip("/")


def link(kind: MailKind, token: str) -> str:
    assert kind.path_setting is not None, f"{kind.templates} mails carry no link"
    path = getattr(authfort_settings, kind.path_setting)
    return frontend_url() + path.replace("{token}", quote(token, safe=""))


# Anything a mail reader could take for a link: a scheme, `www.`, or a dotted host name
# (a dot followed by two letters or more: "evil.example" is one, "J.R. Tolkien" is not).
_LINK_LIKE = re.compile(r"[a-z][a-z0-9+.-]*:|www\.|[^\s.]\.[a-z]{2,}", re.IGNORECASE)


def greeting_name(user: User) -> str:
    """The user's name as a mail may show it: one line, no control characters, and
    nothing that looks like a link (the name is chosen by whoever registered, and a
    mail from us must not carry their text as a link). Otherwise no name at all."""
    name = " ".join(display_name(user).split())
    if any(unicodedata.category(ch)[0] == "C" for ch in name) or _LINK_LIKE.search(name):
        return ""
    return name


def render(
    kind: MailKind,
    user: User,
    link_url: str,
    extra: dict[str, str] | None = None,
    *,
    address: str | None = None,
) -> EmailMultiAlternatives:
    """The mail to `user`'s stored address (or to `address`: the stand-in of an unknown one).

    `extra`: more template variables (the email code's `code`).
    """
    ttl = int(getattr(authfort_settings, kind.ttl_setting))
    if address is None:
        address = Account.objects.of(user).email
    context = {
        **(extra or {}),
        "user": user,  # for projects' own templates; ours show only the two below
        "name": greeting_name(user),
        "email": address,
        "link": link_url,
        "valid_minutes": ttl // 60,
        "valid_hours": ttl // 3600,
        "frontend_url": frontend_url() if kind.path_setting else (authfort_settings.FRONTEND_URL or ""),
    }
    subject = render_to_string(f"{TEMPLATE_DIR}/{kind.templates}_subject.txt", context)
    # A header cannot hold a line break: a template's trailing newline would corrupt the mail.
    subject = " ".join(subject.split())
    text = render_to_string(f"{TEMPLATE_DIR}/{kind.templates}_body.txt", context)
    html = render_to_string(f"{TEMPLATE_DIR}/{kind.templates}_body.html", context)
    # Exactly the stored canonical form: the address the account was checked against.
    message = EmailMultiAlternatives(subject=subject, body=text, to=[address])
    message.attach_alternative(html, "text/html")
    return message


def send(
    kind: MailKind,
    user: User,
    link_url: str,
    extra: dict[str, str] | None = None,
    *,
    message: EmailMultiAlternatives | None = None,
) -> bool:
    """Send `message` (rendered here, with `extra`, when not given); False (and an error log
    line without the link) when sending fails.

    A failure must not change the HTTP answer: that would tell who has an account.
    """
    if not Account.objects.of(user).email:
        logger.error("%s mail to user %s not sent: the account has no usable address", kind.templates, user.pk)
        return False
    try:
        (message or render(kind, user, link_url, extra)).send()
    except Exception as error:  # noqa: BLE001 - any backend failure: logged, answered the same
        logger.error("%s mail to user %s could not be sent: %s", kind.templates, user.pk, type(error).__name__)
        return False
    return True
