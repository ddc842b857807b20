"""The command line with files, for every shape (a chain and a network with several
neurons a layer): --session, train --save, --data, trace --format."""

import errno
import json
import math
import os
import re
from dataclasses import replace

import numpy as np
import pytest
from markdown_it import MarkdownIt  # a CommonMark/GFM parser; textual depends on it via rich

from backprop_tui.cli import main
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
from backprop_tui.model.defaults import XOR_SHAPE
from backprop_tui.model.network import random_network, xor_samples
from backprop_tui.present.format import MINUS, number

from .test_cli import one_error_line, output, run

TRAIN = ["--w", "0.9,-0.6,1.3", "--b", "0,0,0", "--lr", "1.5", "--batch-size", "3"]
DATA = "x,y\n0,0\n0.3,0\n0.6,1\n0.9,1\n"
XY = ["--x", "0,0.3,0.6,0.9", "--y", "0,0,1,1"]
"""The samples of ``DATA`` as options."""


@pytest.fixture
def data_csv(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(DATA)
    return path


def option_values(values) -> str:
    """Numbers as an option takes them, exactly (``--w 0.5,-0.25``)."""
    return ",".join(repr(float(v)) for v in values)


def shaped(net: Network, per_layer, flat) -> list:
    """Values as the JSON output writes them: a chain's one per layer, flat; a wider
    network's per layer (a matrix of weights, a vector of biases)."""
    return flat.tolist() if net.is_chain else [v.tolist() for v in per_layer]


def chain_session() -> Session:
    return Session.new(Network.chain([0.5], [0.1]), Samples([1.0], [0.0]), 0.5)


def xor_session() -> Session:
    return Session.new(random_network(XOR_SHAPE), xor_samples(), 0.5)


SESSIONS = {"chain": chain_session, "wide": xor_session}


# -- train --save, --session ------------------------------------------------------------


SAVED = {
    # train's options, the start and samples they give, η, the batch size, the steps,
    # and the same network and samples as trace's options
    "chain": ([*TRAIN, "--data", "{csv}", "--steps", "400"],
              lambda: (Network.chain([0.9, -0.6, 1.3], [0, 0, 0]),
                       Samples([0, 0.3, 0.6, 0.9], [0, 0, 1, 1]), 1.5, 3, 400),
              ["--data", "{csv}"], {"layers": 3}),
    "wide": (["--xor", "--steps", "300"],
             lambda: (random_network(XOR_SHAPE), xor_samples(), 0.5, None, 300),  # --xor's start
             ["--shape", "2,2,1", "--xor"], {"layers": 2, "shape": [2, 2, 1]}),
}


@pytest.mark.parametrize("shape", SAVED)
def test_train_save_then_trace_session_is_exact(capsys, tmp_path, data_csv, shape):
    args, expected, given, keys = SAVED[shape]
    fill = [a.format(csv=data_csv) for a in args]
    saved = tmp_path / "lesson.json"
    assert f"session saved to {saved}" in output(capsys, "train", *fill, "--save", str(saved))
    start, data, lr, batch_size, steps = expected()
    trainer = Trainer(start, data, lr, batch_size)
    trainer.run(steps)
    assert load_session(saved).to_dict() == Session.from_trainer(trainer, start).to_dict()

    text = output(capsys, "trace", "--session", str(saved), "--json")
    traced = json.loads(text)
    net = trainer.network
    bp = trace(net, data)
    assert {k: traced[k] for k in keys} == keys
    assert traced["w"] == shaped(net, net.w, net.flat_w)
    assert traced["b"] == shaped(net, net.b, net.flat_b)
    assert traced["mean"]["dC_dw"] == shaped(net, bp.mean_dC_dw, bp.mean_flat_dC_dw)
    assert traced["mean"]["cost"] == bp.forward.mean_cost
    xs = data.x[:, 0] if net.is_chain else data.x
    assert [s["x"] for s in traced["samples"]] == xs.tolist()
    # the trace of the session is the trace of its network and samples given as options
    assert text == output(capsys, "trace", *[a.format(csv=data_csv) for a in given],
                          "--w", option_values(net.flat_w), "--b", option_values(net.flat_b),
                          "--json")


GOING_ON = {
    # train's options, the steps of the first run and of the run that goes on, JSON keys
    "chain": ([*TRAIN, *XY], 300, 500, {"layers": 3}),
    "wide": (["--shape", "2,3,1", "--xor", "--lr", "1.5", "--batch-size", "3"], 300, 200,
             {"layers": 2, "shape": [2, 3, 1]}),
}


@pytest.mark.parametrize("shape", GOING_ON)
def test_going_on_from_a_session_equals_one_long_run(capsys, tmp_path, shape):
    args, steps, more, keys = GOING_ON[shape]
    first, second, straight = (tmp_path / name for name in ("a.json", "b.json", "c.json"))
    output(capsys, "train", *args, "--steps", str(steps), "--save", str(first))
    text = output(capsys, "train", "--session", str(first), "--steps", str(more), "--save",
                  str(second))
    assert f"{more} steps ({steps + more} in all)" in text
    assert f"went on from step {steps} of {first}" in text
    output(capsys, "train", *args, "--steps", str(steps + more), "--save", str(straight))
    assert load_session(second).to_dict() == load_session(straight).to_dict()
    assert second.read_bytes() == straight.read_bytes()
    doc = json.loads(output(capsys, "train", "--session", str(first), "--steps", str(more),
                            "--json"))
    assert doc["steps"] == steps + more and doc["steps_run"] == more
    assert {k: doc[k] for k in keys} == keys
    assert load_session(first).steps == steps  # not saved: unchanged


OVERRIDE = {
    # train's options for the session, samples given instead (as options and as the
    # model's), and the session's batch size
    "chain": ([*TRAIN, *XY], ["--x", "0.1,0.2", "--y", "1,0"],
              lambda net: Samples([0.1, 0.2], [1, 0]), 3),
    "wide": (["--xor"], ["--x", "0:1,1:1", "--y", "1,0"],
             lambda net: net.samples([[0, 1], [1, 1]], [[1], [0]]), 4),
}


@pytest.mark.parametrize("shape", OVERRIDE)
def test_options_given_with_a_session_override_it(capsys, tmp_path, shape):
    args, xy, samples, batch_size = OVERRIDE[shape]
    saved = tmp_path / "lesson.json"
    output(capsys, "train", *args, "--steps", "10", "--save", str(saved))
    result = json.loads(output(capsys, "train", "--session", str(saved), "--lr", "0.25",
                               "--batch-size", "1", *xy, "--steps", "5", "--json"))
    assert result["lr"] == 0.25 and result["batch_size"] == 1 and result["samples"] == 2
    assert result["steps"] == 15
    session = load_session(saved)
    trainer = Trainer(session.network, samples(session.network), 0.25, 1,
                      history=session.history, steps_done=10)
    trainer.run(5)
    net = trainer.network
    assert result["w"] == shaped(net, net.w, net.flat_w)
    # the session's batch size does not fit the samples given instead
    one_error_line(run("train", "--session", str(saved), *xy, capsys=capsys), "--batch-size",
                   f"batch size {batch_size} is more than the 2 samples")


def test_trace_with_fewer_samples_than_the_sessions_batch(tmp_path):
    saved = tmp_path / "lesson.json"
    save_session(Session.new(Network.chain([0.5], [0.1]), Samples([1.0, 2.0, 3.0], [0, 1, 1]),
                             0.5), saved)
    done = run("trace", "--session", str(saved), "--x", "0.5", "--y", "1", "--json")
    assert done.returncode == 0, done.stderr
    assert [s["x"] for s in json.loads(done.stdout)["samples"]] == [0.5]


REFUSED_WITH_A_SESSION = [
    ("chain", ("--lr", "nan"), ["--lr"]),
    ("chain", ("--w", "1"), ["--w", "--session"]),
    ("chain", ("--shape", "1,1,1,1"), ["--session", "without --shape"]),
    ("chain", ("--xor",), ["--xor", "2 inputs and 1 output"]),
    ("wide", ("--w", "1,2,3,4,5,6"), ["--w", "cannot be combined with --session"]),
    ("wide", ("--seed", "3"), ["--seed", "cannot be combined with --session"]),
    ("wide", ("--activation", "tanh"), ["--activation", "cannot be combined"]),
    ("wide", ("--shape", "2,2,1"), ["--session", "without --shape"]),
    ("wide", ("--x", "0:1:1", "--y", "1"), ["--x", "2 inputs", "sample 1 has 3"]),
]


@pytest.mark.parametrize("shape, extra, words", REFUSED_WITH_A_SESSION)
def test_a_refused_session_is_left_as_it_was(capsys, tmp_path, shape, extra, words):
    """Options a session leaves no room for, or bad ones, with ``--save`` to the session."""
    saved = tmp_path / "lesson.json"
    save_session(SESSIONS[shape](), saved)
    before = saved.read_bytes()
    one_error_line(run("train", "--session", str(saved), *extra, "--save", str(saved),
                       capsys=capsys), *words)
    assert saved.read_bytes() == before


@pytest.mark.parametrize(
    "shape, content, words",
    [
        ((), "x,y\n0,0\n0.3,abc\n", ["--data", "line 3", "'abc' is not a number"]),
        ((), "x,y\n0,0\n0.3\n", ["--data", "line 3", "one column"]),
        ((), "x,y\n0,nan\n", ["--data", "line 2", "not a finite number"]),
        ((), "x,y\n0,0,1\n", ["--data", "line 2", "3 columns"]),
        ((), "", ["--data", "no samples"]),
        (("--shape", "2,2,1"), "x1,x2,y\n0,0\n", ["--data", "line 2", "expected 3"]),
    ],
)
def test_bad_csv_files(capsys, tmp_path, shape, content, words):
    path = tmp_path / "data.csv"
    path.write_text(content)
    for command in ("trace", "train"):
        one_error_line(run(command, *shape, "--data", str(path), capsys=capsys), str(path),
                       *words)


DATA_OR_OPTIONS = {
    # the command, a CSV file's text, the samples as --data and as other options
    "chain": ("train", DATA, [*TRAIN, "--data", "{csv}", "--steps", "50", "--json"],
              [*TRAIN, *XY, "--steps", "50", "--json"]),
    "wide": ("trace", "y,x1,x2\n0,0,0\n1,0,1\n1,1,0\n0,1,1\n",  # columns x1, x2, y
             ["--shape", "2,2,1", "--data", "{csv}", "--json"],
             ["--shape", "2,2,1", "--xor", "--json"]),
    "data xor": ("train", None, ["--data", "xor", "--steps", "50", "--json"],
                 ["--xor", "--shape", "2,2,1", "--steps", "50", "--json"]),
}


@pytest.mark.parametrize("shape", DATA_OR_OPTIONS)
def test_data_gives_the_same_run_as_the_samples_given_as_options(capsys, tmp_path, shape):
    command, content, from_data, from_options = DATA_OR_OPTIONS[shape]
    path = tmp_path / "data.csv"
    if content is not None:
        path.write_text(content)
    assert (output(capsys, command, *[a.format(csv=path) for a in from_data])
            == output(capsys, command, *from_options))


def session_text(tmp_path) -> str:
    saved = tmp_path / "lesson.json"
    save_session(Session.new(Network.chain([0.5, 0.2], [0.1, 0.0]), Samples([1.0], [0.0]), 0.5),
                 saved)
    return saved.read_text()


def xor_session_text(tmp_path) -> str:
    saved = tmp_path / "lesson.json"
    save_session(xor_session(), saved)
    return saved.read_text()


def fewer_weights(text: str) -> str:
    doc = json.loads(text)
    doc["w"] = doc["w"][:5]
    return json.dumps(doc)


@pytest.mark.parametrize(
    "session, mangle, words",
    [
        (session_text, lambda t: t[: len(t) // 2], ["ends too early"]),
        (session_text, lambda t: t.replace('"version": 2', '"version": 7'),
         ["version 7 is not supported"]),
        (session_text, lambda t: t.replace('"lr": 0.5', '"lr": NaN'),
         ["lr", "not a finite number"]),
        (session_text, lambda t: t.replace('"b": [0.1, 0.0]', '"b": [0.1]'),
         ["b: 1 values, but w has 2"]),
        (session_text, lambda t: "{]", ["not valid JSON"]),
        (xor_session_text, fewer_weights,
         ["w: shape 2,2,1 needs 6 weights (2·2 + 1·2), got 5"]),
        (xor_session_text, lambda t: t[:40], ["ends too early"]),
    ],
    ids=["chain-short", "chain-version", "chain-lr", "chain-b", "chain-json", "wide-w",
         "wide-short"],
)
def test_bad_session_files(capsys, tmp_path, session, mangle, words):
    """Reported in one line, and never overwritten by train --save."""
    path = tmp_path / "broken.json"
    broken = mangle(session(tmp_path))
    path.write_text(broken)
    for args in (["trace"], ["train", "--save", str(path)]):
        one_error_line(run(args[0], "--session", str(path), *args[1:], capsys=capsys),
                       "--session", str(path), *words)
    assert path.read_text() == broken


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
        (["train", "--xor", "--steps", "10", "--save", "{tmp}"], ["--save", "folder"]),
        (["train", "--xor", "--save", "{tmp}/no/x.json"], ["--save"]),
        (["trace", "--json", "--format", "markdown"], ["--json", "--format markdown"]),
        (["trace", "--format", "html"], ["--format"]),
    ],
)
def test_file_option_errors_exit_2_with_one_line(capsys, tmp_path, data_csv, args, words):
    """--save is checked before training, for a chain and for a wider network."""
    saved = tmp_path / "lesson.json"
    save_session(chain_session(), saved)
    fill = {"missing": str(tmp_path / "missing.json"), "csv": str(data_csv),
            "session": str(saved), "tmp": str(tmp_path)}
    one_error_line(run(*[a.format(**fill) for a in args], capsys=capsys), *words)


@pytest.mark.parametrize("shape", SESSIONS)
def test_a_sessions_theme_is_kept(capsys, tmp_path, shape):
    path = tmp_path / "lesson.json"
    save_session(replace(SESSIONS[shape](), theme="backprop-contrast"), path)
    output(capsys, "train", "--session", str(path), "--steps", "3", "--save", str(path))
    again = load_session(path)
    assert again.theme == "backprop-contrast" and again.steps == 3
    assert not np.array_equal(again.network.flat_w, again.start.flat_w)


# -- the app's files ------------------------------------------------------------------------


def test_the_app_checks_its_files_too(tmp_path, data_csv):
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    one_error_line(run("--session", str(bad)), "--session", "bad.json")
    one_error_line(run("--data", str(tmp_path / "nope.csv")), "--data", "nope.csv")


def test_the_app_opens_a_wide_session_in_the_wide_app(capsys, tmp_path, monkeypatch):
    import backprop_tui.tui.app as app_module

    path = tmp_path / "xor.json"
    output(capsys, "train", "--xor", "--steps", "40", "--lr", "0.75", "--save", str(path))
    session = load_session(path)
    opened = {}

    def open_app(lesson, theme=None, **kwargs):
        opened.update(lesson=lesson, theme=theme)
        return 0

    monkeypatch.setattr(app_module, "run_app", open_app)
    assert main(["--session", str(path)]) == 0
    lesson = opened["lesson"]
    np.testing.assert_array_equal(lesson.network.flat_w, session.network.flat_w)
    np.testing.assert_array_equal(lesson.samples.x, session.samples.x)
    assert lesson.lr == 0.75
    doc = json.loads(path.read_text())
    doc["samples"]["x"] = [[0.0, 0.0]] * 3
    path.write_text(json.dumps(doc))
    one_error_line(run("--session", str(path), capsys=capsys), "--session",
                   "samples.y: 4 values, but samples.x has 3")


# -- files written, trace --format -------------------------------------------------------


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
