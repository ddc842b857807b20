"""The wide screen's help: every key, then the formulas of the network on screen (the
chain's help screen with the wide screen's keys and formulas)."""

from __future__ import annotations

from rich.table import Table
from textual.screen import ModalScreen

from ...model import ModelError
from ...present import formulas_wide as W
from ...present.formulas import definitions, label
from ..screens.help import HelpScreen, help_page
from .keys import WIDE_KEYS
from .state import WideLesson


def formula_lines(lesson: WideLesson) -> list[str]:
    """The formulas of the lesson's network, in symbols, with their indices."""
    try:
        bp = lesson.network.forward(lesson.samples).backward()
    except ModelError:
        return []
    L = lesson.layers
    lines = ["Forward, input to output (x is data, not a parameter):"]
    lines += ["  " + line for line in definitions(W.forward_rows(bp.forward, 0))]
    for layer in range(L, 0, -1):
        lines.append(f"Backward, layer ({label(layer, L)}), neuron 1:")
        lines += ["  " + line for line in definitions(W.neuron_rows(bp, 0, layer, 1))]
        lines += ["  " + line for line in definitions([W.sum_row(bp, 0, layer, 1)])]
    lines.append("Matrix form: δ(l) = W(l+1)ᵀ·δ(l+1) ⊙ σ'(z(l)),  ∂C/∂W(l) = δ(l)·a(l−1)ᵀ,"
                 "  ∂C/∂a(l−1) = W(l)ᵀ·δ(l)")
    lines.append("A step: every w_jk, b_j moves by −η·(the mean of its gradient over the "
                 "samples)")
    return lines


class WideHelpScreen(HelpScreen):
    """Keys and formulas of the wide screen; escape or ? closes it, q quits."""

    def __init__(self, lesson: WideLesson) -> None:
        ModalScreen.__init__(self)
        self.wide = lesson

    def page(self) -> Table:
        return help_page(WIDE_KEYS, formula_lines(self.wide))
