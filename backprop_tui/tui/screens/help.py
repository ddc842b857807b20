"""The help screen: every key, and the formulas of the chain on screen."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...model import ModelError
from ...model.lesson import Lesson
from ...present.formulas import APPROX_NOTE, backward_rows, definitions, forward_rows, label, step_rows
from ..keys import KEYS, Key


def help_page(keys: Iterable[Key], formulas: list[str]) -> Table:
    """Every key with its sentence, then ``formulas`` (lines of symbols)."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    for key in keys:
        grid.add_row(Text(key.shown), Text(key.help))  # plain text: "[ ]" is a key, not markup
    page = Table.grid()
    page.add_column()
    page.add_row(Text("Keys", style="bold underline"))
    page.add_row(grid)
    page.add_row("")
    page.add_row(Text("Formulas", style="bold underline"))
    page.add_row(Text("\n".join(formulas)))
    page.add_row("")
    page.add_row(Text(APPROX_NOTE))
    return page


def help_text(lesson: Lesson) -> Table:
    """The keys, then the formulas of the lesson's chain, in symbols."""
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
    return help_page(KEYS, lines)


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
            yield Static(self.page(), id="help-text")

    def page(self) -> Table:
        """What the help shows."""
        return help_text(self.lesson)

    def action_close(self) -> None:
        self.dismiss(None)
