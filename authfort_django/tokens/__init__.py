"""Access tokens (RFC 9068 profile).

    claims.py         what an access token says, and the EXTRA_CLAIMS hook
    signing.py        issuing one (the only module that imports `jwt`)
    pairs.py          an access token handed out with its session's refresh token
    verification.py   the server's own checks: verifier_client's rules, then the database's
    introspection.py  RFC 7662: is this token still good, right now?
"""
