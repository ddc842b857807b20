"""``--shape``: trace and train for networks with several neurons a layer."""

import json

import numpy as np
import pytest

from backprop_tui.cli import main
from backprop_tui.model.network import Network, random_network, trace

from .test_cli import one_error_line, run


def output(capsys, *args: str) -> str:
    assert main(list(args)) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


def refused(capsys, *args: str) -> str:
    """Exit 2, nothing on stdout, one line on stderr; returns that line."""
    assert main(list(args)) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err, captured.err
    return lines[0]


# -- width 1 is the chain, byte for byte --------------------------------------------


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
    line = refused(capsys, "trace", "--shape", "1,1,1", "--w", "1,2,3")
    assert "--shape" in line and "3 values" in line


# -- trace of a wide network ---------------------------------------------------------


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


def test_samples_from_a_csv_file_with_columns_x1_x2_y(capsys, tmp_path):
    data = tmp_path / "xor.csv"
    data.write_text("y,x1,x2\n0,0,0\n1,0,1\n1,1,0\n0,1,1\n")
    from_file = json.loads(output(capsys, "trace", "--shape", "2,2,1", "--data", str(data),
                                  "--json"))
    xor = json.loads(output(capsys, "trace", "--shape", "2,2,1", "--xor", "--json"))
    assert from_file == xor
    data.write_text("x1,x2,y\n0,0\n")
    line = refused(capsys, "trace", "--shape", "2,2,1", "--data", str(data))
    assert "line 2" in line and "expected 3" in line


# -- refusals: one line, exit 2 ---------------------------------------------------------


@pytest.mark.parametrize("args, words", [
    (("--shape", "2,65,1"), ["--shape", "65 neurons", "1 to 64"]),
    (("--shape", "2,x,1"), ["--shape", "'x' is not a number"]),
    (("--shape", "2"), ["--shape", "at least one layer"]),
    (("--shape", "2,2,1", "--w", "1,2,3,4,5", "--xor"), ["--w", "needs 6 weights (2·2 + 1·2), got 5"]),
    (("--shape", "2,2,1", "--b", "1,2", "--xor"), ["--b", "needs 3 biases (2 + 1), got 2"]),
    (("--shape", "2,2,1", "--x", "0.1,0.2", "--y", "1,0"), ["--x", "takes 2 inputs", "sample 1 has 1"]),
    (("--shape", "2,2,1", "--x", "0.1:0.2", "--y", "1:0"), ["--y", "takes 1 targets", "sample 1 has 2"]),
    (("--shape", "2,2,1", "--x", "0.1:0.2,0:1", "--y", "1"), ["--y", "1 targets for 2 samples"]),
    (("--shape", "2,2,1", "--y", "1"), ["--y", "targets without inputs", "--x", "--xor"]),
    (("--x", "0.1:0.2", "--y", "1"), ["--x", "needs --shape"]),
    (("--shape", "2,2,2", "--cost", "cross-entropy", "--x", "0:1", "--y", "1:0"),
     ["one sigmoid output", "2 outputs"]),
    (("--shape", "2,2,1", "--layers", "3", "--xor"), ["--layers", "either --shape or --layers"]),
    (("--shape", "3,2,1", "--xor"), ["--xor", "2 inputs and 1 output"]),
])
def test_bad_network_input_is_one_line(capsys, args, words):
    line = refused(capsys, "trace", *args)
    for word in words:
        assert word in line, line


@pytest.mark.parametrize("command", ["ssh", "serve"])
def test_servers_refuse_what_the_wide_app_refuses(command):
    """A server's visitors get the app with the server's options, a wide shape too
    (tests/test_cli_servers_shapes.py): what that app would refuse, the server refuses
    before anyone connects, in the words trace uses."""
    given = ("--shape", "2,2,1", "--x", "0:1,1", "--y", "1,0")
    line = one_error_line(run(command, *given, "--port", "1"), "--x", "sample 2 has 1")
    assert line == one_error_line(run("trace", *given))


# -- train -------------------------------------------------------------------------


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


def test_train_with_data_xor_is_train_with_xor(capsys):
    assert (output(capsys, "train", "--data", "xor", "--steps", "50", "--json")
            == output(capsys, "train", "--xor", "--shape", "2,2,1", "--steps", "50", "--json"))


# -- layers as wide as scripts need -------------------------------------------------------


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


@pytest.mark.parametrize("args, words", [
    (("--shape", "2,5,1"), ["--shape", "5 neurons in layer 1", "app shows", "1 to 4",
                            "trace and train take up to 64"]),
    (("--shape", "6,2,1", "--x", "0:0:0:0:0:0", "--y", "1"), ["--shape", "6 inputs", "1 to 4"]),
])
def test_the_app_refuses_a_shape_wider_than_its_screen_in_one_line(capsys, args, words):
    line = refused(capsys, *args)
    for word in words:
        assert word in line, line
