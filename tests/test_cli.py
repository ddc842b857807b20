"""The command line through a subprocess, as scripts use it."""

import json
import math
import subprocess
import sys

import pytest

from backprop_tui.model import FACTOR_NAMES, Network, Samples, Trainer, trace


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "backprop_tui", *args], capture_output=True, text=True, timeout=60
    )


def one_error_line(done, *words: str) -> str:
    """Bad input: exit status 2, nothing on stdout, one line on stderr naming ``words``."""
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def test_trace_text_reads_like_the_note():
    done = run("trace")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for text in ("Forward pass", "Backward pass", "layer (L)", "layer (L−1)", "layer (L−2)",
                 "∂C/∂w(L)      = ∂C/∂a(L)·σ'(z(L))·a(L−1)", "a(L−3)", "∂C/∂x",
                 "x is data, not a parameter"):
        assert text in out
    # Output layer first.
    assert out.index("layer (L)") < out.index("layer (L−1)") < out.index("layer (L−2)")


def test_trace_json_schema_and_values():
    done = run("trace", "--json", "--w", "-0.3,0.5,1", "--b", "0,0.1,-0.2",
               "--x", "0.1,0.9", "--y", "0,1")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert set(data) == {"layers", "activation", "cost", "w", "b", "samples", "mean"}
    assert data["layers"] == 3 and data["activation"] == "sigmoid"
    assert data["cost"] == "squared-error"
    assert data["w"] == [-0.3, 0.5, 1.0] and data["b"] == [0.0, 0.1, -0.2]
    bp = trace(Network.chain(data["w"], data["b"]), Samples([0.1, 0.9], [0, 1]))
    assert len(data["samples"]) == 2
    for k, sample in enumerate(data["samples"]):
        assert set(sample) == {"x", "y", "z", "a", "cost", "layers"}
        assert len(sample["a"]) == 3  # x excluded
        assert sample["z"] == bp.forward.column("z")[k].tolist()  # full precision, not rounded
        assert sample["cost"] == bp.forward.cost[k]
        for l, layer in enumerate(sample["layers"]):
            assert list(layer) == list(FACTOR_NAMES)
            assert layer["dz_db"] == 1.0
            for name in FACTOR_NAMES:
                assert layer[name] == bp.column(name)[k, l]
    assert data["mean"]["dC_dw"] == bp.mean_flat_dC_dw.tolist()
    assert data["mean"]["dC_db"] == bp.mean_flat_dC_db.tolist()
    assert data["mean"]["cost"] == bp.forward.mean_cost


@pytest.mark.parametrize("form", [["--w", "-0.3,0.5,1"], ["--w=-0.3,0.5,1"]])
def test_leading_minus_both_ways(form):
    done = run("trace", "--json", *form)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["w"] == [-0.3, 0.5, 1.0]
    assert json.loads(done.stdout)["b"] == [0.0, 0.0, 0.0]


def test_train_json_matches_the_trainer():
    args = ["--w", "0.9,-0.6,1.3", "--b", "0,0,0", "--x", "0,0.3,0.6,0.9", "--y", "0,0,1,1",
            "--lr", "1.5", "--steps", "2500", "--batch-size", "3"]
    done = run("train", "--json", *args)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    trainer = Trainer(Network.chain([0.9, -0.6, 1.3], [0, 0, 0]),
                      Samples([0, 0.3, 0.6, 0.9], [0, 0, 1, 1]), 1.5, 3)
    trainer.run(2500)
    assert data["w"] == trainer.network.flat_w.tolist()
    assert data["b"] == trainer.network.flat_b.tolist()
    assert data["steps"] == 2500 and data["lr"] == 1.5 and data["batch_size"] == 3
    assert data["final_cost"] == trainer.mean_cost()
    steps, costs = data["loss"]["step"], data["loss"]["cost"]
    assert 0 < len(steps) <= 1000 and len(steps) == len(costs)
    assert steps[0] == 0 and steps == sorted(steps) and steps[-1] < 2500
    assert data["final_cost"] < data["initial_cost"]


def test_train_text_summary():
    done = run("train", "--steps", "10")
    assert done.returncode == 0
    assert "trained 10 steps" in done.stdout and "mean cost C" in done.stdout


@pytest.mark.parametrize(
    "args, option",
    [
        (["trace", "--w", "abc"], "--w"),
        (["trace", "--w", "1,,2"], "--w"),
        (["trace", "--w", ""], "--w"),
        (["trace", "--b", "nan,1,2"], "--b"),
        (["trace", "--x", "inf"], "--x"),
        (["trace", "--y", "-inf"], "--y"),
        (["trace", "--w", "1,2", "--b", "0"], "--b"),
        (["trace", "--x", "1,2", "--y", "1"], "--y"),
        (["trace", "--x", "1,2"], "--y"),
        (["train", "--steps", "-1"], "--steps"),
        (["train", "--steps", "2.5"], "--steps"),
        (["train", "--batch-size", "0"], "--batch-size"),
        (["train", "--batch-size", "5"], "--batch-size"),
        (["train", "--lr", "nan"], "--lr"),
        (["train", "--lr", "inf"], "--lr"),
        (["train", "--lr"], "--lr"),
        (["trace", "--bogus"], "--bogus"),
        (["nonsense"], "nonsense"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, option):
    one_error_line(run(*args), option)


def test_divergence_exits_3_and_still_prints_the_last_finite_state():
    done = run("train", "--json", "--lr", "1e300", "--y", "1e150")
    assert done.returncode == 3
    assert "step 1" in done.stderr and "Traceback" not in done.stderr
    assert "RuntimeWarning" not in done.stderr
    data = json.loads(done.stdout)
    assert data["steps"] == 0 and data["diverged"]["step"] == 1
    assert all(math.isfinite(v) for v in data["w"] + data["b"])


@pytest.mark.parametrize("form", [[], ["--json"]])
def test_a_run_whose_kept_parameters_overflow_still_reports_divergence(form):
    """Step 1 is finite; its parameters give a cost that overflows, so step 2 diverges."""
    done = run("train", "--activation", "relu", "--x", "1", "--y", "1e150",
               "--w", "1,1", "--b", "0,0", "--lr", "1", *form)
    assert done.returncode == 3, done.stderr
    assert done.stderr.splitlines() == [
        "backprop-tui: training diverged at step 2: the cost would not be finite; "
        "kept the parameters from step 1"]
    if form:
        data = json.loads(done.stdout)
        assert data["final_cost"] is None and data["diverged"]["step"] == 2
        assert data["w"] == [2e150, 2e150]  # w ← w − η·∂C/∂w from w = 1, with C = (a − y)²
    else:
        assert "mean cost C: 1.000e300 → not finite" in done.stdout


def test_model_does_not_import_the_user_interface():
    code = ("import sys, backprop_tui.model, backprop_tui.present.formulas, "
            "backprop_tui.present.report; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'plotext', 'rich')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_options_before_the_command_count_and_the_command_own_win():
    before = json.loads(run("--w", "1,2", "--x", "0.3", "trace", "--json").stdout)
    assert before["w"] == [1.0, 2.0] and before["samples"][0]["x"] == 0.3
    both = json.loads(run("--w", "1", "train", "--w", "2", "--steps", "0", "--json").stdout)
    assert both["w"] == [2.0]
    xor = json.loads(run("--xor", "trace", "--json").stdout)
    assert len(xor["samples"]) == 4  # a flag before the command counts too


@pytest.mark.parametrize(("before", "command", "option"), [
    (("--lr", "-1"), ("trace",), "--lr"),
    (("--theme", "textual-light"), ("trace",), "--theme"),
    (("--quiz",), ("trace",), "--quiz"),
    (("--batch-size", "1"), ("trace",), "--batch-size"),
    (("--theme", "textual-light"), ("train", "--steps", "1"), "--theme"),
    (("--quiz",), ("train", "--steps", "1"), "--quiz"),
    (("--visitor-dir", "."), ("serve", "--port", "1"), "--visitor-dir"),
    (("--visitor-dir", "."), ("ssh", "--port", "1"), "--visitor-dir"),
])
def test_an_app_option_before_a_command_that_does_not_take_it_is_refused(before, command, option):
    # Ignoring it would run with a value the user did not ask for (η = 0.5, not −1).
    line = one_error_line(run(*before, *command), option)
    assert f"not {command[0]}" in line
    # After the command, the same refusal, in the same words.
    assert one_error_line(run(*command, *before), option) == line


def test_start_options_before_serve_and_ssh_reach_the_visitors_apps():
    from backprop_tui.cli import app_arguments, build_parser, join_negative_values

    for command in ("serve", "ssh"):
        argv = ["--w", "1,-2", "--b", "0,0", "--theme", "textual-light", "--quiz", command,
                "--lr", "0.1"]
        args = build_parser().parse_args(join_negative_values(argv))
        assert app_arguments(args) == ["--w=1.0,-2.0", "--b=0.0,0.0", "--lr=0.1",
                                       "--theme=textual-light", "--quiz"]
