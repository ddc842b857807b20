"""Starting the app from the command line: bad values refused first, trace stays light."""

import subprocess
import sys


def run(*code_or_args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *code_or_args], capture_output=True, text=True,
                          timeout=60)


def test_bad_start_values_are_refused_before_the_app_opens():
    done = run("-m", "backprop_tui", "--w", "0.5,nan")
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--w" in lines[0] and "Traceback" not in done.stderr


def test_trace_does_not_import_the_app():
    code = ("import sys; from backprop_tui.cli import main; main(['trace']); "
            "sys.stderr.write(str(any(m.split('.')[0] in ('textual', 'plotext') "
            "for m in sys.modules)))")
    done = run("-c", code)
    assert done.returncode == 0 and done.stderr == "False"
