"""The widgets mounted when first shown: the teaching views, the quiz bar, and the loss
curve and batch table where they are hidden at the start.

None of them is on the first screen, so neither they nor their modules are made
before it (a quicker first frame): each :class:`Later` names a widget's id and
container, and makes the widget, importing its module then. The app mounts it in
its place (:data:`ORDER`) with :meth:`~backprop_tui.tui.app.BackpropApp.needed`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from textual.widget import Widget

if TYPE_CHECKING:
    from ..model.lesson import Lesson
    from .widgets.batch_table import BatchTable
    from .widgets.loss_plot import LossPlot
    from .widgets.nudge import NudgeView
    from .widgets.quiz import QuizBar
    from .widgets.slope_plot import SlopePlot
    from .widgets.vanishing import Vanishing

W = TypeVar("W", bound=Widget)

ORDER: dict[str, tuple[str, ...]] = {
    "main": ("chain", "narration", "message", "nudge", "quiz", "lower"),
    "lower": ("derivation", "vanishing", "bottom"),
    "bottom": ("loss", "slope", "batch"),
}
"""The ids of the widgets in each container, in order: a widget mounted later goes
before the first of those after it that is already there."""


class Later(Generic[W]):
    """A widget mounted when first needed: its id, its container and how it is made."""

    __slots__ = ("id", "container", "make")

    def __init__(self, ident: str, container: str, make: Callable[[Lesson], W]) -> None:
        assert ident in ORDER[container]
        self.id = ident
        self.container = container
        self.make = make
        """The widget for a lesson, with this id (its module is imported then)."""

    def __repr__(self) -> str:
        return f"Later({self.id!r})"


def _nudge(lesson: Lesson) -> NudgeView:
    from .widgets.nudge import NudgeView

    return NudgeView(id="nudge")


def _quiz(lesson: Lesson) -> QuizBar:
    from .widgets.quiz import QuizBar

    return QuizBar(id="quiz")


def _vanishing(lesson: Lesson) -> Vanishing:
    from .widgets.vanishing import Vanishing

    return Vanishing(lesson, id="vanishing")


def _loss(lesson: Lesson) -> LossPlot:
    from .widgets.loss_plot import LossPlot

    return LossPlot(lesson, id="loss")


def _slope(lesson: Lesson) -> SlopePlot:
    from .widgets.slope_plot import SlopePlot

    return SlopePlot(lesson, id="slope")


def _batch(lesson: Lesson) -> BatchTable:
    from .widgets.batch_table import BatchTable

    return BatchTable(lesson, id="batch")


NUDGE: Later[NudgeView] = Later("nudge", "main", _nudge)
QUIZ: Later[QuizBar] = Later("quiz", "main", _quiz)
VANISHING: Later[Vanishing] = Later("vanishing", "lower", _vanishing)
LOSS: Later[LossPlot] = Later("loss", "bottom", _loss)
SLOPE: Later[SlopePlot] = Later("slope", "bottom", _slope)
BATCH: Later[BatchTable] = Later("batch", "bottom", _batch)
