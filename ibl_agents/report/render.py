"""The report on disk: ``report.md`` (plots as PNG files beside it) and ``report.html``, self-contained
(plots embedded as base64 PNG), so one file can be mailed or attached to a paper's supplement."""

from __future__ import annotations

import base64
import html
from pathlib import Path

import pandas as pd

from ibl_agents.loop.artifacts import write_text
from ibl_agents.report.plots import DPI
from ibl_agents.report.sections import Section

# Made to be printed or attached as an appendix: a value never wraps inside its cell (a 15-column table
# used to break "0.912 [0.871, 0.953]" over lines) while long headers do; a column that holds one value in
# every row is said once above its table; a table wider than the page scrolls in its own box on screen
# and shrinks to fit on paper; figures are shown at one scale (100 px per inch), so their text matches.
STYLE = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1600px;color:#222;padding:0 1em}
div.table{overflow-x:auto;margin:.5em 0 1.5em}table{border-collapse:collapse;font-size:13px;
font-variant-numeric:tabular-nums}th,td{border:1px solid #ccc;padding:3px 7px;text-align:right}
td{white-space:nowrap}th{background:#f3f3f3;position:sticky;top:0;max-width:11em;vertical-align:bottom}
tr:nth-child(even) td{background:#fafafa}td:nth-child(-n+3){text-align:left}
p.note{color:#555;max-width:60em;line-height:1.4}p.same{margin:.3em 0;font-size:13px}
figure{margin:1em 0}figcaption{font-size:13px;color:#555;margin-top:.3em}img{max-width:100%}
@media print{body{max-width:none;margin:0}div.table{overflow:visible}table{font-size:8px}
th{position:static}figure,tr{break-inside:avoid}}"""


def write_markdown(path: Path, title: str, intro: str, sections: list[Section]) -> Path:
    lines = [f"# {title}", "", intro, ""]
    for section in sections:
        lines += [f"## {section.title}", "", section.note, ""]
        if section.table is not None:
            lines += [_markdown_table(section.table), ""]
        for caption, image in section.plots:
            lines += [f"![{caption}]({image.relative_to(path.parent).as_posix()})", "", f"*{caption}*", ""]
    write_text(path, "\n".join(lines))
    return path


def write_html(path: Path, title: str, intro: str, sections: list[Section]) -> Path:
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"]
    parts += [f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1><p>{html.escape(intro)}</p>"]
    for section in sections:
        parts.append(f"<h2>{html.escape(section.title)}</h2><p class='note'>{html.escape(section.note)}</p>")
        if section.table is not None:
            parts.append(_html_table(section.table))
        for caption, image in section.plots:
            parts.append(_html_figure(caption, image))
    parts.append("</body></html>")
    write_text(path, "\n".join(parts))
    return path


def _html_table(table: pd.DataFrame) -> str:
    """The table, with every column that holds one value in all of its rows said once above it (unless
    that is every column: then the table stays whole)."""
    same = [c for c in table.columns if len(table) > 1 and table[c].astype(str).nunique() == 1]
    if len(same) == len(table.columns):
        same = []
    header = "; ".join(f"{html.escape(str(c))} <b>{html.escape(str(table[c].iloc[0]))}</b>" for c in same)
    line = f"<p class='same'>In every row: {header}</p>" if same else ""
    body = table.drop(columns=same).to_html(index=False, border=0, escape=True, na_rep="")
    return f"{line}<div class='table'>{body}</div>"


def _html_figure(caption: str, image: Path) -> str:
    png = image.read_bytes()
    width = round(int.from_bytes(png[16:20], "big") * 100 / DPI)  # the PNG header's IHDR width
    data = base64.b64encode(png).decode("ascii")
    return (
        f"<figure><img alt='{html.escape(caption)}' width='{width}' src='data:image/png;base64,{data}'>"
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def _markdown_table(table: pd.DataFrame) -> str:
    if table.empty:
        return "(no rows)"
    cells = [[str(value).replace("|", "\\|") for value in row] for row in table.itertuples(index=False)]
    header = "| " + " | ".join(table.columns) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    return "\n".join([header, rule, *("| " + " | ".join(row) + " |" for row in cells)])
