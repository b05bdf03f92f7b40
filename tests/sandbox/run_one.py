"""Run one code model in a sandbox from a separate orchestrator process (``python -m tests.sandbox.run_one``).

Used by the attack suite to put a canary in the orchestrator's *initial* environment, where
``/proc/<pid>/environ`` shows it (changing ``os.environ`` in the test process would not).
Usage: ``python -m tests.sandbox.run_one BACKEND IMAGE < code``; prints the result as JSON.
"""

from __future__ import annotations

import json
import sys

import pandas as pd

from sandbox.backends import open_executor


def main() -> None:
    backend, image = sys.argv[1], sys.argv[2]
    code = sys.stdin.read()
    with open_executor(backend, image=image, prestart=False) as executor:
        result = executor.run(code, {"v": pd.DataFrame({"x": [1.0]})})
    print(json.dumps({**result.to_json(), "predictions": result.predictions}))


if __name__ == "__main__":
    main()
