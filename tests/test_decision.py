"""The output of a two-input network over the (x1, x2) square, and its accuracy.

Every grid value is checked against a plain-Python forward pass at the cell's
centre, worked out here from the bounds; small cases are checked by hand.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_tui.model import RELU, SIGMOID, TANH, ModelError
from backprop_tui.model.decision import (
    Accuracy,
    Bounds,
    accuracy,
    bounds,
    decision_grid,
)
from backprop_tui.model.network import Network, Samples, weight_count, xor_samples

from .strategies import finite
from .test_model import plain_forward


def nested(net: Network):
    """w[l][j][k] and b[l][j] as lists, for the plain forward."""
    return [w.tolist() for w in net.w], [b.tolist() for b in net.b]


@st.composite
def two_input_networks(draw):
    activation = draw(st.sampled_from([SIGMOID, TANH, RELU]))
    hidden = draw(st.lists(st.integers(1, 4), min_size=0, max_size=2))
    shape = (2, *hidden, draw(st.integers(1, 3)))
    w = draw(st.lists(finite(-3, 3), min_size=weight_count(shape), max_size=weight_count(shape)))
    b = draw(st.lists(finite(-3, 3), min_size=sum(shape[1:]), max_size=sum(shape[1:])))
    return Network(shape, w, b, activation)


@settings(max_examples=60, deadline=None)
@given(two_input_networks(), st.integers(1, 9), st.integers(1, 9),
       st.tuples(finite(-3, 0.9), finite(0.1, 3), finite(-3, 0.9), finite(0.1, 3)),
       st.data())
def test_every_cell_is_the_forward_pass_at_its_centre(net, columns, rows, box, data):
    lo1, w1, lo2, w2 = box
    square = Bounds(lo1, lo1 + w1, lo2, lo2 + w2)
    grid = decision_grid(net, columns, rows, square)
    assert grid.values.shape == (rows, columns, net.outputs)
    w, b = nested(net)
    for _ in range(5):
        r = data.draw(st.integers(0, rows - 1))
        c = data.draw(st.integers(0, columns - 1))
        x1 = square.x1_low + (c + 0.5) * w1 / columns
        x2 = square.x2_high - (r + 0.5) * w2 / rows  # row 0 at the top
        expected = plain_forward(net.shape, w, b, net.activation.name, [x1, x2])[1][-1]
        for j, value in enumerate(expected):
            assert math.isclose(grid.values[r, c, j], value, rel_tol=1e-9, abs_tol=1e-12)


def step_at_half() -> Network:
    """σ(10·x1 − 5): above 0.5 exactly where x1 > 0.5, whatever x2."""
    return Network((2, 1), [10.0, 0.0], [-5.0])


def test_a_step_in_x1_by_hand():
    grid = decision_grid(step_at_half(), 4, 2)
    assert grid.bounds == (0.0, 1.0, 0.0, 1.0)
    centres = [0.125, 0.375, 0.625, 0.875]
    for r in range(2):
        for c, x1 in enumerate(centres):
            z = 10 * x1 - 5
            assert grid.values[r, c, 0] == pytest.approx(1 / (1 + math.exp(-z)), rel=1e-12)
    assert ((grid.values[:, :, 0] > 0.5) == [[False, False, True, True]] * 2).all()


def test_rows_go_down_from_the_top():
    """Output a = relu(x2): row 0 (top) holds the highest x2, the last row the lowest."""
    grid = decision_grid(Network((2, 1), [0.0, 1.0], [0.0], RELU), 1, 4)
    assert grid.values[:, 0, 0].tolist() == pytest.approx([0.875, 0.625, 0.375, 0.125])


def test_bounds_widen_the_unit_square_to_every_sample():
    assert bounds() == (0.0, 1.0, 0.0, 1.0)
    assert bounds(xor_samples()) == (0.0, 1.0, 0.0, 1.0)
    inside = Samples([[0.2, 0.3]], [[1.0]], inputs=2)
    assert bounds(inside) == (0.0, 1.0, 0.0, 1.0)
    wide = Samples([[-1.0, 0.5], [0.5, 3.0], [2.0, -0.25]], [[0.0]] * 3, inputs=2)
    assert bounds(wide) == (-1.0, 2.0, -0.25, 3.0)


def test_cells_of_points():
    grid = decision_grid(step_at_half(), 4, 6)
    assert grid.cell(0.0, 0.0) == (5, 0)  # bottom left
    assert grid.cell(1.0, 1.0) == (0, 3)  # the top right edge belongs to the last cells
    assert grid.cell(0.0, 1.0) == (0, 0)
    assert grid.cell(0.3, 0.5) == (2, 1)  # x2 = 0.5 starts the fourth cell from the bottom
    assert grid.cell(0.74, 0.49) == (3, 2)


def test_refusals():
    with pytest.raises(ModelError, match="needs 2 inputs"):
        decision_grid(Network((3, 1), [1.0, 1.0, 1.0], [0.0]), 4, 4)
    with pytest.raises(ModelError, match="columns"):
        decision_grid(step_at_half(), 0, 4)
    with pytest.raises(ModelError, match="bounds"):
        decision_grid(step_at_half(), 4, 4, (1.0, 1.0, 0.0, 1.0))
    with pytest.raises(ModelError, match="needs 2 inputs"):
        bounds(Samples([0.5], [1.0]))


def xor_solved() -> Network:
    """OR and NAND in the hidden layer, AND at the output: XOR."""
    return Network((2, 2, 1), [20.0, 20.0, -20.0, -20.0, 20.0, 20.0], [-10.0, 30.0, -30.0])


def test_accuracy_by_hand():
    xor = xor_samples()
    assert accuracy(xor_solved(), xor) == Accuracy(4, 4)
    # every output σ(0) = 0.5 reads as 1: right for the two targets 1
    zeros = Network((2, 2, 1), [0.0] * 6, [0.0] * 3)
    result = accuracy(zeros, xor)
    assert result == (2, 4) and result.fraction == 0.5 and str(result) == "2/4"
    # the opposite network is wrong everywhere
    negated = Network((2, 2, 1), xor_solved().flat_w * [1, 1, 1, 1, -1, -1],
                      xor_solved().flat_b * [1, 1, -1])
    assert accuracy(negated, xor) == (0, 4)


def test_accuracy_with_several_outputs_needs_every_output_right():
    """Outputs σ(10·x1 − 5) and σ(10·x2 − 5): x1 > 0.5 and x2 > 0.5, read separately."""
    net = Network((2, 2), [10.0, 0.0, 0.0, 10.0], [-5.0, -5.0])
    x = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    right = Samples(x, [[0, 0], [1, 0], [0, 1], [1, 1]], inputs=2, outputs=2)
    assert accuracy(net, right) == (4, 4)
    one_wrong = Samples(x, [[0, 0], [1, 1], [1, 1], [1, 1]], inputs=2, outputs=2)
    assert accuracy(net, one_wrong) == (2, 4)


def test_no_accuracy_for_targets_other_than_0_and_1():
    samples = Samples([[0.0, 0.0], [1.0, 1.0]], [[0.0], [0.7]], inputs=2)
    assert accuracy(xor_solved(), samples) is None


def test_the_grid_is_one_forward_pass_over_every_cell():
    """A big grid equals the network's own forward pass over the same points."""
    net = xor_solved()
    grid = decision_grid(net, 40, 30, (-1.0, 2.0, -0.5, 1.5))
    x1 = -1.0 + (np.arange(40) + 0.5) * 3.0 / 40
    x2 = 1.5 - (np.arange(30) + 0.5) * 2.0 / 30
    points = np.array([[a, b] for b in x2 for a in x1])
    samples = Samples(points, np.zeros((len(points), 1)), inputs=2)
    expected = net.forward(samples).a[-1].reshape(30, 40, 1)
    assert np.allclose(grid.values, expected, rtol=1e-12, atol=0)
