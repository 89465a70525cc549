"""A throw-away PostgreSQL server for fault tests: its own data directory, a free loopback port,
and stop / start that keep the data (so a test can take the database away and bring it back).

Uses the Debian server binaries (``/usr/lib/postgresql/*/bin``), like ``deploy/local-cluster``.
As root the server runs as the ``postgres`` account (PostgreSQL refuses to run as root), so the
directory is made under the system temp dir (world-searchable), not pytest's private one.
TCP on 127.0.0.1 only, SCRAM passwords; the Unix socket lives inside the directory.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.stack.harness import free_port

DATABASE = "prescreen"
USER = "prescreen"


def pg_bin(name: str) -> str | None:
    """The newest PostgreSQL server binary `name`, or None."""
    found = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0,
    )
    if found:
        return str(found[-1])
    return shutil.which(name)


def missing() -> str | None:
    """Why a server cannot be started here (a skip reason), or None."""
    absent = [name for name in ("initdb", "pg_ctl") if pg_bin(name) is None]
    if absent:
        return (
            f"PostgreSQL server binaries not found ({', '.join(absent)} under "
            "/usr/lib/postgresql/*/bin): apt-get install postgresql"
        )
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root needs `runuser` to start PostgreSQL as the postgres account"
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        return "the psycopg2 driver is not installed"
    return None


class PostgresServer:
    """One PostgreSQL cluster in a temp dir on 127.0.0.1:`port`, with database `prescreen`."""

    def __init__(self) -> None:
        initdb, pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
        if initdb is None or pg_ctl is None:
            raise RuntimeError(missing() or "no PostgreSQL binaries")
        self.initdb, self.pg_ctl = initdb, pg_ctl
        self.root = Path(tempfile.mkdtemp(prefix="prescreen-dbdown-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        self.superuser_password = secrets.token_urlsafe(18)
        self.password = secrets.token_urlsafe(18)
        self.run_as: list[str] = []
        if os.geteuid() == 0:
            self.run_as = [str(shutil.which("runuser")), "-u", "postgres", "--"]
            shutil.chown(self.root, user="postgres", group="postgres")
        self.root.chmod(0o700)

    @property
    def url(self) -> str:
        """The application's DATABASE_URL (a role without superuser rights)."""
        return f"postgresql+psycopg2://{USER}:{self.password}@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, *args: str, timeout: float = 120) -> str:
        done = subprocess.run(
            [*self.run_as, *args], capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode != 0:
            tail = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(
                f"{Path(args[0]).name} {' '.join(args[1:3])} failed ({done.returncode}): "
                f"{done.stdout[-1000:]}{done.stderr[-1000:]}\n{tail}"
            )
        return done.stdout

    def init(self) -> None:
        """initdb, start, and create the application role and database."""
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.superuser_password + "\n")
        pwfile.chmod(0o600)
        if self.run_as:
            shutil.chown(pwfile, user="postgres", group="postgres")
        try:
            self._run(
                self.initdb,
                "-D",
                str(self.data),
                "-U",
                "postgres",
                f"--pwfile={pwfile}",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--no-sync",
            )
        finally:
            pwfile.unlink(missing_ok=True)
        self.start()
        import psycopg2

        admin = psycopg2.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            password=self.superuser_password,
            dbname="postgres",
        )
        try:
            admin.autocommit = True
            with admin.cursor() as cursor:
                cursor.execute(
                    f"CREATE ROLE {USER} LOGIN NOSUPERUSER NOCREATEDB PASSWORD %s",
                    (self.password,),
                )
                cursor.execute(f"CREATE DATABASE {DATABASE} OWNER {USER} ENCODING 'UTF8'")
        finally:
            admin.close()

    def start(self) -> None:
        """Start the server (again) on the same port; returns once it accepts connections."""
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            self.pg_ctl, "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t",
            "60", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: `fast` ends every client session (as a crash or restart would)."""
        self._run(self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        done = subprocess.run(
            [*self.run_as, self.pg_ctl, "-D", str(self.data), "status"],
            capture_output=True,
            timeout=30,
            check=False,
        )
        return done.returncode == 0

    def destroy(self) -> None:
        """Stop (if running) and delete the directory."""
        try:
            if self.data.exists() and self.running():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
