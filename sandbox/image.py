"""The sandbox image: its content-hash tag, and building it only when that tag is missing.

The tag hashes the runner, both recipes and the host's numpy/pandas versions, so a changed runner or
an upgraded pandas gets a new image, and the image always matches the host (predictions computed in
the sandbox behave like the host's pandas would). Two equivalent recipes:

- ``offline``: debootstrap rootfs + pip wheels + ``docker import`` (``sandbox.rootfs``); no registry.
- ``dockerfile``: ``sandbox/Dockerfile`` ``FROM python:3.11-slim``, for hosts that reach a registry.

``python -m sandbox.image [--recipe ...]`` builds and prints the tag as its last line (for CI scripts).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import docker

from sandbox import rootfs
from sandbox.daemon import DOCKER_FAILURES, connect
from sandbox.errors import SandboxError, SandboxImageError

REPOSITORY = "ibl-agents-sandbox"
HERE = Path(__file__).resolve().parent
RUNNER = HERE / "runner.py"
DOCKERFILE = HERE / "Dockerfile"
Recipe = Literal["auto", "offline", "dockerfile"]


def host_versions() -> dict[str, str]:
    """The numpy/pandas versions installed on the host, which the image must match exactly."""
    return {name: importlib.metadata.version(name) for name in ("numpy", "pandas")}


def image_tag() -> str:
    """``ibl-agents-sandbox:<12 hex>``, a hash of the runner, both recipes and the host's versions."""
    digest = hashlib.sha256()
    for part in (RUNNER.read_bytes(), DOCKERFILE.read_bytes(), rootfs.fingerprint().encode()):
        digest.update(hashlib.sha256(part).digest())
    digest.update(repr(sorted(host_versions().items())).encode())
    return f"{REPOSITORY}:{digest.hexdigest()[:12]}"


def _build_dockerfile(client: docker.DockerClient, tag: str, log: Callable[[str], None]) -> None:
    """``docker build`` from a clean two-file context (nothing else of the checkout is sent)."""
    versions = host_versions()
    buildargs = {"NUMPY_VERSION": versions["numpy"], "PANDAS_VERSION": versions["pandas"]}
    with tempfile.TemporaryDirectory(prefix="ibl-sandbox-ctx-") as context:
        shutil.copy(DOCKERFILE, Path(context) / "Dockerfile")
        shutil.copy(RUNNER, Path(context) / "runner.py")
        log(
            f"docker build {tag} (FROM python:3.11-slim, "
            + ", ".join(f"{k} {v}" for k, v in versions.items())
        )
        try:
            client.images.build(path=context, tag=tag, buildargs=buildargs, rm=True, forcerm=True)
        except docker.errors.BuildError as exc:
            raise SandboxImageError(
                f"docker build of {tag} failed: {exc}. "
                "Without a registry, use --recipe offline (needs debootstrap)"
            ) from exc


def ensure_image(
    client: docker.DockerClient | None = None,
    recipe: Recipe = "auto",
    log: Callable[[str], None] = print,
) -> str:
    """Return the sandbox image tag, building it first if the daemon does not have it.

    ``auto`` picks ``offline`` when debootstrap is on PATH, else ``dockerfile``. Builds are atomic:
    the tag appears only once the image is complete (``docker import``/``build`` tag on success).
    """
    if recipe not in ("auto", "offline", "dockerfile"):
        raise ValueError(f"recipe must be one of 'auto', 'offline', 'dockerfile'; got {recipe!r}")
    owned = client is None
    client = connect(client)
    try:
        return _ensure(client, recipe, log)
    finally:
        if owned:
            client.close()


def _ensure(client: docker.DockerClient, recipe: Recipe, log: Callable[[str], None]) -> str:
    tag = image_tag()
    try:
        client.images.get(tag)
        return tag
    except docker.errors.ImageNotFound:
        pass
    if recipe == "auto":
        recipe = "offline" if shutil.which("debootstrap") else "dockerfile"
    log(f"building sandbox image {tag} with the {recipe} recipe")
    try:
        if recipe == "offline":
            rootfs.build_offline(client, tag, RUNNER, host_versions(), log)
        else:
            _build_dockerfile(client, tag, log)
        client.images.get(tag)
    except DOCKER_FAILURES as exc:
        raise SandboxImageError(f"building sandbox image {tag} failed: {type(exc).__name__}: {exc}") from exc
    return tag


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.image", description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", choices=["auto", "offline", "dockerfile"], default="auto")
    args = parser.parse_args(argv)
    try:
        tag = ensure_image(recipe=args.recipe, log=lambda line: print(line, file=sys.stderr))
    except SandboxError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(tag)
    return 0


if __name__ == "__main__":
    sys.exit(main())
