"""Every number next to a wide network's formula is that formula's value for the numbers shown.

The same check as ``test_formula_values`` (the plugged-in numbers parsed back
and evaluated over the box their rounding leaves), for the rows with indices:
z_j, a_j, C summed over the outputs, ∂C/∂a_j, σ'(z_j), δ_j, ∂C/∂w_jk, ∂C/∂b_j,
the terms w_jk·σ'(z_j)·∂C/∂a_j and their sum, the batch means and the step.
"""

import ast

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_tui.model.network import Network, trace
from backprop_tui.present import formulas as F
from backprop_tui.present import formulas as W
from backprop_tui.present.format import plug

from .test_formula_values import check_remultiplied, check_rows
from .test_network import networks


def all_rows(bp, lr):
    net = bp.network
    rows = []
    for s in range(len(bp.forward.samples)):
        rows += W.forward_rows(bp.forward, s)
        for layer in range(1, net.layers + 1):
            for j in range(1, net.shape[layer] + 1):
                rows += W.neuron_rows(bp, s, layer, j)
            for k in range(1, net.shape[layer - 1] + 1):
                rows += W.term_rows(bp, s, layer, k) + [W.sum_row(bp, s, layer, k)]
                for j in range(1, net.shape[layer] + 1):
                    rows += W.matrix_rows(bp, s, layer, j, k)
    rows += W.mean_gradient_rows(bp)
    rows += W.step_rows(net, bp, lr, net.step(bp, lr))
    return rows


@settings(max_examples=60, deadline=None)
@given(networks(max_inputs=2, max_width=3), st.floats(0.01, 2.0))
def test_every_wide_row_value_is_its_formula_of_the_numbers_shown(case, lr):
    net, samples = case
    rows = all_rows(trace(net, samples), lr)
    assert check_rows(rows) >= 4 * net.layers


@settings(max_examples=60, deadline=None)
@given(networks(max_inputs=2, max_width=3), st.floats(0.01, 2.0))
def test_wide_rows_say_approx_exactly_when_the_rounded_numbers_miss(case, lr):
    net, samples = case
    assert check_remultiplied(all_rows(trace(net, samples), lr)) >= 4 * net.layers


def test_a_sum_row_adds_its_terms_and_the_check_catches_a_wrong_sum():
    net = Network((2, 2, 1), [0.5, -0.4, 0.3, 0.8, 1.2, -0.7], [0.1, -0.2, 0.05])
    bp = trace(net, net.samples([[1.0, 0.0]], [[1.0]]))
    terms = W.term_rows(bp, 0, 2, 1)
    assert terms == []  # one neuron in (L): the sum is one product
    row = W.sum_row(bp, 0, 2, 1)
    assert row.formula == "w₁₁(L)·σ'(z₁(L))·∂C/∂a₁(L)"
    wide = Network((1, 2, 1), [0.5, -0.4, 1.2, -0.7], [0.1, -0.2, 0.05])
    bp = trace(wide, wide.samples([[0.8]], [[1.0]]))
    terms = W.term_rows(bp, 0, 1, 1)
    row = W.sum_row(bp, 0, 1, 1)
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
            delta, below = W.matrix_lines(bp, s, layer)
            for k in range(1, net.shape[layer - 1] + 1):
                for j in range(1, net.shape[layer] + 1):
                    d_row, w_row, sum_row = W.matrix_rows(bp, s, layer, j, k)
                    assert d_row.value == delta.values[j - 1]
                    assert w_row.value == float(bp.dC_dw[layer - 1][s, j - 1, k - 1])
                    assert sum_row.value == below.values[k - 1]
                    assert sum_row.value == W.sum_row(bp, s, layer, k).value
                    assert sum_row.symbol == W.sum_row(bp, s, layer, k).symbol
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
