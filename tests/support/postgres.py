"""A throwaway PostgreSQL cluster for the tests: ``initdb`` on a temporary folder, ``pg_ctl start`` on a free
loopback port, stopped and removed at the end. Nothing is mocked: the tests talk to a real server.

The server's programs are found, in this order: ``DEBT_PG_BIN`` (a folder holding ``initdb`` and ``pg_ctl``);
the newest ``/usr/lib/postgresql/<version>/bin`` (Debian's ``postgresql`` package); ``initdb`` on ``PATH``.
None found is an error (the test fails, never skips): install Debian's ``postgresql``.

``initdb`` refuses to run as root (CI runs as root): then the cluster is made and run by the ``postgres``
system user (created by Debian's package), or by ``debt-pg``, created here if that user does not exist.
The cluster trusts connections from 127.0.0.1 only; the app connects as the role ``debt_app`` with no more
rights than docs/postgresql.md asks of a real server's role (owner of its own database, nothing else).
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

APP_ROLE = "debt_app"


def binaries() -> Path:
    wanted = os.environ.get("DEBT_PG_BIN")
    candidates = [Path(wanted)] if wanted else []
    candidates += sorted((Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")),
                         key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, reverse=True)
    found = shutil.which("initdb")
    if found:
        candidates.append(Path(found).parent)
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    raise RuntimeError("Не найдены программы сервера PostgreSQL (initdb, pg_ctl): установите пакет Debian «postgresql» "
                       "или укажите папку с ними в DEBT_PG_BIN.")


def _server_user() -> str | None:
    """The user that runs the cluster: None = this one (not root); as root, ``postgres`` or a created ``debt-pg``."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "debt-pg"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "debt-pg"], check=True)
    return "debt-pg"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    bin: Path
    folder: Path
    port: int
    user: str | None
    _names = itertools.count(1)

    def _run(self, *args: str, **kw) -> subprocess.CompletedProcess:
        command = [str(a) for a in args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, **kw)

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str, role: str = APP_ROLE) -> str:
        return f"postgresql://{role}@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str, params=None, database: str = "postgres"):
        import psycopg

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/{database}", autocommit=True) as con:
            cur = con.execute(sql, params)
            return cur.fetchall() if cur.description else None

    def new_database(self, prefix: str = "t", template: str | None = None) -> str:
        """A new database owned by the app's role — empty, or a copy of ``template`` (a database nobody is
        connected to): its URL."""
        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        copied = f' TEMPLATE "{template}"' if template else ""
        self.admin(f'CREATE DATABASE "{name}"{copied} OWNER {APP_ROLE}')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(self.bin / "pg_ctl", "stop", "-D", self.folder / "data", "-m", "immediate", "-w")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def start_cluster(fast: bool = True) -> Cluster:
    """initdb + pg_ctl start on a new temporary folder and a free loopback port. ``fast``: no fsync (tests; a
    crash of the test machine loses only the throwaway cluster) — the bench measures with the defaults."""
    folder = Path(tempfile.mkdtemp(prefix="debt-pg-"))
    user = _server_user()
    if user:
        shutil.chown(folder, user)
    cluster = Cluster(binaries(), folder, _free_port(), user)
    data = folder / "data"
    try:
        cluster._run(cluster.bin / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                     "--locale=C.UTF-8", "--no-sync")
        options = [f"-p {cluster.port}", "-c listen_addresses=127.0.0.1", f"-c unix_socket_directories={folder}",
                   "-c max_connections=200", "-c shared_buffers=64MB"]
        if fast:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        for attempt in range(3):
            try:
                cluster._run(cluster.bin / "pg_ctl", "start", "-D", data, "-w", "-t", "60", "-l", folder / "server.log",
                             "-o", " ".join(options))
                break
            except subprocess.CalledProcessError:
                if attempt == 2:
                    raise
                cluster.port = _free_port()  # taken in between: another port
                options[0] = f"-p {cluster.port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                cluster.admin(f"CREATE ROLE {APP_ROLE} LOGIN")
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    except subprocess.CalledProcessError as err:
        log = (folder / "server.log").read_text(errors="replace") if (folder / "server.log").exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL не запустился: {err.cmd}\n{err.stdout}\n{err.stderr}\n{log}") from err
    _watch(cluster)
    return cluster


_WATCHDOG = """
import os, shutil, subprocess, sys, time
parent, command, folder = int(sys.argv[1]), sys.argv[2:-1], sys.argv[-1]
while True:
    try:
        os.kill(parent, 0)
    except ProcessLookupError:
        break
    if not os.path.isdir(folder):
        sys.exit(0)  # stopped the usual way
    time.sleep(1)
subprocess.run(command, capture_output=True)
shutil.rmtree(folder, ignore_errors=True)
"""


def _watch(cluster: Cluster) -> None:
    """A process that stops the cluster if the process that started it ends without stopping it (a test run
    killed by a time-out or ^C): a throwaway server must not outlive its run on a shared machine."""
    command = [str(cluster.bin / "pg_ctl"), "stop", "-D", str(cluster.folder / "data"), "-m", "immediate"]
    if cluster.user:
        command = ["runuser", "-u", cluster.user, "--", *command]
    subprocess.Popen([sys.executable, "-c", _WATCHDOG, str(os.getpid()), *command, str(cluster.folder)],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
