"""The offline image recipe: a debootstrap rootfs + pip wheels, imported with ``docker import``.

No image registry is needed: Debian's apt mirror and PyPI are. Two caches under
``~/.cache/ibl-agents/sandbox/`` make rebuilds (e.g. after a runner change) take seconds and need no
network: the pruned minbase rootfs as a tarball (keyed by suite and package list) and the wheels
(keyed by versions and target platform). The image tar is assembled by streaming the cached rootfs
and adding the packages and runner as root-owned, world-readable, non-writable files.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

import docker

from sandbox.cache import cache_root
from sandbox.errors import SandboxImageError

RECIPE_VERSION = 1  # bump when a build step below changes in a way the constants do not show
SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
PACKAGES = ("python3",)
PYTHON_VERSION, PYTHON_ABI, GLIBC_MINOR = "3.11", "cp311", 36  # what bookworm ships
PRUNE = ("var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc", "usr/share/man", "usr/share/locale")
SITE_PACKAGES = "usr/lib/python3/dist-packages"
RUNNER_PATH = "opt/ibl/runner.py"
CHANGES = (
    "USER 65534:65534",
    "WORKDIR /tmp",
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "ENV PYTHONDONTWRITEBYTECODE=1",
    "ENV OPENBLAS_NUM_THREADS=1",  # one BLAS thread per CPU of the *host* would eat the pids limit
    "ENV OMP_NUM_THREADS=1",
    "ENV MKL_NUM_THREADS=1",
    "ENV LANG=C.UTF-8",
    'ENTRYPOINT ["python3", "-I", "-B", "/opt/ibl/runner.py"]',
)


def cache_dir() -> Path:
    return cache_root() / "sandbox"


def fingerprint() -> str:
    """Everything of this recipe that changes the image (part of the image tag's content hash)."""
    constants = [RECIPE_VERSION, SUITE, PACKAGES, PYTHON_VERSION, PYTHON_ABI, GLIBC_MINOR, PRUNE, CHANGES]
    return json.dumps(constants)


def _run(cmd: list[str], what: str, hint: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip()[-1500:]
        raise SandboxImageError(f"{what} failed (exit {proc.returncode}): {hint}\n{tail}")


def _remove_tree(path: Path) -> None:
    """rmtree that first detaches mounts debootstrap may have left inside (proc, sys, bind-mounted dev)."""
    mounts = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()]
    for mount in sorted((m for m in mounts if m.startswith(f"{path}/")), reverse=True):
        _run(["umount", "-l", mount], f"umount {mount}", f"unmount it by hand, then delete {path}")
    shutil.rmtree(path, ignore_errors=True)


def _base_rootfs(log: Callable[[str], None]) -> Path:
    """The cached, pruned minbase rootfs tarball with python3 (built once per suite and package list)."""
    key = hashlib.sha256(json.dumps([SUITE, PACKAGES, PRUNE]).encode()).hexdigest()[:10]
    target = cache_dir() / f"rootfs-{SUITE}-{key}.tar"
    if target.exists():
        return target
    if shutil.which("debootstrap") is None or os.geteuid() != 0:
        raise SandboxImageError(
            "the offline recipe needs debootstrap and root: run as root or use --recipe dockerfile"
        )
    log(f"debootstrap {SUITE} (minbase + {', '.join(PACKAGES)}) into {target}: first build only, ~1-2 min")
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=target.parent, prefix=".rootfs-"))
    try:
        root = work / "root"
        cmd = ["debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}", SUITE, str(root)]
        _run([*cmd, MIRROR], "debootstrap", f"check that {MIRROR} is reachable")
        for rel in PRUNE:
            shutil.rmtree(root / rel, ignore_errors=True)
        _run(["tar", "--numeric-owner", "-C", str(root), "-cf", str(work / "rootfs.tar"), "."], "tar", "")
        os.replace(work / "rootfs.tar", target)
    finally:
        _remove_tree(work)
    return target


def _pip_target_flags() -> list[str]:
    """Select wheels for the image's interpreter and glibc, whatever the host runs."""
    arch = platform.machine()
    flags = ["--only-binary=:all:", "--python-version", PYTHON_VERSION, "--implementation", "cp"]
    flags += ["--abi", PYTHON_ABI, "--platform", f"manylinux2014_{arch}"]
    for minor in range(17, GLIBC_MINOR + 1):
        flags += ["--platform", f"manylinux_2_{minor}_{arch}"]
    return flags


def _wheels(requirements: list[str], log: Callable[[str], None]) -> Path:
    """A cached directory of wheels for the requirements (downloaded once from PyPI)."""
    key = hashlib.sha256(json.dumps([requirements, _pip_target_flags()]).encode()).hexdigest()[:10]
    target = cache_dir() / f"wheels-{key}"
    if target.exists():
        return target
    log(f"downloading wheels for {' '.join(requirements)} into {target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=target.parent, prefix=".wheels-"))
    try:
        cmd = [sys.executable, "-m", "pip", "download", "-q", "--dest", str(work), *_pip_target_flags()]
        _run([*cmd, *requirements], "pip download", "check that PyPI is reachable")
        os.replace(work, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _as_root(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """Owned by root, readable by everyone (the sandbox user), writable by no one else."""
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    executable = info.isdir() or info.mode & 0o100
    info.mode = (info.mode | 0o444 | (0o111 if executable else 0)) & ~0o022
    return info


def build_offline(
    client: docker.DockerClient,
    tag: str,
    runner: Path,
    versions: Mapping[str, str],
    log: Callable[[str], None],
) -> None:
    """Build the image ``tag`` from the cached rootfs, the wheels of ``versions`` and ``runner``."""
    base = _base_rootfs(log)
    wheels = _wheels([f"{name}=={version}" for name, version in versions.items()], log)
    cache_dir().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir(), prefix=".image-") as work:
        site = Path(work) / "site"
        cmd = [sys.executable, "-m", "pip", "install", "-q", "--no-index", "--find-links", str(wheels)]
        cmd += ["--target", str(site), "--disable-pip-version-check", *_pip_target_flags()]
        _run([*cmd, *(f"{n}=={v}" for n, v in versions.items())], "pip install", f"delete {wheels} and retry")
        for unused in [site / "bin", *(p for p in site.rglob("tests") if p.is_dir())]:  # ~60 MB of tests
            shutil.rmtree(unused, ignore_errors=True)
        image_tar = Path(work) / "image.tar"
        log(f"assembling {image_tar.name} from {base.name} + packages + runner")
        with tarfile.open(base) as src, tarfile.open(image_tar, "w") as dst:
            for member in src:
                dst.addfile(member, src.extractfile(member) if member.isreg() else None)
            for entry in sorted(site.iterdir()):
                dst.add(entry, arcname=f"{SITE_PACKAGES}/{entry.name}", filter=_as_root)
            dst.add(runner.parent, arcname=str(Path(RUNNER_PATH).parent), recursive=False, filter=_as_root)
            dst.add(runner, arcname=RUNNER_PATH, filter=_as_root)
        repository, _, version = tag.partition(":")
        log(f"docker import as {tag}")
        client.api.import_image_from_file(
            str(image_tar), repository=repository, tag=version, changes=list(CHANGES)
        )
