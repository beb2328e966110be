"""Sessions and their refresh tokens.

    lifecycle.py   start a session, is it live, revoke one or all (the two revocation levers)
    refresh.py     single-use refresh-token rotation with reuse detection
    revocation.py  logout, logout everywhere, ending one's own session
    purge.py       deleting dead sessions (manage.py purge_expired)
    errors.py      RefreshError and friends
"""
