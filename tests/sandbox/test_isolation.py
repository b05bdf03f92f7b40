"""Docker-specific isolation details seen from inside; the attack suite (test_attacks.py) covers the rest."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from sandbox.docker_executor import DockerExecutor
from sandbox.results import OutcomeKind
from tests.sandbox.attacks import past_the_import_guard

pytestmark = pytest.mark.docker
ONE_ROW = {"v": pd.DataFrame({"x": [1.0]})}


def probe(executor: DockerExecutor, expression: str) -> float:
    """The value of ``expression`` evaluated inside the sandbox (as the one prediction of one row)."""
    code = past_the_import_guard(f"import os, socket\ndef predict(df):\n    return [float({expression})]\n")
    result = executor.run(code, ONE_ROW)
    assert result.kind is OutcomeKind.OK, result
    return result.predictions["v"][0]


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
    limits = "_reach('resource').getrlimit(_reach('resource').RLIMIT_{})[1]"  # past the import guard
    assert probe(executor, limits.format("CORE")) == 0
    assert probe(executor, limits.format("NOFILE")) == 256
    assert probe(executor, limits.format("FSIZE")) == 64 * 1024 * 1024
