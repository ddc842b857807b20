"""The command line for every shape, a chain (``--w``, ``--layers``) and a network with
several neurons a layer (``--shape``): its options, trace, train, and its refusals (one
line, exit 2). Through a subprocess, as scripts use it, or in this process (faster)."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from backprop_tui.cli import main
from backprop_tui.model import FACTOR_NAMES, Network, Samples, Trainer, trace
from backprop_tui.model.network import random_network
from backprop_tui.present.format import number


def run(*args: str, capsys=None) -> subprocess.CompletedProcess:
    """The command line with ``args``: through a subprocess, as scripts use it, or, given
    pytest's ``capsys``, by calling ``main`` in this process (its exit status, stdout and
    stderr; faster)."""
    if capsys is None:
        return subprocess.run([sys.executable, "-m", "backprop_tui", *args],
                              capture_output=True, text=True, timeout=60)
    status = main(list(args))
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(["backprop-tui", *args], status, captured.out,
                                       captured.err)


def output(capsys, *args: str) -> str:
    """A run in this process that worked: exit 0, nothing on stderr; returns stdout."""
    done = run(*args, capsys=capsys)
    assert done.returncode == 0 and done.stderr == "", (done.returncode, done.stderr)
    return done.stdout


def one_error_line(done, *words: str) -> str:
    """Bad input: exit status 2, nothing on stdout, one line on stderr naming ``words``;
    returns that line."""
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


# -- trace -----------------------------------------------------------------------------


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


WIDE = ("--shape", "2,2,1", "--w", "0.5,-0.4,0.3,0.8,1.2,-0.7", "--b", "0.1,-0.2,0.05",
        "--x", "1:0,0.2:0.9", "--y", "1,0")


def test_trace_json_of_a_wide_network(capsys):
    doc = json.loads(output(capsys, "trace", *WIDE, "--json", "--check"))
    net = Network((2, 2, 1), [0.5, -0.4, 0.3, 0.8, 1.2, -0.7], [0.1, -0.2, 0.05])
    bp = trace(net, net.samples([[1.0, 0.0], [0.2, 0.9]], [[1.0], [0.0]]))
    assert doc["shape"] == [2, 2, 1] and doc["layers"] == 2
    assert doc["w"] == [[[0.5, -0.4], [0.3, 0.8]], [[1.2, -0.7]]]
    assert doc["b"] == [[0.1, -0.2], [0.05]]
    assert len(doc["samples"]) == 2
    for s, sample in enumerate(doc["samples"]):
        assert sample["x"] == net.samples([[1.0, 0.0], [0.2, 0.9]], [[1], [0]]).x[s].tolist()
        for l in range(2):
            layer = sample["layers"][l]
            assert sample["z"][l] == bp.forward.z[l][s].tolist()
            assert layer["dC_dw"] == bp.dC_dw[l][s].tolist()
            assert layer["dC_da_prev"] == bp.dC_da_prev[l][s].tolist()
            for k, terms in enumerate(layer["dC_da_prev_terms"]):
                total = terms[0]
                for t in terms[1:]:
                    total += t
                assert total == layer["dC_da_prev"][k]
                assert len(terms) == net.shape[l + 1]
    assert doc["mean"]["dC_dw"] == [g.tolist() for g in bp.mean_dC_dw]
    assert doc["mean"]["dC_db"] == [g.tolist() for g in bp.mean_dC_db]
    check = doc["check"]
    assert [np.shape(g) for g in check["dC_dw"]] == [(2, 2), (1, 2)]
    np.testing.assert_allclose(np.concatenate([np.ravel(g) for g in check["dC_dw"]]),
                               bp.mean_flat_dC_dw, rtol=1e-6, atol=1e-9)
    assert check["max_rel_error"] < 1e-6


def test_trace_text_writes_each_sum_term_by_term(capsys):
    text = output(capsys, "trace", "--shape", "1,2,1", "--w", "0.5,-0.4,1.2,-0.7",
                  "--b", "0.1,-0.2,0.05", "--x", "0.8", "--y", "1")
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("∂C/∂x₁ ="))
    assert lines[at - 2].strip().startswith("term j=1 = w₁₁(L−1)·σ'(z₁(L−1))·∂C/∂a₁(L−1) =")
    assert lines[at - 1].strip().startswith("term j=2 = w₂₁(L−1)·σ'(z₂(L−1))·∂C/∂a₂(L−1) =")
    assert "Σⱼ wⱼ₁(L−1)·σ'(zⱼ(L−1))·∂C/∂aⱼ(L−1)" in lines[at]
    assert "∂C/∂w₁₂(L)" in text and "∂C/∂b₂(L−1)" in text


@pytest.mark.parametrize("shape", [(), WIDE], ids=["chain", "wide"])
def test_trace_dot_is_the_graph_of_the_trace_json(capsys, shape):
    """trace --format dot: the computation graph of sample 1 in Graphviz's language, read
    back with pydot: a node for each weight and bias whose gradient is the JSON's (one
    sample: the mean is the sample's), and C with the JSON's cost."""
    import pydot

    from backprop_tui.present.format import number

    dot = output(capsys, "trace", *shape, "--format", "dot")
    data = json.loads(output(capsys, "trace", *shape, "--json"))
    (graph,) = pydot.graph_from_dot_data(dot)
    labels = {node.get_name().strip('"'): node.get_label().strip('"')
              for sub in [graph, *graph.get_subgraphs()] for node in sub.get_nodes()
              if node.get_label()}
    assert f"= {number(data['samples'][0]['cost'], True)}" in labels["C"]
    dC_dw = [np.atleast_2d(layer) for layer in data["mean"]["dC_dw"]]
    dC_db = [np.atleast_1d(layer) for layer in data["mean"]["dC_db"]]
    for l, (gw, gb) in enumerate(zip(dC_dw, dC_db, strict=True), start=1):
        for j, row in enumerate(gw, start=1):
            assert f"= {number(float(gb[j - 1]), True)}" in labels[f"b{l}_{j}"]
            for k, g in enumerate(row, start=1):
                assert f"= {number(float(g), True)}" in labels[f"w{l}_{j}_{k}"], (l, j, k)
    one_error_line(run("trace", *shape, "--format", "dot", "--check", capsys=capsys),
                   "--check", "not available with --format dot")
    one_error_line(run("trace", *shape, "--format", "dot", "--json", capsys=capsys),
                   "--json", "not allowed with --format dot")


def test_trace_markdown_of_a_wide_network(capsys):
    text = output(capsys, "trace", *WIDE, "--format", "markdown")
    assert text.startswith("# Backpropagation, number by number")
    assert "| quantity | formula | numbers | value |" in text and "w₁₂(L−1)" in text


def test_without_samples_a_wide_network_takes_the_chains_sample_on_every_input(capsys):
    """``--shape 2,3,2`` alone opens with one sample: x = 0.7 on each input, y = 1 on each
    output, as the chain's default x = 0.7, y = 1."""
    chain = json.loads(output(capsys, "trace", "--json"))
    doc = json.loads(output(capsys, "trace", "--shape", "2,3,2", "--seed", "4", "--json"))
    (sample,) = doc["samples"]
    assert sample["x"] == [chain["samples"][0]["x"]] * 2
    assert sample["y"] == [chain["samples"][0]["y"]] * 2
    same = json.loads(output(capsys, "trace", "--shape", "2,3,2", "--seed", "4", "--json",
                             "--x", "0.7:0.7", "--y", "1:1"))
    assert doc == same
    assert doc["shape"] == [2, 3, 2] and len(doc["w"][0]) == 3


# -- train -----------------------------------------------------------------------------


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


XOR_TRAIN = ("train", "--shape", "2,2,1", "--xor", "--seed", "3", "--lr", "2",
             "--steps", "5000")


def test_train_learns_xor(capsys):
    doc = json.loads(output(capsys, *XOR_TRAIN, "--json"))
    assert doc["shape"] == [2, 2, 1] and doc["steps"] == 5000 and doc["diverged"] is None
    outputs = [row[0] for row in doc["outputs"]]
    assert [o > 0.5 for o in outputs] == [False, True, True, False]
    assert doc["final_cost"] < doc["initial_cost"]
    trained = Network((2, 2, 1), np.concatenate([np.ravel(w) for w in doc["w"]]),
                      np.concatenate(doc["b"]))
    start = random_network((2, 2, 1), 3)
    assert not np.allclose(trained.flat_w, start.flat_w)
    text = output(capsys, *XOR_TRAIN)
    assert "trained shape 2,2,1 for 5000 steps" in text
    assert "x = (0.0000, 1.0000)  →  (" in text


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


# -- width 1 is the chain, byte for byte -----------------------------------------------


@pytest.mark.parametrize("form", [[], ["--json"], ["--format", "markdown"], ["--check"]])
def test_the_notes_shape_prints_todays_trace(capsys, form):
    assert output(capsys, "trace", "--shape", "1,1,1,1", *form) == output(capsys, "trace", *form)


def test_width_one_shapes_are_the_chains_options(capsys):
    assert (output(capsys, "trace", "--shape", "1,1,1", "--w", "0.5,-0.2", "--b", "0,0.1")
            == output(capsys, "trace", "--w", "0.5,-0.2", "--b", "0,0.1"))
    assert (output(capsys, "trace", "--shape", "1,1,1,1,1", "--seed", "3", "--json")
            == output(capsys, "trace", "--layers", "4", "--seed", "3", "--json"))
    assert (output(capsys, "train", "--shape", "1,1,1,1", "--steps", "20")
            == output(capsys, "train", "--steps", "20"))
    one_error_line(run("trace", "--shape", "1,1,1", "--w", "1,2,3", capsys=capsys),
                   "--shape", "3 values")


# -- refusals: one line, exit 2 --------------------------------------------------------


BAD_INPUT = [
    # a chain
    (["trace", "--w", "abc"], ["--w"]),
    (["trace", "--w", "1,,2"], ["--w"]),
    (["trace", "--w", ""], ["--w"]),
    (["trace", "--b", "nan,1,2"], ["--b"]),
    (["trace", "--x", "inf"], ["--x"]),
    (["trace", "--y", "-inf"], ["--y"]),
    (["trace", "--w", "1,2", "--b", "0"], ["--b"]),
    (["trace", "--x", "1,2", "--y", "1"], ["--y"]),
    (["trace", "--x", "1,2"], ["--y"]),
    (["train", "--steps", "-1"], ["--steps"]),
    (["train", "--steps", "2.5"], ["--steps"]),
    (["train", "--batch-size", "0"], ["--batch-size"]),
    (["train", "--batch-size", "5"], ["--batch-size"]),
    (["train", "--lr", "nan"], ["--lr"]),
    (["train", "--lr", "inf"], ["--lr"]),
    (["train", "--lr"], ["--lr"]),
    (["trace", "--bogus"], ["--bogus"]),
    (["nonsense"], ["nonsense"]),
    # a network with several neurons a layer
    (["trace", "--shape", "2,65,1"], ["--shape", "65 neurons", "1 to 64"]),
    (["trace", "--shape", "2,x,1"], ["--shape", "'x' is not a number"]),
    (["trace", "--shape", "2"], ["--shape", "at least one layer"]),
    (["trace", "--shape", "2,2,1", "--w", "1,2,3,4,5", "--xor"],
     ["--w", "needs 6 weights (2·2 + 1·2), got 5"]),
    (["trace", "--shape", "2,2,1", "--b", "1,2", "--xor"], ["--b", "needs 3 biases (2 + 1), got 2"]),
    (["trace", "--shape", "2,2,1", "--x", "0.1,0.2", "--y", "1,0"],
     ["--x", "takes 2 inputs", "sample 1 has 1"]),
    (["trace", "--shape", "2,2,1", "--x", "0.1:0.2", "--y", "1:0"],
     ["--y", "takes 1 targets", "sample 1 has 2"]),
    (["trace", "--shape", "2,2,1", "--x", "0.1:0.2,0:1", "--y", "1"],
     ["--y", "1 targets for 2 samples"]),
    (["trace", "--shape", "2,2,1", "--y", "1"], ["--y", "targets without inputs", "--x", "--xor"]),
    (["trace", "--x", "0.1:0.2", "--y", "1"], ["--x", "needs --shape"]),
    (["trace", "--shape", "2,2,2", "--cost", "cross-entropy", "--x", "0:1", "--y", "1:0"],
     ["one sigmoid output", "2 outputs"]),
    (["trace", "--shape", "2,2,1", "--layers", "3", "--xor"],
     ["--layers", "either --shape or --layers"]),
    (["trace", "--shape", "3,2,1", "--xor"], ["--xor", "2 inputs and 1 output"]),
    # the app takes what trace takes
    (["--shape", "2,65,1"], ["--shape", "65 neurons", "1 to 64"]),
]


@pytest.mark.parametrize("args, words", BAD_INPUT, ids=[" ".join(a) for a, _ in BAD_INPUT])
def test_bad_input_exits_2_with_one_line(capsys, args, words):
    """A chain's options and a wider network's, for trace, train and the app."""
    one_error_line(run(*args, capsys=capsys), *words)


@pytest.mark.parametrize("command", ["ssh", "serve"])
def test_servers_refuse_what_the_wide_app_refuses(command):
    """A server's visitors get the app with the server's options, a wide shape too
    (tests/test_cli_servers_shapes.py): what that app would refuse, the server refuses
    before anyone connects, in the words trace uses."""
    given = ("--shape", "2,2,1", "--x", "0:1,1", "--y", "1,0")
    line = one_error_line(run(command, *given, "--port", "1"), "--x", "sample 2 has 1")
    assert line == one_error_line(run("trace", *given))


# -- options before the command, the model alone ---------------------------------------


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


# -- layers as wide as scripts need ----------------------------------------------------


def test_trace_takes_a_layer_of_64_neurons_and_its_gradients_check_out(capsys):
    shape = "3,64,2"
    data = json.loads(output(capsys, "trace", "--shape", shape, "--x", "0.1:0.2:0.3",
                             "--y", "0:1", "--check", "--json"))
    assert data["shape"] == [3, 64, 2]
    assert len(data["w"][0]) == 64 and len(data["w"][0][0]) == 3
    # every one of the 64·3 + 2·64 weights and 66 biases nudged against the chain rule
    assert data["check"]["max_rel_error"] < 1e-6
    assert len(data["check"]["dC_dw"][0]) == 64


def test_train_takes_a_layer_of_64_neurons(capsys):
    data = json.loads(output(capsys, "train", "--shape", "2,64,64,1", "--xor", "--steps", "50",
                             "--json"))
    assert data["steps"] == 50 and len(data["w"][1]) == 64
    assert data["loss"] and data["final_cost"] < data["initial_cost"]


# -- the plain mode ---------------------------------------------------------------------


@pytest.mark.parametrize("argv, env", [(["--plain"], {}), ([], {"TERM": "dumb"}),
                                       (["--plain", "--xor"], {})])
def test_plain_or_a_dumb_terminal_opens_the_lesson_in_lines(capsys, monkeypatch, argv, env):
    import io

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "stdin", io.StringIO("fq"))
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "plain mode" in out and "\x1b" not in out
    assert max(len(line) for line in out.splitlines()) <= 80
    xor = ["--xor"] if "--xor" in argv else []
    cost = json.loads(output(capsys, "trace", *xor, "--json"))["mean"]["cost"]
    assert f"C = {number(cost, True)}" in out


def test_plain_is_for_the_app_and_ssh_not_the_browser(capsys):
    one_error_line(run("--plain", "serve", capsys=capsys), "--plain", "not serve")
    one_error_line(run("trace", "--plain", capsys=capsys), "--plain")
