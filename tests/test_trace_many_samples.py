"""``trace`` with thousands of samples: no traceback, and the batch means it prints agree
with a forward and backward pass written here independently in numpy.

The batch mean writes one term per sample, ``(g₁+g₂+…+gₙ)/n``, and every row's numbers are
evaluated again to decide between ``=`` and ``≈``: that check must not nest once per term.
"""

from __future__ import annotations

import ast
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from backprop_tui.model import ACTIVATIONS, COSTS, Network, Samples
from backprop_tui.present import formulas as F
from backprop_tui.present.formulas import Row, param_sym, shown_arithmetic
from backprop_tui.present.report import mean_rows

FORMS = ("text", "json", "markdown")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "backprop_tui", "trace", *args],
                          capture_output=True, text=True, timeout=300)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def data(count: int, inputs: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` samples of ``inputs`` inputs and one target in [0, 1], 4 decimals (as
    written on the command line and in the CSV file, so read back exactly)."""
    rng = np.random.default_rng(count + inputs)
    x = np.round(rng.uniform(-2.0, 2.0, (count, inputs)), 4)
    y = np.round(rng.uniform(0.0, 1.0, count), 4)
    return x, y


def source_args(source: str, x: np.ndarray, y: np.ndarray, tmp_path: Path) -> list[str]:
    """The samples as ``--x``/``--y`` or as a ``--data`` CSV file."""
    wide = x.shape[1] > 1
    if source == "data":
        path = tmp_path / "samples.csv"
        head = ",".join(f"x{k}" for k in range(1, x.shape[1] + 1)) if wide else "x"
        lines = [f"{head},y"] + [",".join(f"{v:.4f}" for v in (*row, t)) for row, t in zip(x, y)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return ["--data", str(path)]
    xs = ",".join(":".join(f"{v:.4f}" for v in row) for row in x)
    return [f"--x={xs}", "--y=" + ",".join(f"{t:.4f}" for t in y)]


def chain_gradients(w, b, x, y):
    """Per-sample ∂C/∂w and ∂C/∂b of a sigmoid chain with squared error, shape (n, layers)."""
    a_prev, zs_a = x, []
    for wl, bl in zip(w, b):
        a = sigmoid(wl * a_prev + bl)
        zs_a.append((a_prev, a))
        a_prev = a
    dC_da = 2.0 * (a_prev - y)
    dw, db = [], []
    for (below, a), wl in zip(reversed(zs_a), reversed(w)):
        delta = dC_da * a * (1.0 - a)
        dw.append(delta * below)
        db.append(delta)
        dC_da = delta * wl
    return np.stack(dw[::-1], axis=1), np.stack(db[::-1], axis=1)


def network_mean_gradients(w, b, x, y):
    """Batch-mean ∂C/∂w[l][j][k] and ∂C/∂b[l][j] of a sigmoid network, squared error."""
    w = [np.array(m, dtype=float) for m in w]
    b = [np.array(v, dtype=float) for v in b]
    a_prev, kept = x, []
    for wl, bl in zip(w, b):
        a = sigmoid(a_prev @ wl.T + bl)
        kept.append((a_prev, a))
        a_prev = a
    dC_da = 2.0 * (a_prev - y[:, None])
    dw, db = [], []
    for (below, a), wl in zip(reversed(kept), reversed(w)):
        delta = dC_da * a * (1.0 - a)
        dw.append(np.mean(delta[:, :, None] * below[:, None, :], axis=0))
        db.append(np.mean(delta, axis=0))
        dC_da = delta @ wl
    return dw[::-1], db[::-1]


def expected_means(wide: bool, params: dict, x, y) -> dict[str, float]:
    """The batch-mean gradient of every parameter, by its symbol (``∂C/∂w(L)``, ``∂C/∂w₁₂(L)``)."""
    out = {}
    if wide:
        dw, db = network_mean_gradients(params["w"], params["b"], x, y)
        layers = len(dw)
        for i, (gw, gb) in enumerate(zip(dw, db)):
            for j in range(gw.shape[0]):
                for k in range(gw.shape[1]):
                    out["∂C/∂" + param_sym("w", i + 1, j + 1, k + 1, layers)] = gw[j, k]
                out["∂C/∂" + param_sym("b", i + 1, j + 1, None, layers)] = gb[j]
    else:
        dw, db = chain_gradients(np.array(params["w"]), np.array(params["b"]), x[:, 0], y)
        layers = dw.shape[1]
        for l in range(1, layers + 1):
            out["∂C/∂" + F.parameter_symbol("w", l, layers)] = dw[:, l - 1].mean()
            out["∂C/∂" + F.parameter_symbol("b", l, layers)] = db[:, l - 1].mean()
    return out


def shown(text: str) -> float:
    return float(text.replace("−", "-"))


def close(shown_value: float, exact: float) -> bool:
    """``shown_value`` (4 decimals, or 4 significant digits) is ``exact`` rounded."""
    return math.isclose(shown_value, exact, rel_tol=1e-3, abs_tol=6e-5)


TEXT_MEAN = re.compile(r"^  (∂C/∂\S+) += .*= \((.*)\)/(\d+) +[=≈] (\S+)$")
MARKDOWN_MEAN = re.compile(r"^\| (∂C/∂\S+) \| `[^`]*` \| `\((.*)\)/(\d+)`(?: ≈)? \| (\S+) \|$")


def printed_means(form: str, out: str, count: int) -> dict[str, float]:
    """The batch-mean gradients of the text or Markdown trace, by symbol; each mean row
    must hold one term per sample and divide by the count."""
    pattern = TEXT_MEAN if form == "text" else MARKDOWN_MEAN
    section = out[out.index("Mean over the batch"):]
    means = {}
    for line in section.splitlines():
        match = pattern.match(line)
        if match:
            symbol, terms, divisor, value = match.groups()
            assert int(divisor) == count
            assert len(re.findall(r"(?:^|\+)\(?−?[0-9.]+(?:e−?\d+)?\)?", terms)) == count
            means[symbol] = shown(value)
    return means


def check_trace(form: str, wide: bool, count: int, source: str, tmp_path: Path) -> None:
    x, y = data(count, 2 if wide else 1)
    shape = ["--shape", "2,2,1"] if wide else []
    args = [*shape, *source_args(source, x, y, tmp_path)]
    done = run(*args, "--format", form)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and done.stderr == ""
    if form == "json":
        result = json.loads(done.stdout)
        assert len(result["samples"]) == count
        mean = result["mean"]
        if wide:
            dw, db = network_mean_gradients(result["w"], result["b"], x, y)
            for l in range(len(dw)):
                np.testing.assert_allclose(mean["dC_dw"][l], dw[l], rtol=1e-9, atol=1e-15)
                np.testing.assert_allclose(mean["dC_db"][l], db[l], rtol=1e-9, atol=1e-15)
        else:
            dw, db = chain_gradients(np.array(result["w"]), np.array(result["b"]), x[:, 0], y)
            np.testing.assert_allclose(mean["dC_dw"], dw.mean(axis=0), rtol=1e-9, atol=1e-15)
            np.testing.assert_allclose(mean["dC_db"], db.mean(axis=0), rtol=1e-9, atol=1e-15)
        return
    # The parameters the trace ran with, from its JSON twin (same defaults, same seed).
    params = json.loads(run(*args, "--format", "json").stdout)
    expected = expected_means(wide, params, x, y)
    got = printed_means(form, done.stdout, count)
    assert set(got) == set(expected)
    for symbol, value in got.items():
        assert close(value, expected[symbol]), (symbol, value, expected[symbol])
    assert done.stdout.count("Forward pass (") == count


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("source", ["x", "data"])
def test_chain_trace_of_a_thousand_samples(form, source, tmp_path):
    check_trace(form, False, 1000, source, tmp_path)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("source", ["x", "data"])
def test_wide_trace_of_a_thousand_samples(form, source, tmp_path):
    check_trace(form, True, 1000, source, tmp_path)


@pytest.mark.parametrize(("form", "wide", "source"), [
    ("text", False, "data"), ("markdown", False, "x"), ("json", False, "data"),
    ("text", True, "x"), ("markdown", True, "data"), ("json", True, "x"),
])
def test_trace_of_five_thousand_samples(form, wide, source, tmp_path):
    check_trace(form, wide, 5000, source, tmp_path)


# -- the check behind ``=`` and ``≈``: long sums, evaluated as Python would ------------


def _as_python_would(numbers: str) -> float | None:
    """The evaluation before long sums were added up in a loop: the whole text parsed."""
    try:
        return F._evaluate(ast.parse(F._python(numbers), mode="eval"))
    except (F._NotArithmetic, SyntaxError):
        return math.nan
    except (ArithmeticError, ValueError):
        return None


def test_a_sum_of_a_hundred_thousand_terms_is_evaluated():
    count = 100_000
    values = np.random.default_rng(3).normal(0.0, 0.1, count)
    terms = [F.plug(v) for v in values]
    numbers = "(" + "+".join(terms) + f")/{count}"
    total = 0.0
    for term in terms:
        total += float(term.strip("()").replace("−", "-"))
    assert shown_arithmetic(numbers) == total / count
    assert shown_arithmetic("+".join(terms)) == total  # without the parentheses too
    row = Row("mean_dC_dw", 1, "∂C/∂w(L)", "(1/n)·Σₖ ∂Cₖ/∂w(L)", numbers, total / count)
    assert not row.approx and row.text().endswith(f"= {row.value_text}")


def test_the_mean_row_of_many_samples_is_checked():
    count = 20_000
    rng = np.random.default_rng(5)
    chain = Network.chain([0.5, -1.2], [0.1, 0.3])
    bp = chain.forward(Samples(rng.uniform(-2, 2, count), rng.uniform(0, 1, count))).backward()
    rows = mean_rows(bp)
    assert [row.equals for row in rows]  # no RecursionError
    for row in rows[1:]:
        assert row.numbers is not None and row.numbers.endswith(f")/{count}")
        assert math.isclose(shown_arithmetic(row.numbers), row.value, rel_tol=1e-3, abs_tol=1e-4)


SUMS = [
    "(0.1+0.2+0.3)/3", "0.1+0.2−0.3", "((−0.3)−1)²", "2((−0.3)−1)", "(1−0.25)·(0.5+0.25)",
    "(1.5e−5+(−2.072e−5)+0.0001)/3", "σ(0.5+0.25)", "ln(1−0.5+0.25)", "ln(0.5−0.5)",
    "(1 if 0.5−1>0, else 0)", "(0.5+0.1)²+(0.2−0.1)", "(1.0000e300+1.0000e308+1.0000e308)/2",
    "(0.0000+(−0.0000))", "(0.1+x)", "0.1+", "(2·0.5+0.5)", "0.3·(0.1+0.2)/(0.1−0.1)",
]


@pytest.mark.parametrize("numbers", SUMS)
def test_adding_up_first_changes_no_value(numbers):
    before, after = _as_python_would(numbers), shown_arithmetic(numbers)
    if before is None or after is None:
        assert before is after
    elif math.isnan(before):
        assert math.isnan(after)
    else:
        assert math.copysign(1.0, before) == math.copysign(1.0, after) and before == after


def test_every_row_of_a_small_batch_evaluates_as_before():
    rng = np.random.default_rng(11)
    for activation, cost in (("sigmoid", "squared-error"), ("tanh", "squared-error"),
                             ("relu", "squared-error"), ("sigmoid", "cross-entropy")):
        chain = Network.chain(rng.normal(0, 1, 3), rng.normal(0, 1, 3), ACTIVATIONS[activation],
                      COSTS[cost])
        bp = chain.forward(Samples(rng.uniform(-2, 2, 8), rng.uniform(0, 1, 8))).backward()
        rows = mean_rows(bp)
        for k in range(8):
            rows += F.forward_rows(bp.forward, k)
            for layer in range(1, 4):
                rows += F.backward_rows(bp, k, layer)
        for row in rows:
            if row.numbers is not None:
                before, after = _as_python_would(row.numbers), shown_arithmetic(row.numbers)
                assert before == after or (before is not None and after is not None
                                           and math.isnan(before) and math.isnan(after))


@pytest.mark.parametrize("source, inputs", [("x", 1), ("data", 1), ("data", 2)],
                         ids=["chain-x", "chain-data", "wide-data"])  # (wide --x: too long for exec)
def test_more_samples_than_trace_prints_is_one_line_and_exit_2(source, inputs, tmp_path):
    from backprop_tui.model.limits import MAX_TRACE_SAMPLES

    x, y = data(MAX_TRACE_SAMPLES + 1, inputs)
    shape = ["--shape", "2,2,1"] if inputs == 2 else []
    done = run(*shape, *source_args(source, x, y, tmp_path))
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert f"argument --{source}: {MAX_TRACE_SAMPLES + 1:,} samples" in done.stderr
    assert "train takes any number" in done.stderr


def test_as_many_samples_as_trace_prints_are_printed(tmp_path):
    from backprop_tui.model.limits import MAX_TRACE_SAMPLES

    x, y = data(MAX_TRACE_SAMPLES, 1)
    done = run("--format", "json", *source_args("data", x, y, tmp_path))
    assert done.returncode == 0, done.stderr[-500:]
    assert len(json.loads(done.stdout)["samples"]) == MAX_TRACE_SAMPLES
