"""The widgets draw the tables of backprop_tui.present: the same cells, no text taken apart."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from backprop_tui.present.tables import batch_table, vanishing_table
from backprop_tui.tui.widgets.vanishing import Vanishing

from .helpers import app_for, lecture, ten_layers, text_of


class VanishingOnly(App):
    """The vanishing view alone, ``height`` lines tall (border included)."""

    def __init__(self, height: int) -> None:
        super().__init__()
        self.lesson = ten_layers()
        self.height = height

    def compose(self) -> ComposeResult:
        view = Vanishing(self.lesson, id="vanishing")
        view.styles.height = self.height
        view.styles.border = ("round", "white")
        yield view


@pytest.mark.parametrize("height", [5, 8, 12, 13, 14, 15, 20])
async def test_the_vanishing_view_draws_the_tables_rows_and_counts_those_left_out(height):
    app = VanishingOnly(height)
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.query_one(Vanishing)
        view.show()
        await pilot.pause()
        table = vanishing_table(app.lesson.current_trace())
        assert view.border_title == table.title
        lines = text_of(view).rstrip("\n").splitlines()
        assert len(lines) <= height - 2
        shown = [row for row in table.rows if any(line.split() == row_words(row)
                                                  for line in lines)]
        assert shown == table.rows[:len(shown)]  # output layer first, none skipped
        assert row_words(table.head) in [line.split() for line in lines]
        left_out = [line for line in lines if "more layers below" in line]
        if len(shown) < len(table.rows):
            assert left_out == [f"… {len(table.rows) - len(shown)} more layers below: "
                                "a taller terminal shows them"]
            assert len(lines) == height - 2  # no line wasted while rows are left out
        else:
            assert not left_out
        notes = [note for note in table.notes if note in lines]
        assert notes == table.notes[:len(notes)]  # the law stays longest
        if height >= 2 + len(table.notes) + 1 + len(table.rows):
            assert lines[:len(table.notes)] == table.notes and len(shown) == len(table.rows)


def row_words(row: list[str]) -> list[str]:
    return " ".join(row).split()


async def test_the_batch_table_draws_the_cells_of_present():
    app = app_for(lecture(x=[0.1, 0.5, 0.9], y=[0.2, 0.8, 0.4]))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f", "b")
        widget = app.query_one("BatchTable")
        lesson = app.lesson
        cells = batch_table(lesson.samples, lesson.network, widget.fwd, widget.bp,
                            widget.layers_shown())
        lines = [line.replace("▸", " ").split() for line in text_of(widget).splitlines()]
        for row in cells.rows:
            assert [c for c in row if c] in lines
