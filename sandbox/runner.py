"""Trusted in-container runner: executes one code model on feature frames, returns predictions only.

Standalone on purpose (stdlib + numpy + pandas, nothing from the project): it is copied into the image
as ``/opt/ibl/runner.py`` and is the only trusted code inside the container.

Protocol: both directions are one *frame*: a 16-byte prefix (two big-endian uint64: the JSON size and
the raw size), that much UTF-8 JSON, then that many raw bytes; nothing is pickled or evaluated.

- Request, the whole of stdin: JSON ``{"code": str, "frames": {name: {"columns", "dtypes", "rows",
  "data"}}, "output_columns": [str, ...] (optional)}``; ``data`` holds one entry per column, in the order
  of ``columns``: either a list of JSON values (strings, categories, nullable and mixed columns), or
  ``{"raw": numpy dtype, "offset": int}``, ``rows`` little-endian items at that offset of the raw section
  (numeric, bool, datetime columns). Without ``output_columns`` predict must return one number per row;
  with them, a matrix of one row per df row and one column per name, in that order (a DataFrame whose
  columns are exactly those names is put in that order).
- Result, on the *original* stdout: JSON ``{"kind", "message", "detail", "predictions": [[name, rows],
  ...]}``; when ``kind`` is ``ok`` the raw section holds each frame's predictions as little-endian
  float64 (row-major, ``rows x len(output_columns)`` values when those were asked for), in the listed
  order, and nothing else (it is empty otherwise).

Before any untrusted code runs, fd 1 and ``sys.stdout`` are pointed at stderr, so whatever the code
prints cannot be mistaken for the frame. The exit code is 0 whenever a frame was written; no frame means
the process died (the host decides why).
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import inspect
import json
import linecache
import numbers
import os
import random
import struct
import sys
import traceback
from collections.abc import Callable

import numpy as np
import pandas as pd

SOURCE_NAME = "<candidate>"
DETAIL_LINES = 40
DETAIL_CHARS = 4000
MESSAGE_CHARS = 300
PREFIX = struct.Struct(">QQ")  # JSON size, raw size
RAW_KINDS = frozenset("biufcmM")  # bool, int, float, complex, timedelta, datetime: np.frombuffer-able
PREDICTION = np.dtype("<f8")

# Bound before untrusted code runs, so monkeypatching json/os/sys/struct cannot break the result frame.
_dumps, _write, _exit, _getpid, _pack = json.dumps, os.write, os._exit, os.getpid, PREFIX.pack
# What the candidate's own module may import: the static contract gate's ``ALLOWED_IMPORTS`` (this file
# imports nothing from the project; a test keeps the two equal). That gate is advisory (a bypass such as
# ``__builtins__['__import__']('os')`` passes it); this one holds at run time for the imports the
# candidate's code makes, so a bypass gets the outcome a plain forbidden import gets.
ALLOWED_IMPORTS = frozenset(
    {"numpy", "pandas", "math", "statistics", "re", "collections", "itertools", "functools", "typing"}
)
CANDIDATE_MODULE = "candidate"
_import, _getframe, _seed, _np_seed = builtins.__import__, sys._getframe, random.seed, np.random.seed
_default_rng = np.random.default_rng


def _guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
    """``__import__`` that refuses, for the candidate's module only, what the contract does not allow;
    imports made by numpy, pandas or the stdlib on their own behalf pass."""
    caller = (globals or _getframe(1).f_globals).get("__name__")
    if caller == CANDIDATE_MODULE and (level or name.partition(".")[0] not in ALLOWED_IMPORTS):
        raise Fault(
            "forbidden_import",
            f"imports {name!r} at run time; only {', '.join(sorted(ALLOWED_IMPORTS))} may be imported",
        )
    return _import(name, globals, locals, fromlist, level)


def _seeded_default_rng(seed=None):
    """``numpy.random.default_rng`` that, given no seed, uses 0 instead of fresh entropy."""
    return _default_rng(0 if seed is None else seed)


def _deterministic() -> None:
    """The same random numbers on every run: code that draws them anyway (the contract refuses it, but
    ``from numpy import random`` passed the static gate) scores the same rows the same way each time."""
    _seed(0)
    _np_seed(0)


class Fault(Exception):
    """A code-model fault already classified into an outcome kind."""

    def __init__(self, kind: str, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.kind, self.message, self.detail = kind, message, detail


def _safe(obj: object, render: Callable[[object], str] = str) -> str:
    """``str()`` (or ``repr()``) that never raises, even for objects whose ``__str__`` misbehaves."""
    try:
        return render(obj)
    except BaseException:
        return f"<unprintable {type(obj).__name__}>"


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= MESSAGE_CHARS else line[: MESSAGE_CHARS - 3] + "..."


def _trimmed_traceback(exc: BaseException) -> str:
    """The traceback without the runner's own frames, trimmed to its last lines (that is where it broke)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    try:
        text = "".join(traceback.format_exception(type(exc), exc, tb))
    except BaseException:
        text = f"{type(exc).__name__}: {_safe(exc)}"
    return "\n".join(text.splitlines()[-DETAIL_LINES:])[-DETAIL_CHARS:]


def _is_process_limit(exc: BaseException) -> bool:
    """fork/thread creation refused by the pids limit (EAGAIN), as Python reports it."""
    if isinstance(exc, BlockingIOError) or (isinstance(exc, OSError) and exc.errno == errno.EAGAIN):
        return True
    return isinstance(exc, RuntimeError) and "can't start new thread" in _safe(exc)


def _classify(exc: BaseException, where: str) -> Fault:
    """Map an exception raised by the code model to an outcome kind with a one-line message."""
    if isinstance(exc, Fault):  # a refusal of the runner's own (a forbidden import at run time)
        return exc
    if isinstance(exc, SystemExit):
        return Fault("runtime_error", f"{where} called exit({_safe(exc.code)})", _trimmed_traceback(exc))
    kind = "runtime_error"
    if isinstance(exc, ImportError):
        kind = "import_error"
    elif isinstance(exc, MemoryError):
        kind = "memory_limit"
    elif _is_process_limit(exc):
        kind = "process_limit"
    message = _one_line(f"{where} raised {type(exc).__name__}: {_safe(exc)}")
    return Fault(kind, message, _trimmed_traceback(exc))


def parse_request(raw: bytes) -> tuple[dict, memoryview]:
    """Split the request frame into its JSON header and its raw section (a view, not a copy)."""
    if len(raw) < PREFIX.size:
        raise ValueError(f"request of {len(raw)} bytes has no prefix")
    json_size, raw_size = PREFIX.unpack_from(raw)
    if PREFIX.size + json_size + raw_size != len(raw):
        raise ValueError(f"request announces {json_size + raw_size} bytes, {len(raw) - PREFIX.size} arrived")
    view = memoryview(raw)
    return json.loads(view[PREFIX.size : PREFIX.size + json_size].tobytes()), view[PREFIX.size + json_size :]


def _column(entry: object, rows: int, body: memoryview) -> object:
    """A column's values: the JSON list itself, or the raw buffer it points at (wrapped, not copied)."""
    if isinstance(entry, list):
        return entry
    dtype = np.dtype(entry["raw"])
    if dtype.kind not in RAW_KINDS:
        raise ValueError(f"raw column of dtype {dtype} (only plain numeric, bool and datetime columns)")
    return np.frombuffer(body, dtype, rows, entry["offset"])


def load_frames(spec: dict, body: memoryview) -> dict[str, pd.DataFrame]:
    """Rebuild the feature frames; a dtype that cannot be restored is left as pandas inferred it.

    The frames own their data (``copy=True``): nothing the model does to them reaches the request buffer.
    """
    frames = {}
    for name, frame in spec.items():
        columns, dtypes, rows = frame["columns"], frame["dtypes"], frame["rows"]
        data = {i: _column(entry, rows, body) for i, entry in enumerate(frame["data"])}
        df = pd.DataFrame(data, index=range(rows), columns=range(len(columns)), copy=True)
        for i, (now, dtype) in enumerate(zip([str(t) for t in df.dtypes], dtypes, strict=True)):
            if now != dtype:
                with contextlib.suppress(TypeError, ValueError):
                    df[i] = df[i].astype(dtype)
        df.columns = columns
        frames[name] = df
    return frames


def load_model(code: str) -> Callable[[pd.DataFrame], object]:
    """Compile and execute the source in a fresh namespace; return its ``predict``."""
    linecache.cache[SOURCE_NAME] = (len(code), None, code.splitlines(True), SOURCE_NAME)
    try:
        compiled = compile(code, SOURCE_NAME, "exec")
    except (SyntaxError, ValueError) as exc:
        line = f" (line {exc.lineno})" if getattr(exc, "lineno", None) else ""
        msg = exc.msg if isinstance(exc, SyntaxError) else _safe(exc)
        detail = "".join(traceback.format_exception_only(type(exc), exc))[-DETAIL_CHARS:]
        raise Fault("syntax_error", _one_line(f"{type(exc).__name__}: {msg}{line}"), detail) from None
    namespace = {"__name__": CANDIDATE_MODULE, "__builtins__": builtins}
    _deterministic()
    try:
        exec(compiled, namespace)
    except BaseException as exc:
        raise _classify(exc, "the module code") from None
    predict = namespace.get("predict")
    if not callable(predict):
        raise Fault("contract_error", "the code defines no callable `predict(df)`")
    try:
        signature = inspect.signature(predict)
    except (TypeError, ValueError):
        return predict
    try:
        signature.bind(None)
    except TypeError:
        raise Fault(
            "contract_error",
            f"`predict` must take exactly one positional argument (the DataFrame); it is predict{signature}",
        ) from None
    return predict


def _values(out: object, n: int, where: str) -> np.ndarray:
    """Coerce a return value to n float64s, or raise an invalid_output Fault saying precisely why."""
    if isinstance(out, (pd.Series, pd.Index)) and (
        pd.api.types.is_numeric_dtype(out.dtype) or pd.api.types.is_bool_dtype(out.dtype)
    ):
        out = out.to_numpy(dtype=np.float64, na_value=np.nan)
    arr = np.asarray(out)
    if arr.ndim != 1:
        shape = f"a single {type(out).__name__}" if arr.ndim == 0 else f"shape {arr.shape}"
        raise Fault("invalid_output", f"{where} returned {shape}, expected ({n},): one float per row")
    if len(arr) != n:
        raise Fault("invalid_output", f"{where} returned {len(arr)} values, expected {n} (one per row)")
    return _floats(arr, where)


def _matrix(out: object, n: int, names: list[str], where: str) -> np.ndarray:
    """Coerce a return value to an (n, len(names)) float64 matrix whose columns follow ``names``.

    A DataFrame whose column names are exactly ``names`` (compared as text) is reordered to match; one
    naming only some of them is refused, since its column order cannot be trusted.
    """
    k, order = len(names), ", ".join(names)
    if isinstance(out, pd.DataFrame):
        given = [_safe(column) for column in out.columns]
        if sorted(given) == sorted(names) and len(set(given)) == k:
            out = out.iloc[:, [given.index(name) for name in names]]
        elif set(given) & set(names):
            shown = _one_line(", ".join(given))[:120]
            raise Fault(
                "invalid_output",
                f"{where} returned a DataFrame with columns [{shown}]; name its columns exactly [{order}]"
                " or return a plain array with the columns in that order",
            )
        plain = all(pd.api.types.is_numeric_dtype(t) or pd.api.types.is_bool_dtype(t) for t in out.dtypes)
        out = out.to_numpy(dtype=np.float64, na_value=np.nan) if plain else out.to_numpy(dtype=object)
    arr = np.asarray(out)
    if arr.ndim != 2 or arr.shape != (n, k):
        shape = f"a single {type(out).__name__}" if arr.ndim == 0 else f"shape {arr.shape}"
        raise Fault(
            "invalid_output",
            f"{where} returned {shape}, expected ({n}, {k}): one row per df row, one column per class"
            f" in the order [{order}]",
        )
    return _floats(arr.reshape(-1), where, k).reshape(n, k)


def _floats(arr: np.ndarray, where: str, per_row: int = 1) -> np.ndarray:
    """The values of a flat array (``per_row`` to a df row) as float64 (a copy), or an invalid_output
    Fault naming the first bad one."""
    if arr.dtype.kind in "biuf":
        return arr.astype(PREDICTION)  # a copy: the frame never shares memory the model still holds
    if arr.dtype.kind != "O":
        raise Fault("invalid_output", f"{where} returned values of dtype {arr.dtype}, expected numbers")
    floats = []
    for i, value in enumerate(arr.tolist()):
        if not isinstance(value, numbers.Real):
            shown = f"{_one_line(_safe(value, repr))[:60]} ({type(value).__name__}) at row {i // per_row}"
            raise Fault("invalid_output", f"{where} returned {shown}")
        floats.append(float(value))
    return np.array(floats, dtype=PREDICTION)


def run(raw: bytes) -> dict:
    """Evaluate one raw request; model faults become a result dict, never an exception."""
    try:
        request, body = parse_request(raw)
        frames = load_frames(request["frames"], body)
    except Exception as exc:
        return {"kind": "sandbox_error", "message": _one_line(f"bad request: {exc!r}")}
    builtins.__import__, np.random.default_rng = _guarded_import, _seeded_default_rng
    try:
        return _predictions(request, frames)
    except Fault as fault:
        return {"kind": fault.kind, "message": fault.message, "detail": fault.detail}
    finally:  # the runner's own process ends here; a test that runs it in-process gets its builtins back
        builtins.__import__, np.random.default_rng = _import, _default_rng


def _predictions(request: dict, frames: dict[str, pd.DataFrame]) -> dict:
    """Every frame's predictions, or the Fault of the first frame that fails."""
    predict = load_model(request["code"])
    names = request.get("output_columns")
    predictions = {}
    for index, (name, df) in enumerate(frames.items()):
        if index:
            # A fresh module per frame: a predict that changes its globals (the 1.5B model wrote
            # ``SEPARATION['Feature_1'] *= 1.1`` inside predict) would otherwise score each fold
            # differently, depending on how many frames it saw before.
            predict = load_model(request["code"])
        where, rows = f"predict on frame {name!r}", len(df)  # counted before the model can drop rows
        _deterministic()
        try:
            out = predict(df)
        except BaseException as exc:
            raise _classify(exc, where) from None
        try:
            predictions[name] = _matrix(out, rows, names, where) if names else _values(out, rows, where)
        except Fault:
            raise
        except BaseException as exc:
            message = f"{where}: its return value of type {type(out).__name__} is unusable: {_safe(exc)}"
            raise Fault("invalid_output", _one_line(message), _trimmed_traceback(exc)) from None
    return {"kind": "ok", "predictions": predictions, "message": ""}


def write_frame(fd: int, result: dict) -> None:
    """Write the one result frame, completely: predictions go as float64 buffers after the JSON."""
    arrays = result["predictions"]
    header = {**result, "predictions": [[name, len(values)] for name, values in arrays.items()]}
    data = _dumps(header).encode("utf-8")
    raw_size = sum(values.nbytes for values in arrays.values())
    for chunk in (_pack(len(data), raw_size) + data, *arrays.values()):
        view = memoryview(chunk).cast("B")
        while view:
            view = view[_write(fd, view) :]


def main() -> None:
    raw = sys.stdin.buffer.read()
    result_fd = os.dup(1)  # private copy of the real stdout, for the frame only
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    owner = _getpid()
    try:
        result = run(raw)
    except BaseException as exc:  # only a model that sabotages the runner's own code gets here
        result = {"kind": "runtime_error", "message": _one_line(f"the code broke the runner: {_safe(exc)}")}
    if _getpid() != owner:  # a child forked by the model reached here: only the runner reports
        _exit(1)
    write_frame(result_fd, {"predictions": {}, "detail": "", **result})
    with contextlib.suppress(BaseException):
        sys.stderr.flush()
    _exit(0)  # skip the model's atexit hooks and non-daemon threads: the frame is out


if __name__ == "__main__":
    main()
