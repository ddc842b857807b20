"""The widgets mounted when first shown: the teaching views, the quiz bar, and the loss
curve and batch table where they are hidden at the start.

None of them is on the first screen, so neither they nor their modules are made
before it (a quicker first frame): each :class:`Later` names a widget's id and
container, and makes the widget, importing its module then. The app mounts it in
its place (:data:`ORDER`) with :meth:`~backprop_tui.tui.network_screen.NetworkScreen.needed`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Generic, TypeVar, cast

from textual.widget import Widget

if TYPE_CHECKING:
    from ..model.lesson import Lesson
    from .widgets.batch_table import BatchTable
    from .widgets.decision import DecisionView
    from .widgets.graph_view import GraphView
    from .widgets.loss_plot import LossPlot
    from .widgets.nudge import NudgeView
    from .widgets.quiz import QuizBar
    from .widgets.slope_plot import SlopePlot
    from .widgets.vanishing import Vanishing

W = TypeVar("W", bound=Widget)

ORDER: dict[str, tuple[str, ...]] = {
    "main": ("chain", "top", "sample-line", "narration", "message", "nudge", "quiz", "lower"),
    "lower": ("derivation", "vanishing", "graph", "bottom"),
    "bottom": ("loss", "slope", "decision", "batch"),
}
"""The ids of the widgets in each container, in order: a widget mounted later goes
before the first of those after it that is already there."""


class Later(Generic[W]):
    """A widget mounted when first needed: its id, its container, and its class (by module
    and name, imported when the first one is made)."""

    __slots__ = ("id", "container", "module", "name", "of_lesson")

    def __init__(self, ident: str, container: str, module: str, name: str,
                 of_lesson: bool = True) -> None:
        assert ident in ORDER[container]
        self.id = ident
        self.container = container
        self.module = module
        """The module of its class, relative to this package (``.widgets.nudge``)."""
        self.name = name
        self.of_lesson = of_lesson
        """Whether the widget is made for a lesson (else it is given its numbers later)."""

    def make(self, lesson: Lesson) -> W:
        """The widget, with this id."""
        kind = getattr(importlib.import_module(self.module, __package__), self.name)
        return cast(W, kind(lesson, id=self.id) if self.of_lesson else kind(id=self.id))

    def __repr__(self) -> str:
        return f"Later({self.id!r})"


NUDGE: Later[NudgeView] = Later("nudge", "main", ".widgets.nudge", "NudgeView", of_lesson=False)
QUIZ: Later[QuizBar] = Later("quiz", "main", ".widgets.quiz", "QuizBar", of_lesson=False)
VANISHING: Later[Vanishing] = Later("vanishing", "lower", ".widgets.vanishing", "Vanishing")
GRAPH: Later[GraphView] = Later("graph", "lower", ".widgets.graph_view", "GraphView")
LOSS: Later[LossPlot] = Later("loss", "bottom", ".widgets.loss_plot", "LossPlot")
SLOPE: Later[SlopePlot] = Later("slope", "bottom", ".widgets.slope_plot", "SlopePlot")
BATCH: Later[BatchTable] = Later("batch", "bottom", ".widgets.batch_table", "BatchTable")
DECISION: Later[DecisionView] = Later("decision", "bottom", ".widgets.decision", "DecisionView",
                                      of_lesson=False)

LATER: tuple[Later, ...] = (NUDGE, QUIZ, VANISHING, GRAPH, LOSS, SLOPE, BATCH, DECISION)


def import_all() -> None:
    """Import every later widget's module now (the ssh server's warm process does, once for
    all its visitors)."""
    for later in LATER:
        importlib.import_module(later.module, __package__)
