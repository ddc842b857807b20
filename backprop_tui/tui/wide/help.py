"""The wide screen's help: every key, then the formulas of the network on screen."""

from __future__ import annotations

from rich.table import Table

from ...model.lesson import Lesson
from ...present.formulas import formula_lines
from ..screens.help import PageScreen, help_page
from .keys import WIDE_KEYS


def help_text(lesson: Lesson) -> Table:
    """The keys, then the formulas of the lesson's network, in symbols."""
    return help_page(WIDE_KEYS,
                     lambda: formula_lines(lesson.network.forward(lesson.samples).backward()))


class WideHelpScreen(PageScreen):
    """Keys and formulas of the network; escape or ? closes it, q quits."""

    def __init__(self, lesson: Lesson) -> None:
        super().__init__(lambda: help_text(lesson))
        self.lesson = lesson
