"""Bad input through the real `ibl` command: one clear line, a non-zero exit, nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reference import SPLITS


def ibl(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed CLI in a scratch directory; runs/ must stay empty on failure."""
    return subprocess.run(
        [sys.executable, "-m", "ibl_agents", *args, "--runs-dir", str(tmp_path / "runs")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def assert_clean_failure(result: subprocess.CompletedProcess[str], tmp_path: Path, phrase: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert phrase in lines[0], lines[0]
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def write(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path / name


def run_moons(
    tmp_path: Path, *flags: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`ibl run` on the paper's moons split with extra flags."""
    return ibl(
        tmp_path, "run", str(SPLITS / "moon_3656_300_train.csv"), "--target", "target", *flags, env=env
    )


def test_missing_file(tmp_path: Path) -> None:
    result = ibl(tmp_path, "run", "missing.csv", "--target", "y")
    assert_clean_failure(result, tmp_path, "data file not found: missing.csv")


def test_unknown_target(tmp_path: Path) -> None:
    result = ibl(tmp_path, "run", str(SPLITS / "moon_3656_300_train.csv"), "--target", "label")
    assert_clean_failure(result, tmp_path, "target column 'label' not in")


def test_single_class_target(tmp_path: Path) -> None:
    path = write(tmp_path, "one.csv", "a,y\n1,1\n2,1\n")
    assert_clean_failure(ibl(tmp_path, "run", str(path), "--target", "y"), tmp_path, "single class")


def test_empty_table(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.csv", "")
    assert_clean_failure(ibl(tmp_path, "run", str(path), "--target", "y"), tmp_path, "is empty")


def test_unparseable_csv(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.csv", 'a,y\n1,0\n2,1,5,6\n"open quote\n')
    assert_clean_failure(ibl(tmp_path, "run", str(path), "--target", "y"), tmp_path, "cannot parse")


def test_free_text_column(tmp_path: Path) -> None:
    rows = "\n".join(f"a long passenger name number {i},{i % 2}" for i in range(80))
    path = write(tmp_path, "text.csv", "name,y\n" + rows + "\n")
    result = ibl(tmp_path, "run", str(path), "--target", "y")
    assert_clean_failure(result, tmp_path, "--drop-columns name")


def test_bad_flag_value(tmp_path: Path) -> None:
    result = run_moons(tmp_path, "--max-iters", "0")
    assert_clean_failure(result, tmp_path, "loop.max_iters must be >= 1")


def test_docker_unreachable(tmp_path: Path) -> None:
    result = run_moons(tmp_path, env={"DOCKER_HOST": f"unix://{tmp_path}/no-docker.sock"})
    assert_clean_failure(result, tmp_path, "Docker")


@pytest.mark.docker
def test_model_file_that_is_not_gguf(tmp_path: Path, sandbox_image: str) -> None:
    fake = write(tmp_path, "notes.gguf", "this is not a GGUF file\n")
    result = run_moons(tmp_path, "--model", f"local:{fake}")
    assert_clean_failure(result, tmp_path, "is not a GGUF file")


@pytest.mark.docker
def test_model_server_failing_to_start(tmp_path: Path, sandbox_image: str) -> None:
    corrupt = tmp_path / "corrupt.gguf"
    corrupt.write_bytes(b"GGUF" + b"\x03\x00\x00\x00" + b"\xff" * 4096)  # a header, then garbage
    result = run_moons(tmp_path, "--model", f"local:{corrupt}")
    assert_clean_failure(result, tmp_path, "server")


@pytest.mark.parametrize(
    ("flags", "phrase"),
    [
        (("--scaffold", "minimal"), "loop.scaffold must be one of bare, contract, statistics, full"),
        (("--preset", "papers"), "--preset must be one of paper, not 'papers'"),
        (("--without-aid", "repairs"), "loop.aids and loop.without_aids may hold only contract"),
        (("--no-rows",), "these aids need more: constants, contract, error_region"),
    ],
)
def test_bad_scaffold_flags(tmp_path: Path, flags: tuple[str, ...], phrase: str) -> None:
    assert_clean_failure(run_moons(tmp_path, *flags), tmp_path, phrase)


@pytest.mark.parametrize(
    ("config", "phrase"),
    [
        ('[loop]\ncut_off = "truncate"\n', "loop.cut_off must be one of shorter, score"),
        ("[models]\nlocal_threads = 0\n", "models.local_threads must be >= 1 (unset: chosen per request)"),
        ("[models]\nlocal_prompt_cache_mb = -1\n", "models.local_prompt_cache_mb must be >= 0 (0: off)"),
        ("[models]\ntimeout_s = 0\n", "models.timeout_s must be > 0"),
    ],
)
def test_bad_model_server_and_cut_off_settings(tmp_path: Path, config: str, phrase: str) -> None:
    settings = write(tmp_path, "settings.toml", config)
    assert_clean_failure(run_moons(tmp_path, "--config", str(settings)), tmp_path, phrase)


@pytest.mark.parametrize(
    ("config", "phrase"),
    [
        ('[loop]\nmax_iters = "5"\n', "loop.max_iters must be a whole number, not '5' (a string)"),
        ("[loop]\nmax_iters = 2.7\n", "loop.max_iters must be a whole number, not 2.7 (a decimal number)"),
        ('[loop]\npatience = "three"\n', "loop.patience must be a whole number, not 'three' (a string)"),
        ("[loop]\npatience = 3.5\n", "loop.patience must be a whole number, not 3.5 (a decimal number)"),
        ('[models]\ntemperature = "hot"\n', "models.temperature must be a number, not 'hot' (a string)"),
        ('[loop]\nfeedback = "critic"\n', "loop.feedback must be a list of strings, not 'critic' (a string)"),
        ('[data]\ndrop_leaks = "yes"\n', "data.drop_leaks must be true or false, not 'yes' (a string)"),
    ],
)
def test_config_values_of_the_wrong_type(tmp_path: Path, config: str, phrase: str) -> None:
    """Checked on load, before any data is read: a wrong type used to escape as a traceback, and 2.7
    iterations silently ran 3."""
    settings = write(tmp_path, "settings.toml", config)
    assert_clean_failure(run_moons(tmp_path, "--config", str(settings)), tmp_path, phrase)
