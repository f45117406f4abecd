"""The in-process Sheets fake served to other processes: several server processes, one spreadsheet.

``FakeSheetsAPI`` lives in the test process; ``serve(api)`` answers its ``handle`` over HTTP on
127.0.0.1, and ``RemoteSession`` is what a child process mounts in its ``gspread.Client`` instead of
``api.session()``. The request and the answer cross the process boundary as JSON, as on the wire.
"""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from tests.support.fake_sheets import FakeSheetsAPI


@contextmanager
def serve(api: FakeSheetsAPI):
    """Yields the bridge's address while it answers for ``api`` (one thread per request, like Google)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            asked = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            code, payload = api.handle(asked["method"], asked["url"], asked["params"], asked["body"], asked["user"],
                                       asked["timeout"])
            answer = json.dumps({"code": code, "payload": payload}, ensure_ascii=False).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class RemoteSession(requests.Session):
    """``FakeSession`` of another process: the same call, answered by the bridge at ``address``."""

    def __init__(self, address: str, user: str):
        super().__init__()
        self.address, self.user = address, user
        self._wire = requests.Session()

    def request(self, method, url, params=None, data=None, headers=None, cookies=None, files=None, auth=None,
                timeout=None, allow_redirects=True, proxies=None, hooks=None, stream=None, verify=None, cert=None, json=None):
        body = json if json is not None else (_json.loads(data) if data else None)
        asked = {"method": method, "url": url, "params": params, "body": body, "user": self.user,
                 "timeout": list(timeout) if isinstance(timeout, tuple) else timeout}
        got = self._wire.post(self.address, data=_json.dumps(asked, allow_nan=False), timeout=120).json()
        response = requests.Response()
        response.status_code = got["code"]
        response._content = _json.dumps(got["payload"], ensure_ascii=False).encode()
        response.headers["Content-Type"] = "application/json; charset=UTF-8"
        response.encoding = "utf-8"
        response.url = url
        response.request = requests.Request(method, url).prepare()
        return response


_json = json
