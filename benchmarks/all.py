"""Every benchmark, one after the other:

    python benchmarks/all.py

Runs each ``benchmarks/*.py`` script (this one and the minimal app aside) with
the same Python, in the order of their names, and prints what each reports.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SKIP = {"all.py", "minimal_app.py"}


def main() -> int:
    status = 0
    for script in sorted(HERE.glob("*.py")):
        if script.name in SKIP or script.name.startswith("_"):
            continue
        print(f"== {script.name}", flush=True)
        done = subprocess.run([sys.executable, str(script)])
        status = status or done.returncode
        print(flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
