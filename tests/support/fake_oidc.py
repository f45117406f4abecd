"""A small OpenID Connect provider on 127.0.0.1, for signing in through Streamlit's real ``st.login``.

It speaks the parts of OpenID Connect Core 1.0 that Streamlit's routes (Authlib's Starlette client)
use: discovery (``/.well-known/openid-configuration``), the authorization-code flow (``/authorize``
answers at once for the person set in ``email``, as a provider does for someone already signed in
there), ``/token`` with an RS256-signed ID token carrying ``iss``, ``aud``, ``exp``, ``iat``,
``nonce`` and ``email``, ``/userinfo``, and ``/jwks`` for its public key. No consent screen, no refresh tokens.

Strict where a certified provider is (issue 25): a ``prompt`` value it does not support (``prompts``; not
``select_account``) is refused with ``error=invalid_request`` sent back to the callback, as panva's
oidc-provider does. ``email_in_id_token = False`` keeps the e-mail out of the ID token (only at userinfo, that
provider's default for the code flow); ``email_verified`` is what it vouches for.
"""

from __future__ import annotations

import secrets
import threading
import time
from urllib.parse import urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route


class FakeOIDC:
    def __init__(self, port: int, client_id: str, client_secret: str):
        self.base = f"http://127.0.0.1:{port}"
        self.client_id, self.client_secret = client_id, client_secret
        self.email = "nobody@example.org"
        self.email_verified = True
        self.email_in_id_token = True
        self.prompts = {"none", "login", "consent"}
        self._tokens: dict[str, str] = {}  # access token -> e-mail, for /userinfo
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key"})
        self._codes: dict[str, tuple[str, str | None]] = {}
        app = Starlette(routes=[
            Route("/.well-known/openid-configuration", self._discovery),
            Route("/authorize", self._authorize),
            Route("/token", self._token, methods=["POST"]),
            Route("/jwks", self._jwks),
            Route("/userinfo", self._userinfo),
        ])
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def metadata_url(self) -> str:
        return f"{self.base}/.well-known/openid-configuration"

    def __enter__(self) -> FakeOIDC:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    async def _discovery(self, request):
        return JSONResponse({
            "issuer": self.base, "authorization_endpoint": f"{self.base}/authorize",
            "token_endpoint": f"{self.base}/token", "jwks_uri": f"{self.base}/jwks",
            "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "email", "profile"], "userinfo_endpoint": f"{self.base}/userinfo",
            "claims_supported": ["sub", "email", "email_verified", "name"],
        })

    async def _authorize(self, request):
        q = request.query_params
        if q.get("client_id") != self.client_id or q.get("response_type") != "code":
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        refused = [p for p in (q.get("prompt") or "").split() if p not in self.prompts]
        if refused:
            answer = {"error": "invalid_request", "state": q.get("state", ""), "error_description": "unsupported prompt value requested"}
            return RedirectResponse(f"{q['redirect_uri']}?{urlencode(answer)}", status_code=302)
        code = secrets.token_urlsafe(16)
        self._codes[code] = (self.email, q.get("nonce"))
        return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q.get('state', '')})}", status_code=302)

    async def _token(self, request):
        form = await request.form()
        found = self._codes.pop(form.get("code", ""), None)
        if found is None:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        email, nonce = found
        now = int(time.time())
        claims = {"iss": self.base, "aud": self.client_id, "sub": email, "iat": now, "exp": now + 600}
        if self.email_in_id_token:
            claims.update(email=email, email_verified=self.email_verified, name=email.split("@")[0])
        if nonce:
            claims["nonce"] = nonce
        id_token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self.key)
        access = secrets.token_urlsafe(16)
        self._tokens[access] = email
        return JSONResponse({"access_token": access, "token_type": "Bearer", "expires_in": 600,
                             "id_token": id_token, "scope": "openid email profile"})

    async def _userinfo(self, request):
        email = self._tokens.get(request.headers.get("authorization", "").removeprefix("Bearer "))
        if email is None:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        return JSONResponse({"sub": email, "email": email, "email_verified": self.email_verified, "name": email.split("@")[0]})

    async def _jwks(self, request):
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})
