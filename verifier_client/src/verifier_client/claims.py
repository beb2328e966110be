"""The verified contents of an access token."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Claims"]


@dataclass(frozen=True)
class Claims(Mapping[str, Any]):
    """Claims of a token that passed verification.

    The common members are attributes; every claim, including extra ones, stays
    reachable through the mapping interface (`claims["email"]`) and `raw`.
    """

    raw: Mapping[str, Any]
    sub: str = field(init=False)
    exp: int = field(init=False)
    roles: tuple[str, ...] = field(init=False)
    sid: str | None = field(init=False)
    jti: str | None = field(init=False)
    # RFC 8176 authentication methods ("pwd", "otp", "hwk", "mfa", ...) and when the user
    # authenticated (epoch seconds): what a step-up requirement looks at.
    amr: tuple[str, ...] = field(init=False)
    auth_time: int | None = field(init=False)
    scopes: tuple[str, ...] = field(init=False)
    is_client: bool = field(init=False)
    kid: str | None = None

    def __post_init__(self) -> None:
        raw = self.raw
        roles = raw.get("roles")
        if isinstance(roles, str):
            roles = (roles,)
        elif not isinstance(roles, list):
            # Only a string or an array names roles; a number would crash, and an
            # object would grant its keys ({"admin": false} -> "admin"). None granted.
            roles = ()
        object.__setattr__(self, "sub", str(raw.get("sub", "")))
        object.__setattr__(self, "exp", int(raw.get("exp", 0)))
        object.__setattr__(
            self, "roles", tuple(r for r in roles if isinstance(r, str))
        )
        sid = raw.get("sid")
        object.__setattr__(self, "sid", sid if isinstance(sid, str) else None)
        jti = raw.get("jti")
        object.__setattr__(self, "jti", jti if isinstance(jti, str) else None)
        amr = raw.get("amr")
        object.__setattr__(self, "amr", tuple(m for m in amr if isinstance(m, str)) if isinstance(amr, list) else ())
        auth_time = raw.get("auth_time")
        # bool is an int in Python; `true` is no time.
        valid_time = isinstance(auth_time, int) and not isinstance(auth_time, bool)
        object.__setattr__(self, "auth_time", auth_time if valid_time else None)
        # RFC 9068 §2.2.3: `scope` is one space-separated string; anything else grants nothing.
        scope = raw.get("scope")
        object.__setattr__(self, "scopes", tuple(scope.split()) if isinstance(scope, str) else ())
        # A service client's token (client credentials grant): no session, and the
        # subject is the client itself. Every user token carries a `sid`.
        client_id = raw.get("client_id")
        object.__setattr__(
            self, "is_client", sid is None and isinstance(client_id, str) and client_id == raw.get("sub")
        )

    def has_role(self, *names: str) -> bool:
        """True when the token carries at least one of `names`; never for a client token
        (roles are a user's; a service is authorised by scopes)."""
        if self.is_client:
            return False
        return any(name in self.roles for name in names)

    @property
    def is_multi_factor(self) -> bool:
        """True when the user authenticated with more than one factor (`amr` has "mfa")."""
        return "mfa" in self.amr

    def has_scopes(self, *names: str) -> bool:
        """True when the token was granted every one of `names`."""
        return all(name in self.scopes for name in names)

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def __hash__(self) -> int:
        return hash((self.sub, self.jti, self.exp))
