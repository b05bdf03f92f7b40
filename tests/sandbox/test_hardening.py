"""The container settings (allow-list) and the limits' validation; no Docker needed."""

from __future__ import annotations

import os

import pytest

from sandbox.hardening import LABEL, OWNER_PID_LABEL, SandboxLimits, container_kwargs


def test_container_kwargs_apply_every_hardening_flag() -> None:
    kw = container_kwargs("img:tag", SandboxLimits(memory_mb=300, cpus=0.5, pids=40, tmp_mb=8))
    assert kw["network_mode"] == "none"
    assert kw["user"] == "65534:65534"
    assert kw["cap_drop"] == ["ALL"] and kw["security_opt"] == ["no-new-privileges"]
    assert kw["mem_limit"] == kw["memswap_limit"] == 300 * 1024 * 1024
    assert kw["nano_cpus"] == 500_000_000 and kw["pids_limit"] == 40
    assert kw["read_only"] is True and kw["init"] is True
    assert kw["tmpfs"] == {"/tmp": "rw,size=8m,mode=1777,noexec,nosuid,nodev"}
    ulimits = {u["Name"]: u["Hard"] for u in kw["ulimits"]}
    assert ulimits == {"fsize": 8 * 1024 * 1024, "nofile": 256, "core": 0}
    assert kw["log_config"]["Type"] == "none"
    assert kw["environment"] == [] and "volumes" not in kw and "mounts" not in kw
    assert kw["labels"][LABEL] == "1" and kw["labels"][OWNER_PID_LABEL] == str(os.getpid())


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("timeout_s", 0, ValueError),
        ("timeout_s", float("inf"), ValueError),
        ("memory_mb", 16, ValueError),
        ("memory_mb", 256.5, TypeError),
        ("pids", "many", TypeError),
        ("cpus", True, TypeError),
        ("max_output_bytes", 10, ValueError),
    ],
)
def test_limits_are_validated_with_the_allowed_range(field: str, value: object, error: type) -> None:
    with pytest.raises(error, match=f"SandboxLimits.{field} must be"):
        SandboxLimits(**{field: value})
