"""The one place where a change of credentials takes effect, whoever makes it.

A new password or a deactivation ends every session and access token of the user
(both revocation levers, see sessions/revocation.py); a change of roles bumps the
token version so tokens carrying the old roles stop passing. These receivers run
for every path that saves the user or its roles: the API, the Django admin,
`manage.py changepassword`, a shell's `user.set_password(); user.save()`. No caller
can forget them.

API flows that record their own, richer audit event (with the request's address
and session) wrap their change in `changing_credentials(context,
caller_records_event=True)`; every other change is audited here, marked
`via: "save"`.

`QuerySet.update()` sends no signals: it bypasses this module, as it bypasses every
model hook. The live checks still refuse an inactive user at once, but use
`save()` (or the ban API) so that reactivation cannot revive old sessions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_save, pre_save

from authfort_django import audit
from authfort_django.models import Account, AuthEvent, Role
from authfort_django.request_context import NO_REQUEST, RequestContext
from authfort_django.sessions.lifecycle import bump_token_version, end_every_session

# The fields whose change is a change of credentials or identity.
_WATCHED = ("password", "is_active")


@dataclass
class CredentialChange:
    """Who changes credentials and whether they audit it; the receivers fill in the counts."""

    context: RequestContext = NO_REQUEST
    caller_records_event: bool = False
    reason: str | None = None
    sessions_ended: int = 0


_current_change: ContextVar[CredentialChange | None] = ContextVar("authfort_credential_change", default=None)


@contextmanager
def changing_credentials(
    context: RequestContext = NO_REQUEST, *, caller_records_event: bool = False, reason: str | None = None
) -> Iterator[CredentialChange]:
    """Saves of users and roles inside this block are attributed to `context`."""
    change = CredentialChange(context, caller_records_event, reason)
    token = _current_change.set(change)
    try:
        yield change
    finally:
        _current_change.reset(token)


def _change() -> CredentialChange:
    return _current_change.get() or CredentialChange()


def _record(change: CredentialChange, event_type: str, user: Any, **detail: Any) -> None:
    if not change.caller_records_event:
        via = {} if change.context is not NO_REQUEST else {"via": "save"}
        audit.record(event_type, user=user, context=change.context, **via, **detail)


def _remember_watched_fields(sender: Any, instance: Any, raw: bool = False, update_fields: Any = None, **_: Any) -> None:
    instance._authfort_before = None
    if raw or instance._state.adding or instance.pk is None:
        return
    watched = [*_WATCHED, instance.get_email_field_name()]
    if update_fields is not None and not set(update_fields) & set(watched):
        return  # e.g. update_last_login: nothing to compare, no query
    instance._authfort_before = sender._default_manager.filter(pk=instance.pk).values(*watched).first()


def _apply_user_change(sender: Any, instance: Any, created: bool, raw: bool = False, **_: Any) -> None:
    if raw:
        return  # loaddata: fixtures carry their own accounts
    if created:
        Account.objects.create_for(instance)
        return
    before = getattr(instance, "_authfort_before", None)
    instance._authfort_before = None
    if before is None:
        return
    change = _change()
    if before["password"] != instance.password:
        ended = end_every_session(instance, reason=change.reason or "password_changed")
        change.sessions_ended += ended
        _record(change, AuthEvent.Type.PASSWORD_CHANGED, instance, sessions_revoked=ended)
    if before["is_active"] and not instance.is_active:
        ended = end_every_session(instance, reason=change.reason or "deactivated")
        change.sessions_ended += ended
        _record(change, AuthEvent.Type.BANNED, instance, sessions_revoked=ended)
    elif not before["is_active"] and instance.is_active:
        # Sessions ended by the deactivation stay ended: the user signs in again.
        _record(change, AuthEvent.Type.UNBANNED, instance)
    email_field = instance.get_email_field_name()
    if before.get(email_field) != getattr(instance, email_field, None):
        _follow_new_address(instance)


def _follow_new_address(user: Any) -> None:
    """A changed address is unproven again; a conflicting one leaves the account without one."""
    account = Account.objects.of(user)
    canonical = Account.objects.free_canonical_email(user, exclude_pk=account.pk)
    if canonical != account.email:
        account.email = canonical
        account.email_verified_at = None
        account.save(update_fields=["email", "email_verified_at"])


def _apply_role_change(sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **_: Any) -> None:
    if action == "pre_clear":
        # Which pairs are about to go: clear() tells nothing afterwards.
        through = Account.roles.through
        pairs = through.objects.filter(**({"role": instance} if reverse else {"account": instance}))
        instance._authfort_cleared = set(pairs.values_list("account_id" if reverse else "role_id", flat=True))
        return
    if action == "post_clear":
        pk_set, action = getattr(instance, "_authfort_cleared", set()), "post_remove"
    if action not in ("post_add", "post_remove") or not pk_set:
        return
    if reverse:  # role.accounts.add(...): one role, several accounts
        changed = [(account, instance) for account in Account.objects.filter(pk__in=pk_set).select_related("user")]
    else:
        changed = [(instance, role) for role in Role.objects.filter(pk__in=pk_set)]
    change = _change()
    event = AuthEvent.Type.ROLE_GRANTED if action == "post_add" else AuthEvent.Type.ROLE_REVOKED
    for account in {account.pk: account for account, _ in changed}.values():
        bump_token_version(account.user)
    for account, role in changed:
        _record(change, event, account.user, role=role.name)


def connect() -> None:
    """Called once from AppConfig.ready()."""
    user_model = get_user_model()
    pre_save.connect(_remember_watched_fields, sender=user_model, dispatch_uid="authfort_credentials_pre")
    post_save.connect(_apply_user_change, sender=user_model, dispatch_uid="authfort_credentials_post")
    m2m_changed.connect(_apply_role_change, sender=Account.roles.through, dispatch_uid="authfort_roles")
