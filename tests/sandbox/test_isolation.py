"""The container's limits and isolation, seen from inside by a code model (and from the host)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable

import pandas as pd
import pytest

from sandbox.docker_executor import DockerExecutor
from sandbox.results import OutcomeKind
from tests.sandbox.support import FRAME

pytestmark = pytest.mark.docker
ONE_ROW = {"v": pd.DataFrame({"x": [1.0]})}


def probe(executor: DockerExecutor, expression: str) -> float:
    """The value of ``expression`` evaluated inside the sandbox (as the one prediction of one row)."""
    code = f"import os, socket\ndef predict(df):\n    return [float({expression})]\n"
    result = executor.run(code, ONE_ROW)
    assert result.kind is OutcomeKind.OK, result
    return result.predictions["v"][0]


def test_timeout_kills_an_infinite_loop(make_executor: Callable[..., DockerExecutor]) -> None:
    result = make_executor(timeout_s=1.0).run("def predict(df):\n    while True:\n        pass\n", ONE_ROW)
    assert result.kind is OutcomeKind.TIMEOUT
    assert "1 s" in result.message and result.duration_s < 5


def test_memory_limit(make_executor: Callable[..., DockerExecutor]) -> None:
    code = "import numpy as np\ndef predict(df):\n    block = np.ones(2 * 1024**3 // 8)\n    return [0.0]\n"
    result = make_executor(memory_mb=256).run(code, ONE_ROW)
    assert result.kind is OutcomeKind.MEMORY_LIMIT, result
    assert "256 MiB" in result.message


@pytest.mark.parametrize(
    "code",
    [
        "import os\nwhile True:\n    os.fork()\n",
        "import threading, time\nwhile True:\n    threading.Thread(target=time.sleep, args=(60,)).start()\n",
    ],
    ids=["fork-bomb", "thread-flood"],
)
def test_process_limit(make_executor: Callable[..., DockerExecutor], code: str) -> None:
    result = make_executor(pids=32).run(code, ONE_ROW)
    assert result.kind is OutcomeKind.PROCESS_LIMIT, result


def test_output_limit_stops_a_print_flood(make_executor: Callable[..., DockerExecutor]) -> None:
    code = "while True:\n    print('x' * 65536)\n"
    result = make_executor(max_output_bytes=1024 * 1024).run(code, ONE_ROW)
    assert result.kind is OutcomeKind.OUTPUT_LIMIT
    assert "1048576 bytes" in result.message


def test_network_is_unreachable(executor: DockerExecutor) -> None:
    code = """
        import socket
        def predict(df):
            socket.create_connection(("1.1.1.1", 53), timeout=3)
            return [1.0] * len(df)
    """
    result = executor.run(textwrap.dedent(code), {"v": FRAME})
    assert result.kind is OutcomeKind.RUNTIME_ERROR
    assert "OSError" in result.message and "unreachable" in result.message
    interfaces = "[line for line in open('/proc/net/dev').read().splitlines()[2:] if 'lo:' not in line]"
    assert probe(executor, f"len({interfaces})") == 0


def test_host_environment_never_enters(executor: DockerExecutor, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake-canary-value")
    assert probe(executor, "len(os.environ.get('OPENAI_API_KEY', ''))") == 0
    assert probe(executor, "any('canary' in v for v in os.environ.values())") == 0


def test_unprivileged_user_read_only_root_writable_tmp(executor: DockerExecutor) -> None:
    assert probe(executor, "os.getuid()") == 65534
    root_options = "[m.split()[3] for m in open('/proc/self/mounts') if m.split()[1] == '/'][0]"
    assert probe(executor, f"{root_options}.split(',')[0] == 'ro'") == 1
    code = """
        def predict(df):
            try:
                open("/etc/ibl-canary", "w").write("x")
            except OSError as exc:
                return [float(exc.errno)]
            return [0.0]
    """
    assert executor.run(textwrap.dedent(code), ONE_ROW).predictions == {"v": [30.0]}  # EROFS
    assert probe(executor, "open('/tmp/scratch', 'w').write('fine')") == 4
    tmp_options = "[m.split()[3] for m in open('/proc/self/mounts') if m.split()[1] == '/tmp'][0]"
    assert probe(executor, f"{{'noexec', 'nosuid'}} <= set({tmp_options}.split(','))") == 1


def test_no_capabilities_no_new_privileges_and_rlimits(executor: DockerExecutor) -> None:
    status = "dict(line.split(':\\t') for line in open('/proc/self/status').read().splitlines())"
    assert probe(executor, f"int({status}['CapEff'], 16)") == 0
    assert probe(executor, f"int({status}['NoNewPrivs'])") == 1
    limits = "__import__('resource').getrlimit(__import__('resource').RLIMIT_{})[1]"
    assert probe(executor, limits.format("CORE")) == 0
    assert probe(executor, limits.format("NOFILE")) == 256
    assert probe(executor, limits.format("FSIZE")) == 64 * 1024 * 1024
