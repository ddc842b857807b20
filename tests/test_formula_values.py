"""Every number next to a formula is that formula's value for the numbers shown, for a
chain and for a wider network.

Each row's plugged-in numbers are parsed back from the text and evaluated. A
shown number is rounded, so the exact inputs lie within half a unit of its last
digit; the row's exact value must lie within the range the formula takes over
that box of inputs (evaluated at its corners, with a hair of slack for formulas
that are not monotone in an input, such as a·(1−a)). The rows are every one the
presentation writes: z and a, the cost, the chain's factors of each layer, a wider
network's rows with indices (∂C/∂a_j, σ'(z_j), δ_j, ∂C/∂w_jk, ∂C/∂b_j, the terms
w_jk·σ'(z_j)·∂C/∂a_j and their sum, the matrix form), the batch means and the step.
"""

import ast
import itertools
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_tui.model import CROSS_ENTROPY, Network, Samples, trace
from backprop_tui.present import formulas as F
from backprop_tui.present.format import MINUS, fitted, number, plug

from .strategies import PAIRS, finite, networks

NUMBER = re.compile(r"\d+\.\d+(?:e-?\d+)?")


def to_python(text: str) -> str:
    """The plugged-in numbers of a row as a Python expression."""
    s = text.replace("−", "-").replace("·", "*").replace("[", "(").replace("]", ")")
    s = re.sub(r"tanh²\(([^()]*)\)", r"(tanh(\1)**2)", s)
    s = s.replace("²", "**2").replace("σ(", "sig(").replace("ReLU(", "relu(")
    s = re.sub(r"ln (\d+\.\d+(?:e-?\d+)?)", r"log(\1)", s).replace("ln(", "log(")
    s = s.replace(", else", " else")
    s = re.sub(r"(\d|\))\(", r"\1*(", s)
    return s


def half_unit(token: str) -> float:
    mantissa, _, exponent = token.partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 0.5 * 10.0 ** (-decimals) * 10.0 ** (int(exponent) if exponent else 0)


SCOPE = {"sig": lambda z: 1 / (1 + math.exp(-z)), "tanh": math.tanh, "log": math.log,
         "relu": lambda z: max(0.0, z)}


def value_range(text: str) -> tuple[float, float]:
    expr = to_python(text)
    tokens = list(NUMBER.finditer(expr))
    assert len(tokens) <= 12, text
    results = []
    for signs in itertools.product((-1, 1), repeat=len(tokens)):
        out, at = [], 0
        for sign, m in zip(signs, tokens):
            out.append(expr[at : m.start()])
            out.append(repr(float(m.group()) + sign * half_unit(m.group())))
            at = m.end()
        out.append(expr[at:])
        try:
            results.append(eval("".join(out), {"__builtins__": {}}, SCOPE))
        except (ValueError, ZeroDivisionError):  # a corner outside a function's domain
            continue
    assert results, text
    return min(results), max(results)


def check_rows(rows: list[F.Row]) -> int:
    checked = 0
    for row in rows:
        if row.numbers is None:
            continue
        low, high = value_range(row.numbers)
        slack = 1e-8 + 1e-7 * abs(row.value)
        assert low - slack <= row.value <= high + slack, (row.text(), low, high)
        checked += 1
    return checked


@st.composite
def chain_cases(draw):
    activation, cost = draw(st.sampled_from(PAIRS))
    n = draw(st.integers(1, 4))
    w = draw(st.lists(finite(-3, 3), min_size=n, max_size=n))
    b = draw(st.lists(finite(-3, 3), min_size=n, max_size=n))
    k = draw(st.integers(1, 3))
    x = draw(st.lists(finite(-2, 2), min_size=k, max_size=k))
    lo = 0 if cost is CROSS_ENTROPY else -1
    y = draw(st.lists(finite(lo, 1), min_size=k, max_size=k))
    return Network.chain(w, b, activation, cost), Samples(x, y)


SHAPES = {"chain": chain_cases(), "wide": networks(max_inputs=2, max_width=3)}
"""A chain (any depth up to 4) and a network of up to 2 inputs and 3 neurons a layer."""


def all_rows(bp, lr):
    """Every row the presentation writes for a trace and a step of ``lr``: a chain's
    factor rows, and for every shape the rows with indices (for a chain, j = k = 1)."""
    net = bp.network
    rows = []
    for s in range(len(bp.forward.samples)):
        rows += F.forward_rows(bp.forward, s)
        for layer in range(1, net.layers + 1):
            if net.is_chain:
                rows += F.backward_rows(bp, s, layer)
            for j in range(1, net.shape[layer] + 1):
                rows += F.neuron_rows(bp, s, layer, j)
            for k in range(1, net.shape[layer - 1] + 1):
                rows += F.term_rows(bp, s, layer, k) + [F.sum_row(bp, s, layer, k)]
                for j in range(1, net.shape[layer] + 1):
                    rows += F.matrix_rows(bp, s, layer, j, k)
    rows += F.mean_gradient_rows(bp)
    rows += F.step_rows(net, bp, lr, net.step(bp, lr))
    return rows


@pytest.mark.parametrize("shape", SHAPES)
@settings(max_examples=60, deadline=None)
@given(data=st.data(), lr=st.floats(0.01, 2.0))
def test_every_row_value_is_its_formula_of_the_numbers_shown(shape, data, lr):
    net, samples = data.draw(SHAPES[shape])
    assert check_rows(all_rows(trace(net, samples), lr)) >= 4 * net.layers


def test_the_check_catches_a_wrong_number():
    bp = trace(Network.chain([0.5, -0.3, 0.8], [0.1, 0.2, -0.1]), Samples([0.7], [1.0]))
    row = F.backward_rows(bp, 0, 3)[-3]  # ∂C/∂w(L)
    check_rows([row])
    wrong = F.Row(row.key, row.layer, row.symbol, row.formula, row.numbers, row.value * 1.01)
    try:
        check_rows([wrong])
    except AssertionError:
        return
    raise AssertionError("a value 1% off its formula passed the check")


def test_parsing_of_each_kind_of_formula():
    assert to_python("2(0.5753−1.0000)") == "2*(0.5753-1.0000)"
    assert to_python("1−tanh²(0.3034)") == "1-(tanh(0.3034)**2)"
    assert eval(to_python("(1 if 0.3034>0, else 0)")) == 1
    assert np.isclose(eval(to_python("−[1.0000·ln 0.5000+(1−1.0000)·ln(1−0.5000)]"),
                           {"log": math.log}), math.log(2))


def shown_result(numbers: str) -> float | None:
    """The numbers of a row evaluated exactly as shown (rounded), independently of the app."""
    try:
        return float(eval(to_python(numbers), {"__builtins__": {}}, SCOPE))
    except (ValueError, ZeroDivisionError, OverflowError):
        return None


def check_remultiplied(rows: list[F.Row]) -> int:
    """Redo every row's arithmetic with its shown numbers: it rounds to the shown value,
    or the row says ≈ (and then only then)."""
    checked = 0
    for row in rows:
        if row.numbers is None:
            assert "≈" not in row.text(), row.text()
            continue
        result = shown_result(row.numbers)
        exact = result is not None and number(result, signed=True) == row.value_text
        assert exact != row.approx, (row.text(), result)
        assert (f"≈ {row.value_text}" in row.text()) == row.approx, row.text()
        assert (f"≈ {row.value_text}" in F.aligned([row])[0]) == row.approx
        checked += 1
    return checked


@pytest.mark.parametrize("shape", SHAPES)
@settings(max_examples=60, deadline=None)
@given(data=st.data(), lr=st.floats(0.01, 2.0))
def test_the_shown_numbers_of_every_row_give_its_shown_value_or_it_says_approx(shape, data, lr):
    net, samples = data.draw(SHAPES[shape])
    assert check_remultiplied(all_rows(trace(net, samples), lr)) >= 4 * net.layers


def test_the_lecture_product_row_says_approx():
    """(−0.8495)·0.2443·0.5042 = −0.10464…, which does not round to the −0.1047 computed
    from the exact factors: the row must not claim '='."""
    bp = trace(Network.chain([0.5, -0.3, 0.8], [0.1, 0.2, -0.1]), Samples([0.7], [1.0]))
    row = next(r for r in F.backward_rows(bp, 0, 3) if r.key == "dC_dw")
    assert row.numbers == "(−0.8495)·0.2443·0.5042" and row.value_text == "−0.1047"
    assert row.approx and row.text().endswith("(−0.8495)·0.2443·0.5042 ≈ −0.1047")
    exact = next(r for r in F.backward_rows(bp, 0, 3) if r.key == "dC_da_prev")
    assert not exact.approx and " = −0.1660" in exact.text()


def test_a_number_is_shown_whole_or_not_at_all():
    for value in (-1.5e-100, 0.1804, -1234.5678, 2.5e7, -0.0001234):
        for width in range(1, 14):
            text = fitted(value, width, signed=True)
            if text is None:
                continue
            assert len(text) <= width
            parsed = float(text.replace(MINUS, "-"))
            digits = len(text.replace(MINUS, "").lstrip("+").split("e")[0].replace(".", "")
                         .lstrip("0"))
            assert math.isclose(parsed, value, rel_tol=0.51 * 10 ** (1 - digits)), (value, text)
            assert (parsed < 0) == (value < 0), (value, text)  # the sign is never lost
    assert fitted(-1.5e-100, 9) == "−1.5e−100"
    assert fitted(-1.5e-100, 8) is None


def test_a_sum_row_adds_its_terms_and_the_check_catches_a_wrong_sum():
    net = Network((2, 2, 1), [0.5, -0.4, 0.3, 0.8, 1.2, -0.7], [0.1, -0.2, 0.05])
    bp = trace(net, net.samples([[1.0, 0.0]], [[1.0]]))
    terms = F.term_rows(bp, 0, 2, 1)
    assert terms == []  # one neuron in (L): the sum is one product
    row = F.sum_row(bp, 0, 2, 1)
    assert row.formula == "w₁₁(L)·σ'(z₁(L))·∂C/∂a₁(L)"
    wide = Network((1, 2, 1), [0.5, -0.4, 1.2, -0.7], [0.1, -0.2, 0.05])
    bp = trace(wide, wide.samples([[0.8]], [[1.0]]))
    terms = F.term_rows(bp, 0, 1, 1)
    row = F.sum_row(bp, 0, 1, 1)
    assert [t.symbol for t in terms] == ["term j=1", "term j=2"]
    assert row.formula == "Σⱼ wⱼ₁(L−1)·σ'(zⱼ(L−1))·∂C/∂aⱼ(L−1)"
    assert row.numbers == "+".join(plug(t.value) for t in terms)
    check_rows(terms + [row])
    wrong = F.Row(row.key, row.layer, row.symbol, row.formula, row.numbers,
                  row.value + 2 * abs(terms[0].value))
    try:
        check_rows([wrong])
    except AssertionError:
        return
    raise AssertionError("a sum off by a term passed the check")


@settings(max_examples=40, deadline=None)
@given(networks(max_inputs=3, max_width=3))
def test_the_matrix_form_gives_the_sums_term_by_term(case):
    """δ(l) = W(l+1)ᵀ·δ(l+1) ⊙ σ'(z(l)) and W(l)ᵀ·δ(l) as shown: each vector is the rows'
    values, and the entry of W(l)ᵀ·δ(l) is the Σ row's value (the same sum)."""
    net, samples = case
    bp = trace(net, samples)
    for s in range(len(samples)):
        for layer in range(1, net.layers + 1):
            delta, below = F.matrix_lines(bp, s, layer)
            for k in range(1, net.shape[layer - 1] + 1):
                for j in range(1, net.shape[layer] + 1):
                    d_row, w_row, sum_row = F.matrix_rows(bp, s, layer, j, k)
                    assert d_row.value == delta.values[j - 1]
                    assert w_row.value == float(bp.dC_dw[layer - 1][s, j - 1, k - 1])
                    assert sum_row.value == below.values[k - 1]
                    assert sum_row.value == F.sum_row(bp, s, layer, k).value
                    assert sum_row.symbol == F.sum_row(bp, s, layer, k).symbol
            # The vectors' numbers as shown, multiplied out, give the values shown (within
            # what rounding each shown number to 4 significant digits can change).
            matrix, vector = (parse_numbers(part) for part in below.numbers.split("ᵀ·"))
            product = matrix.T @ vector
            slack = (np.abs(matrix).T @ np.abs(vector)) * 1e-3 + 1e-4 * (
                np.abs(matrix).sum(axis=0) + np.abs(vector).sum()) + 1e-9
            assert (np.abs(product - np.array(below.values)) <= slack).all(), below.text()


def parse_numbers(text):
    """[[0.2200, (−0.8100)], …] as shown → an array."""
    return np.array(ast.literal_eval(text.replace("−", "-").replace("(", "").replace(")", "")))
