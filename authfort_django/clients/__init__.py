"""Service clients: OAuth 2.0 client credentials (RFC 6749 §4.4) and what goes with them.

    errors.py          the RFC 6749 §5.2 / RFC 8707 / RFC 7009 errors, as domain errors
    scopes.py          scope strings (RFC 6749 §3.3): parsed once, checked against a client's set
    client_secrets.py  secrets: made, hashed, compared in constant time
    registry.py        create, rotate a secret, disable: the admin and the commands call these
    assertions.py      private_key_jwt (RFC 7523 §2.2), verified with verifier_client
    authentication.py  which client is calling (secret or assertion), every failure audited
    grant.py           the client_credentials grant: scopes, audiences, the token
    revocation.py      RFC 7009: refresh tokens (their session) and client tokens (their jti)
    purge.py           expired assertion jtis and revocation records, for purge_expired

The tokens themselves (claims, signing, whether one is still current) live in
tokens/client_tokens.py, beside the users' tokens.
"""
