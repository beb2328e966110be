"""How fast is `TokenVerifier.verify` next to raw RSA and PyJWT?  (issue 4)

    .venv/bin/python bench/verify.py [--tokens 2000] [--seconds 1.0] [--rounds 5]

Pins itself to one core, mints N distinct RS256 access tokens, then measures
verifications per second for:

  * cryptography's raw RSA-2048 PKCS#1 v1.5 verify (the floor every path pays),
  * PyJWT `jwt.decode` with a key object,
  * PyJWT's `PyJWKClient` + `jwt.decode` (against a loopback JWKS server),
  * our `verifier.verify` on fresh tokens (each seen once),
  * our `verifier.verify` on one repeated token (the verified-token cache),

each as a ratio to the raw verify; best of interleaved rounds. Targets: fresh >= 0.6,
repeated >= 5. Also times the rejection of a 1 MiB token.
"""

from __future__ import annotations

import argparse
import base64
import gc
import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from verifier_client import MalformedTokenError, TokenVerifier

ISSUER = "https://auth.example.test"
AUDIENCE = "orders"
KID = "bench-1"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_int(value: int) -> str:
    return _b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def _mint(key: rsa.RSAPrivateKey, count: int) -> list[str]:
    header = _b64url(json.dumps({"alg": "RS256", "typ": "at+jwt", "kid": KID}).encode())
    now = int(time.time())
    tokens = []
    for i in range(count):
        claims = {
            "iss": ISSUER, "aud": AUDIENCE, "sub": f"user-{i}", "client_id": "web",
            "iat": now, "exp": now + 3600, "jti": f"jti-{i}", "sid": "s", "roles": ["reader"],
        }
        signing_input = f"{header}.{_b64url(json.dumps(claims).encode())}"
        signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        tokens.append(f"{signing_input}.{_b64url(signature)}")
    return tokens


def _serve_jwks(document: dict) -> ThreadingHTTPServer:
    body = json.dumps(document).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "max-age=3600")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _timed(run: Callable[[Sequence[str]], None], tokens: Sequence[str], seconds: float,
           setup: Callable[[], None] | None) -> float:
    """Verifications per second of `run(tokens)` repeated for about `seconds`."""
    done, elapsed = 0, 0.0
    while elapsed < seconds:
        if setup is not None:
            setup()
        # As timeit does: collect outside the timing, no collector pauses inside
        # (they land on whichever path happens to allocate when one is due).
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            run(tokens)
            elapsed += time.perf_counter() - start
        finally:
            gc.enable()
        done += len(tokens)
    return done / elapsed


def _best_rates(paths: list[tuple[str, Callable, Sequence[str], Callable | None]], rounds: int,
                seconds: float) -> list[float]:
    """Best rate per path over `rounds`; each round runs every path back to back,
    so load from other processes hits all paths alike and the ratios stay fair."""
    best = [0.0] * len(paths)
    for _ in range(rounds):
        for i, (_, run, tokens, setup) in enumerate(paths):
            best[i] = max(best[i], _timed(run, tokens, seconds, setup))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=2000, help="distinct tokens to mint")
    parser.add_argument("--seconds", type=float, default=1.0, help="time per path and round")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (best is kept)")
    args = parser.parse_args()

    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key()
    numbers = public.public_numbers()
    jwks = {"keys": [{"kty": "RSA", "kid": KID, "alg": "RS256", "use": "sig",
                      "n": _b64url_int(numbers.n), "e": _b64url_int(numbers.e)}]}
    tokens = _mint(key, args.tokens)
    server = _serve_jwks(jwks)
    url = f"http://127.0.0.1:{server.server_address[1]}/jwks.json"

    def _split(token: str) -> tuple[bytes, bytes]:
        signing_input, _, signature = token.rpartition(".")
        return signing_input.encode(), base64.urlsafe_b64decode(signature + "==")

    pairs = [_split(t) for t in tokens]
    pkcs1, sha256 = padding.PKCS1v15(), hashes.SHA256()

    def raw(_: Sequence[str]) -> None:
        for data, signature in pairs:
            public.verify(signature, data, pkcs1, sha256)

    options = {"require": ["exp", "iat", "sub", "iss"]}

    def pyjwt_decode(batch: Sequence[str]) -> None:
        for token in batch:
            jwt.decode(token, public, algorithms=["RS256"], audience=AUDIENCE, issuer=ISSUER, options=options)

    jwk_client = jwt.PyJWKClient(url, cache_keys=True)

    def pyjwk_client(batch: Sequence[str]) -> None:
        for token in batch:
            signing_key = jwk_client.get_signing_key_from_jwt(token)
            jwt.decode(token, signing_key.key, algorithms=["RS256"], audience=AUDIENCE, issuer=ISSUER, options=options)

    verifier_box: list[TokenVerifier] = []

    def fresh_verifier() -> None:
        # A new verifier per pass, so every token is seen for the first time;
        # its JWKS fetch and header parse happen here, outside the timing.
        verifier = TokenVerifier(url, issuer=ISSUER, audience=AUDIENCE, verified_cache_size=len(tokens) + 1)
        verifier.verify(tokens[0])
        verifier._verified.clear()
        verifier_box[:] = [verifier]

    def ours_fresh(batch: Sequence[str]) -> None:
        verify = verifier_box[0].verify
        for token in batch:
            verify(token)

    repeated = TokenVerifier(url, issuer=ISSUER, audience=AUDIENCE)
    one = tokens[0]
    repeated.verify(one)
    same = [one] * len(tokens)

    def ours_repeated(batch: Sequence[str]) -> None:
        verify = repeated.verify
        for token in batch:
            verify(token)

    paths = [
        ("cryptography raw RSA-2048 verify", raw, tokens, None, ""),
        ("PyJWT jwt.decode (key object)", pyjwt_decode, tokens, None, ""),
        ("PyJWT PyJWKClient + jwt.decode", pyjwk_client, tokens, None, ""),
        ("verifier.verify, fresh tokens", ours_fresh, tokens, fresh_verifier, ">= 0.60"),
        ("verifier.verify, repeated token", ours_repeated, same, None, ">= 5.00"),
    ]
    rates = _best_rates([p[:4] for p in paths], args.rounds, args.seconds)
    base = rates[0]
    print(f"one core (cpu {cpu}), {len(tokens)} distinct RS256 tokens, "
          f"best of {args.rounds} interleaved rounds x {args.seconds:g} s")
    print(f"{'path':<34} {'verif/s':>10} {'x raw':>7}  target")
    for (name, *_, target), rate in zip(paths, rates):
        print(f"{name:<34} {rate:>10,.0f} {rate / base:>7.2f}  {target}")

    huge = "a" * (1024 * 1024)
    start = time.perf_counter()
    for _ in range(100):
        try:
            repeated.verify(huge)
        except MalformedTokenError:
            pass
    print(f"1 MiB token rejected in {(time.perf_counter() - start) / 100 * 1e6:.1f} µs (target well under 10 ms)")
    server.shutdown()


if __name__ == "__main__":
    main()
