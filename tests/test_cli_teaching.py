"""--layers/--seed, --activation/--cost and trace --check through the command line."""

import json
import math

import pytest

from backprop_tui.cli import build_parser, join_negative_values, start_values
from backprop_tui.model import (
    CROSS_ENTROPY,
    RELU,
    TANH,
    Network,
    Samples,
    check_gradients,
    defaults,
    trace,
)

from .test_cli import one_error_line, run


def values(*argv: str):
    return start_values(build_parser().parse_args(join_negative_values(list(argv))))


def test_layers_draw_reproducible_start_values():
    first = run("trace", "--json", "--layers", "7", "--seed", "42")
    again = run("trace", "--json", "--layers", "7", "--seed", "42")
    other = run("trace", "--json", "--layers", "7", "--seed", "43")
    assert first.returncode == again.returncode == other.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    assert first.stdout == again.stdout
    assert data["layers"] == 7 and len(data["w"]) == len(data["b"]) == 7
    assert (data["w"], data["b"]) != tuple(json.loads(other.stdout)[k] for k in ("w", "b"))
    assert (tuple(data["w"]), tuple(data["b"])) == defaults.random_start(7, 42)


def test_the_default_seed_is_documented_and_used():
    assert defaults.SEED == 0
    start = values("trace", "--layers", "5")
    assert (start.w, start.b) == defaults.random_start(5, defaults.SEED)
    assert start.seed == defaults.SEED
    assert values("trace", "--layers", "5", "--seed", "0") == start
    helped = build_parser().format_help()
    assert f"default {defaults.SEED}" in " ".join(helped.split())


def test_random_start_values_read_well():
    for layers in range(1, 11):
        w, b = defaults.random_start(layers, 3)
        assert len(w) == len(b) == layers
        assert all(0.2 <= abs(v) <= 1.2 and round(v, 2) == v for v in w)
        assert all(-0.5 <= v <= 0.5 and round(v, 2) == v for v in b)


def test_layers_agree_with_given_values():
    start = values("trace", "--layers", "2", "--w", "0.3,-0.4")
    assert start.w == (0.3, -0.4) and len(start.b) == 2  # the biases drawn at random
    start = values("trace", "--layers", "2", "--w", "0.3,-0.4", "--b", "0,1")
    assert start.b == (0.0, 1.0)
    assert len(values("trace", "--w", *[",".join(["0.5"] * 10)]).w) == 10


@pytest.mark.parametrize("layers", ["1", "10"])
def test_one_and_ten_layers_trace(layers):
    done = run("trace", "--layers", layers)
    assert done.returncode == 0, done.stderr
    n = int(layers)
    assert f"{n} layer" in done.stdout and f"a(L−{n})" in done.stdout


@pytest.mark.parametrize(
    "args, option",
    [
        (["trace", "--layers", "11"], "--layers"),
        (["trace", "--layers", "0"], "--layers"),
        (["train", "--layers", "-2"], "--layers"),
        (["--layers", "12"], "--layers"),
        (["trace", "--layers", "x"], "--layers"),
        (["trace", "--layers", "2", "--w", "1,2,3"], "--layers"),
        (["trace", "--layers", "2", "--b", "1"], "--layers"),
        (["trace", "--seed", "4"], "--seed"),
        (["trace", "--layers", "3", "--seed", "-1"], "--seed"),
        (["trace", "--w", ",".join(["0.5"] * 11)], "--w"),
        (["trace", "--activation", "softmax"], "--activation"),
        (["train", "--cost", "hinge"], "--cost"),
        (["trace", "--activation", "tanh", "--cost", "cross-entropy"], "--cost"),
        (["train", "--activation", "relu", "--cost", "cross-entropy"], "--cost"),
        (["--activation", "relu", "--cost", "cross-entropy"], "--cost"),
        (["trace", "--cost", "cross-entropy", "--y", "1.5"], "--y"),
        (["train", "--cost", "cross-entropy", "--x", "1,2", "--y", "0,-0.5"], "--y"),
    ],
)
def test_bad_network_options_exit_2_with_one_line(args, option):
    one_error_line(run(*args), option)


def test_cross_entropy_refusal_says_why():
    done = run("trace", "--activation", "tanh", "--cost", "cross-entropy")
    assert "output in (0, 1)" in done.stderr and "tanh" in done.stderr
    done = run("trace", "--cost", "cross-entropy", "--y", "1.5")
    assert "[0, 1]" in done.stderr and "1.5" in done.stderr


def test_activation_and_cost_reach_start_values():
    start = values("--activation", "tanh")
    assert start.activation is TANH and start.network().activation is TANH
    start = values("train", "--activation", "relu", "--cost", "squared-error")
    assert start.activation is RELU
    start = values("trace", "--cost", "cross-entropy")
    assert start.cost is CROSS_ENTROPY and start.network().cost is CROSS_ENTROPY


@pytest.mark.parametrize("activation, cost", [("sigmoid", "squared-error"),
                                              ("tanh", "squared-error"),
                                              ("relu", "squared-error"),
                                              ("sigmoid", "cross-entropy")])
def test_trace_json_names_activation_and_cost(activation, cost):
    done = run("trace", "--json", "--activation", activation, "--cost", cost,
               "--x", "0.2,0.9", "--y", "0,1")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["activation"] == activation and data["cost"] == cost
    train = run("train", "--json", "--steps", "5", "--activation", activation, "--cost", cost)
    assert train.returncode == 0, train.stderr
    assert json.loads(train.stdout)["activation"] == activation


def test_trace_text_follows_the_activation():
    tanh = run("trace", "--activation", "tanh").stdout
    assert "tanh'(z(L)) = 1−tanh²(z(L))" in tanh and "a(L)   = tanh(z(L))" in tanh
    relu = run("trace", "--activation", "relu").stdout
    assert "ReLU'(z(L)) = (1 if z(L)>0, else 0)" in relu


def test_trace_shows_the_sigma_prime_cancellation():
    out = run("trace", "--cost", "cross-entropy").stdout
    assert "∂C/∂z(L)      = ∂C/∂a(L)·σ'(z(L)) = a(L)−y = 0.5753−1.0000" in out
    assert "σ' cancels" in out
    assert "C      = −[y·ln a(L)+(1−y)·ln(1−a(L))]" in out
    # Only the output layer has it.
    assert out.count("∂C/∂z(") == 1
    assert "∂C/∂z(" not in run("trace").stdout.split("Vanishing")[0]


def test_trace_check_json():
    args = ["--w", "-0.3,0.5,1", "--b", "0,0.1,-0.2", "--x", "0.1,0.9", "--y", "0,1"]
    done = run("trace", "--json", "--check", *args)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    check = data["check"]
    assert set(check) == {"epsilon", "dC_dw", "dC_db", "max_rel_error"}
    assert check["epsilon"] == 1e-5
    assert len(check["dC_dw"]) == len(check["dC_db"]) == 3
    assert 0 <= check["max_rel_error"] < 1e-7
    for numeric, analytic in zip(check["dC_dw"] + check["dC_db"],
                                 data["mean"]["dC_dw"] + data["mean"]["dC_db"]):
        assert numeric == pytest.approx(analytic, rel=1e-7)
    expected = check_gradients(trace(Network.chain([-0.3, 0.5, 1], [0, 0.1, -0.2]),
                                     Samples([0.1, 0.9], [0, 1])))
    assert check["dC_dw"] == expected.dC_dw.tolist()
    assert check["max_rel_error"] == expected.max_rel_error
    assert "check" not in json.loads(run("trace", "--json", *args).stdout)


@pytest.mark.parametrize("extra", [[], ["--x", "0.1,0.5,0.9", "--y", "0,1,1"],
                                   ["--layers", "10", "--activation", "tanh"]])
def test_trace_check_text_puts_a_column_beside_each_gradient(extra):
    done = run("trace", "--check", *extra)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "(C(θ+ε)−C(θ−ε))/2ε" in out and "ε = 1.000e−5" in out
    columns = [line for line in out.splitlines() if "│ nudge" in line]
    layers = 10 if "--layers" in extra else 3
    assert len(columns) == 2 * layers  # one per ∂C/∂w and ∂C/∂b
    for line in columns:
        assert line.lstrip().startswith(("∂C/∂w(", "∂C/∂b("))
        rel = line.rsplit("rel ", 1)[1].replace("−", "-")
        assert float(rel) < 1e-3
    assert "│ nudge" not in run("trace", *extra).stdout


def test_trace_text_shows_the_vanishing_gradient():
    out = run("trace", "--layers", "10", "--seed", "1").stdout
    section = out[out.index("Vanishing gradient"):].splitlines()
    assert "∏σ' ≤ (1/4)^k" in section[1]
    rows = [line.split() for line in section if line.startswith("  (L")]
    assert [r[0] for r in rows] == ["(L)"] + [f"(L−{k})" for k in range(1, 10)]
    start = values("trace", "--layers", "10", "--seed", "1")
    bp = trace(start.network(), start.samples())
    for l, cells in zip(range(10, 0, -1), rows):
        k = 10 - l + 1
        numbers = [float(c.replace("−", "-")) for c in cells[1:] if c[-1].isdigit()]
        assert len(numbers) == 4  # k, |∂C/∂w|, ∏σ', the bound; the rest are bars
        assert numbers[0] == k
        assert numbers[1] == pytest.approx(abs(bp.mean_flat_dC_dw)[l - 1], rel=1e-3)
        product, bound = numbers[2], numbers[3]
        assert bound == pytest.approx(4.0 ** -k, rel=1e-3)
        assert product == pytest.approx(bp.mean_prime_product[l - 1], rel=1e-3)
        assert product <= bound
    assert math.isfinite(abs(bp.mean_flat_dC_dw)[0])
