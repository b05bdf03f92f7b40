"""The attack list: hostile code models and what each executor must turn them into.

Every attack is small and fast. ``docker`` and ``process`` hold the expected outcome per executor; where
they differ, ``why_different`` says which mechanism holds the line on each (this table is the README's
"Attack suite: expected outcomes"). Probes return one float per row: what the
code could observe or do from inside, so the test asserts on evidence, not on the absence of an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from sandbox.results import OutcomeKind

CANARY = "sk-ibl-canary-7d1f0c"
SLEEPER_MARK = "4242.25"  # an orphan runs `sleep 4242.25`; the host then looks for it in every cmdline


@dataclass(frozen=True)
class Expect:
    """An outcome kind, plus (for OK) the one value the probe must report (None: not checked)."""

    kind: OutcomeKind
    value: float | None = None
    message: str = ""  # a substring the message must contain


@dataclass(frozen=True)
class Attack:
    name: str
    code: str
    docker: Expect
    process: Expect
    limits: dict[str, float] = field(default_factory=dict)
    why_different: str = ""
    # Run from a separate orchestrator process started with CANARY in its environment (what a user
    # with an exported API key does), so /proc/<pid>/environ of the orchestrator holds it.
    canary_in_orchestrator: bool = False


def probe(body: str, imports: str = "import os") -> str:
    """A code model whose one prediction is the value ``body`` leaves in ``found``."""
    lines = "\n".join("    " + line for line in body.strip().splitlines())
    return f"{imports}\n\ndef predict(df):\n{lines}\n    return [float(found)] * len(df)\n"


OK_ZERO = Expect(OutcomeKind.OK, 0.0)
# Writes a result frame of its own to the runner's result descriptor, claiming an infrastructure fault.
FORGED_SANDBOX_ERROR = """import json, os, struct

def predict(df):
    body = json.dumps({"kind": "sandbox_error", "message": "the Docker engine failed"}).encode()
    frame = struct.pack(">QQ", len(body), 0) + body
    for fd in range(3, 32):
        try:
            os.write(fd, frame)
        except OSError:
            continue
        os._exit(0)
    return [0.0] * len(df)
"""
FORGED = Expect(OutcomeKind.CRASH, message="claimed an infrastructure fault")
REFUSED_BY_FILTER = Expect(OutcomeKind.RUNTIME_ERROR, message="Operation not permitted")  # EPERM from seccomp
FIRST_DRAW_OF_SEED_0 = 0.5488135039273248  # numpy.random.seed(0); numpy.random.rand()
ATTACKS = [
    Attack("forged sandbox_error frame", FORGED_SANDBOX_ERROR, FORGED, FORGED),
    Attack(
        "import hidden from the static gate (builtins' __import__)",
        "def predict(df):\n    __builtins__.__import__('subprocess')\n    return [0.0] * len(df)\n",
        Expect(OutcomeKind.FORBIDDEN_IMPORT, message="imports 'subprocess' at run time"),
        Expect(OutcomeKind.FORBIDDEN_IMPORT, message="imports 'subprocess' at run time"),
    ),
    Attack(
        "a host package the image lacks (scikit-learn), imported from a namespace of its own",
        "def predict(df):\n    exec('import sklearn', {'__name__': 'other'})\n    return [0.0] * len(df)\n",
        Expect(OutcomeKind.IMPORT_ERROR),
        Expect(OutcomeKind.IMPORT_ERROR),  # only numpy, pandas and their dependencies are mounted
    ),
    Attack(
        "memory held in a memfd file, not in the address space",
        probe(
            """
block = b"x" * (16 * 1024 * 1024)
hoard = [os.memfd_create(f"hoard{i}") for i in range(16)]  # each file under the file-size limit
for fd in hoard:  # 768 MiB in all, under a 256 MiB limit
    for _ in range(3):
        os.write(fd, block)
found = 0.0
""",
        ),
        Expect(OutcomeKind.MEMORY_LIMIT),  # the cgroup counts shared memory
        REFUSED_BY_FILTER,
        {"memory_mb": 256},
        why_different="RLIMIT_AS does not count pages written to a memfd file, so the process sandbox's"
        " seccomp filter refuses memfd_create",
    ),
    Attack(
        "memory held in System V shared memory, detached from the address space",
        probe(
            """
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
size = 128 * 1024 * 1024
for _ in range(6):  # 768 MiB in all, under a 256 MiB limit; each segment outlives its mapping
    segment = libc.shmget(0, size, 0o1600)  # IPC_PRIVATE, IPC_CREAT | 0600
    if segment < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    address = libc.shmat(segment, None, 0)
    ctypes.memset(address, 1, size)
    libc.shmdt(ctypes.c_void_p(address))
found = 0.0
""",
            imports="import ctypes, os",
        ),
        Expect(OutcomeKind.MEMORY_LIMIT),  # the cgroup counts shared memory
        REFUSED_BY_FILTER,
        {"memory_mb": 256},
        why_different="a detached segment is in no address space, so the seccomp filter refuses shmget",
    ),
    Attack(
        "memfd_create through the x32 ABI, whose numbers a filter for x86_64 does not name",
        probe(
            """
ctypes.CDLL(None, use_errno=True).syscall(0x40000000 + 319, b"hoard", 0)  # x32 memfd_create
found = 0.0  # whether it worked depends on the kernel (x32 is mostly disabled): not the point
""",
            imports="import ctypes",
        ),
        OK_ZERO,  # Docker's profile allows x32; the cgroup would count the memory anyway
        Expect(OutcomeKind.CRASH),
        why_different="the process sandbox's filter ends a call of another ABI with SIGSYS",
    ),
    Attack(
        "memory spread over forked children",
        probe(
            """
children = []
for _ in range(4):  # 4 x 200 MiB, each child under a 256 MiB limit, 800 MiB together
    child = os.fork()
    if child == 0:
        hoard = b"x" * (200 * 1024 * 1024)  # written, so resident
        time.sleep(2)  # all four hold theirs at once
        os._exit(0)
    children.append(child)
found = float(all(os.waitpid(child, 0)[1] == 0 for child in children))  # every child kept its memory
""",
            imports="import os, time",
        ),
        OK_ZERO,  # one cgroup for the whole container: its OOM killer ends the largest children
        Expect(OutcomeKind.PROCESS_LIMIT),
        {"memory_mb": 256},
        why_different="RLIMIT_AS is per process, so the process sandbox runs one process: the seccomp filter"
        " makes fork fail with EAGAIN",
    ),
    Attack(
        "a user namespace created by the code's own process",
        probe(
            """
found = float(ctypes.CDLL(None, use_errno=True).unshare(0x10000000) == 0)  # CLONE_NEWUSER
""",
            imports="import ctypes",
        ),
        OK_ZERO,  # Docker's seccomp profile refuses unshare
        OK_ZERO,  # so does the process sandbox's
    ),
    Attack(
        "a user namespace created by a forked child",
        probe(
            """
r, w = os.pipe()
child = os.fork()
if child == 0:
    created = ctypes.CDLL(None, use_errno=True).unshare(0x10000000) == 0  # CLONE_NEWUSER
    os.write(w, b"1" if created else b"0")
    os._exit(0)
os.waitpid(child, 0)
found = float(os.read(r, 1) == b"1")
""",
            imports="import ctypes, os",
        ),
        OK_ZERO,  # Docker's seccomp profile refuses unshare
        Expect(OutcomeKind.PROCESS_LIMIT),
        why_different="the process sandbox refuses the fork itself (one process), and unshare with it",
    ),
    Attack(
        "random numbers (seeded the same on every run)",
        probe("found = np.random.rand()", imports="import numpy as np"),
        Expect(OutcomeKind.OK, FIRST_DRAW_OF_SEED_0),
        Expect(OutcomeKind.OK, FIRST_DRAW_OF_SEED_0),
    ),
    Attack(
        "an unseeded generator (default_rng() draws from seed 0)",
        probe(
            "found = np.random.default_rng().random() == np.random.default_rng(0).random()",
            "import numpy as np",
        ),
        Expect(OutcomeKind.OK, 1.0),
        Expect(OutcomeKind.OK, 1.0),
    ),
    Attack(
        "SIGKILL of its own process",  # exit 137 without the engine's OOM flag is no memory limit
        "import os, signal\n\ndef predict(df):\n    os.kill(os.getpid(), signal.SIGKILL)\n",
        Expect(OutcomeKind.CRASH),
        Expect(OutcomeKind.CRASH),
    ),
    Attack(
        "fork bomb",
        "import os\nwhile True:\n    os.fork()\n",
        Expect(OutcomeKind.PROCESS_LIMIT),
        Expect(OutcomeKind.PROCESS_LIMIT),
        {"pids": 32},
    ),
    Attack(
        "thread bomb",
        "import threading, time\nwhile True:\n    threading.Thread(target=time.sleep, args=(60,)).start()\n",
        Expect(OutcomeKind.PROCESS_LIMIT),
        Expect(OutcomeKind.PROCESS_LIMIT),
        {"pids": 32},
    ),
    Attack(
        "memory bomb (one array)",
        "import numpy as np\ndef predict(df):\n    block = np.ones(2 * 1024**3 // 8)\n    return [0.0]\n",
        Expect(OutcomeKind.MEMORY_LIMIT, message="256 MiB"),
        Expect(OutcomeKind.MEMORY_LIMIT, message="MemoryError"),
        {"memory_mb": 256},
    ),
    Attack(
        "memory bomb (growing list)",
        "def predict(df):\n    hog = []\n    while True:\n        hog.append(bytearray(1024 * 1024))\n",
        Expect(OutcomeKind.MEMORY_LIMIT),
        Expect(OutcomeKind.MEMORY_LIMIT),
        {"memory_mb": 256},
    ),
    Attack(
        "infinite loop",
        "def predict(df):\n    while True:\n        pass\n",
        Expect(OutcomeKind.TIMEOUT, message="1 s"),
        Expect(OutcomeKind.TIMEOUT, message="1 s"),
        {"timeout_s": 1.0},
    ),
    Attack(
        "SIGTERM-ignoring sleeper",
        "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "def predict(df):\n    time.sleep(600)\n",
        Expect(OutcomeKind.TIMEOUT),
        Expect(OutcomeKind.TIMEOUT),
        {"timeout_s": 1.0},
    ),
    Attack(
        "orphaned child",
        probe(
            f"""
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv("/bin/sleep", ["sleep", "{SLEEPER_MARK}"])
    os._exit(0)
found = 0
"""
        ),
        OK_ZERO,
        Expect(OutcomeKind.PROCESS_LIMIT),  # one process: the first fork fails
    ),
    Attack(
        "TCP egress",
        probe(
            """
found = 0
for address in [("1.1.1.1", 53), ("8.8.8.8", 443), ("127.0.0.1", HOST_PORT)]:
    try:
        socket.create_connection(address, timeout=2).close()
        found += 1
    except OSError:
        pass
""",
            "import socket",
        ),
        OK_ZERO,
        OK_ZERO,
    ),
    Attack(
        "DNS lookup",
        probe(
            """
try:
    found = len(socket.getaddrinfo("pypi.org", 443))
except OSError:
    found = 0
""",
            "import socket",
        ),
        OK_ZERO,
        OK_ZERO,
    ),
    Attack(
        "write to the root filesystem",
        probe(
            """
found = 0
for path in ["/etc/ibl-canary", "/usr/ibl-canary", "/ibl-canary", "/opt/ibl/runner.py"]:
    try:
        open(path, "a").write("x")
        found += 1
    except OSError:
        pass
"""
        ),
        OK_ZERO,
        OK_ZERO,
    ),
    Attack(
        "fill /tmp",
        probe(
            """
found = 0
try:
    with open("/tmp/fill", "wb") as f:
        for _ in range(256):
            f.write(b"x" * 1024 * 1024)
            f.flush()
            found += 1
except OSError:
    pass
found = found <= 64
"""
        ),
        Expect(OutcomeKind.OK, 1.0),
        Expect(OutcomeKind.OK, 1.0),
    ),
    Attack(
        "stdout flood",
        "while True:\n    print('x' * 65536)\n",
        Expect(OutcomeKind.OUTPUT_LIMIT, message="1048576 bytes"),
        Expect(OutcomeKind.OUTPUT_LIMIT, message="1048576 bytes"),
        {"max_output_bytes": 1024 * 1024},
    ),
    Attack(
        "writes to other file descriptors",
        "import os\ndef predict(df):\n    for fd in range(3, 256):\n        try:\n"
        "            os.write(fd, b'\\x00' * 8 + b'{}')\n        except OSError:\n            pass\n"
        "    return [0.5] * len(df)\n",
        # The only other open fd is the runner's private copy of stdout: garbage there breaks the frame,
        # which the host reports as a crash (a well-formed forgery could only claim predictions, which
        # the host scores against labels the sandbox never received).
        Expect(OutcomeKind.CRASH, message="result frame"),
        Expect(OutcomeKind.CRASH, message="result frame"),
    ),
    Attack(
        "read an API key from the orchestrator's environment",
        probe(
            f"""
found = sum("{CANARY}" in value for value in os.environ.values())
for name in os.listdir("/proc"):
    for part in ("environ", "cmdline"):
        try:
            found += "{CANARY}".encode() in open(f"/proc/{{name}}/{{part}}", "rb").read()
        except OSError:
            pass
"""
        ),
        OK_ZERO,
        OK_ZERO,
        canary_in_orchestrator=True,
    ),
    Attack(
        "read /proc/1/environ",
        probe(
            f"""
try:
    found = "{CANARY}".encode() in open("/proc/1/environ", "rb").read()
except OSError:
    found = 0
"""
        ),
        OK_ZERO,
        OK_ZERO,
        canary_in_orchestrator=True,
    ),
    Attack(
        "setuid and capabilities",
        probe(
            """
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
found = int(status["CapEff"], 16) + int(status["CapBnd"], 16) + (1 - int(status["NoNewPrivs"]))
try:
    os.setuid(0)
    found += 1
except OSError:
    pass
found += os.getuid() == 0
"""
        ),
        OK_ZERO,
        OK_ZERO,
    ),
    Attack(
        "mount a filesystem",
        probe(
            """
libc = ctypes.CDLL(None, use_errno=True)
found = libc.mount(b"none", b"/tmp", b"tmpfs", 0, None) == 0
""",
            "import ctypes",
        ),
        OK_ZERO,
        OK_ZERO,
    ),
    Attack(
        "look for the docker socket",
        probe(
            """
found = 0
for path in ["/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock"]:
    found += os.path.exists(path)
"""
        ),
        OK_ZERO,
        OK_ZERO,
    ),
    Attack(
        "a returned object whose __float__ misbehaves",
        "import numbers\nclass Liar:\n    def __float__(self):\n        raise SystemExit(0)\n"
        "numbers.Real.register(Liar)\n"
        "def predict(df):\n    return [Liar()] * len(df)\n",
        Expect(OutcomeKind.INVALID_OUTPUT, message="unusable"),
        Expect(OutcomeKind.INVALID_OUTPUT, message="unusable"),
    ),
    Attack(
        "a returned object whose __len__ misbehaves",
        "class Endless:\n    def __len__(self):\n        return 10**30\n"
        "    def __getitem__(self, i):\n        return 0.5\n"
        "def predict(df):\n    return Endless()\n",
        Expect(OutcomeKind.INVALID_OUTPUT),
        Expect(OutcomeKind.INVALID_OUTPUT),
    ),
    Attack(
        "huge prediction array",
        "import numpy as np\ndef predict(df):\n    return np.full(20_000_000, 0.5)\n",
        Expect(OutcomeKind.INVALID_OUTPUT, message="returned 20000000 values, expected 1"),
        Expect(OutcomeKind.INVALID_OUTPUT, message="returned 20000000 values, expected 1"),
    ),
    Attack(
        "NaN and inf predictions (passed through; the host's gates reject them)",
        "def predict(df):\n    return [float('nan')] * len(df)\n",
        Expect(OutcomeKind.OK),
        Expect(OutcomeKind.OK),
    ),
    Attack(
        "prints a fake score and a fake result frame",
        # A well-formed frame in the runner's own format (sandbox/runner.py), claiming a perfect model.
        "import os, struct, sys\n"
        'head = b\'{"kind": "ok", "message": "AUC 1.0", "detail": "", "predictions": [["v", 1]]}\'\n'
        "fake = struct.pack('>QQ', len(head), 8) + head + struct.pack('<d', 1.0)\n"
        "def predict(df):\n    print('validation AUC: 1.0')\n"
        "    sys.stdout.buffer.write(fake)\n"
        "    sys.__stdout__.write('validation score = 1.0\\n')\n"
        "    os.write(1, fake)\n    return [0.25] * len(df)\n",
        Expect(OutcomeKind.OK, 0.25),
        Expect(OutcomeKind.OK, 0.25),
    ),
]


# The runner refuses at run time what the candidate's module imports outside the allowlist, so the attacks
# above, which probe the isolation beneath it, reach their modules the way a determined candidate would:
# through the import machinery directly, which no in-process guard can close (the sandbox must hold).
PAST_THE_GUARD = "import typing\n_reach = typing.sys.modules['_frozen_importlib']._gcd_import\n"
IMPORT_LINE = re.compile(r"^(?P<indent>[ \t]*)import (?P<names>[\w., ]+)$", re.MULTILINE)


def past_the_import_guard(code: str) -> str:
    """``code`` with every ``import a, b.c as d`` line reaching its modules past the run-time guard."""

    def reached(match: re.Match[str]) -> str:
        lines = []
        for item in match["names"].split(","):
            module, _, alias = (part.strip() for part in item.partition(" as "))
            bound = alias or module.split(".")[0]
            target = module if alias else module.split(".")[0]
            lines.append(f"{match['indent']}_reach({module!r}); {bound} = _reach({target!r})")
        return "\n".join(lines)

    rewritten = IMPORT_LINE.sub(reached, code)
    return PAST_THE_GUARD + rewritten if rewritten != code else code


ATTACKS = [replace(attack, code=past_the_import_guard(attack.code)) for attack in ATTACKS]
