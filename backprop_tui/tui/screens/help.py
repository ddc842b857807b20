"""The help screen: every key of the screen shown, and the formulas of the network on it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...model.errors import ModelError
from ...present.formulas import APPROX_NOTE, formula_lines
from ...present.keys import KEYS, Key
from ..themes import theme_groups

if TYPE_CHECKING:
    from ...model.lesson import Lesson


def help_page(keys: Iterable[Key], formulas: Callable[[], list[str]]) -> Table:
    """The keys, the themes (:mod:`~backprop_tui.tui.themes`), then the lines ``formulas``
    gives (from :mod:`backprop_tui.present`; none when the pass they need does not
    compute), then what ≈ means."""
    try:
        lines = formulas()
    except ModelError:
        lines = []
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
    page.add_row(Text("Themes", style="bold underline"))
    page.add_row(Text("--theme NAME at the start, or ctrl+p › Theme; saved with the session"))
    themes = Table.grid(padding=(0, 2))
    themes.add_column(style="bold", no_wrap=True)
    themes.add_column()
    for name, about in theme_groups():
        themes.add_row(Text(name), Text(", ".join(about)))
    page.add_row(themes)
    page.add_row("")
    page.add_row(Text("Formulas", style="bold underline"))
    page.add_row(Text("\n".join(lines)))
    page.add_row("")
    page.add_row(Text(APPROX_NOTE))
    return page


def help_text(lesson: Lesson, keys: Iterable[Key] = KEYS) -> Table:
    """``keys`` (those of the screen shown), then the formulas of the lesson's network, in
    symbols."""
    return help_page(keys, lambda: formula_lines(lesson.network.forward(lesson.samples).backward()))


class PageScreen(ModalScreen[None]):
    """A help page over the app; any of escape, ? or q closes it."""

    AUTO_FOCUS = "#help-body"
    BINDINGS = [
        Binding("escape,question_mark", "close", "close help"),
        Binding("q", "app.quit", "quit"),
    ]

    TITLE = "help · escape closes · ↑↓ scroll · q quits"

    def __init__(self, page: Callable[[], Table]) -> None:
        super().__init__()
        self._page = page

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body") as body:
            body.border_title = self.TITLE
            yield Static(self._page(), id="help-text")

    def refresh_page(self) -> None:
        """Draw the page again (what it shows changed)."""
        self.query_one("#help-text", Static).update(self._page())

    def action_close(self) -> None:
        self.dismiss(None)


def roster_table(members: Iterable[dict]) -> Table:
    """Who is in the class: each name (as text, never markup), here or away, following
    or on their own, and whether they answered the question asked."""
    grid = Table.grid(padding=(0, 2))
    for _ in range(4):
        grid.add_column(no_wrap=True)
    grid.add_row(*(Text(h, style="bold underline") for h in ("name", "here", "following",
                                                            "answered")))
    for m in sorted(members, key=lambda m: (not m.get("teacher"), str(m.get("name")))):
        grid.add_row(Text(str(m.get("name"))),
                     Text("here" if m.get("here") else "away"),
                     Text("teaching" if m.get("teacher") else
                          "following" if m.get("following") else "on their own"),
                     Text("" if m.get("teacher") else "✓ answered" if m.get("answered")
                          else "—"))
    return grid


class RosterScreen(PageScreen):
    """The teacher's list of who is in the class, kept up to date while open."""

    TITLE = "who is here · escape closes · ↑↓ scroll"
    BINDINGS = [Binding("W", "close", "close")]

    def __init__(self, members: Callable[[], Iterable[dict]]) -> None:
        super().__init__(lambda: roster_table(members()))


class HelpScreen(PageScreen):
    """The keys of the lesson's screen and the formulas of its network."""

    def __init__(self, lesson: Lesson, keys: Iterable[Key] = KEYS) -> None:
        super().__init__(lambda: help_text(lesson, keys))
        self.lesson = lesson
