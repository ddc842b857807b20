"""The slope view's cost axis: a flat curve gets a small range around its cost."""

import dataclasses
import re

import numpy as np
import pytest

from backprop_tui.model import Network, Samples, cost_slice
from backprop_tui.tui.widgets.slope_plot import flat_range, slope_figure


def cost_labels(figure: str) -> list[float]:
    """The numbers at the cost axis's ticks, top to bottom."""
    plain = re.sub(r"\x1b\[[0-9;]*m", "", figure)
    return [float(m.group(1).replace("\u2212", "-"))
            for m in re.finditer(r"^\s*([−\d.]+)┤", plain, flags=re.M)]


def flat_cut(cost: float | None):
    """The cost against w of the first layer with x = 0: flat (its own cost, or ``cost``)."""
    cut = cost_slice(Network.chain([0.5, -0.3, 0.8], [0.1, 0.2, -0.1]), Samples([0.0], [1.0]), "w", 1)
    assert np.ptp(cut.cost) == 0.0 and cut.slope == 0.0
    if cost is None:
        return cut
    same = np.full_like(cut.cost, cost)
    return dataclasses.replace(cut, cost=same, cost0=cost, tangent=same)


@pytest.mark.parametrize("cost", [None, 0.0, 3e-7, 1234.5])
def test_a_flat_curve_gets_distinct_ticks_around_its_cost_and_none_below_zero(cost):
    cut = flat_cut(cost)
    for height in (8, 14, 24):
        labels = cost_labels(slope_figure(cut, 60, height, colour=False))
        assert len(labels) >= 2 and len(set(labels)) == len(labels), labels
        assert min(labels) >= 0.0, labels
        assert min(labels) <= cut.cost0 <= max(labels), (labels, cut.cost0)
        # A small range: not C ± 1 as plotext would draw it.
        assert max(labels) - min(labels) <= max(0.1 * cut.cost0, 0.01), labels


def test_flat_range():
    assert flat_range(0.5, 0.5) == pytest.approx((0.495, 0.505))
    assert flat_range(0.0, 0.0) == (0.0, 5e-4)  # never below a cost of 0
    assert flat_range(-2.0, -2.0) == pytest.approx((-2.02, -1.98))
    assert flat_range(0.5, 0.5001) is not None  # a spread far below the size: still flat
    assert flat_range(0.1, 0.3) is None  # a curve: plotext's own ticks


def test_a_curve_keeps_plotexts_ticks():
    cut = cost_slice(Network.chain([0.5, -0.3, 0.8], [0.1, 0.2, -0.1]), Samples([0.7], [1.0]), "w", 3)
    assert flat_range(float(cut.cost.min()), float(cut.cost.max())) is None
    labels = cost_labels(slope_figure(cut, 60, 14, colour=False))
    assert len(labels) >= 2 and min(labels) <= cut.cost0 <= max(labels)
