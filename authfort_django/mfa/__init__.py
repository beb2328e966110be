"""Multi-factor authentication: TOTP, recovery codes, passkeys (WebAuthn), step-up.

    totp.py             authenticator-app codes (RFC 6238): setup, confirm, verify, disable
    recovery_codes.py   ten single-use codes, stored hashed
    passkeys.py         WebAuthn registration and assertions (py_webauthn)
    relying_party.py    the WebAuthn RP ID, name and origins from the settings
    challenges.py       short-lived single-use tokens: `mfa_token`, passkey challenges
    verification.py     verify_second_factor(): one entry for every caller (login, step-up, admin)
    amr.py              RFC 8176 authentication method references
    state.py            what a user has enabled; reset; ending other sessions
    events.py           an MFA event's AuthEvent and its signal (signals.py)
    policy.py           REQUIRE_MFA_FOR_STAFF: who must set up a second factor first
    step_up.py          a fresher, stronger pair for the same session

The decision "password accepted: ask for a second factor or issue tokens" is
accounts/login.py's `complete_login`, for every way into an account.
"""
