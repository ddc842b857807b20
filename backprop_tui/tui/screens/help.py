"""The help screen: every key, and the formulas of the chain on screen."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...model import ModelError
from ...model.lesson import Lesson
from ...present.formulas import APPROX_NOTE, formula_lines
from ..keys import KEYS


def help_text(lesson: Lesson) -> Table:
    """The keys, then the formulas of the lesson's chain, in symbols."""
    keys = Table.grid(padding=(0, 2))
    keys.add_column(style="bold", no_wrap=True)
    keys.add_column()
    for key in KEYS:
        keys.add_row(Text(key.shown), Text(key.help))  # plain text: "[ ]" is a key, not markup
    try:
        lines = formula_lines(lesson.chain.forward(lesson.samples).backward())
    except ModelError:
        lines = []
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
