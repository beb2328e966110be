"""Identities: which provider accounts sign in to which user, and how one is found,
created or linked.

A first sign-in with a provider creates the account, or reaches an existing one
only when the provider says the address is verified *and* the provider is trusted
for email (TRUST_EMAIL). Anything else that lands on an existing account's address
(an unverified address, an untrusted provider, a spelling that canonicalises onto
it) is refused with `account_exists`: the user signs in and links the provider.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from authfort_django import audit
from authfort_django.accounts.users import mark_email_verified
from authfort_django.email_address import InvalidEmailAddress, address_for_new_account, canonical_email
from authfort_django.federation import errors
from authfort_django.federation.new_accounts import create_account
from authfort_django.federation.profiles import Profile
from authfort_django.federation.providers import Provider
from authfort_django.models import Account, AuthEvent, Identity
from authfort_django.request_context import NO_REQUEST, RequestContext


def _seen(identity: Identity, profile: Profile) -> None:
    identity.email = profile.email
    identity.email_verified = profile.email_verified
    identity.last_used_at = timezone.now()
    identity.save(update_fields=["email", "email_verified", "last_used_at"])


def _prove_address(user: Any, profile: Profile) -> None:
    """A provider's verified address that is the account's own proves the mailbox."""
    if not profile.email_verified:
        return
    try:
        canonical = canonical_email(profile.email)
    except InvalidEmailAddress:
        return
    if Account.objects.of(user).email == canonical:
        mark_email_verified(user, timezone.now())


def user_for_profile(provider: Provider, profile: Profile, *, context: RequestContext = NO_REQUEST) -> Any:
    """The user this provider account signs in to: found by its identity, or linked by a
    trusted verified address, or new. AccountExists, ProviderEmailMissing,
    ProviderEmailUnusable or RegistrationClosedForProvider otherwise."""
    identity = Identity.objects.select_related("user").filter(provider=provider.name, subject=profile.subject).first()
    if identity is not None:
        _seen(identity, profile)
        _prove_address(identity.user, profile)
        return identity.user
    if not profile.email:
        raise errors.ProviderEmailMissing()
    try:
        canonical = canonical_email(profile.email)
    except InvalidEmailAddress:
        raise errors.ProviderEmailUnusable() from None
    try:
        address_for_new_account(profile.email)
        plain_spelling = True
    except InvalidEmailAddress:
        plain_spelling = False
    existing = Account.objects.select_related("user").filter(email=canonical).first()
    if existing is not None:
        if provider.trust_email and profile.email_verified and plain_spelling:
            return _link(existing.user, provider, profile, context=context, reason="verified_email")
        raise errors.AccountExists()  # audited by the flow, as every refusal
    if not plain_spelling:
        raise errors.ProviderEmailUnusable()
    return _create(provider, profile, canonical, context=context)


def _create(provider: Provider, profile: Profile, canonical: str, *, context: RequestContext) -> Any:
    def add_identity(user: Any) -> None:
        Identity.objects.create(
            user=user, provider=provider.name, subject=profile.subject,
            email=profile.email, email_verified=profile.email_verified,
        )
        _prove_address(user, profile)

    user = create_account(
        canonical, name=profile.name, method="provider", context=context, then=add_identity, provider=provider.name
    )
    audit.record(AuthEvent.Type.IDENTITY_LINKED, user=user, context=context, provider=provider.name, reason="new_account")
    return user


def _link(user: Any, provider: Provider, profile: Profile, *, context: RequestContext, reason: str) -> Any:
    try:
        with transaction.atomic():
            Identity.objects.create(
                user=user, provider=provider.name, subject=profile.subject,
                email=profile.email, email_verified=profile.email_verified,
            )
    except IntegrityError:
        raise errors.IdentityInUse() from None
    _prove_address(user, profile)
    audit.record(AuthEvent.Type.IDENTITY_LINKED, user=user, context=context, provider=provider.name, reason=reason)
    return user


def link(user: Any, provider: Provider, profile: Profile, *, context: RequestContext = NO_REQUEST) -> Any:
    """Add this provider account to signed-in `user` (a no-op if it is theirs already);
    IdentityInUse when it signs in to somebody else."""
    identity = Identity.objects.filter(provider=provider.name, subject=profile.subject).first()
    if identity is not None:
        if identity.user_id != user.pk:
            raise errors.IdentityInUse()
        _seen(identity, profile)
        return user
    return _link(user, provider, profile, context=context, reason="signed_in_user")


def identities_of(user: Any) -> QuerySet[Identity]:
    return Identity.objects.filter(user=user).order_by("created_at")


def unlink(user: Any, identity_id: object, *, context: RequestContext = NO_REQUEST) -> None:
    """Remove one of `user`'s identities; LastSignInMethod when nothing else would sign them in."""
    try:
        wanted = uuid.UUID(str(identity_id))
    except ValueError:
        raise errors.IdentityNotFound() from None
    with transaction.atomic():
        identity = Identity.objects.select_for_update().filter(pk=wanted, user=user).first()
        if identity is None:
            raise errors.IdentityNotFound()
        others = Identity.objects.filter(user=user).exclude(pk=identity.pk).exists()
        if not others and not user.has_usable_password():
            raise errors.LastSignInMethod()
        identity.delete()
    audit.record(AuthEvent.Type.IDENTITY_UNLINKED, user=user, context=context, provider=identity.provider)
