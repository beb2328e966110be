"""Users whose addresses share one canonical form: only one of them can own it.

Projects adopting the app may hold such users (Django's `auth.User` does not make
email unique, and older data may differ only in letter case or look-alike
characters). The earliest user keeps the address; the others' Accounts have none and
they cannot sign in by address until an administrator changes or removes an address.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model

from authfort_django.email_address import InvalidEmailAddress, canonical_email
from authfort_django.models import Account


@dataclass(frozen=True)
class EmailConflict:
    canonical: str
    holder: Any  # the user whose Account has the address
    others: list[Any]  # users with the same canonical address and none on their Account


def email_conflicts() -> list[EmailConflict]:
    """Every canonical address claimed by more than one user (one pass over the users)."""
    model = get_user_model()
    email_field = model.get_email_field_name()
    claimants: dict[str, list[Any]] = defaultdict(list)
    for user in model._default_manager.exclude(**{email_field: ""}).iterator(chunk_size=2000):
        try:
            claimants[canonical_email(getattr(user, email_field) or "")].append(user)
        except InvalidEmailAddress:
            continue
    holders = dict(
        Account.objects.filter(email__in=[c for c, users in claimants.items() if len(users) > 1]).values_list(
            "email", "user_id"
        )
    )
    conflicts = []
    for canonical, users in sorted(claimants.items()):
        if len(users) < 2:
            continue
        holder = next((u for u in users if u.pk == holders.get(canonical)), None)
        conflicts.append(EmailConflict(canonical, holder, [u for u in users if u is not holder]))
    return conflicts
