"""The page says it is Russian: ``<html lang="ru">`` in the document the server sends.

Streamlit 1.67 serves one ``index.html`` for every page and it declares ``lang="en"``: a browser then
offers to translate the page «from English», a screen reader reads Russian with English rules, and
hyphenation is wrong. This ASGI middleware (mounted by ``app.py`` through ``st.App(middleware=…)``,
see ``streamlit/web/server/starlette/starlette_app.py``) rewrites that one attribute in HTML
responses; everything else passes through untouched.
"""

from __future__ import annotations

ENGLISH, RUSSIAN = b'<html lang="en">', b'<html lang="ru">'
SKIP = ("/_stcore/", "/static/", "/media/", "/component/", "/_session/")  # never the page itself


class RussianPage:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD") or scope.get("path", "").startswith(SKIP):
            await self.app(scope, receive, send)
            return
        # the document is a few kilobytes: ask for it uncompressed, so that it can be rewritten
        scope = {**scope, "headers": [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"accept-encoding"]}
        start: dict = {}
        chunks: list[bytes] = []

        async def rewrite(message):
            if message["type"] == "http.response.start":
                kind = dict(message.get("headers", [])).get(b"content-type", b"")
                start.update(message, html=kind.startswith(b"text/html"))
                if not start["html"]:
                    await send(message)
                return
            if not start.get("html"):
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks).replace(ENGLISH, RUSSIAN, 1)
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            await send({"type": "http.response.start", "status": start["status"],
                        "headers": [*headers, (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, rewrite)
