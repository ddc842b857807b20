"""The tables of backprop_tui.present as data: every cell is the value it names, and the
text and Markdown renderers draw the same cells."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_tui.model import SIGMOID, SQUARED_ERROR, TANH, Network, Samples
from backprop_tui.model.numbers import parse_number
from backprop_tui.present.format import BLANK, fixed, short, with_minus
from backprop_tui.present.formulas import (
    definitions,
    formula_lines,
    label,
    parameter_name,
    step_rows,
)
from backprop_tui.present.markdown import markdown_escape, markdown_grid
from backprop_tui.present.tables import (
    VANISHING_BAR,
    batch_table,
    factor_grid,
    gradient_table,
    vanishing_table,
)
from backprop_tui.present.text import text_lines

from .strategies import chains, samples


def close(cell: str, exact: float) -> bool:
    """A cell (4 decimals, or at least 4 significant digits) shows ``exact`` rounded."""
    return abs(parse_number(cell) - exact) <= 5e-5 + 5e-4 * abs(exact)


def mean_cost(w, b, chain: Network, data: Samples) -> float:
    return Network.chain(w, b, chain.activation, chain.cost).forward(data).mean_cost


def nudged(chain: Network, data: Samples, which: str, i: int, eps: float = 1e-6) -> float:
    """∂C/∂w or ∂C/∂b of the batch-mean cost by a central difference (no backward pass)."""
    w, b = list(map(float, chain.flat_w)), list(map(float, chain.flat_b))
    params = w if which == "w" else b
    params[i] += eps
    up = mean_cost(w, b, chain, data)
    params[i] -= 2 * eps
    down = mean_cost(w, b, chain, data)
    return (up - down) / (2 * eps)


@settings(max_examples=40, deadline=None)
@given(chains(max_layers=4), samples(min_size=2, max_size=4, y_low=0, y_high=1))
def test_the_gradient_table_shows_each_samples_numbers_and_the_nudged_mean(chain, data):
    bp = chain.forward(data).backward()
    table = gradient_table(bp)
    n = chain.layers
    assert len(table.rows) == len(data) + 1 and all(len(r) == len(table.head) for r in table.rows)
    for k, row in enumerate(table.rows[:-1]):
        assert row[0] == str(k + 1)
        assert close(row[1], data.x[k]) and close(row[2], data.y[k])
        single = Samples([data.x[k]], [data.y[k]])
        assert close(row[4], chain.forward(single).mean_cost)
    mean = table.rows[-1]
    assert mean[0] == "mean" and close(mean[4], chain.forward(data).mean_cost)
    for column, l in enumerate(range(n, 0, -1)):
        assert table.head[5 + 2 * column: 7 + 2 * column] == [f"∂C/∂w({label(l, n)})",
                                                              f"∂C/∂b({label(l, n)})"]
        assert close(mean[5 + 2 * column], nudged(chain, data, "w", l - 1))
        assert close(mean[6 + 2 * column], nudged(chain, data, "b", l - 1))


def test_the_batch_table_before_any_pass_has_blanks_and_only_the_rows_asked():
    chain = Network.chain([0.5, -1.0, 2.0], [0.1, 0.0, -0.3], SIGMOID, SQUARED_ERROR)
    data = Samples([0.1, 0.2, 0.3, 0.4], [0.0, 1.0, 0.5, 0.2])
    table = batch_table(data, chain, shown=[2], rows=range(1, 3))
    assert table.head == ["sample", "x", "y", "a(L)", "C", "∂C/∂w(L−1)", "∂C/∂b(L−1)"]
    assert [r[0] for r in table.rows] == ["2", "3", "mean"]
    assert table.rows[0][1:3] == ["0.2000", "1.0000"]
    assert all(cell == BLANK for row in table.rows[:-1] for cell in row[3:])
    assert table.rows[-1] == ["mean", "", "", "", BLANK, BLANK, BLANK]


@pytest.mark.parametrize("activation, bound", [(SIGMOID, 0.25), (TANH, 1.0)])
def test_the_vanishing_table_multiplies_the_derivatives_from_the_output_down(activation, bound):
    w = [1.5, -0.7, 2.0, 0.4, -1.1]
    chain = Network.chain(w, [0.2] * 5, activation, SQUARED_ERROR)
    data = Samples([0.3, -0.6], [0.9, 0.1])
    bp = chain.forward(data).backward()
    table = vanishing_table(bp)
    assert [r[0] for r in table.rows] == ["(L)", "(L−1)", "(L−2)", "(L−3)", "(L−4)"]
    for row in table.rows:
        k = int(row[1])
        layer = chain.layers - k + 1
        products = [math.prod(float(bp.column("da_dz")[s, i]) for i in range(layer - 1, chain.layers))
                    for s in range(len(data))]
        assert close(row[4], float(np.mean(products)))
        assert close(row[6], bound ** k)
        assert close(row[2], abs(nudged(chain, data, "w", layer - 1)))
        assert len(row[3]) == len(row[5]) == VANISHING_BAR
    assert table.notes[1].startswith("bars: log scale")
    lines = text_lines(table, right=False)
    assert len(lines) == 1 + chain.layers and all(line == line.rstrip() for line in lines)


@settings(max_examples=30, deadline=None)
@given(chains(max_layers=5), samples(max_size=3), st.data())
def test_the_factor_grid_holds_every_layers_factors(chain, data, draw):
    bp = chain.forward(data).backward()
    sample = draw.draw(st.integers(0, len(data) - 1))
    grid = factor_grid(bp, sample)
    assert len(grid.head) == chain.layers + 1
    names = ["dC_da", "da_dz", "dz_dw", "dz_da_prev", "dC_dw", "dC_db", "dC_da_prev"]
    for name, row in zip(names, grid.rows):
        for column, l in enumerate(range(chain.layers, 0, -1), start=1):
            assert close(row[column], float(bp.column(name)[sample, l - 1]))


def test_text_and_markdown_draw_the_same_cells():
    chain = Network.chain([0.5, -1.0], [0.1, 0.0], SIGMOID, SQUARED_ERROR)
    bp = chain.forward(Samples([0.1, 0.9, 0.4], [0.0, 1.0, 1.0])).backward()
    table = gradient_table(bp)
    text = text_lines(table)
    markdown = markdown_grid(table)
    assert len(markdown) == len(text) + 1  # the Markdown separator line
    for cells, line, md in zip([table.head] + table.rows, text, [markdown[0]] + markdown[2:]):
        assert line.split() == [c for c in cells if c]
        assert md == "| " + " | ".join(markdown_escape(c) for c in cells) + " |"


def test_the_help_writes_the_step_a_real_step_would_show():
    chain = Network.chain([0.5, -1.0, 0.3], [0.1, 0.0, 0.2], SIGMOID, SQUARED_ERROR)
    bp = chain.forward(Samples([0.4], [1.0])).backward()
    lines = formula_lines(bp)
    step = definitions(step_rows(chain, bp, 0.5, chain.step(bp, 0.5)))[:2]
    assert lines[-2:] == ["  " + line for line in step]
    assert lines[-3] == "Step, with the batch-mean gradient:"


def test_short_and_fixed_numbers_use_the_minus_sign():
    assert short(-0.0) == "0" and short(0.0) == "0"
    assert short(-1.5e-5) == "−1.5e−05"
    assert short(-0.123456, 4) == "−0.1235"
    assert fixed(-1.5, 2) == "−1.50" and fixed(2.25, 1) == "2.2"
    assert with_minus("1e-3") == "1e−3"


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([(2, 2, 1), (2, 3, 2), (3, 4, 2, 1)]),
       st.integers(1, 6), st.data())
def test_a_wide_networks_batch_table_is_the_selected_neurons_gradients(seed, shape, n, data):
    """Each sample's ∂C/∂w_jk(l) and ∂C/∂b_j(l) of the selected neuron, and their mean,
    against central differences of the cost (the mean) and of each sample's own cost."""
    rng = np.random.default_rng(seed)
    sizes = [shape[0] * shape[1]] + [a * b for a, b in zip(shape[1:], shape[2:])]
    net = Network(shape, rng.uniform(-1.5, 1.5, sum(sizes)), rng.uniform(-1, 1, sum(shape[1:])))
    x, y = rng.integers(0, 2, (n, shape[0])).astype(float), rng.uniform(0, 1, (n, shape[-1]))
    samples = net.samples(x, y)
    layer = data.draw(st.integers(1, len(shape) - 1))
    j = data.draw(st.integers(1, shape[layer]))
    k = data.draw(st.integers(1, shape[layer - 1]))
    fwd = net.forward(samples)
    table = batch_table(samples, net, fwd, fwd.backward(), [layer], neuron=j, weight=k)
    assert table.head == ["sample", "x", "y", "C", f"∂C/∂{parameter_name(net, 'w', layer, j, k)}",
                          f"∂C/∂{parameter_name(net, 'b', layer, j)}"]
    i_w = net.parameter_index("w", layer, j, k)
    i_b = net.parameter_index("b", layer, j)
    eps = 1e-6

    def costs(which: str, i: int, delta: float) -> np.ndarray:
        w, b = net.flat_w.copy(), net.flat_b.copy()
        (w if which == "w" else b)[i] += delta
        return net.with_params(w, b).forward(samples).cost

    for which, i, column in (("w", i_w, 4), ("b", i_b, 5)):
        per_sample = (costs(which, i, eps) - costs(which, i, -eps)) / (2 * eps)
        for row, value in zip(table.rows[:-1], per_sample):
            assert close(row[column], value)
        assert close(table.rows[-1][column], float(per_sample.mean()))
    for row, xs, ys, c in zip(table.rows[:-1], x, y, fwd.cost):
        assert [parse_number(v) for v in row[1].split(":")] == list(xs[:3])
        assert all(close(v, t) for v, t in zip(row[2].split(":"), ys[:3], strict=True))
        assert close(row[3], float(c))
