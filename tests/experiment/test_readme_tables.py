"""The README's result tables are the committed reports' tables, to the character."""

from __future__ import annotations

from pathlib import Path

import pytest

from ibl_agents.errors import ConfigError
from ibl_agents.report.readme_tables import section_table, synced

ROOT = Path(__file__).resolve().parents[2]
REPORT = (
    "# Experiment x\n\n## Main\n\nnote\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
    "## Other\n\n| c |\n|---|\n| 3 |\n"
)


def test_the_readme_equals_its_rewrite_from_the_committed_reports() -> None:
    readme = ROOT / "README.md"
    assert "<!-- results: " in readme.read_text(encoding="utf-8")  # the blocks exist
    assert synced(readme) == readme.read_text(encoding="utf-8"), (
        "a README results table differs from its report:"
        " run python -m ibl_agents.report.readme_tables README.md"
    )


def test_a_block_is_rewritten_from_its_section(tmp_path: Path) -> None:
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "report.md").write_text(REPORT, encoding="utf-8")
    readme = tmp_path / "README.md"
    readme.write_text('text\n<!-- results: r/report.md "Other" -->\n| stale |\n<!-- /results -->\nend\n')
    assert (
        synced(readme)
        == 'text\n<!-- results: r/report.md "Other" -->\n| c |\n|---|\n| 3 |\n<!-- /results -->\nend\n'
    )
    assert section_table(tmp_path / "r" / "report.md", "Main") == "| a | b |\n|---|---|\n| 1 | 2 |\n"


def test_a_missing_section_is_named(tmp_path: Path) -> None:
    (tmp_path / "report.md").write_text(REPORT, encoding="utf-8")
    with pytest.raises(ConfigError, match="has no section 'Nope'"):
        section_table(tmp_path / "report.md", "Nope")
