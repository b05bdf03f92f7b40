"""Which isolation the process executor actually has here: ``ibl sandbox check --sandbox process``.

As for Docker, what was asked for is not trusted: one probe candidate runs in the real confinement and
reports what it sees from inside (its user, capabilities, network interfaces, mounts, processes,
environment and resource limits); each finding is compared with what ``sandbox.confinement`` asked for.
"""

from __future__ import annotations

import pandas as pd

from sandbox.check import Check
from sandbox.confinement import SANDBOX_ENV
from sandbox.errors import SandboxUnavailable
from sandbox.hardening import DEFAULT_LIMITS, MIB, SandboxLimits
from sandbox.process_executor import ProcessExecutor
from sandbox.results import OutcomeKind

# Our own probe, not a model: it reaches os and resource past the runner's run-time import guard.
PROBE = """
import typing
os = typing.sys.modules["_frozen_importlib"]._gcd_import("os")
resource = typing.sys.modules["_frozen_importlib"]._gcd_import("resource")

def predict(df):
    status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
    interfaces = [l for l in open("/proc/net/dev").read().splitlines()[2:] if "lo:" not in l]
    mounts = [m.split() for m in open("/proc/self/mounts")]
    options = [[m[3].split(",")[0] for m in mounts if m[1] == path] for path in ("/", "/dev")]
    read_only = [int(bool(stack) and stack[-1] == "ro") for stack in options]  # the last mount is seen
    names = ("AS", "NPROC", "FSIZE", "NOFILE", "CORE", "CPU")
    hard = [resource.getrlimit(getattr(resource, "RLIMIT_" + n))[1] for n in names]
    pids = [p for p in os.listdir("/proc") if p.isdigit()]
    foreign = set(os.environ) - set(ALLOWED_ENV)
    values = [os.getuid(), int(status["CapEff"], 16), int(status["NoNewPrivs"]), int(status["Seccomp"]),
              len(interfaces), *read_only, len(pids), len(foreign), *hard]
    return [float(v) for v in values]
"""
# Added by the tools themselves: LC_CTYPE by Python (PEP 538 locale coercion), PWD by bwrap --chdir.
PROBE = PROBE.replace("ALLOWED_ENV", repr(sorted([*SANDBOX_ENV, "LC_CTYPE", "PWD"])))
DEGRADED = "weaker than Docker"
SECCOMP_MODE_FILTER = 2  # /proc/<pid>/status "Seccomp:": 0 none, 1 strict, 2 filter
FINDINGS = ("uid", "caps", "nnp", "seccomp", "interfaces", "root_ro", "dev_ro", "pids", "env")
FINDINGS += ("as", "nproc", "fsize", "nofile", "core", "cpu")


def check_process_sandbox(limits: SandboxLimits = DEFAULT_LIMITS) -> list[Check]:
    """Start the process executor (its smoke test) and read every isolation setting back from inside."""
    try:
        executor = ProcessExecutor(limits)
    except SandboxUnavailable as exc:
        return [Check("process sandbox starts", False, str(exc))]
    with executor:
        result = executor.run(PROBE, {"probe": pd.DataFrame({"row": range(len(FINDINGS))})})
        description, missing = executor.description, executor.missing
    if result.kind is not OutcomeKind.OK:
        return [Check("probe runs inside the process sandbox", False, f"{result.kind}: {result.message}")]
    seen = dict(zip(FINDINGS, result.predictions["probe"], strict=True))
    unlimited = float(2**64 - 1)
    checks = [
        Check("process sandbox starts", True, description),
        Check("unprivileged user", seen["uid"] != 0, f"uid {seen['uid']:.0f}"),
        Check("no capabilities", seen["caps"] == 0, f"CapEff {seen['caps']:.0f}"),
        Check("no-new-privileges", seen["nnp"] == 1, f"NoNewPrivs {seen['nnp']:.0f}"),
        Check("seccomp filter", seen["seccomp"] == SECCOMP_MODE_FILTER, f"Seccomp {seen['seccomp']:.0f}"),
        Check("no network", seen["interfaces"] == 0, f"{seen['interfaces']:.0f} non-loopback interfaces"),
        Check("read-only root filesystem", seen["root_ro"] == 1, "from /proc/self/mounts"),
        Check("read-only /dev", seen["dev_ro"] == 1, "from /proc/self/mounts"),
        Check("own pid namespace", seen["pids"] <= 4, f"{seen['pids']:.0f} processes visible"),
        Check("no host environment", seen["env"] == 0, f"{seen['env']:.0f} variables beyond the fixed ones"),
        Check("address-space limit", seen["as"] != unlimited, _mib(seen["as"])),
        Check("process/thread limit", seen["nproc"] != unlimited, f"{seen['nproc']:.0f} for the user"),
        Check("file-size limit", seen["fsize"] == limits.tmp_mb * MIB, _mib(seen["fsize"])),
        Check("open-file and core limits", (seen["nofile"], seen["core"]) == (256, 0), "256 files, no core"),
        Check("CPU-seconds limit", seen["cpu"] != unlimited, f"{seen['cpu']:.0f} s"),
    ]
    return checks + [Check(DEGRADED, False, gap) for gap in missing]


def _mib(value: float) -> str:
    return "unlimited" if value >= 2**63 else f"{value / MIB:.0f} MiB"
