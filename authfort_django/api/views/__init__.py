"""The HTTP endpoints, by area. Thin: parse, call a flow with a RequestContext, shape the answer.

    base.py           the base view, token and empty answers
    accounts.py       register, login, me, password change
    sessions.py       refresh, logout, logout-all, the caller's sessions
    moderation.py     roles, ban, unban
    recovery.py       password reset and email verification
    introspection.py  RFC 7662
    wellknown.py      JWKS, server metadata, health (plain Django views, GET and HEAD)
    metrics.py        /metrics (Prometheus)
"""
