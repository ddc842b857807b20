"""Starting the app from the command line: the shape asked for, bad values refused first in
one line, trace stays light."""

import subprocess
import sys

import pytest

from backprop_tui import cli
from backprop_tui.tui import app as app_module


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


@pytest.mark.parametrize("argv, shape", [
    (["--shape", "2,2,1", "--xor"], (2, 2, 1)),
    (["--xor"], (2, 2, 1)),
    (["--shape", "2,3,2", "--x", "0.1:0.9", "--y", "1:0", "--lr", "0.1"], (2, 3, 2)),
])
def test_the_command_line_opens_the_app_with_the_shape_asked(monkeypatch, argv, shape):
    started = []
    monkeypatch.setattr(app_module, "run_app", lambda lesson, **kw: started.append(lesson) or 0)
    assert cli.main(argv) == 0
    assert started[0].shape == shape


def test_bad_input_for_a_wider_network_is_one_line_and_quiz_opens_it(capsys, tmp_path,
                                                                      monkeypatch):
    many = tmp_path / "many.csv"
    many.write_text("x1,x2,y\n" + "0.5,0.5,1\n" * 65)
    assert cli.main(["--shape", "2,2,1", "--data", str(many)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--data" in err and "at most 64" in err
    assert cli.main(["--shape", "2,2,1", "--w", "1,2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--w" in err and "6 weights" in err
    # --quiz opens a wider network in quiz mode, as it does the chain (no longer refused)
    opened = {}
    monkeypatch.setattr(app_module, "run_app", lambda lesson, **kw: opened.update(kw) or 0)
    assert cli.main(["--shape", "2,2,1", "--xor", "--quiz"]) == 0
    assert opened["quiz"] is True and capsys.readouterr().err == ""
