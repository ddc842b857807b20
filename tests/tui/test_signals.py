"""SIGTERM and SIGHUP end the app as q does: the terminal is given back as it was.

The app runs in a real pseudo-terminal in its own process; the test reads what it
writes, sends the signal once the app has drawn, and looks for the sequences that
turn the mouse off, leave the alternate screen and show the cursor again.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

MOUSE_OFF = b"\x1b[?1000l"
ALT_SCREEN_OFF = b"\x1b[?1049l"
DRAWN = b"backprop-tui"


def read_until(fd: int, out: bytearray, done, seconds: float) -> bool:
    """Read from ``fd`` into ``out`` until ``done(out)`` or ``seconds`` pass (or EOF)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if done(out):
            return True
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the other side closed: EIO on Linux
                return done(out)
            if not chunk:
                return done(out)
            out += chunk
    return done(out)


def catches(pid: int, *numbers: int, seconds: float) -> bool:
    """Whether process ``pid`` catches the signals ``numbers`` (its handlers are in place)
    within ``seconds``: read from /proc (SigCgt); where there is none, after half a second
    of waiting."""
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        time.sleep(0.5)
        return True
    wanted = sum(1 << (number - 1) for number in numbers)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        caught = next(int(line.split()[1], 16) for line in status.read_text().splitlines()
                      if line.startswith("SigCgt:"))
        if caught & wanted == wanted:
            return True
        time.sleep(0.02)
    return False


def app_in_a_terminal(folder, cols: int, rows: int) -> tuple[subprocess.Popen, int]:
    """``backprop-tui`` started in ``folder`` in a new pseudo-terminal of ``cols`` × ``rows``;
    the process and the terminal's side to read and write."""
    main, child = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows)}
    env.pop("TEXTUAL", None)
    process = subprocess.Popen([sys.executable, "-m", "backprop_tui"], stdin=child,
                               stdout=child, stderr=child, cwd=folder, env=env,
                               start_new_session=True)
    os.close(child)
    return process, main


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_restores_the_terminal_and_ends_the_app(tmp_path, number):
    process, main = app_in_a_terminal(tmp_path, 100, 30)
    out = bytearray()
    try:
        assert read_until(main, out, lambda o: DRAWN in o and MOUSE_OFF not in o, 60), out[-300:]
        assert catches(process.pid, signal.SIGTERM, signal.SIGHUP, seconds=20)  # handlers in
        read_until(main, out, lambda o: False, 0.2)
        start = len(out)
        process.send_signal(number)
        read_until(main, out, lambda o: ALT_SCREEN_OFF in o[start:], 20)
        status = process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        os.close(main)
    tail = bytes(out[start:])
    assert MOUSE_OFF in tail and ALT_SCREEN_OFF in tail, tail[-300:]
    assert b"Traceback" not in out
    assert status == 128 + number
