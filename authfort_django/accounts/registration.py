"""Registration: a new account, signed in at once or (REQUIRE_VERIFIED_EMAIL) after verifying its address."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction

from authfort_django import audit
from authfort_django.accounts import errors
from authfort_django.accounts.email_verification import request_email_verification
from authfort_django.conf import authfort_settings
from authfort_django.accounts.credentials import changing_credentials
from authfort_django.accounts.users import new_user
from authfort_django.models import Account, AuthEvent, Role, User
from authfort_django.request_context import NO_REQUEST, RequestContext
from authfort_django.sessions.lifecycle import start_session
from authfort_django.tokens.pairs import TokenPair, issue_pair
from authfort_django.tokens.signing import ensure_can_sign

logger = logging.getLogger("authfort.accounts")


def register(
    *, email: str, password: str, name: str = "", context: RequestContext = NO_REQUEST
) -> TokenPair | User:
    """The new account's token pair; with REQUIRE_VERIFIED_EMAIL, the new user alone
    (no session until the address is verified: a verification link is mailed).

    `email` is already canonical and acceptable for a new account (the serializer runs
    email_address.address_for_new_account)."""
    ensure_can_sign()  # no account is created that could not be signed in
    if not authfort_settings.REGISTRATION_OPEN:
        raise errors.RegistrationClosed()
    if Account.objects.filter(email=email).exists():
        raise errors.EmailTaken()
    try:
        with transaction.atomic():
            user = create_user(email=email, password=password, name=name, context=context)
    except IntegrityError:
        # A concurrent registration of the same address won the race for the unique index.
        raise errors.EmailTaken() from None
    if authfort_settings.REQUIRE_VERIFIED_EMAIL:
        audit.record(AuthEvent.Type.REGISTER, user=user, context=context)
        _mail_verification_link(user, context)
        return user
    grant = start_session(user, context)
    audit.record(AuthEvent.Type.REGISTER, user=user, session=grant.session, context=context)
    return issue_pair(user, grant)


def create_user(*, email: str, password: str | None, name: str, context: RequestContext) -> User:
    """A new user with the canonical `email` (no usable password when None), its Account
    and the DEFAULT_ROLES, inside the caller's transaction. The caller records the
    `register` event. IntegrityError when another account holds the address: a
    concurrent sign-up won the race for the unique index."""
    with changing_credentials(context, caller_records_event=True):
        user = new_user(email=email, password=password, name=name)  # type: ignore[arg-type]
        account = Account.objects.of(user)
        if account.email != email:
            raise IntegrityError("canonical address taken")
        default_roles = list(authfort_settings.DEFAULT_ROLES)
        if default_roles:
            account.roles.add(*[Role.objects.get_or_create(name=n)[0] for n in default_roles])
    return user


def _mail_verification_link(user: User, context: RequestContext) -> None:
    """The account exists whatever happens to the mail; a user can ask for a new link."""
    try:
        request_email_verification(user=user, context=context)
    except errors.EmailLinksNotConfigured:
        logger.error("no verification link mailed to a new account: AUTHFORT_FRONTEND_URL is not set")
