"""The process sandbox's seccomp filter, call by call: every call it names is refused with its errno.

The attack suite shows what the filter stops (memfd hoards, forked children, namespaces); this test
covers each rule, including the calls no attack uses, so a rule dropped from ``sandbox.syscall_filter``
or one libseccomp no longer resolves fails here. Each call is made with arguments of zero: unfiltered,
the kernel would answer EFAULT, EINVAL, EBADF, ENOSYS or succeed, never the filter's errno for all.
"""

from __future__ import annotations

import errno

import pandas as pd
import pyseccomp

from sandbox import syscall_filter
from sandbox.process_executor import ProcessExecutor
from sandbox.results import OutcomeKind
from tests.sandbox.attacks import past_the_import_guard

NUMBERS = {
    name: pyseccomp.resolve_syscall(pyseccomp.Arch.NATIVE, name)
    for name in (*syscall_filter.REFUSED, *syscall_filter.REFUSED_LIKE_DOCKER, "clone3")
}
PROBE = """import ctypes

def predict(df):
    libc = ctypes.CDLL(None, use_errno=True)
    found = []
    for number in NUMBERS:
        ctypes.set_errno(0)
        found.append(float(ctypes.get_errno() if libc.syscall(number, 0, 0, 0, 0, 0, 0) == -1 else 0))
    return found
"""


def test_every_refused_call_gets_the_filters_errno() -> None:
    code = past_the_import_guard(PROBE.replace("NUMBERS", repr(list(NUMBERS.values()))))
    with ProcessExecutor() as executor:
        result = executor.run(code, {"rows": pd.DataFrame({"call": range(len(NUMBERS))})})
    assert result.kind is OutcomeKind.OK, result
    seen = dict(zip(NUMBERS, result.predictions["rows"], strict=True))
    expected = {name: float(errno.ENOSYS if name == "clone3" else errno.EPERM) for name in NUMBERS}
    assert seen == expected
