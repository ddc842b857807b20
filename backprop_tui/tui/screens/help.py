"""The help screen: every key, and the formulas of the chain on screen."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...formulas import (
    APPROX_NOTE,
    NUDGE_FORMULA,
    backward_rows,
    definitions,
    forward_rows,
    label,
    step_rows,
)
from ...model import ModelError
from ...model.lesson import Lesson

KEY_HELP: tuple[tuple[str, str], ...] = (
    ("f", "forward pass: z, a of every neuron and the cost C (per sample and mean)"),
    ("b", "backward pass: every chain-rule factor, output layer first; "
          "b again: the next layer down"),
    ("s", "update step: every w, b moves by −η·(batch-mean gradient); old → new"),
    ("space", "the next phase: forward → backward, layer by layer → step → forward …"),
    ("t", "start / stop training on batches; the loss curve grows"),
    ("+ / −", "train faster / slower (from single steps to thousands a second)"),
    ("r", "reset to the start values; clears the loss history"),
    ("l", "load the built-in dataset: 8 samples, x in [0, 1], y = 1 when x > 0.5"),
    ("a / d", "add a sample / delete the sample shown"),
    ("n / p", "show the next / previous sample"),
    ("[ / ]", "show the layer nearer the input / nearer the output"),
    ("v", "at small sizes: switch between the derivation and the loss & batch"),
    ("↑ / ↓", "scroll the derivation when it does not fit"),
    ("tab, shift+tab", "move between the fields w, b, x, y, η"),
    ("enter / escape", "apply / cancel an edit and leave the field"),
    ("ctrl+s", "save the session: to the --session file, else backprop-session.json here"),
    ("m", "write the current trace as a Markdown handout (backprop-handout-N.md here)"),
    ("i", "save a screenshot of the screen as SVG (backprop-screenshot-N.svg here)"),
    ("ctrl+p", "commands: save session (as…), load CSV data, write handout, screenshot"),
    # -- teaching
    ("e", f"nudge check: the selected parameter θ ± ε, {NUDGE_FORMULA} beside the "
          "chain rule's ∂C/∂θ and their relative difference; e again hides it"),
    ("E", "nudge with ε ten times smaller (1e−1 … 1e−10, then round again)"),
    ("c", "select w or b of the layer shown, for the nudge and the slope view"),
    ("g", "plot area: loss curve → C against the selected parameter with its tangent "
          "(slope ∂C/∂θ) → the fit, a(L) against x with the samples → …"),
    ("u / U", "undo / redo: phases, steps, edits, switches and training runs "
              "(200 back), the loss curve with them"),
    ("z", "quiz on/off (--quiz starts in it): in the backward pass the next factor is "
          "hidden; type its value and enter (accepted within 1%, or 1e−6 near 0); "
          "enter on an empty answer reveals it; escape leaves the answer field"),
    ("o", "next activation: sigmoid → tanh → ReLU (refused when the cost cannot take it)"),
    ("k", "next cost: squared error ↔ cross-entropy (needs sigmoid and targets in [0, 1])"),
    ("h", "vanishing gradient: per layer |∂C/∂w| and the product of the activation "
          "derivatives on a log scale; h again: the derivation"),
    ("?", "this help (escape or ? closes it)"),
    ("q, ctrl+c", "quit"),
)
"""Every key of the app and what it does."""


def help_text(lesson: Lesson) -> Table:
    """The keys, then the formulas of the lesson's chain, in symbols."""
    keys = Table.grid(padding=(0, 2))
    keys.add_column(style="bold", no_wrap=True)
    keys.add_column()
    for key, what in KEY_HELP:
        keys.add_row(Text(key), Text(what))  # plain text: "[ / ]" is a key, not markup
    lines: list[str] = []
    try:
        bp = lesson.chain.forward(lesson.samples).backward()
    except ModelError:
        bp = None
    if bp is not None:
        n = lesson.layers
        lines.append("Forward, input to output (x is data, not a parameter):")
        lines += ["  " + line for line in definitions(forward_rows(bp.forward, 0))]
        for layer in sorted({n, n - 1} - {0}, reverse=True):
            lines.append(f"Backward, layer ({label(layer, n)}):")
            lines += ["  " + line for line in definitions(backward_rows(bp, 0, layer))]
        lines.append("Step, with the batch-mean gradient:")
        new = lesson.chain
        lines += ["  " + line for line in definitions(step_rows(lesson.chain, bp, lesson.lr, new))[:2]]
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


class HelpScreen(ModalScreen[None]):
    """Keys and formulas; any of escape, ? or q closes it."""

    AUTO_FOCUS = "#help-body"
    BINDINGS = [
        Binding("escape,question_mark", "close", "close help"),
        Binding("q", "app.quit", "quit"),
    ]

    def __init__(self, lesson: Lesson) -> None:
        super().__init__()
        self.lesson = lesson

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body") as body:
            body.border_title = "help · escape closes · ↑↓ scroll · q quits"
            yield Static(help_text(self.lesson), id="help-text")

    def action_close(self) -> None:
        self.dismiss(None)
