"""A child whose parent is already gone when it asks to die with it ends at once."""

from __future__ import annotations

import os
import subprocess
import sys

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
