"""A throwaway PostgreSQL server for the checkpointer tests: its own cluster in a temp dir, on loopback.

Debian installs the server binaries under /usr/lib/postgresql/<version>/bin (not on PATH); when they are
missing and we are root, ``apt-get install postgresql`` brings them (.ci/setup does the same up front).
PostgreSQL refuses to run as root, so as root the cluster belongs to the ``postgres`` user the package
creates. Host connections need a password (scram-sha-256), so the tests exercise PGPASSWORD.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

PASSWORD = "throwaway-secret"
SUPERUSER = "postgres"


def server_binaries() -> Path | None:
    """The newest installed server's bin directory, or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def install_server() -> str:
    """apt-get install postgresql as root; returns why it could not (empty when it did)."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return "PostgreSQL server binaries missing and not root: apt-get install postgresql"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "postgresql"]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
        result = subprocess.run(install, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            return f"apt-get install postgresql failed: {result.stderr.strip()[-300:]}"
    return ""


@dataclass
class ThrowawayPostgres:
    """A cluster created, started and removed by the tests."""

    bin_dir: Path

    def __post_init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="ibl-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self._as_owner: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, SUPERUSER, SUPERUSER)
            self._as_owner = ["runuser", "-u", SUPERUSER, "--"]

    @property
    def url(self) -> str:
        """The URL a run stores: no password (it comes from PGPASSWORD)."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres"

    def start(self) -> ThrowawayPostgres:
        password_file = self.root / "password"
        password_file.write_text(PASSWORD)
        if self._as_owner:
            shutil.chown(password_file, SUPERUSER, SUPERUSER)
        self._run(
            "initdb", "-D", str(self.data), "-U", SUPERUSER, "--pwfile", str(password_file),
            "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync",
        )  # fmt: skip
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = self.root / "server.log"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(log), "-w", "start")
        return self

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        command = [*self._as_owner, str(self.bin_dir / program), *args]
        result = subprocess.run(command, capture_output=True, text=True, cwd=self.root, timeout=120)
        if result.returncode != 0:
            raise subprocess.CalledProcessError(result.returncode, command, result.stdout, result.stderr)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
