"""A child whose parent is already gone when it asks to die with it ends at once; a
process told to end ends even when its way out hangs."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_child_whose_parent_is_not_the_one_named_ends_at_once():
    code = ("import os, sys; from backprop_tui.lifeline import die_with_parent; "
            "die_with_parent(int(sys.argv[1])); print('ran')")
    wrong = subprocess.run([sys.executable, "-c", code, str(os.getpid() + 1_000_000)],
                           capture_output=True, text=True, timeout=30)
    assert (wrong.returncode, wrong.stdout) == (1, "")
    right = subprocess.run([sys.executable, "-c", code, str(os.getpid())],
                           capture_output=True, text=True, timeout=30)
    assert (right.returncode, right.stdout) == (0, "ran\n")


def test_a_process_told_to_end_ends_even_when_its_way_out_hangs():
    """The backstop of an app told to end by a signal: if its own way out hangs (a
    terminal that is gone), the process ends at once after the grace, with its status."""
    hung = ("import time\nfrom backprop_tui.lifeline import end_at_once_after\n"
            "end_at_once_after(0.2, 129)\ntime.sleep(30)\n")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", hung], timeout=20)
    assert done.returncode == 129 and time.monotonic() - started < 15
    # A process that ends first is not held back by the backstop (a daemon thread).
    quick = ("from backprop_tui.lifeline import end_at_once_after\n"
             "end_at_once_after(30, 129)\nprint('done')\n")
    done = subprocess.run([sys.executable, "-c", quick], timeout=20, capture_output=True,
                          text=True)
    assert done.returncode == 0 and done.stdout == "done\n"
