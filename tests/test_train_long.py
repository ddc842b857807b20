"""Long ``train`` runs: the progress bar on a terminal, Ctrl+C, refusing runs of more than a day.

The bar is seen in a real pseudo-terminal (stdlib ``pty``); every wait has a deadline.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time

import pytest

from backprop_tui import cli, long_run
from backprop_tui.model import load_session

from .test_cli import one_error_line, run

XY = ("--x", "0,0.3,0.6,0.9", "--y", "0,0,1,1", "--lr", "1.5", "--batch-size", "2")
HUGE = "1000000000"
"""Steps that take minutes (under a day) here: every test stops such a run early."""
BAR = re.compile(rb"(\d+)/" + HUGE.encode() + rb" steps \xc2\xb7 \d+/s \xc2\xb7 cost ")


class Terminal:
    """``backprop-tui ARGS`` with stdout and stderr on a pseudo-terminal."""

    def __init__(self, *args: str, cwd=None) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child
            if cwd is not None:
                os.chdir(cwd)
            os.execv(sys.executable, [sys.executable, "-m", "backprop_tui", *args])
        self.output = b""
        self.ended = False

    def read(self, until, seconds: float = 60.0) -> bool:
        """Read until ``until(output)`` holds or the output ends; False if the deadline passed."""
        deadline = time.monotonic() + seconds
        while not until(self.output):
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.5))
            if ready:
                try:
                    data = os.read(self.fd, 65536)
                except OSError:  # the child is gone (EIO on Linux)
                    return until(self.output)
                if not data:
                    return until(self.output)
                self.output += data
        return True

    def wait(self, seconds: float = 60.0) -> int:
        self.read(lambda out: False, seconds)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.ended = True
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
            time.sleep(0.05)
        self.close()
        raise AssertionError("the run did not end")

    def close(self) -> None:
        """End the child if it is still running (never a process that is not ours)."""
        if not self.ended:
            self.ended = True
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            os.close(self.fd)

    def text(self) -> str:
        return self.output.decode("utf-8", "replace").replace("\r\n", "\n")


def counts_in_bar(output: bytes) -> set[int]:
    return {int(m) for m in BAR.findall(output)}


def test_on_a_terminal_the_bar_moves_and_ctrl_c_keeps_what_was_done(tmp_path):
    saved = tmp_path / "saved.json"
    term = Terminal("train", *XY, "--steps", HUGE, "--save", str(saved))
    try:
        moved = term.read(lambda out: len(counts_in_bar(out)) >= 2)
        assert moved, term.text()[-2000:]
        os.kill(term.pid, signal.SIGINT)
        status = term.wait()
    finally:
        term.close()
    text = term.text()
    assert status == 130, text[-2000:]
    done = re.search(r"interrupted after (\d+) of 1000000000 steps", text)
    assert done, text[-2000:]
    steps = int(done.group(1))
    assert 0 < steps < int(HUGE)
    assert steps >= max(counts_in_bar(term.output))
    # The result so far, as a finished run prints it, with the steps really done.
    assert f"trained {steps} steps: η = 1.5000, batch size 2 of 4 samples" in text
    assert f"session saved to {saved}" in text
    session = load_session(saved)
    assert session.steps == steps and session.history.next_step == steps
    # ... and it goes on from there.
    more = run("train", "--session", str(saved), "--steps", "1")
    assert more.returncode == 0, more.stderr
    assert f"trained 1 step ({steps + 1} in all)" in more.stdout


def test_no_bar_with_json_even_on_a_terminal():
    term = Terminal("train", *XY, "--steps", "200000", "--json")
    try:
        status = term.wait()
    finally:
        term.close()
    assert status == 0, term.text()
    assert "steps/s" not in term.text() and "/s ·" not in term.text()
    assert json.loads(term.text())["steps"] == 200000


def test_no_bar_when_piped():
    done = run("train", *XY, "--steps", "200000")
    assert done.returncode == 0 and done.stderr == ""
    assert "trained 200000 steps" in done.stdout


@pytest.mark.parametrize("form", ["text", "json"])
def test_ctrl_c_in_a_piped_run_prints_the_partial_result(tmp_path, monkeypatch, capsys, form):
    """The signal arrives after the third chunk (in this process: no guessing when)."""
    saved = tmp_path / "saved.json"
    chunks = []
    real = long_run.LongRun._run_chunk

    def chunk_then_ctrl_c(self, size):
        real(self, size)
        chunks.append(self.done)
        if len(chunks) == 3:
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(long_run.LongRun, "_run_chunk", chunk_then_ctrl_c)
    args = ["train", *XY, "--steps", HUGE, "--save", str(saved)]
    status = cli.main(args + (["--json"] if form == "json" else []))
    out, err = capsys.readouterr()
    assert status == 130
    assert len(chunks) in (3, 4)  # stopped at the end of the chunk the signal came in
    steps = chunks[-1]
    assert err == f"backprop-tui: interrupted after {steps} of {HUGE} steps\n"
    if form == "json":
        result = json.loads(out)
        assert result["steps"] == result["steps_run"] == steps
    else:
        assert out.startswith(f"trained {steps} steps:")
    assert load_session(saved).steps == steps
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back


def test_more_than_a_day_is_refused_saying_how_long(tmp_path):
    saved = tmp_path / "never.json"
    done = run("train", *XY, "--steps", "1e17", "--save", str(saved))
    line = one_error_line(done, "--steps", "100000000000000000 steps would take about",
                          "steps/s measured here", "batch size 2", "fit in a day")
    assert "years" in line or "days" in line
    assert not saved.exists()


def test_the_day_limit_uses_the_measured_rate():
    from backprop_tui.model import Network, Samples, Trainer

    trainer = Trainer(Network.chain([0.5], [0.0]), Samples([0.0, 1.0], [0.0, 1.0]), 0.5)
    measured = long_run.LongRun(trainer, 10**9)
    measured.measure()
    assert measured.rate and measured.done > 0
    rate = measured.rate
    fits = long_run.LongRun(trainer, int(rate * 100), rate=rate)
    fits.check_length(limit=200)
    too_long = long_run.LongRun(trainer, int(rate * 100), rate=rate)
    with pytest.raises(long_run.TooLong, match=r"would take about 2 minutes .*\(1 layer, batch size 2\)"):
        too_long.check_length(limit=50)


def test_going_on_from_a_session_says_both_counts(tmp_path):
    first = tmp_path / "s.json"
    assert run("train", *XY, "--steps", "300", "--save", str(first)).returncode == 0
    done = run("train", "--session", str(first), "--steps", "500")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("trained 500 steps (800 in all): ")
    as_json = run("train", "--session", str(first), "--steps", "500", "--json")
    result = json.loads(as_json.stdout)
    assert result["steps"] == 800 and result["steps_run"] == 500


def test_trace_and_the_app_do_not_import_rich_for_the_bar():
    code = ("import sys; from backprop_tui import cli; cli.build_parser(); "
            "import backprop_tui.long_run; print('rich.progress' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.strip() == "False", done.stderr
