"""Other ways in: outside providers (OpenID Connect, OAuth 2.0) and mailed links and codes.

    providers.py   AUTHFORT["PROVIDERS"] and the presets (Google, Microsoft, GitHub)
    http.py        every request to a provider: timeout, size cap, no redirects, JSON only
    discovery.py   a provider's metadata from its issuer URL, cached
    id_tokens.py   ID tokens checked by verifier_client against the provider's JWKS
    redirects.py   REDIRECT_ALLOWLIST
    states.py      the authorization request in flight (state, nonce, PKCE, browser binding)
    profiles.py    who the provider says the user is (ID token, userinfo, GitHub's API)
    identities.py  Identity rows: sign in, create, link, list, unlink
    codes.py       single-use secrets that finish a sign-in (exchange codes, magic links, mailed codes)
    sign_in.py     complete_sign_in: the one place these flows issue tokens
    oauth.py       the browser flow (authorize, callback, exchange) and native ID-token sign-in
    passwordless.py  magic links and email codes

The domain knows no HTTP types: views pass a RequestContext and plain values.
"""
