"""The one table of `backprop-tui trace` golden cases, and how each is run.

Used by tests/test_golden_trace.py (which compares) and tests/golden/make_trace.py
(which writes). A golden file is tests/golden/trace/<case>.<extension of the format>.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TRACE_DIR = Path(__file__).resolve().parent / "trace"
"""Where the golden files are."""

EIGHT_X = "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8"
EIGHT_Y = "0,0,0,1,1,1,1,1"

CASES: dict[str, tuple[str, ...]] = {
    "default": (),
    "layers10-seed3": ("--layers", "10", "--seed", "3"),
    "tanh": ("--activation", "tanh"),
    "relu": ("--activation", "relu"),
    "cross-entropy": ("--cost", "cross-entropy"),
    "samples8": ("--x", EIGHT_X, "--y", EIGHT_Y),
    # --check (the nudge check beside each gradient) is refused with --format markdown.
    "check-default": ("--check",),
    "check-layers10-seed3": ("--check", "--layers", "10", "--seed", "3"),
    "check-samples8": ("--check", "--x", EIGHT_X, "--y", EIGHT_Y),
}
"""Each case's arguments after `trace` (without --format)."""

FORMATS: dict[str, str] = {"text": "txt", "json": "json", "markdown": "md"}
"""Each --format and the extension of its golden files."""

NO_MARKDOWN = frozenset(name for name, args in CASES.items() if "--check" in args)
"""The cases that have no markdown golden file: trace refuses --check with markdown."""

RUNS: list[tuple[str, str]] = [
    (case, form) for case in CASES for form in FORMATS
    if not (form == "markdown" and case in NO_MARKDOWN)
]
"""Every (case, format) with a golden file."""


def golden_path(case: str, form: str) -> Path:
    return TRACE_DIR / f"{case}.{FORMATS[form]}"


def command(case: str, form: str) -> list[str]:
    """The command line of one golden file: the program this interpreter has installed."""
    return [sys.executable, "-m", "backprop_tui", "trace", *CASES[case], "--format", form]


def fixed_environment(home: Path, source: Path | None = None) -> dict[str, str]:
    """A fixed environment: no COLUMNS, LINES, NO_COLOR, FORCE_COLOR, PYTHONPATH or
    PYTHONWARNINGS from the caller; UTF-8 output; ``home`` as HOME. ``source``, if given,
    is put on PYTHONPATH (make_trace.py, to run a clean export of a commit)."""
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "TERM": "dumb",
    }
    if os.name == "nt":  # Python on Windows needs SYSTEMROOT to start
        env["SYSTEMROOT"] = os.environ.get("SYSTEMROOT", r"C:\Windows")
    if source is not None:
        env["PYTHONPATH"] = str(source)
    return env


def run(case: str, form: str, cwd: Path, source: Path | None = None,
        extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run one case in ``cwd`` (a folder holding no backprop_tui: `-m` puts cwd first
    on sys.path) and return its bytes."""
    env = fixed_environment(cwd, source)
    env.update(extra_env or {})
    return subprocess.run(command(case, form), capture_output=True, cwd=cwd, env=env,
                          timeout=120)
