"""The command line with files: --session, train --save, --data, trace --format."""

import errno
import json
import math
import os
import re

import numpy as np
import pytest
from markdown_it import MarkdownIt  # a CommonMark/GFM parser; textual depends on it via rich

from backprop_tui.model import (
    FACTOR_NAMES,
    Network,
    Samples,
    Session,
    Trainer,
    load_session,
    save_session,
    trace,
)
from backprop_tui.present.format import MINUS, number

from .test_cli import one_error_line, run

TRAIN = ["--w", "0.9,-0.6,1.3", "--b", "0,0,0", "--lr", "1.5", "--batch-size", "3"]
DATA = "x,y\n0,0\n0.3,0\n0.6,1\n0.9,1\n"


@pytest.fixture
def data_csv(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(DATA)
    return path


def test_train_save_then_trace_session_is_exact(tmp_path, data_csv):
    saved = tmp_path / "lesson.json"
    done = run("train", *TRAIN, "--data", str(data_csv), "--steps", "400", "--save", str(saved))
    assert done.returncode == 0, done.stderr
    assert f"session saved to {saved}" in done.stdout
    start = Network.chain([0.9, -0.6, 1.3], [0, 0, 0])
    data = Samples([0, 0.3, 0.6, 0.9], [0, 0, 1, 1])
    trainer = Trainer(start, data, 1.5, 3)
    trainer.run(400)
    assert load_session(saved).to_dict() == Session.from_trainer(trainer, start).to_dict()

    done = run("trace", "--session", str(saved), "--json")
    assert done.returncode == 0, done.stderr
    traced = json.loads(done.stdout)
    bp = trace(trainer.network, data)
    assert traced["w"] == trainer.network.flat_w.tolist()
    assert traced["b"] == trainer.network.flat_b.tolist()
    assert traced["mean"]["dC_dw"] == bp.mean_flat_dC_dw.tolist()
    assert traced["mean"]["cost"] == bp.forward.mean_cost
    assert [s["x"] for s in traced["samples"]] == [0, 0.3, 0.6, 0.9]


def test_training_on_from_a_session_equals_one_long_run(tmp_path):
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    straight = tmp_path / "straight.json"
    xy = ["--x", "0,0.3,0.6,0.9", "--y", "0,0,1,1"]
    assert run("train", *TRAIN, *xy, "--steps", "300", "--save", str(first)).returncode == 0
    done = run("train", "--session", str(first), "--steps", "500", "--save", str(second))
    assert done.returncode == 0, done.stderr
    assert "went on from step 300" in done.stdout
    assert run("train", *TRAIN, *xy, "--steps", "800", "--save", str(straight)).returncode == 0
    assert load_session(second).to_dict() == load_session(straight).to_dict()
    assert second.read_bytes() == straight.read_bytes()


def test_data_gives_the_same_run_as_x_and_y(data_csv):
    from_csv = run("train", *TRAIN, "--data", str(data_csv), "--steps", "50", "--json")
    from_options = run("train", *TRAIN, "--x", "0,0.3,0.6,0.9", "--y", "0,0,1,1",
                       "--steps", "50", "--json")
    assert from_csv.returncode == 0, from_csv.stderr
    assert json.loads(from_csv.stdout) == json.loads(from_options.stdout)


def test_options_given_with_a_session_override_it(tmp_path):
    saved = tmp_path / "lesson.json"
    assert run("train", *TRAIN, "--x", "0,0.3,0.6,0.9", "--y", "0,0,1,1", "--steps", "10",
               "--save", str(saved)).returncode == 0
    done = run("train", "--session", str(saved), "--lr", "0.25", "--batch-size", "1",
               "--x", "0.1,0.2", "--y", "1,0", "--steps", "5", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["lr"] == 0.25 and result["batch_size"] == 1 and result["samples"] == 2
    assert result["steps"] == 15
    session = load_session(saved)
    trainer = Trainer(session.network, Samples([0.1, 0.2], [1, 0]), 0.25, 1,
                      history=session.history, steps_done=10)
    trainer.run(5)
    assert result["w"] == trainer.network.flat_w.tolist()


def test_trace_with_fewer_samples_than_the_sessions_batch(tmp_path):
    saved = tmp_path / "lesson.json"
    save_session(Session.new(Network.chain([0.5], [0.1]), Samples([1.0, 2.0, 3.0], [0, 1, 1]),
                             0.5), saved)
    done = run("trace", "--session", str(saved), "--x", "0.5", "--y", "1", "--json")
    assert done.returncode == 0, done.stderr
    assert [s["x"] for s in json.loads(done.stdout)["samples"]] == [0.5]


def test_the_app_checks_its_files_too(tmp_path, data_csv):
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    one_error_line(run("--session", str(bad)), "--session", "bad.json")
    one_error_line(run("--data", str(tmp_path / "nope.csv")), "--data", "nope.csv")


def test_a_refused_session_is_left_as_it_was(tmp_path):
    saved = tmp_path / "lesson.json"
    save_session(Session.new(Network.chain([0.5], [0.1]), Samples([1.0], [0.0]), 0.5), saved)
    before = saved.read_bytes()
    one_error_line(run("train", "--session", str(saved), "--lr", "nan", "--save", str(saved)),
                   "--lr")
    one_error_line(run("train", "--session", str(saved), "--w", "1", "--save", str(saved)),
                   "--w", "--session")
    assert saved.read_bytes() == before


@pytest.mark.parametrize(
    "content, words",
    [
        ("x,y\n0,0\n0.3,abc\n", ["--data", "line 3", "'abc' is not a number"]),
        ("x,y\n0,0\n0.3\n", ["--data", "line 3", "one column"]),
        ("x,y\n0,nan\n", ["--data", "line 2", "not a finite number"]),
        ("x,y\n0,0,1\n", ["--data", "line 2", "3 columns"]),
        ("", ["--data", "no samples"]),
    ],
)
def test_bad_csv_files(tmp_path, content, words):
    path = tmp_path / "data.csv"
    path.write_text(content)
    for command in ("trace", "train"):
        one_error_line(run(command, "--data", str(path)), str(path), *words)


def session_text(tmp_path) -> str:
    saved = tmp_path / "lesson.json"
    save_session(Session.new(Network.chain([0.5, 0.2], [0.1, 0.0]), Samples([1.0], [0.0]), 0.5),
                 saved)
    return saved.read_text()


@pytest.mark.parametrize(
    "mangle, words",
    [
        (lambda t: t[: len(t) // 2], ["ends too early"]),
        (lambda t: t.replace('"version": 2', '"version": 7'), ["version 7 is not supported"]),
        (lambda t: t.replace('"lr": 0.5', '"lr": NaN'), ["lr", "not a finite number"]),
        (lambda t: t.replace('"b": [0.1, 0.0]', '"b": [0.1]'), ["b: 1 values, but w has 2"]),
        (lambda t: "{]", ["not valid JSON"]),
    ],
)
def test_bad_session_files(tmp_path, mangle, words):
    path = tmp_path / "broken.json"
    path.write_text(mangle(session_text(tmp_path)))
    for command in ("trace", "train"):
        one_error_line(run(command, "--session", str(path)), "--session", str(path), *words)


@pytest.mark.parametrize(
    "args, words",
    [
        (["trace", "--session", "{missing}"], ["--session", "cannot read"]),
        (["trace", "--data", "{csv}", "--x", "1"], ["--data", "not both"]),
        (["train", "--data", "{csv}", "--y", "1"], ["--data", "not both"]),
        (["train", "--session", "{session}", "--b", "0,0"], ["--b", "--session"]),
        (["train", "--session", "{session}", "--x", "1,2"], ["--x", "give --y too"]),
        (["train", "--session", "{session}", "--y", "1,2"], ["--y", "give --x too"]),
        (["train", "--session", "{session}", "--x", "1,2", "--y", "1"], ["--y"]),
        (["train", "--session", "{session}", "--batch-size", "2"], ["--batch-size"]),
        (["train", "--save", "{tmp}/missing/s.json"], ["--save", "does not exist"]),
        (["train", "--save", "{tmp}"], ["--save", "folder"]),
        (["trace", "--json", "--format", "markdown"], ["--json", "--format markdown"]),
        (["trace", "--format", "html"], ["--format"]),
    ],
)
def test_file_option_errors_exit_2_with_one_line(tmp_path, data_csv, args, words):
    saved = tmp_path / "lesson.json"
    save_session(Session.new(Network.chain([0.5], [0.1]), Samples([1.0], [0.0]), 0.5), saved)
    fill = {"missing": str(tmp_path / "missing.json"), "csv": str(data_csv),
            "session": str(saved), "tmp": str(tmp_path)}
    one_error_line(run(*[a.format(**fill) for a in args]), *words)


def test_a_failed_save_exits_2_and_keeps_the_old_file(tmp_path, monkeypatch, capsys):
    from backprop_tui import cli
    from backprop_tui.model import files

    saved = tmp_path / "lesson.json"
    assert cli.main(["train", "--steps", "5", "--save", str(saved)]) == 0
    before = saved.read_bytes()
    capsys.readouterr()

    def disk_full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "fsync", disk_full)
    assert cli.main(["train", "--session", str(saved), "--steps", "5",
                     "--save", str(saved)]) == 2
    monkeypatch.undo()
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1
    assert "--save" in err and "No space left on device" in err and "unchanged" in err
    assert saved.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lesson.json"]


def test_format_json_is_json():
    assert run("trace", "--format", "json").stdout == run("trace", "--json").stdout
    assert run("trace", "--format", "text").stdout == run("trace").stdout


# -- the Markdown handout -------------------------------------------------------------------

def tables(markdown: str) -> list[tuple[str, list[list[str]]]]:
    """Every table with the heading above it: (heading, rows of cell texts, head row first)."""
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    found, heading, rows, row, in_heading = [], "", None, None, False
    for tok in tokens:
        if tok.type == "heading_open":
            in_heading = True
        elif tok.type == "inline" and in_heading:
            heading, in_heading = tok.content, False
        elif tok.type == "table_open":
            rows = []
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "inline" and row is not None:
            row.append("".join(child.content for child in tok.children))
        elif tok.type == "tr_close":
            rows.append(row)
            row = None
        elif tok.type == "table_close":
            found.append((heading, rows))
            rows = None
    return found


def as_float(text: str) -> float:
    return float(text.replace(MINUS, "-").lstrip("+"))


def shows(cell: str, value: float) -> None:
    """The cell shows ``value`` as the program prints it, and within its rounding."""
    assert cell == number(value, signed=True), (cell, value)
    assert math.isclose(as_float(cell), value, rel_tol=5e-4, abs_tol=1e-12)


def evaluate(numbers: str) -> float | None:
    """The arithmetic in a 'numbers' cell, when it has no function call in it."""
    if not numbers or "σ" in numbers:
        return None
    expr = numbers.replace(MINUS, "-").replace("·", "*").replace("²", "**2")
    expr = re.sub(r"(\d)\(", r"\1*(", expr)
    assert re.fullmatch(r"[-+*/().\de ]+", expr), expr
    return eval(expr)  # noqa: S307 - digits and operators only, checked above


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--w", "0.9,-0.6,1.3,0.4", "--b", "0,0.1,-0.2,0.3", "--x", "0,0.3,0.9", "--y", "0,0.5,1"],
    ],
)
def test_markdown_handout_has_the_numbers_of_json(args):
    done = run("trace", "--format", "markdown", *args)
    assert done.returncode == 0, done.stderr
    data = json.loads(run("trace", "--json", *args).stdout)
    found = tables(done.stdout)
    layers, count = data["layers"], len(data["samples"])

    # Every table is a real table whose rows are as wide as its head.
    for heading, rows in found:
        assert len(rows) >= 2 and all(len(r) == len(rows[0]) for r in rows), heading

    heading, params = found[0]
    assert heading.startswith("Parameters")
    for l in range(layers):
        shows(params[l + 1][1], data["w"][l])
        shows(params[l + 1][2], data["b"][l])

    formula_tables = [(h, rows) for h, rows in found
                      if rows[0] == ["quantity", "formula", "numbers", "value"]]
    forward = [rows for h, rows in formula_tables if h.startswith("Forward pass")]
    backward = [rows for h, rows in formula_tables if h.startswith("Backward pass")]
    assert len(forward) == count and len(backward) == count * layers
    for k, sample in enumerate(data["samples"]):
        rows = forward[k][1:]
        assert len(rows) == 2 * layers + 1
        for l in range(layers):
            shows(rows[2 * l][3], sample["z"][l])
            shows(rows[2 * l + 1][3], sample["a"][l])
        shows(rows[-1][3], sample["cost"])
        for i, l in enumerate(range(layers - 1, -1, -1)):  # output layer first
            rows = backward[k * layers + i][1:]
            assert [r[0].startswith("∂") for r in rows] == [True] * len(FACTOR_NAMES)
            for row, name in zip(rows, FACTOR_NAMES):
                shows(row[3], sample["layers"][l][name])

    # The numbers plugged into each formula give its value (within their rounding).
    for _, rows in formula_tables:
        for quantity, _formula, numbers, value in rows[1:]:
            approx = numbers.endswith(" ≈")
            result = evaluate(numbers.removesuffix(" ≈"))
            if result is not None:
                assert math.isclose(result, as_float(value), rel_tol=2e-3, abs_tol=2e-4), (
                    quantity, numbers, value)
                # ≈ exactly when the rounded numbers do not give the value shown.
                assert approx == (number(result, signed=True) != value), (quantity, numbers)

    if count == 1:
        assert len(formula_tables) == 1 + layers
        return
    heading, grads = next((h, r) for h, r in found if h.startswith("Per-sample"))
    assert len(grads) == 1 + count + 1 and grads[-1][0] == "mean"
    for k in range(count):
        for i, l in enumerate(range(layers - 1, -1, -1)):
            shows(grads[k + 1][5 + 2 * i], data["samples"][k]["layers"][l]["dC_dw"])
            shows(grads[k + 1][6 + 2 * i], data["samples"][k]["layers"][l]["dC_db"])
    heading, means = next((h, r) for h, r in formula_tables if h.startswith("Mean"))
    shows(means[1][3], data["mean"]["cost"])
    for i, l in enumerate(range(layers - 1, -1, -1)):
        shows(means[2 + 2 * i][3], data["mean"]["dC_dw"][l])
        shows(means[3 + 2 * i][3], data["mean"]["dC_db"][l])
        shows(grads[-1][5 + 2 * i], data["mean"]["dC_dw"][l])


def test_markdown_cells_escape_what_tables_need():
    from backprop_tui.present.formulas import Row
    from backprop_tui.present.markdown import markdown_rows

    rows = [Row("z", 1, "|z|*_a_", "|w|·`x`", "|0.5|", 0.5, note="a | b")]
    found = tables("\n".join(markdown_rows(rows)))
    assert found[0][1][1] == ["|z|*_a_", "|w|·`x`", "|0.5|", "+0.5000"]


def test_markdown_handout_from_a_session(tmp_path):
    saved = tmp_path / "lesson.json"
    save_session(Session.new(Network.chain([0.5, 0.2], [0.1, 0.0]),
                             Samples([1.0, 2.0], [0.0, 1.0]), 0.5), saved)
    done = run("trace", "--session", str(saved), "--format", "markdown")
    assert done.returncode == 0, done.stderr
    assert "## Sample 2 of 2" in done.stdout
    assert np.isfinite([as_float(r[3]) for h, rows in tables(done.stdout)
                        if rows[0][0] == "quantity" for r in rows[1:]]).all()
