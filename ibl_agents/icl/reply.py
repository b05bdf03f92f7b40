"""Reading per-row probabilities out of an in-context-learning reply, whatever the model wrapped them in.

The prompt asks for one line ``row_id: probability`` per test row, with ids 1..k numbering the rows of
that call, because the order of a reply's lines cannot be trusted. Models still add prose, code fences,
bullets, bold, markdown tables or JSON, write percentages, repeat or skip rows. The rules, and why:

- a pair is an id followed by a number (``3: 0.8``, ``Row 3 - 80%``, ``"3": 0.8``, ``| 3 | 0.8 |``, and
  several ``id: value`` pairs on one line separated by commas); ``80%`` means 0.8;
- a number outside [0, 1] (a percentage outside [0, 100]) gives no probability: ``3: 80`` may mean 80 %
  or a copied feature value, and a guess would corrupt the ranking silently;
- ids outside 1..k are ignored (not this call's rows);
- a row given two different valid values is ambiguous and gets none; repeating the same value is fine;
- a line shaped like a test row copied back (an id, then two or more comma-separated fields) is skipped:
  the number after its id is a feature value, not an answer.

A row without a probability is the model's failure, recorded as missing by the caller, never an error.
"""

from __future__ import annotations

import re
from collections import defaultdict

_PAIR = re.compile(
    r"""(?:^|(?<=[,;]))                                  # a pair starts a line or follows , or ;
    [\s>*+|`#"'\[({-]*                                  # bullets, quotes, bold, table pipes, braces
    (?:(?:row[\s_-]*(?:id)?|id)["']?\s*[:=\#]?\s*(?:no\.?\s*)?)?   # 'Row 3', 'row_id: 3', 'ID #3'
    (?P<id>\d+)
    [*`"'\])]*                                          # closing bold, quote or bracket
    (?:\s*(?:[:=|,]|->|=>|\.(?=\s)|-(?=\s))|(?=\s))     # separator, or plain whitespace
    [\s*`|"']*
    (?:[a-z][a-z_\ ]*?["']?\s*[:=]?\s*)?                # a label: 'probability: ', 'p = ', 'about '
    (?P<value>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?)(?![\d.])
    \s*(?P<percent>%)?""",
    re.IGNORECASE | re.VERBOSE,
)
_ECHOED_ROW = re.compile(r"^[\s>*+|`-]*\d+\s*,[^,]*,")


def parse_probabilities(text: str, n_rows: int) -> dict[int, float]:
    """The probability the reply gives each of the rows 1..``n_rows``; rows it gives none are absent."""
    found: dict[int, set[float]] = defaultdict(set)
    for line in text.splitlines():
        if _ECHOED_ROW.match(line):
            continue
        for match in _PAIR.finditer(line):
            row, value = int(match["id"]), _probability(match)
            if 1 <= row <= n_rows and value is not None:
                found[row].add(value)
    return {row: next(iter(values)) for row, values in sorted(found.items()) if len(values) == 1}


def _probability(match: re.Match[str]) -> float | None:
    value = float(match["value"])
    if match["percent"]:
        value /= 100
    return value if 0.0 <= value <= 1.0 else None
