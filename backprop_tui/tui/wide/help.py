"""The wide screen's help: every key, then the formulas of the network on screen."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...model import ModelError
from ...present import formulas_wide as W
from ...present.formulas import APPROX_NOTE, definitions, label
from .keys import WIDE_KEYS
from .state import WideLesson


def help_text(lesson: WideLesson) -> Table:
    """The keys, then the formulas of the lesson's network, in symbols."""
    keys = Table.grid(padding=(0, 2))
    keys.add_column(style="bold", no_wrap=True)
    keys.add_column()
    for key in WIDE_KEYS:
        keys.add_row(Text(key.shown), Text(key.help))
    lines: list[str] = []
    try:
        bp = lesson.network.forward(lesson.samples).backward()
    except ModelError:
        bp = None
    if bp is not None:
        L = lesson.layers
        lines.append("Forward, input to output (x is data, not a parameter):")
        lines += ["  " + line for line in definitions(W.forward_rows(bp.forward, 0))]
        for layer in range(L, 0, -1):
            lines.append(f"Backward, layer ({label(layer, L)}), neuron 1:")
            lines += ["  " + line for line in definitions(W.neuron_rows(bp, 0, layer, 1))]
            lines += ["  " + line for line in definitions([W.sum_row(bp, 0, layer, 1)])]
        lines.append("Matrix form: δ(l) = W(l+1)ᵀ·δ(l+1) ⊙ σ'(z(l)),  ∂C/∂W(l) = δ(l)·a(l−1)ᵀ,"
                     "  ∂C/∂a(l−1) = W(l)ᵀ·δ(l)")
        lines.append("A step: every w_jk, b_j moves by −η·(the mean of its gradient over the "
                     "samples)")
    page = Table.grid()
    page.add_column()
    page.add_row(Text("Keys", style="bold underline"))
    page.add_row(keys)
    page.add_row("")
    page.add_row(Text("Formulas", style="bold underline"))
    page.add_row(Text("\n".join(lines)))
    page.add_row("")
    page.add_row(Text(APPROX_NOTE))
    return page


class WideHelpScreen(ModalScreen[None]):
    """Keys and formulas; escape or ? closes it, q quits."""

    AUTO_FOCUS = "#help-body"
    BINDINGS = [
        Binding("escape,question_mark", "close", "close help"),
        Binding("q", "app.quit", "quit"),
    ]

    def __init__(self, lesson: WideLesson) -> None:
        super().__init__()
        self.lesson = lesson

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body") as body:
            body.border_title = "help · escape closes · ↑↓ scroll · q quits"
            yield Static(help_text(self.lesson), id="help-text")

    def action_close(self) -> None:
        self.dismiss(None)
