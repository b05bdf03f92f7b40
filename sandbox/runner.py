"""Trusted in-container runner: executes one code model on feature frames, returns predictions only.

Standalone on purpose (stdlib + numpy + pandas, nothing from the project): it is copied into the image
as ``/opt/ibl/runner.py`` and is the only trusted code inside the container.

Protocol: one JSON request on stdin ``{"code": str, "frames": {name: {"columns", "dtypes", "rows", "data"}}}``
(``data`` holds one list of values per column, in the order of ``columns``);
one result frame on the *original* stdout: an 8-byte big-endian length, then UTF-8 JSON
``{"kind", "predictions", "message", "detail"}``. Before any untrusted code runs, fd 1 and
``sys.stdout`` are pointed at stderr, so whatever the code prints cannot be mistaken for the frame.
The exit code is 0 whenever a frame was written; no frame means the process died (the host decides why).
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

# Bound before untrusted code runs, so monkeypatching json/os/sys cannot break the result frame.
_dumps, _write, _exit, _getpid = json.dumps, os.write, os._exit, os.getpid


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


def load_frames(spec: dict) -> dict[str, pd.DataFrame]:
    """Rebuild the feature frames; a dtype that cannot be restored is left as pandas inferred it."""
    frames = {}
    for name, frame in spec.items():
        columns, dtypes = frame["columns"], frame["dtypes"]
        data = dict(enumerate(frame["data"]))
        df = pd.DataFrame(data, index=range(frame["rows"]), columns=range(len(columns)))
        for i, dtype in enumerate(dtypes):
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
    namespace = {"__name__": "candidate", "__builtins__": builtins}
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


def _values(out: object, n: int, where: str) -> list[float]:
    """Coerce a return value to n plain floats, or raise an invalid_output Fault saying precisely why."""
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
    if arr.dtype.kind in "biuf":
        return arr.astype(np.float64).tolist()
    if arr.dtype.kind != "O":
        raise Fault("invalid_output", f"{where} returned values of dtype {arr.dtype}, expected numbers")
    floats = []
    for i, value in enumerate(arr.tolist()):
        if not isinstance(value, numbers.Real):
            shown = _one_line(_safe(value, repr))[:60]
            raise Fault("invalid_output", f"{where} returned {shown} ({type(value).__name__}) at row {i}")
        floats.append(float(value))
    return floats


def run(raw: bytes) -> dict:
    """Evaluate one raw request; model faults become a result dict, never an exception."""
    try:
        request = json.loads(raw)
        frames = load_frames(request["frames"])
    except Exception as exc:
        return {"kind": "sandbox_error", "message": _one_line(f"bad request: {exc!r}")}
    try:
        predict = load_model(request["code"])
        predictions = {}
        for name, df in frames.items():
            where = f"predict on frame {name!r}"
            try:
                out = predict(df.copy())
            except BaseException as exc:
                raise _classify(exc, where) from None
            try:
                predictions[name] = _values(out, len(df), where)
            except Fault:
                raise
            except BaseException as exc:
                message = f"{where}: its return value of type {type(out).__name__} is unusable: {_safe(exc)}"
                raise Fault("invalid_output", _one_line(message), _trimmed_traceback(exc)) from None
    except Fault as fault:
        return {"kind": fault.kind, "message": fault.message, "detail": fault.detail}
    return {"kind": "ok", "predictions": predictions, "message": ""}


def write_frame(fd: int, result: dict) -> None:
    """Write the one length-prefixed result frame, completely."""
    data = _dumps(result).encode("utf-8")
    view = memoryview(struct.pack(">Q", len(data)) + data)
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
