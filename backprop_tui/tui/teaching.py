"""The teaching keys, for every shape: the nudge check, the slope and fit views, the quiz,
reveal mode, the vanishing-gradient view, the computation graph (undo and redo, activation
and cost, training and the class are in :mod:`~backprop_tui.tui.lesson_screen`).

The base class of the lesson's screen, :class:`~backprop_tui.tui.network_screen.NetworkScreen`:
every action asks the lesson (the model) for its numbers and the widgets only show them.
What it selects is a parameter of one neuron: w_jk or b_j of layer l (in a chain, where
every layer has one neuron, w or b of layer l).
"""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING, TypeVar

from textual.reactive import var
from textual.widget import Widget

from ..model.defaults import EPSILON
from ..model.errors import ModelError
from ..present.format import number
from ..present.formulas import Row, parameter_name
from .later import GRAPH, NUDGE, QUIZ, SLOPE, VANISHING, Later
from .lesson_screen import LessonScreen
from .view import PLOTS, View

EPSILONS: tuple[float, ...] = (1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10)
"""The nudges ε that E steps through: from coarse (truncation error) to tiny (rounding error)."""


if TYPE_CHECKING:
    from ..model import BackwardPass, Nudge

W = TypeVar("W", bound=Widget)


class Teaching(LessonScreen):
    """The teaching keys and their state: the base of
    :class:`~backprop_tui.tui.network_screen.NetworkScreen`, which says how its views are
    chosen and shown (the abstract methods below)."""

    shown_layer: var[int] = var(1, init=False)
    """The layer the derivation, the batch table, the nudge and the slope show (1..L)."""
    neuron: var[int] = var(1, init=False)
    """The selected neuron j of the layer shown (1..N_l; 1 in a chain)."""
    weight: var[int] = var(1, init=False)
    """The selected weight w_jk's k (1..N_(l−1); 1 in a chain): the one the derivation
    explains, and the nudge and the slope use when :attr:`parameter` is w."""
    sample: var[int] = var(0, init=False)
    """The sample the panels, the derivation and the batch table show (0-based)."""

    parameter: var[str] = var("w", init=False)
    """The selected neuron's parameter that the nudge and the slope view use: w (its
    weight :attr:`weight`) or b."""
    nudging: var[bool] = var(False, init=False)
    """Whether the nudge check is shown (it follows every change while it is)."""
    epsilon: var[float] = var(EPSILON, init=False)
    """The nudge ε."""
    revealing: var[bool] = var(False, init=False)
    """Reveal mode: b shows the backward pass one factor at a time."""
    revealed: var[int] = var(0, init=False)
    """In reveal mode: how many rows of the layer shown have their value shown."""

    def __init__(self, quiz: bool = False, id: str | None = None) -> None:
        super().__init__(quiz, id=id)
        self.nudge_result: Nudge | None = None
        self._nudge_for: tuple | None = None

    def watch_parameter(self) -> None:
        self._changed()

    def watch_neuron(self) -> None:
        self._changed()

    def watch_weight(self) -> None:
        self._changed()

    def watch_nudging(self) -> None:
        self._changed()

    def watch_epsilon(self) -> None:
        self._changed()

    def watch_quizzing(self) -> None:
        self._changed()

    def watch_revealing(self) -> None:
        self._changed()

    def watch_revealed(self) -> None:
        self._changed()

    # -- what the app says of its views and widgets ------------------------------------

    @property
    @abstractmethod
    def upper_view(self) -> View:
        """The upper half's view: the derivation or the vanishing gradient."""

    @property
    @abstractmethod
    def plot_view(self) -> View:
        """The plot's view: the loss curve, the slope or the fit."""

    @property
    @abstractmethod
    def graph_shown(self) -> bool:
        """Whether the computation graph is on screen (T)."""

    @abstractmethod
    def show_view(self, view: View) -> None:
        """Bring ``view`` to the front."""

    @abstractmethod
    def _changed(self) -> None:
        """The state changed: the screen is to be updated once."""

    @abstractmethod
    def mounted(self, later: Later[W]) -> W | None:
        """The widget ``later`` when it has been mounted; None before it is needed."""

    @abstractmethod
    def needed(self, later: Later[W]) -> W:
        """The widget ``later``, made and mounted in its place if not yet."""

    @abstractmethod
    def derivation_rows(self) -> list[Row] | None:
        """The rows of the backward pass the derivation shows for the selection (the ones
        reveal mode and the quiz go through); None when it shows none (the matrix form)."""

    @abstractmethod
    def _mark_rows(self, quiz: int | None, reveal: int | None) -> None:
        """The derivation hides row ``quiz`` (the quiz) or shows row ``reveal`` without
        its value (reveal mode), and leaves out the rows after it; None: every row."""

    @property
    def quiz_key(self) -> tuple:
        """What the quiz's answers are kept under: the lesson's version and the rows' choice."""
        return (self.shown.version, self.shown_layer, self.neuron, self.weight, self.sample)

    # -- showing ---------------------------------------------------------------------

    def show_teaching(self) -> None:
        """Bring the teaching widgets up to date with the lesson (part of ``show``)."""
        lesson = self.shown
        screen = self
        vanishing = self.upper_view is View.VANISHING
        screen.set_class(vanishing, "-vanishing")
        screen.set_class(self.graph_shown, "-graph")
        screen.set_class(self.plot_view in (View.SLOPE, View.FIT), "-plot-other")
        if vanishing:
            self.needed(VANISHING).show()
        if self.plot_view in (View.SLOPE, View.FIT):
            self.needed(SLOPE).show(self.plot_view, self.parameter, self.shown_layer,
                                    self.neuron, self.weight, self._choice_keys())
        nudge = self._nudge()
        if nudge is not None or self.mounted(NUDGE) is not None:
            self.needed(NUDGE).show(nudge, lesson.network)
        self._show_quiz()

    def show_graph(self, live: BackwardPass | None) -> None:
        """The computation graph, when on screen, following the lesson: the sample and the
        layer shown, the selected parameter's way to C; while training ``live``."""
        if not self.graph_shown:
            return
        key = self.parameter
        from ..present.graph import node_id  # with the graph view, when it is first shown

        leaf = node_id(key, self.shown_layer, self.neuron, self.weight if key == "w" else None)
        self.needed(GRAPH).follow(live, self.sample, self.shown_layer, self.withheld(), leaf)

    def withheld(self) -> bool:
        """Whether the quiz or reveal mode has not yet shown all of the layer's factors
        (the graph then shows the gradients of the layers above it only)."""
        state = self.quiz_state()
        if state is not None and state[2] is not None:
            return True
        rows = self.reveal_rows()
        return rows is not None and self.revealed < len(rows)

    def action_graph(self) -> None:
        graph = self.upper_view is not View.GRAPH
        self.show_view(View.GRAPH if graph else View.DERIVATION)
        keys = "c, [ ]" if self.lesson.network.is_chain else "c ← → { }"
        self.say(f"graph from C down: ◀━━ the step's edges, ● {self._selected()} to C "
                 f"({keys}); T: back"
                 if graph else "the derivation again (T: the computation graph)")

    # -- reveal mode -----------------------------------------------------------------

    def reveal_rows(self) -> list[Row] | None:
        """The rows of the selection, in reveal mode during the backward pass; else None."""
        lesson = self.shown
        if (not self.revealing or self.quizzing or lesson.phase != "backward"
                or lesson.backward_pass is None):
            return None
        return self.derivation_rows()

    def reveal_next(self) -> bool:
        """b in reveal mode: show the next factor's value; False when the layer is all shown."""
        rows = self.reveal_rows()
        if rows is None or self.revealed >= len(rows):
            self.revealed = 0
            return False
        self._say_revealed(rows, self.revealed,
                           "b: the layer below" if self.shown_layer > 1 else "s: the step")
        self.revealed += 1
        return True

    def action_reveal(self) -> None:
        self.revealing = not self.revealing
        self.revealed = 0
        if self.revealing:
            self.say("reveal mode: b shows one factor of the layer at a time, its formula "
                     "first (x: all at once)")
        else:
            self.say("reveal mode off: b shows a layer's factors at once")

    def _nudge(self) -> Nudge | None:
        if not self.nudging:
            return None
        lesson = self.lesson
        # Computed again when the lesson's state (a new value with every change) or the
        # choice changed.
        choice = (self.parameter, self.shown_layer, self.neuron, self.weight, self.epsilon)
        if (self._nudge_for is None or self._nudge_for[0] is not lesson.state
                or self._nudge_for[1] != choice):
            self._nudge_for = (lesson.state, choice)
            try:
                self.nudge_result = lesson.nudge(self.parameter, self.shown_layer, self.epsilon,
                                                 self.neuron, self.weight)
            except ModelError as exc:
                self.nudging, self.nudge_result = False, None
                self.say(f"nudge: {exc}", error=True)
        return self.nudge_result

    def quiz_state(self) -> tuple[object, list[Row], int | None] | None:
        """(key, rows, index of the hidden row or None when all are done), or None."""
        lesson = self.shown
        if (not self.quizzing or lesson.phase != "backward" or lesson.backward_pass is None
                or self._timer is not None):
            return None
        rows = self.derivation_rows()
        if rows is None:
            return None
        key = self.quiz_key
        index = lesson.quiz.position(key)
        return key, rows, (index if index < len(rows) else None)

    def _show_quiz(self) -> None:
        state = self.quiz_state()
        reveal = None
        if self.revealing and not self.quizzing and self.shown.phase == "backward":
            reveal = self.revealed
        if not self.quizzing and self.mounted(QUIZ) is None:
            self._mark_rows(None, reveal)
            return
        bar = self.needed(QUIZ)
        field = bar.answer
        self._mark_rows(None if state is None else state[2], reveal)
        if state is not None and self.upper_view is View.VANISHING:
            bar.show(f"quiz · {self.lesson.quiz.score} · h: back to the derivation",
                     asking=False)
        else:
            more = "b: the layer below" if self.shown_layer > 1 else "s: the step"
            prompt, asking = self._quiz_prompt(state, f"all answered, {more}")
            bar.show(prompt, asking)
            if asking and self.focused is None:
                if field.is_mounted:
                    field.focus()
                else:
                    self.call_after_refresh(field.focus)
        if not field.display and self.focused is field:
            self.set_focus(None)

    # -- the nudge and the plot area -------------------------------------------------

    def _selected(self) -> str:
        """The selected parameter's name (``w(L)``, ``w₁₂(L−1)``, ``b₂(L)``)."""
        return parameter_name(self.lesson.network, self.parameter, self.shown_layer,
                              self.neuron, self.weight)

    def _choice_keys(self) -> str:
        """The keys that choose the parameter, as the messages name them."""
        return "c: w/b, [ ]: layer" if self.lesson.network.is_chain else \
            "c: next parameter, ← → { }: neuron"

    def action_nudge(self) -> None:
        if self.nudging:
            self.nudging = False
            self.say("nudge check hidden (e shows it again)")
        else:
            self.nudging, self._nudge_for = True, None
            self.say(f"nudge: {self._selected()} ± ε, two forward passes; "
                     f"{self._choice_keys()}, E: ε ÷ 10")

    def action_nudge_epsilon(self) -> None:
        i = EPSILONS.index(self.epsilon) if self.epsilon in EPSILONS else 0
        self.epsilon = EPSILONS[(i + 1) % len(EPSILONS)]
        self.nudging = True
        self.say(f"nudge ε = {number(self.epsilon)}: a large ε feels the curve bend, "
                 "a tiny one rounding")

    def action_choose_parameter(self) -> None:
        """c: the selected neuron's next parameter: w_j1, …, w_jK, then b_j (a chain's w,
        then b)."""
        below = self.lesson.shape[self.shown_layer - 1]
        if self.parameter == "w" and self.weight < below:
            self.weight += 1
        elif self.parameter == "w":
            self.parameter = "b"
        else:
            self.parameter, self.weight = "w", 1
        self.say(f"selected {self._selected()} for the nudge (e) and the slope view (g)"
                 "; c: the next one")

    @property
    def plots(self) -> tuple[View, ...]:
        """The plots g goes through: the fit for a network of one input and one output."""
        net = self.lesson.network
        return PLOTS if (net.inputs, net.outputs) == (1, 1) else PLOTS[:2]

    def action_plot_view(self) -> None:
        plots = self.plots
        at = plots.index(self.plot_view) if self.plot_view in plots else -1
        self.show_view(plots[(at + 1) % len(plots)])
        what = {"loss": "the loss curve",
                "slope": f"C against {self._selected()} with its tangent "
                         f"({self._choice_keys()})",
                "fit": "the fit: a(L) against x, the samples as points"}[self.plot_view.value]
        self.say(f"plot: {what}; g: next view")

    def action_vanishing(self) -> None:
        vanishing = self.upper_view is not View.VANISHING
        self.show_view(View.VANISHING if vanishing else View.DERIVATION)
        self.say("vanishing gradient: |∂C/∂w| and ∏ of the activation derivatives, log scale"
                 if vanishing else "the derivation again (h: the vanishing gradient)")

    # -- the quiz --------------------------------------------------------------------
