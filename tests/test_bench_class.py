"""benchmarks/class_follows.py runs in a tiny class (a teacher and two students, two keys,
two questions) and prints every figure; skipped as tests/test_ssh.py is (no /usr/bin/ssh or
asyncssh). No timing is checked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from . import test_ssh

pytestmark = getattr(test_ssh, "pytestmark", [])

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "class_follows.py"


def test_the_class_benchmark_prints_its_figures_in_a_tiny_class(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--students", "2", "--presses", "2", "--questions", "2",
         "--settle", "0.2"],
        capture_output=True, text=True, timeout=90, cwd=tmp_path)
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert "skipped" not in out, out
    for figure in ("class of 1 (baseline)", "class of 2",
                   "key → every student's screen (2 keys): median",
                   "2 questions: every answer typed → 'answered 2 of 2': median",
                   "answers: 4 rows in the CSV of 4 typed; lost 0, twice 0",
                   "memory: server + warm process + 3 apps: PSS",
                   "one app's PSS",
                   "| students | key → every student: median |",
                   "| 2 | ", "goal: 2 students, 2 questions, no answer lost: met"):
        assert figure in out, f"{figure!r} not in:\n{out}"
    # the load average beside each figure, and the ratios to the baseline
    assert out.count("[load ") >= 8, out
    assert "×)" in out, out
    # every ssh client ended with the benchmark
    clients = subprocess.run(["pgrep", "-f", "-p [0-9]+ s00[12]@127.0.0.1"],
                             capture_output=True, text=True)
    assert clients.stdout == "", clients.stdout
