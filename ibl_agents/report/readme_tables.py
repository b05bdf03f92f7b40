"""The README's result tables, copied from committed ``ibl report`` output so they cannot drift.

A README block between ``<!-- results: <report.md path> "<section title>" -->`` and
``<!-- /results -->`` holds the table of that section of that report (a path relative to the README).
``python -m ibl_agents.report.readme_tables README.md`` rewrites every block from the reports; the test
suite checks that the README already equals its rewrite, so a number in the README is always one that
``ibl report`` wrote into a committed file.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from ibl_agents.errors import ConfigError

BLOCK = re.compile(
    r'(<!-- results: (?P<path>\S+) "(?P<title>[^"]+)" -->\n)(?P<body>.*?)(<!-- /results -->)', re.S
)


def section_table(report: Path, title: str) -> str:
    """The markdown table under ``## <title>`` in ``report`` (the first table of that section)."""
    if not report.is_file():
        raise ConfigError(f"{report} does not exist; run `ibl report` for it first")
    text = report.read_text(encoding="utf-8")
    start = text.find(f"\n## {title}\n")
    if start < 0:
        raise ConfigError(f"{report} has no section {title!r}")
    section = text[start + len(f"\n## {title}\n") :].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    if not rows:
        raise ConfigError(f"section {title!r} of {report} has no table")
    return "\n".join(rows) + "\n"


def synced(readme: Path) -> str:
    """The README's text with every results block rewritten from its report."""
    text = readme.read_text(encoding="utf-8")

    def table(match: re.Match[str]) -> str:
        body = section_table(readme.parent / match["path"], match["title"])
        return match.group(1) + body + match.group(5)

    return BLOCK.sub(table, text)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m ibl_agents.report.readme_tables README.md", file=sys.stderr)
        return 2
    readme = Path(argv[0])
    readme.write_text(synced(readme), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
