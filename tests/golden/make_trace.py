"""Write the golden files of `backprop-tui trace` (tests/golden/trace/), or compare them.

Not run by the tests. A change to the golden files must be deliberate: regenerate them
only when the output is meant to change, and review the diff before committing.

    python tests/golden/make_trace.py                    # the installed program
    python tests/golden/make_trace.py --source DIR       # DIR on PYTHONPATH, e.g. a
                                                         # `git worktree add DIR HEAD`
    python tests/golden/make_trace.py --compare          # write nothing; list differences

Each case is run twice (with different PYTHONHASHSEED) in an empty temporary folder with
the fixed environment of the test; it must exit 0 with empty stderr and print the same
bytes both times, or nothing is written.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from trace_cases import RUNS, TRACE_DIR, fixed_environment, golden_path, run


def program(cwd: Path, source: Path | None) -> str:
    """Where the backprop_tui that is run comes from."""
    done = subprocess.run([sys.executable, "-c", "import backprop_tui; print(backprop_tui.__file__)"],
                          capture_output=True, text=True, cwd=cwd, env=fixed_environment(cwd, source),
                          check=True)
    return done.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="a source tree to put on PYTHONPATH")
    parser.add_argument("--compare", action="store_true", help="compare with the files; write nothing")
    args = parser.parse_args()
    source = args.source.resolve() if args.source else None
    outputs: dict[tuple[str, str], bytes] = {}
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="golden-trace-") as folder:
        cwd = Path(folder)
        print(f"running {program(cwd, source)}", file=sys.stderr)
        for case, form in RUNS:
            first, second = (run(case, form, cwd, source, {"PYTHONHASHSEED": seed})
                             for seed in ("0", "12345"))
            for done in (first, second):
                if done.returncode != 0 or done.stderr:
                    problems.append(f"{case} {form}: exit {done.returncode}, "
                                    f"stderr {done.stderr.decode(errors='replace')!r}")
            if first.stdout != second.stdout:
                problems.append(f"{case} {form}: two runs differ")
            outputs[case, form] = first.stdout
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    if args.compare:
        differ = [str(golden_path(case, form).relative_to(TRACE_DIR.parent))
                  for (case, form), out in outputs.items()
                  if not golden_path(case, form).is_file() or golden_path(case, form).read_bytes() != out]
        print("\n".join(differ) or f"all {len(outputs)} golden files match", file=sys.stderr)
        return 1 if differ else 0
    TRACE_DIR.mkdir(parents=True, exist_ok=True)
    for (case, form), out in outputs.items():
        golden_path(case, form).write_bytes(out)
    print(f"wrote {len(outputs)} files in {TRACE_DIR}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
