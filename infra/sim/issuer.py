"""A stand-in authorization server (for the auth tests and the benchmark): real keys, a real JWKS over
HTTP, real tokens.

The keys are made fresh per test session (RSA 2048 and EC P-256, with ``cryptography``); the JWKS
is served by ``http.server`` on a free loopback port, from a thread, and can be rotated; tokens are
signed with PyJWT exactly as an authorization server would.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa


class SigningKey:
    def __init__(self, kid: str, algorithm: str) -> None:
        self.kid = kid
        self.algorithm = algorithm
        if algorithm.startswith("RS"):
            self.private: Any = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            self.private = ec.generate_private_key(ec.SECP256R1())

    @property
    def jwk(self) -> dict[str, Any]:
        algorithm = jwt.algorithms.get_default_algorithms()[self.algorithm]
        data: dict[str, Any] = json.loads(algorithm.to_jwk(self.private.public_key()))
        return {**data, "kid": self.kid, "use": "sig", "alg": self.algorithm}

    @property
    def public_pem(self) -> bytes:
        return bytes(
            self.private.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )


class Issuer:
    """Serves ``/jwks.json`` and mints tokens; ``url`` is the issuer, exactly as configured (no slash)."""

    def __init__(self) -> None:
        self.keys = [SigningKey("rsa-1", "RS256"), SigningKey("ec-1", "ES256")]
        self.fetches = 0
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                issuer.fetches += 1
                body = json.dumps({"keys": [key.jwk for key in issuer.keys]}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.jwks_url = f"{self.url}/jwks.json"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def key(self, kid: str) -> SigningKey:
        return next(key for key in self.keys if key.kid == kid)

    def rotate(self) -> SigningKey:
        """Publish a new RSA key first in the set, as a provider's rotation does (the old ones stay
        published, so tokens already issued keep working until they expire)."""
        new = SigningKey(f"rsa-{len(self.keys) + 1}", "RS256")
        self.keys = [new, *self.keys]
        return new

    def mint(
        self,
        audience: str,
        *,
        kid: str = "rsa-1",
        scope: str | None = "mcp",
        subject: str = "alice",
        lifetime: float = 300,
        key: SigningKey | None = None,
        **claims: Any,
    ) -> str:
        key = key or self.key(kid)
        now = time.time()
        payload: dict[str, Any] = {"iss": self.url, "aud": audience, "sub": subject, "iat": int(now)}
        payload["exp"] = int(now + lifetime)
        if scope is not None:
            payload["scope"] = scope
        payload.update(claims)
        return jwt.encode(payload, key.private, algorithm=key.algorithm, headers={"kid": key.kid})
