"""Signing keys: how they are made, kept, published and rotated.

    crypto.py      key generation, public JWKs and RFC 7638 thumbprints (kids)
    encryption.py  private keys encrypted at rest with KEY_ENCRYPTION_KEYS
    importing.py   PEM private keys made elsewhere (bring your own key): read and checked
    states.py      pending, active, retired, expired, revoked: from the timestamps alone
    store.py       the in-process cache of the signing key and the JWKS (reads only)
    rotation.py    every change: create, import, rotate, revoke, purge, re-encrypt (under a lock)
"""
