"""Where a run's LangGraph checkpoints live, and the thread that names them.

A run checkpoints every node into one LangGraph thread. The store is SQLite in the run directory
(``checkpoints.sqlite``, the embedded default) or a PostgreSQL database given as ``checkpoint_db`` (one
database shared by many runs and machines). ``checkpoint.json`` in the run directory records the thread
id and the store, written before the first node runs, so ``ibl resume`` finds both.

A PostgreSQL URL never carries a password: it is written to the run directory (config.json,
checkpoint.json). libpq reads the password from ``PGPASSWORD`` or ``~/.pgpass`` instead.
"""

from __future__ import annotations

import fcntl
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite import SqliteSaver

from ibl_agents.errors import ConfigError, ResumeError
from ibl_agents.loop.artifacts import read_json, write_json

RECORD = "checkpoint.json"
LOCK = ".running"  # flock held by the process working on the run
SQLITE_FILE = "checkpoints.sqlite"
POSTGRES_SCHEMES = ("postgresql", "postgres")
POSTGRES_EXTRA = "pip install 'ibl-agents[postgres]'"


@dataclass(frozen=True)
class RunThread:
    """The LangGraph thread of one run and the store holding its checkpoints."""

    thread_id: str
    checkpoint_db: str | None  # PostgreSQL URL without password; None: SQLite in the run directory

    @property
    def config(self) -> dict[str, dict[str, str]]:
        """LangGraph's run config selecting this thread."""
        return {"configurable": {"thread_id": self.thread_id}}

    @property
    def store(self) -> str:
        """What the user reads: the SQLite file name or the database URL."""
        return self.checkpoint_db or SQLITE_FILE


def checked_checkpoint_db(url: str | None) -> str | None:
    """Validate a ``checkpoint_db`` URL (PostgreSQL, no password, driver installed) and connect once.

    Connecting here also creates LangGraph's tables, so a wrong URL or a server that is down fails
    before a run writes anything. None (SQLite in the run directory) passes as is.
    """
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in POSTGRES_SCHEMES or (not parts.hostname and not parts.path.strip("/")):
        raise ConfigError(
            f"checkpoint_db must be a PostgreSQL URL such as postgresql://user@host:5432/dbname, not {url!r}"
        )
    if parts.password is not None or "password" in parse_qs(parts.query):
        raise ConfigError(
            "checkpoint_db must not contain a password (the URL is written to the run directory):"
            " remove it and set PGPASSWORD, or add the password to ~/.pgpass"
        )
    try:
        import langgraph.checkpoint.postgres  # noqa: F401
    except ImportError:
        raise ConfigError(
            f"checkpoint_db needs LangGraph's PostgreSQL checkpointer: {POSTGRES_EXTRA}"
        ) from None
    with open_checkpointer(Path(), url):
        return url


def start_thread(run_dir: Path, checkpoint_db: str | None) -> RunThread:
    """A new thread for a new run, recorded in ``checkpoint.json`` before anything is checkpointed."""
    thread = RunThread(f"{run_dir.name}-{uuid.uuid4().hex[:8]}", checkpoint_db)
    write_json(run_dir / RECORD, asdict(thread))
    return thread


def recorded_thread(run_dir: Path) -> RunThread | None:
    """The thread recorded in a run directory; None when it has no ``checkpoint.json``."""
    path = run_dir / RECORD
    if not path.is_file():
        return None
    values = read_json(path)
    return RunThread(values["thread_id"], checked_checkpoint_db(values.get("checkpoint_db")))


@contextmanager
def open_checkpointer(run_dir: Path, checkpoint_db: str | None) -> Iterator[BaseCheckpointSaver]:
    """A run's checkpoint store, open: ``checkpoint_db``, else SQLite in ``run_dir``.

    PostgreSQL tables are created on first use (``setup()`` is idempotent).
    """
    if checkpoint_db is None:
        with SqliteSaver.from_conn_string(str(run_dir / SQLITE_FILE)) as saver:
            yield saver
        return
    import psycopg
    from langgraph.checkpoint.postgres import PostgresSaver

    try:
        with PostgresSaver.from_conn_string(checkpoint_db) as saver:
            saver.setup()
            yield saver
    except psycopg.Error as exc:  # unreachable, refused, or lost in the middle of a run
        cause = " ".join(str(exc).split())  # libpq's message spans lines; ours is one
        raise ConfigError(
            f"cannot use the checkpoint database {checkpoint_db}: {cause}; check the URL, that the server"
            " runs, and PGPASSWORD or ~/.pgpass"
        ) from None


@contextmanager
def working_on(run_dir: Path) -> Iterator[Path]:
    """Hold ``run_dir`` for this process while it works on the run, and yield it.

    A second process on the same run (resuming a run that is not dead) would write the same candidate
    files and checkpoints, so it is refused. The lock is a flock: the kernel drops it when the holder
    dies, also on SIGKILL.
    """
    with (run_dir / LOCK).open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ResumeError(
                f"{run_dir} is still running in another process: stop that process first, or wait for it"
            ) from None
        yield run_dir
