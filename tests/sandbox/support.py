"""Shared test data and helpers for the sandbox tests."""

from __future__ import annotations

import os

import docker
import numpy as np
import pandas as pd

from sandbox.hardening import LABEL, OWNER_PID_LABEL

FRAME = pd.DataFrame({"x": [0.5, 1.5, -2.0, 3.25, 0.0], "name": ["a", "b", None, "d", "e"]})


def every_dtype() -> pd.DataFrame:
    """Four rows, one column per kind of dtype the protocol carries, with missing values where they fit."""
    frame = pd.DataFrame(
        {
            "i": np.arange(4, dtype=np.int64),
            "i8": np.arange(4, dtype=np.int8),
            "u": np.arange(4, dtype=np.uint32),
            "int_with_nan": pd.Series([1, None, 3, None]),  # pandas made it float64
            "f": [0.1, float("nan"), float("inf"), -0.0],
            "f32": np.linspace(0, 1, 4, dtype=np.float32),
            "b": [True, False, True, False],
            "d": pd.to_datetime(["2020-01-01", None, "2021-06-01", "1999-12-31"]),
            "ns": pd.to_datetime(["2020-01-01"] * 4).as_unit("ns"),
            "td": pd.to_timedelta(np.arange(4), unit="s"),
            "c": pd.Categorical(["x", "y", "x", "y"]),
            "n": pd.array([1, None, 3, None], dtype="Int64"),
            "s": ["a", None, "c", "d"],
            "o": pd.Series(["a", None, float("nan"), 3], dtype=object),
        }
    )
    frame["big_endian"] = np.arange(4, dtype=">f8")  # sent little-endian, restored by its dtype
    return frame


def our_containers(client: docker.DockerClient) -> list[dict]:
    """Sandbox containers owned by this test process, whatever their state."""
    mine = f"{OWNER_PID_LABEL}={os.getpid()}"
    return client.api.containers(all=True, filters={"label": [LABEL, mine]})
