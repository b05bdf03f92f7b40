"""The public surface: every name of ``ibl_agents.__all__`` resolves in a fresh interpreter, and the
old flat module paths still import, with a warning naming the new path."""

from __future__ import annotations

import importlib
import subprocess
import sys
import warnings
from pathlib import Path

import ibl_agents
from ibl_agents.moved import INTO_PACKAGE, NO_ALIAS, OLD_TO_NEW


def test_every_public_name_resolves_in_a_fresh_interpreter() -> None:
    """Fresh: an earlier import in this test session could hide a lazy entry pointing at a moved module."""
    code = (
        "import ibl_agents as m\n"
        "missing = [n for n in m.__all__ if getattr(m, n, None) is None]\n"
        "print(len(m.__all__), missing)\n"
    )
    done = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    count, missing = done.stdout.split(" ", 1)
    assert int(count) >= 29 and missing.strip() == "[]"


def test_all_is_sorted_and_holds_the_chat_models_seam() -> None:
    assert list(ibl_agents.__all__) == sorted(ibl_agents.__all__)
    assert "ChatModels" in ibl_agents.__all__  # the estimators' chat_models parameter (README)


def test_an_old_module_path_still_imports_the_new_module_with_a_warning() -> None:
    sys.modules.pop("ibl_agents.serialize", None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = importlib.import_module("ibl_agents.serialize")
    assert old is importlib.import_module("ibl_agents.prompts.rows")
    assert [str(w.message).split(";")[0] for w in caught] == [
        "ibl_agents.serialize moved to ibl_agents.prompts.rows"
    ]


def test_every_entry_of_the_move_table_points_at_a_module_that_exists() -> None:
    for new in [*OLD_TO_NEW.values(), *INTO_PACKAGE.values()]:
        importlib.import_module(f"ibl_agents.{new}")


def test_no_old_name_is_also_a_new_package_or_module() -> None:
    """An alias would hide a real module of that name."""
    package = Path(ibl_agents.__file__).parent
    assert [old for old in OLD_TO_NEW if (package / f"{old}.py").exists() or (package / old).is_dir()] == []


def test_the_public_functions_named_like_old_modules_stay_functions() -> None:
    assert all(callable(getattr(ibl_agents, name)) for name in NO_ALIAS)
