"""A small but complete OpenID Connect provider served over real HTTP in a thread, for the
portal's sign-in tests: discovery, authorization endpoint (the configured person is signed in
and consents), token endpoint (client authentication, code single use, redirect URI and PKCE S256
checked), ID tokens signed RS256 with ``nonce``/``aud``/``iss``/``exp`` (joserfc), JWKS and
userinfo. No part of the portal's client is replaced: it talks to this server as to VNeID."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterable
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from joserfc import jwt
from joserfc.jwk import RSAKey


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


class Provider:
    def __init__(self, *, client_id: str, client_secret: str, person: dict[str, Any]) -> None:
        self.client_id, self.client_secret, self.person = client_id, client_secret, person
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})
        #: Set to another key to sign ID tokens the JWKS does not vouch for (a forgery).
        self.signing_key = self.key
        self.codes: dict[str, dict[str, Any]] = {}
        self.redirect_uris: set[str] = set()
        self.server = make_server("127.0.0.1", 0, self._app, _Server, _Quiet)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Provider:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- endpoints -----------------------------------------------------------------------

    def _app(self, environ: dict[str, Any], start: Any) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if path == "/.well-known/openid-configuration":
            return self._json(start, self.metadata())
        if path == "/jwks":
            return self._json(start, {"keys": [self.key.as_dict(private=False)]})
        if path == "/authorize":
            return self._authorize(start, query)
        if path == "/token" and environ["REQUEST_METHOD"] == "POST":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(size).decode()).items()}
            return self._token(start, environ, form)
        start("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "profile", "email"],
        }

    def _authorize(self, start: Any, q: dict[str, str]) -> Iterable[bytes]:
        redirect = q.get("redirect_uri", "")
        if q.get("client_id") != self.client_id or q.get("response_type") != "code":
            return self._json(start, {"error": "unauthorized_client"}, "400 Bad Request")
        if "openid" not in q.get("scope", "").split() or q.get("code_challenge_method") != "S256":
            return self._json(start, {"error": "invalid_request"}, "400 Bad Request")
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "redirect_uri": redirect,
            "nonce": q.get("nonce"),
            "challenge": q.get("code_challenge"),
        }
        self.redirect_uris.add(redirect)
        target = f"{redirect}?{urlencode({'code': code, 'state': q.get('state', '')})}"
        start("302 Found", [("Location", target)])
        return [b""]

    def _client_ok(self, environ: dict[str, Any], form: dict[str, str]) -> bool:
        header = environ.get("HTTP_AUTHORIZATION", "")
        if header.startswith("Basic "):
            raw = base64.b64decode(header[6:]).decode()
            cid, _, secret = raw.partition(":")
        else:
            cid, secret = form.get("client_id", ""), form.get("client_secret", "")
        return cid == self.client_id and secrets.compare_digest(secret, self.client_secret)

    def _token(self, start: Any, environ: dict[str, Any], form: dict[str, str]) -> Iterable[bytes]:
        if not self._client_ok(environ, form):
            return self._json(start, {"error": "invalid_client"}, "401 Unauthorized")
        grant = self.codes.pop(form.get("code", ""), None)  # single use
        if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
            return self._json(start, {"error": "invalid_grant"}, "400 Bad Request")
        verifier = form.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if challenge != grant["challenge"]:
            return self._json(start, {"error": "invalid_grant"}, "400 Bad Request")
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": self.person["sub"],
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            **{k: v for k, v in self.person.items() if k != "sub"},
        }
        id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.signing_key)
        return self._json(
            start,
            {
                "access_token": secrets.token_urlsafe(16),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
            },
        )

    @staticmethod
    def _json(start: Any, data: Any, status: str = "200 OK") -> Iterable[bytes]:
        start(status, [("Content-Type", "application/json"), ("Cache-Control", "no-store")])
        return [json.dumps(data).encode()]
