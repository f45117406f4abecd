"""panva's ``oidc-provider`` (an OpenID Certified provider, from npm) run with this machine's node on 127.0.0.1:
an independent provider for the single sign-on tests in tests/e2e (tests/support/oidc/provider.js).

``npm ci`` is run here when tests/support/oidc/node_modules is missing (CI runs it beforehand, see the lead's
.ci/run). Fails, never skips, when node or the package cannot be had.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.browser import stop_process

FOLDER = Path(__file__).parent / "oidc"


def install() -> None:
    if (FOLDER / "node_modules" / "oidc-provider").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm не найден: установите nodejs и npm (Debian: apt-get install nodejs npm)")
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=FOLDER, capture_output=True, text=True, timeout=600)
    if done.returncode:
        pytest.fail(f"npm ci в {FOLDER} не прошёл: {done.stderr[-2000:]}")


class RealOIDC:
    """One provider process; ``restart`` starts it again with another registration (its sessions are lost)."""

    def __init__(self, port: int, folder: Path, client: dict, accounts: dict):
        self.port, self.folder, self.client, self.accounts = port, folder, client, accounts
        self.base = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None

    @property
    def metadata_url(self) -> str:
        return f"{self.base}/.well-known/openid-configuration"

    @property
    def log(self) -> str:
        return (self.folder / "oidc.log").read_text()

    def start(self) -> RealOIDC:
        install()
        config = self.folder / "oidc.json"
        config.write_text(json.dumps({"port": self.port, "client": self.client, "accounts": self.accounts}))
        # the log is appended to across restarts: only a «ready» written after this start says this process listens
        # (the one of the process before it was read as this one's, and the browser went to a port nobody listened on)
        log = self.folder / "oidc.log"
        before = log.stat().st_size if log.exists() else 0
        out = open(log, "a")
        self.proc = subprocess.Popen([shutil.which("node") or "node", str(FOLDER / "provider.js"), str(config)],
                                     cwd=FOLDER, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with open(log, "rb") as written:
                written.seek(before)
                if f"ready {self.base}".encode() in written.read():
                    return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"oidc-provider не запустился: {self.log[-2000:]}")

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, timeout=10)
        self.proc = None

    def restart(self, **changes) -> None:
        self.stop()
        for key, value in changes.items():
            setattr(self, key, value)
        self.start()

    def __enter__(self) -> RealOIDC:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
