"""The process executor's seccomp filter: what Docker's cgroup and seccomp profile refuse, as syscalls.

Without a cgroup the process executor's memory limit is RLIMIT_AS, and there are two ways past it and
one past its namespaces (issue 14):

- memory that is never mapped (pages written into a memfd or secret-memory file, System V shared memory
  or message queues): ``memfd_create``, ``memfd_secret``, ``shmget`` and ``msgget`` are refused (EPERM);
- memory spread over child processes (RLIMIT_AS is per process): the candidate runs as **one process**;
  ``fork``, ``vfork`` and a ``clone`` without ``CLONE_THREAD`` fail with EAGAIN, which the runner reports
  as ``process_limit`` (the limit is one process plus its threads), so the address-space limit bounds
  everything the candidate runs;
- a forked child's ``unshare(CLONE_NEWUSER)`` (user, then mount namespaces): ``unshare`` and ``setns``
  are refused, as Docker's default profile does without CAP_SYS_ADMIN. ``clone3`` passes its flags in
  memory a filter cannot read, so it is ENOSYS and glibc falls back to ``clone``, whose flags are checked.

A call made through another ABI (i386's ``int 0x80``, x32), whose numbers the rules do not name, kills
the process (SIGSYS: a ``crash``). A few calls Docker's default profile also refuses and no code model
needs (``ptrace``, ``bpf``, ``perf_event_open``, ``userfaultfd``, ``io_uring_setup``, the key ring) are
refused too. Everything else is allowed: the runner, numpy and pandas need a broad set, and the
namespaces, the read-only binds and the unprivileged user already stand behind the filter. The program is
compiled by libseccomp (through pyseccomp's ctypes binding) once per executor and handed to bubblewrap
(``--seccomp FD``), which loads it just before it executes the runner.
"""

from __future__ import annotations

import errno
import tempfile
from types import ModuleType

seccomp: ModuleType | None
try:  # a ctypes binding: importing it fails when libseccomp.so is not installed
    import pyseccomp as seccomp
except (ImportError, OSError, RuntimeError) as _exc:
    seccomp, _LOAD_ERROR = None, f"{type(_exc).__name__}: {_exc}"
else:
    _LOAD_ERROR = ""

CLONE_THREAD = 0x00010000
REFUSED = ("memfd_create", "memfd_secret", "shmget", "msgget", "unshare", "setns")
REFUSED_LIKE_DOCKER = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "keyctl",
    "add_key",
    "request_key",
)
NEW_PROCESS = ("fork", "vfork")  # x86_64 has them; on aarch64 every new task is a clone


def unavailable_reason() -> str | None:
    """Why no filter can be compiled on this host (libseccomp missing), or None."""
    if seccomp is None:
        return f"no seccomp filter: libseccomp could not be loaded ({_LOAD_ERROR}); install libseccomp2"
    return None


def compiled_filter() -> bytes:
    """The BPF program bubblewrap loads; only when ``unavailable_reason()`` is None."""
    assert seccomp is not None, unavailable_reason()
    program = seccomp.SyscallFilter(seccomp.ALLOW)
    # Calls of another ABI (i386's int 0x80, x32) would bypass every rule: they end the process.
    program.set_attr(seccomp.Attr.ACT_BADARCH, seccomp.KILL_PROCESS)
    refusals = [(name, errno.EPERM) for name in (*REFUSED, *REFUSED_LIKE_DOCKER)]
    refusals += [(name, errno.EAGAIN) for name in NEW_PROCESS] + [("clone3", errno.ENOSYS)]
    for name, code in refusals:
        if seccomp.resolve_syscall(seccomp.Arch.NATIVE, name) >= 0:  # skip calls this arch lacks
            program.add_rule(seccomp.ERRNO(code), name)
    # (flags & CLONE_THREAD) == 0: a new process rather than a thread
    program.add_rule(seccomp.ERRNO(errno.EAGAIN), "clone", seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_THREAD, 0))
    with tempfile.TemporaryFile() as out:
        program.export_bpf(out)
        out.seek(0)
        return out.read()
