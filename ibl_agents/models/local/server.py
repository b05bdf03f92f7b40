"""The embedded llama.cpp server: ``python -m llama_cpp.server`` as a managed child process.

Running the model out of process keeps llama.cpp's memory and native crashes away from the run, and
its OpenAI-compatible HTTP API means the local model goes through the same ``ChatOpenAI`` path as any
hosted one. The server gets its own process group so that ``stop()`` can take down everything it
spawned, and its output goes to a log file whose tail is quoted when it fails. Because it has its own
session, a SIGKILLed parent would leave it running: ``orphan_guard.py`` (beside this module) ends it when
its parent dies.
"""

from __future__ import annotations

import contextlib
import http.client
import importlib.util
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from ibl_agents.errors import ModelServerError
from ibl_agents.models.local.adaptive_threads import ADAPTIVE_THREADS
from ibl_agents.models.local.bundled import Log
from sandbox.cache import cache_root

_logger = logging.getLogger(__name__)
_INSTALL_HINT = "pip install 'ibl-agents[local]'"


@dataclass(frozen=True)
class ServerTuning:
    """How the embedded server spends CPU and memory; neither changes a reply's text (bench/local_server.py
    compares the replies, and its numbers are in the README, "The embedded model").

    - ``threads``: None picks, before each request, as many threads as the other running processes leave
      CPUs (``adaptive_threads``): on 2 cores a fixed 2 collapsed beside one busy process (0.29 tokens/s)
      and a fixed 1 is a third slower on a quiet machine. A number fixes it.
    - ``prompt_cache_mb``: llama-cpp-python's RAM cache of evaluated prompts. Without it the server keeps
      only the last request's tokens, so the critic's call evicted the generator's prefix and the next
      generator prompt matched 25 tokens of it; with it each call resumes from the longest stored prefix.
      0 is off.
    Prompt-lookup decoding (llama-cpp-python's ``draft_model``) was measured and left out: with the
    logits of every prompt token it needs, the reference sequence of calls took 1.8x as long, and one
    of its five replies differed from plain decoding at temperature 0.
    """

    threads: int | None = None
    prompt_cache_mb: int = 1024

    def argv(self) -> list[str]:
        """The server's command-line options for this tuning."""
        threads = str(self.threads or usable_cpus())
        options = ["--n_threads", threads, "--n_threads_batch", threads]
        if self.prompt_cache_mb > 0:
            options += ["--cache", "true", "--cache_type", "ram"]
            options += ["--cache_size", str(self.prompt_cache_mb << 20)]
        return options

    def environment(self) -> dict[str, str]:
        """What the server process needs in its environment to choose threads per request."""
        return {} if self.threads else {ADAPTIVE_THREADS: str(usable_cpus())}


class LocalModelServer:
    """One llama.cpp server for one GGUF file, bound to a free port on 127.0.0.1.

    Use it as a context manager; ``stop()`` is the only cleanup (there is no ``__del__``). A restart
    keeps the port, so ``base_url`` handed to clients stays valid.
    """

    def __init__(
        self,
        model_path: Path,
        *,
        n_ctx: int = 4096,
        tuning: ServerTuning = ServerTuning(),
        startup_timeout_s: float = 180,
        log_dir: Path | None = None,
        log: Log = _logger.info,
    ) -> None:
        self.model_path = Path(model_path)
        self.model_name = self.model_path.stem
        self.n_ctx = n_ctx
        self.tuning = tuning
        self.startup_timeout_s = startup_timeout_s
        self._log = log
        self._port = _free_port()
        self.log_path = (log_dir or cache_root() / "logs") / f"llama-server-{self._port}.log"
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/v1"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def __enter__(self) -> LocalModelServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Launch the server and block until ``GET /v1/models`` answers."""
        if self.is_alive():
            return
        if importlib.util.find_spec("llama_cpp") is None:
            raise ModelServerError(f"the local model needs llama-cpp-python: {_INSTALL_HINT}")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log(
            f"starting llama.cpp server for {self.model_path.name} on {self.base_url} (log: {self.log_path})"
        )
        with self.log_path.open("ab") as log_file:
            self._proc = subprocess.Popen(
                self._command(),
                env={**os.environ, **self.tuning.environment()},
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started = time.monotonic()
        try:
            self._wait_until_ready(started + self.startup_timeout_s)
        except BaseException:
            self.stop()
            raise
        self._log(f"llama.cpp server ready in {time.monotonic() - started:.1f}s")

    def _command(self) -> list[str]:
        guard = Path(__file__).with_name("orphan_guard.py")  # ends the server if this process is killed
        return [
            *(sys.executable, str(guard), str(os.getpid()), "llama_cpp.server"),
            *("--model", str(self.model_path)),
            *("--model_alias", self.model_name, "--host", "127.0.0.1", "--port", str(self._port)),
            *("--n_ctx", str(self.n_ctx), *self.tuning.argv()),
            # Runs sharing a server must not cut off each other's streamed replies.
            *("--interrupt_requests", "false"),
            # The server's default keeps logits for every prompt token: an n_ctx x vocab float array
            # (2.5 GB at 4096 tokens) filled on each request, needed only for prompt logprobs.
            *("--logits_all", "false"),
        ]

    def is_alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def ensure_alive(self) -> None:
        """Restart a server that died (e.g. killed for memory) once; raise if it will not come back."""
        if self.is_alive():
            return
        code = self._proc.returncode if self._proc else None
        how = f"exit code {code}" if code is None or code >= 0 else f"killed by {signal.Signals(-code).name}"
        self._log(f"llama.cpp server is not running ({how}, log: {self.log_path}); restarting it")
        self.stop()
        try:
            self.start()
        except ModelServerError as exc:
            raise ModelServerError(f"the local model server died and could not be restarted: {exc}") from exc

    def stop(self) -> None:
        """SIGTERM the server's process group, SIGKILL it after 10 s, and reap the process."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        for sig, grace_s in ((signal.SIGTERM, 10.0), (signal.SIGKILL, None)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout=grace_s)
                break
            except subprocess.TimeoutExpired:
                continue
        # The leader is gone; anything it left behind in its group goes too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    def _wait_until_ready(self, deadline: float) -> None:
        assert self._proc is not None
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise ModelServerError(self._startup_failure(f"exited with code {self._proc.returncode}"))
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as resp:
                    json.load(resp)
                return
            except (urllib.error.URLError, http.client.HTTPException, OSError, json.JSONDecodeError):
                time.sleep(0.5)
        raise ModelServerError(self._startup_failure(f"did not answer within {self.startup_timeout_s:.0f}s"))

    def _startup_failure(self, what: str) -> str:
        """One line: what happened, the server's own last error line, the fix, and where the full log is."""
        lines = [
            line.strip() for line in self.log_path.read_text(errors="replace").splitlines() if line.strip()
        ]
        if any("ModuleNotFoundError" in line for line in lines):
            fix = f"install the server extras: {_INSTALL_HINT}"
        else:
            fix = "check that the model file is a complete GGUF, or pick another model"
        cause = f" ({lines[-1][:200]})" if lines else ""
        name = self.model_path.name
        return f"llama.cpp model server for {name} {what}{cause}; {fix}; full log: {self.log_path}"


def usable_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_shared: dict[tuple[Path, int, ServerTuning], tuple[LocalModelServer, int]] = {}
_shared_lock = threading.Lock()


@contextlib.contextmanager
def shared_server(
    model_path: Path,
    *,
    n_ctx: int = 4096,
    tuning: ServerTuning = ServerTuning(),
    startup_timeout_s: float = 180,
    log_dir: Path | None = None,
    log: Log = _logger.info,
) -> Iterator[LocalModelServer]:
    """Lend out one server per (model, n_ctx, tuning) in this process, stopped when the last user leaves.

    Loading a model takes seconds and a copy of its weights in memory, so concurrent runs in one
    process (a sweep, a notebook) share it instead of starting their own.
    """
    key = (Path(model_path).resolve(), n_ctx, tuning)
    with _shared_lock:
        server, users = _shared.get(key) or (
            LocalModelServer(
                key[0],
                n_ctx=n_ctx,
                tuning=tuning,
                startup_timeout_s=startup_timeout_s,
                log_dir=log_dir,
                log=log,
            ),
            0,
        )
        if users == 0:
            server.start()
        else:
            server.ensure_alive()
        _shared[key] = (server, users + 1)
    try:
        yield server
    finally:
        with _shared_lock:
            server, users = _shared.pop(key)
            if users > 1:
                _shared[key] = (server, users - 1)
            else:
                server.stop()
