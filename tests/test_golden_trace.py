"""`backprop-tui trace` prints, byte for byte, what it printed before the chain of single
neurons became a network of width 1 (tests/golden/README.md): every case of
tests/golden/trace_cases.py in every format it has, against tests/golden/trace/."""

from __future__ import annotations

import difflib
import itertools

import pytest

from .golden.trace_cases import RUNS, command, golden_path, run

DIFF_LINES = 40
"""How many lines of the unified diff a failure shows."""


def short_diff(expected: bytes, actual: bytes, name: str) -> str:
    """The first lines of a unified diff of the golden file and the output."""
    diff = difflib.unified_diff(
        expected.decode("utf-8", errors="replace").splitlines(keepends=True),
        actual.decode("utf-8", errors="replace").splitlines(keepends=True),
        fromfile=f"golden/{name}", tofile="output", n=2,
    )
    shown = "".join(itertools.islice(diff, DIFF_LINES))
    return shown or "(the same text; the bytes differ, e.g. line endings or encoding)"


@pytest.mark.parametrize("case, form", RUNS, ids=[f"{case}-{form}" for case, form in RUNS])
def test_trace_matches_golden(case: str, form: str, tmp_path) -> None:
    golden = golden_path(case, form)
    expected = golden.read_bytes()
    done = run(case, form, tmp_path)
    shown = " ".join(command(case, form)[1:])
    assert done.returncode == 0, f"{shown}: exit {done.returncode}\n{done.stderr.decode(errors='replace')}"
    assert done.stderr == b"", f"{shown}: stderr {done.stderr.decode(errors='replace')!r}"
    assert done.stdout == expected, (
        f"{shown} no longer prints {golden.name} (tests/golden/README.md):\n"
        + short_diff(expected, done.stdout, golden.name))


def test_every_golden_file_is_a_case() -> None:
    """No golden file is left without a case (a renamed case leaves its old files)."""
    made = {golden_path(case, form) for case, form in RUNS}
    present = set(golden_path(*RUNS[0]).parent.iterdir())
    assert present == made, (sorted(p.name for p in present - made), sorted(p.name for p in made - present))
