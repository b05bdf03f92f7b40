"""The process executor's isolation, built in one place from ``SandboxLimits`` alone.

The degraded executor runs the same runner as a host subprocess, wrapped in whatever the host offers:

- ``prlimit`` (util-linux): address space, CPU seconds, file size, open files, no core dumps, and a
  process/thread cap (RLIMIT_NPROC);
- ``bwrap`` (bubblewrap): new pid, network, IPC and UTS namespaces, a read-only root holding only
  the system and Python directories (of site-packages only numpy, pandas and what they need, the image's
  packages), a size-capped ``/tmp``, a fresh ``/proc``, a read-only ``/dev``, no environment, and the
  seccomp filter of ``sandbox.syscall_filter`` (one process, no namespaces, no unmapped memory);
- ``setpriv`` (util-linux), only when the host runs as root: the code runs as ``nobody`` with no
  capabilities and no-new-privileges, because RLIMIT_NPROC is never enforced for root.

What is missing compared with Docker is listed by ``missing_isolation`` and shown as a warning in the
run's output and summary. As with ``sandbox.hardening``, nothing written by a user or by the LLM
reaches the command line: it is built from the limits, the interpreter and fixed paths.
"""

from __future__ import annotations

import math
import os
import shutil
import sys
import sysconfig
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from sandbox import syscall_filter
from sandbox.hardening import MIB, SandboxLimits

NOBODY = 65534
RUNNER_DIR_INSIDE = "/opt/ibl"
# RLIMIT_AS caps address space, not resident memory: python + numpy + pandas map ~400 MiB before any
# data, so the limit is memory_mb on top of this reserve (measured VmPeak 371 MiB, rounded up).
ADDRESS_SPACE_RESERVE_MB = 512
# The image's ENV (sandbox/Dockerfile, sandbox/rootfs.py), so code sees the same settings either way.
SANDBOX_ENV = {
    "PYTHONDONTWRITEBYTECODE": "1",
    "OPENBLAS_NUM_THREADS": "1",  # one BLAS thread per host CPU would eat the process limit
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "LANG": "C.UTF-8",
}
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64")
SANDBOX_PACKAGES = ("numpy", "pandas")  # the image's packages; their dependencies come with them
ALWAYS_MISSING = (
    "memory limit counts the address space (RLIMIT_AS) of the one process the code may run, not resident"
    " memory as Docker's cgroup does",
    "no CPU share limit (only CPU seconds, RLIMIT_CPU)",
    "the process limit (RLIMIT_NPROC) is per user, shared with that user's other processes",
)

UNFILTERED = (
    "memfd files, System V shared memory, child processes and user namespaces are not refused, so memory"
    " escapes the limit and a child can make namespaces of its own"
)


@dataclass(frozen=True)
class HostTools:
    """The isolation tools found on this host (None = not installed)."""

    bubblewrap: str | None
    prlimit: str | None
    setpriv: str | None
    is_root: bool

    @classmethod
    def find(cls) -> HostTools:
        return cls(shutil.which("bwrap"), shutil.which("prlimit"), shutil.which("setpriv"), os.geteuid() == 0)

    @property
    def sandbox_uid(self) -> int:
        """The user the code runs as: ``nobody`` when we are root, else whoever runs ibl-agents."""
        return NOBODY if self.is_root else os.geteuid()


def filters_syscalls(tools: HostTools) -> bool:
    """Whether runs here get the seccomp filter: bubblewrap loads it, libseccomp compiles it."""
    return tools.bubblewrap is not None and syscall_filter.unavailable_reason() is None


def missing_isolation(tools: HostTools) -> list[str]:
    """What this host's process sandbox lacks compared with the Docker executor, in words."""
    missing = list(ALWAYS_MISSING)
    if tools.bubblewrap is not None and not filters_syscalls(tools):
        missing.append(f"{syscall_filter.unavailable_reason()}: {UNFILTERED}")
    if tools.prlimit is None:
        missing.append("no resource limits at all: prlimit (util-linux) is not installed")
    if tools.bubblewrap is None:
        missing += [
            "no network isolation: code can open connections (install bubblewrap)",
            "no filesystem isolation: code reads and writes what its user may (install bubblewrap)",
            "no pid namespace: code sees host processes and orphaned children outlive the run",
            f"no seccomp filter (bubblewrap loads it): {UNFILTERED}",
        ]
    return missing


def unusable_reason(tools: HostTools) -> str | None:
    """Why the process sandbox must not run at all here, or None."""
    if tools.is_root and (tools.bubblewrap is None or tools.setpriv is None):
        return (
            "refusing to run generated code as root without bubblewrap and setpriv: install them "
            "(`apt-get install bubblewrap util-linux`) or use --sandbox docker"
        )
    return None


def python_dirs() -> list[str]:
    """Directories the interpreter and its packages (numpy, pandas and their dependencies) live in."""
    paths = sysconfig.get_paths()
    candidates = {sys.base_prefix, sys.prefix, sys.exec_prefix, paths["purelib"], paths["platlib"]}
    real = sorted({str(Path(p).resolve()) for p in candidates if Path(p).is_dir()})
    return [p for p in real if not _inside(p, [other for other in real if other != p])]


def package_paths(roots: tuple[str, ...] = SANDBOX_PACKAGES) -> list[str]:
    """The site-packages entries of ``roots`` and of everything they require on this platform: what the
    image installs (``sandbox/rootfs.py`` pip-installs numpy and pandas, which pull in the rest)."""
    seen: set[str] = set()
    todo, paths = list(roots), set()
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for file in distribution.files or []:
            if file.parts[0] not in ("..", "__pycache__"):  # scripts, and caches of other modules' bytecode
                paths.add(str(Path(str(distribution.locate_file(file.parts[0]))).resolve()))
        for line in distribution.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return sorted(path for path in paths if Path(path).exists())


def site_dirs() -> list[str]:
    """The interpreter's site-packages directories (hidden but for ``package_paths``)."""
    paths = sysconfig.get_paths()
    return sorted(
        {str(Path(paths[key]).resolve()) for key in ("purelib", "platlib") if Path(paths[key]).is_dir()}
    )


def limit_args(tools: HostTools, limits: SandboxLimits) -> list[str]:
    """``prlimit`` options; the process cap is the sandbox user's current task count plus ``pids``."""
    if tools.prlimit is None:
        return []
    address_space = (limits.memory_mb + ADDRESS_SPACE_RESERVE_MB) * MIB
    return [
        tools.prlimit,
        f"--as={address_space}",
        f"--cpu={math.ceil(limits.timeout_s) + 1}",
        f"--fsize={limits.tmp_mb * MIB}",
        "--nofile=256",
        "--core=0",
        f"--nproc={tasks_of(tools.sandbox_uid) + limits.pids}",
        "--",
    ]


def bubblewrap_args(tools: HostTools, limits: SandboxLimits, runner_dir: str) -> list[str]:
    """``bwrap`` options: namespaces, a read-only root with system + Python dirs, a private /tmp (the
    seccomp filter's ``--seccomp FD`` is added per run, by ``ConfinedCommand.argv``)."""
    if tools.bubblewrap is None:
        return []
    args = [tools.bubblewrap, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"]
    args += ["--unshare-cgroup-try", "--die-with-parent", "--new-session", "--hostname", "sandbox"]
    if not tools.is_root:  # unprivileged bubblewrap needs a user namespace; root drops via setpriv
        args += ["--unshare-user", "--cap-drop", "ALL"]
    made: set[str] = {"/"}
    bound: list[str] = []
    for path in [*SYSTEM_DIRS, *python_dirs()]:
        if Path(path).is_symlink():
            args += ["--symlink", os.readlink(path), path]
        elif Path(path).is_dir() and not _inside(path, bound):
            bound.append(path)
            args += [*_parents(path, made), "--ro-bind", path, path]
    # Only the image's packages are importable, as in Docker: the host's site-packages hold scikit-learn
    # and scipy, which a candidate imported and used here (issue 14); the empty tmpfs over each site dir
    # holds only the entries the image also has.
    for site in site_dirs():
        args += ["--tmpfs", site]
        args += [
            arg for path in package_paths() if _inside(path, [site]) for arg in ("--ro-bind", path, path)
        ]
        args += ["--remount-ro", site]
    args += [*_parents(RUNNER_DIR_INSIDE, made), "--ro-bind", runner_dir, RUNNER_DIR_INSIDE]
    # Read-only: unprivileged bubblewrap makes /dev a tmpfs the sandbox user owns, unbounded memory.
    args += ["--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev"]
    args += ["--perms", "1777", "--size", str(limits.tmp_mb * MIB), "--tmpfs", "/tmp"]
    args += ["--remount-ro", "/", "--chdir", "/tmp", "--clearenv"]
    for name, value in SANDBOX_ENV.items():
        args += ["--setenv", name, value]
    return args


def _inside(path: str, dirs: list[str]) -> bool:
    return any(path == d or path.startswith(d + os.sep) for d in dirs)


def _parents(path: str, made: set[str]) -> list[str]:
    """World-traversable parent directories (bubblewrap would create them 0700, unreadable to nobody)."""
    args: list[str] = []
    for parent in reversed(Path(path).parents):
        if str(parent) not in made:
            made.add(str(parent))
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


def drop_privileges_args(tools: HostTools) -> list[str]:
    """``setpriv`` to nobody with no capabilities and no-new-privileges, when we are root."""
    if not tools.is_root or tools.setpriv is None:
        return []
    return [
        tools.setpriv,
        f"--reuid={NOBODY}",
        f"--regid={NOBODY}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        "--",
    ]


@dataclass(frozen=True)
class ConfinedCommand:
    """bwrap -> setpriv -> python -I runner.py, fixed for an executor and so built once; only the
    descriptor the seccomp filter is read from changes between runs (bubblewrap reads it to its end).

    The full command line is ``limit_args(...) + command.argv(fd)``; the prlimit part changes between
    runs too (its process cap counts the sandbox user's tasks at launch).
    """

    bubblewrap: list[str]
    inside: list[str]

    def argv(self, filter_fd: int | None) -> list[str]:
        """The command line; ``filter_fd`` is an open descriptor of the compiled filter, or None."""
        if not self.bubblewrap:
            return self.inside
        seccomp = ["--seccomp", str(filter_fd)] if filter_fd is not None else []
        return [*self.bubblewrap, *seccomp, "--", *self.inside]


def confined_command(tools: HostTools, limits: SandboxLimits, runner_dir: str) -> ConfinedCommand:
    """The executor's fixed command line (see ``ConfinedCommand``)."""
    inside = RUNNER_DIR_INSIDE if tools.bubblewrap else runner_dir
    runner = [*drop_privileges_args(tools), sys.executable, "-I", f"{inside}/runner.py"]
    return ConfinedCommand(bubblewrap_args(tools, limits, runner_dir), runner)


def tasks_of(uid: int) -> int:
    """Processes + threads owned by ``uid`` right now (what RLIMIT_NPROC counts)."""
    count = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:  # the process ended while we looked
            continue
        if int(fields.get("Uid", "-1 ").split()[0]) == uid:
            count += int(fields.get("Threads", "1"))
    return count
