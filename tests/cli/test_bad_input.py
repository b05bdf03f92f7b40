"""Bad input through the real `ibl` command: one clear line, a non-zero exit, nothing written."""

from __future__ import annotations

import os
import socket
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
    """Named by the flag the user typed, with the setting a config file would use."""
    result = run_moons(tmp_path, "--max-iters", "0")
    assert_clean_failure(result, tmp_path, "--max-iters must be >= 1 (loop.max_iters)")


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
        (
            ("--scaffold", "minimal"),
            "--scaffold must be one of bare, contract, statistics, full (loop.scaffold)",
        ),
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


def test_infinite_values_are_refused_before_any_model_call(tmp_path: Path) -> None:
    """They used to crash the baselines after every model call, with no summary (and ``ibl resume``
    crashed again); the line names the column and both fixes."""
    rows = "\n".join(f"{i % 7},{'inf' if i == 5 else i / 10},{i % 2}" for i in range(40))
    path = write(tmp_path, "inf.csv", "a,odd b,y\n" + rows + "\n")
    result = ibl(tmp_path, "run", str(path), "--target", "y")
    assert_clean_failure(result, tmp_path, "column 'odd b' holds inf or -inf in 1 row(s)")
    assert "--drop-columns 'odd b'" in result.stderr


@pytest.mark.parametrize(
    ("target", "phrase"),
    [
        ("Target", "did you mean 'target'?"),
        ("targte", "did you mean 'target'?"),
        ("target ", "did you mean 'target'?"),
    ],
)
def test_a_misspelt_target_gets_the_column_it_probably_meant(
    tmp_path: Path, target: str, phrase: str
) -> None:
    result = ibl(tmp_path, "run", str(SPLITS / "moon_3656_300_train.csv"), "--target", target)
    assert_clean_failure(result, tmp_path, phrase)
    # quoted, so a trailing space would show
    assert "columns are: 'Feature_1', 'Feature_2', 'target'" in result.stderr


def test_dropping_the_target_is_refused(tmp_path: Path) -> None:
    result = run_moons(tmp_path, "--drop-columns", "target")
    assert_clean_failure(result, tmp_path, "--drop-columns names the target 'target'; drop only features")


@pytest.mark.parametrize(
    ("runs_dir", "phrase"),
    [
        ("a-file", " is a file, not a folder"),
        ("a-file/runs", " is below the file"),
        ("/proc/ibl-runs", ": cannot create folders in /proc"),  # os.access says yes there, to root
    ],
)
def test_a_runs_dir_that_cannot_hold_runs_is_refused_first(
    tmp_path: Path, runs_dir: str, phrase: str
) -> None:
    """Checked before the data is read or a model is called (a traceback at the first write, before)."""
    write(tmp_path, "a-file", "not a folder")
    command = [sys.executable, "-m", "ibl_agents", "run", str(SPLITS / "moon_3656_300_train.csv")]
    command += ["--target", "target", "--runs-dir", str(tmp_path / runs_dir)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert_clean_failure(result, tmp_path, f"--runs-dir {tmp_path / runs_dir}{phrase}")
    assert (tmp_path / "a-file").read_text() == "not a folder"


def test_a_closed_base_url_port_is_named_before_the_data_is_read(tmp_path: Path) -> None:
    """Found before, only after data, audit and baselines ran and a run directory was written. (With
    the reply cache on and holding replies, a rerun needs no server: then nothing is probed.)"""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))  # a port nothing listens on
        url = f"http://127.0.0.1:{holder.getsockname()[1]}/v1"
        result = run_moons(tmp_path, "--model", "openai:gpt-4o-mini", "--base-url", url, "--no-cache")
    assert_clean_failure(result, tmp_path, f"nothing answers at {url} (Connection refused)")
    assert "start the model server, or fix --base-url" in result.stderr


def test_a_table_too_wide_for_the_prompt_is_refused_before_any_model_call(tmp_path: Path) -> None:
    """600 columns cannot be named in a 3,161-token prompt; they used to be sent anyway (a 559 kB prompt
    for 5,000 columns), with no warning."""
    header = ",".join(f"measurement_{i}" for i in range(600)) + ",y"
    rows = "\n".join(",".join(str((i * j) % 7) for j in range(600)) + f",{i % 2}" for i in range(30))
    path = write(tmp_path, "wide.csv", header + "\n" + rows + "\n")
    result = ibl(tmp_path, "run", str(path), "--target", "y")
    assert_clean_failure(result, tmp_path, "the generator prompt for these 600 columns needs ~")
    assert "more than its budget of 3161; drop columns with --drop-columns" in result.stderr


@pytest.mark.parametrize(
    ("name", "content", "phrase"),
    [
        (
            "semi.csv",
            "a;b;y\n1;2;0\n3;4;1\n",
            "the header is separated by semicolons: save the file comma-separated",
        ),
        (
            "tabs.csv",
            "a\tb\ty\n1\t2\t0\n3\t4\t1\n",
            "the header is separated by tabs: save the file comma-separated",
        ),
        (
            "dup.csv",
            "x1,x1,y\n1,2,0\n3,4,1\n",
            "repeats the column name(s) 'x1'; give each column a name of its own",
        ),
        ("index.csv", ",x1,y\n0,1,0\n1,3,1\n", "column 1 has no name (a saved row index, most likely)"),
        ("book.xlsx", "PK\x03\x04", "is an Excel workbook, which is not read; save it as CSV or Parquet"),
        ("rows.json", '[{"x1": 1, "y": 0}]', "is JSON, which is not read; save it as CSV or Parquet"),
    ],
)
def test_files_pandas_would_misread_get_the_fix(tmp_path: Path, name: str, content: str, phrase: str) -> None:
    path = write(tmp_path, name, content)
    assert_clean_failure(ibl(tmp_path, "run", str(path), "--target", "y"), tmp_path, phrase)


TWENTY_ROWS = "".join(f"{i},{i % 2}\n" for i in range(20))


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        (b"PAR1\x15\x04 not csv PAR1", "is a Parquet file, not CSV text; name it .parquet"),
        (b"\x1f\x8b\x08\x00 not csv", "is gzip-compressed, not CSV text; name it .csv.gz"),
        (bytes(range(256)), "holds binary data (NUL bytes), not CSV text"),
        ("a,y\n1,0\n2,1\n".encode("utf-16"), "save it as UTF-8 (e.g. iconv -f utf-16 -t utf-8"),
        (('"a\nb",y\n' + TWENTY_ROWS).encode(), "the column name 'a\\nb' holds a line break or control"),
        (
            ("a,b,y\n" + TWENTY_ROWS.replace(",", ",,")).encode(),
            "'b' hold no value in any row; drop them with",
        ),
        (b"a,y\n1,0\n2,1\n3,0\n4,1\n", "4 rows are too few to carve out locked test rows"),
        (b"a,y\n1,0\n", "has a single class ('0')"),
    ],
)
def test_content_a_csv_name_hides_gets_its_real_cause(tmp_path: Path, content: bytes, phrase: str) -> None:
    """A renamed Parquet or gzip file read as "no rows" or a tokenizer error; an empty column or a name
    with a line break went on into the prompt."""
    path = tmp_path / "d.csv"
    path.write_bytes(content)
    assert_clean_failure(ibl(tmp_path, "run", str(path), "--target", "y"), tmp_path, phrase)


def test_a_csv_with_a_utf8_byte_order_mark_reads_as_plain_utf8(tmp_path: Path) -> None:
    """Excel's "CSV UTF-8" starts with a BOM; the header check must not take it for a control character."""
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfy,a\n0,1\n1,2\n")
    result = ibl(tmp_path, "run", str(path), "--target", "y", "--drop-columns", "a")
    assert_clean_failure(result, tmp_path, "has no feature columns besides the target 'y'")


@pytest.mark.parametrize(
    ("name", "content", "phrase"),
    [
        ("c.toml", b"[loop]\nmax_iters = 3 # \xff\n", "is not UTF-8 (byte 23); save it as UTF-8"),
        ("c.json", b"[1, 2]", "holds a list, not an object of sections"),
        ("folder", None, "is a folder; pass a .toml or .json file"),
    ],
)
def test_config_files_that_are_not_a_config(
    tmp_path: Path, name: str, content: bytes | None, phrase: str
) -> None:
    path = tmp_path / name
    path.mkdir() if content is None else path.write_bytes(content)
    assert_clean_failure(run_moons(tmp_path, "--config", str(path)), tmp_path, phrase)


@pytest.mark.parametrize(
    ("flags", "phrase"),
    [
        (("--max-wall", "0"), "--max-wall must be > 0 (loop.max_wall_s)"),  # used to start the run
        (("--max-tokens-total", "0"), "--max-tokens-total must be > 0"),
        (
            ("--model", "openai:x", "--base-url", "http://127.0.0.1:99999/v1"),
            "--base-url 'http://127.0.0.1:99999/v1': Port out of range 0-65535",
        ),
        (("--critic-model", "nosuch:m"), "unknown provider 'nosuch' in model 'nosuch:m': use"),  # no emoji
    ],
)
def test_flag_values_found_late_before(tmp_path: Path, flags: tuple[str, ...], phrase: str) -> None:
    """Each of these was a traceback, a run started anyway, or (":m:") an emoji in the message."""
    assert_clean_failure(run_moons(tmp_path, *flags), tmp_path, phrase)


def test_a_damaged_run_file_is_named_by_resume_and_explain(tmp_path: Path) -> None:
    run_dir = tmp_path / "r"
    run_dir.mkdir()
    write(run_dir, "config.json", "{not json")
    write(run_dir, "manifest.json", "[1,")
    result = subprocess.run(
        [sys.executable, "-m", "ibl_agents", "resume", str(run_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert_clean_failure(result, tmp_path, f"cannot read {run_dir}/config.json: Expecting property name")
    explained = subprocess.run(
        [sys.executable, "-m", "ibl_agents", "explain", str(run_dir), "--no-llm"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert_clean_failure(explained, tmp_path, f"cannot read {run_dir}/manifest.json")
    assert (run_dir / "config.json").read_text() == "{not json"  # nothing rewritten


def test_an_experiment_yaml_error_is_one_line_with_its_place(tmp_path: Path) -> None:
    config = write(tmp_path, "e.yaml", "name: e\ndatasets:\n\t- name: m\n")
    result = subprocess.run(
        [sys.executable, "-m", "ibl_agents", "experiment", str(config), "--runs-dir", str(tmp_path / "runs")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert_clean_failure(result, tmp_path, "at line 3, column 1; YAML indents with spaces, not tabs")


def test_a_latin1_file_is_named_as_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("caf\xe9,y\n1,0\n2,1\n".encode("latin-1"))
    result = ibl(tmp_path, "run", str(path), "--target", "y")
    assert_clean_failure(result, tmp_path, "it is not UTF-8 (byte 0xe9 at offset 3); save it as UTF-8")


def test_a_flag_is_named_as_typed_and_a_config_key_as_written(tmp_path: Path) -> None:
    assert_clean_failure(
        run_moons(tmp_path, "--train-rows", "0"), tmp_path, "--train-rows must be >= 2 (data.train_rows)"
    )
    settings = write(tmp_path, "settings.toml", "[data]\ntrain_rows = 0\n")
    result = run_moons(tmp_path, "--config", str(settings))
    assert_clean_failure(result, tmp_path, "error: data.train_rows must be >= 2")


def test_a_test_file_of_one_class_is_refused(tmp_path: Path) -> None:
    """Its AUC is undefined: the metrics came out nan with no word why."""
    test = write(tmp_path, "test.csv", "Feature_1,Feature_2,target\n1.0,0.5,1\n0.4,0.2,1\n0.9,0.1,1\n")
    result = run_moons(tmp_path, "--test", str(test))
    assert_clean_failure(result, tmp_path, f"the --test file {test} holds only the class '1'")


@pytest.mark.docker
def test_a_missing_local_model_file_is_named_as_missing(tmp_path: Path, sandbox_image: str) -> None:
    result = run_moons(tmp_path, "--model", f"local:{tmp_path}/missing.gguf")
    assert_clean_failure(result, tmp_path, f"local model file {tmp_path}/missing.gguf does not exist")


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (("run", "d.csv", "--max-iters", "many"), "invalid value for '--max-iters'"),
        (("run", "d.csv", "--max-iter", "3"), "no such option: --max-iter"),
        (("rnu", "d.csv"), "Did you mean 'run'? (see `ibl --help`)"),
        (("score", "m.py", "--target", "y"), "missing option '--data' (see `ibl score --help`)"),
        (("models", "pull", "--bogus"), "no such option: --bogus (see `ibl models pull --help`)"),
    ],
)
def test_usage_errors_are_one_line_naming_the_help(
    tmp_path: Path, args: tuple[str, ...], phrase: str
) -> None:
    """Typer's own checks (a flag's type, an unknown flag or command) answer like ours, not with a panel."""
    result = subprocess.run(
        [sys.executable, "-m", "ibl_agents", *args], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert_clean_failure(result, tmp_path, phrase)


def test_no_arguments_still_show_the_help(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ibl_agents", "models"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert "pull" in result.stdout + result.stderr and "error:" not in result.stderr
