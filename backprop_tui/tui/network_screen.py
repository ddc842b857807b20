"""The lesson's one screen, for every shape: keys ask the lesson to change, widgets show
what it holds.

A chain (a network one neuron wide) shows a panel per layer with its editable w and b,
the input x and target y; a network with a wider layer shows a column of panels per layer
and the selected neuron's own panel with its editable w_jk, b_j and η. Everything else
(the derivation of the selection, the batch table, the loss curve, the slope and fit
plots, the decision view, the nudge check, the quiz, reveal mode, the vanishing
gradient, the computation graph, training, undo, the class) is the same screen's, with
the same keys.

Nothing here computes a gradient; every number on screen comes from the
:class:`~backprop_tui.model.lesson.Lesson`.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, TypeVar, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal, Vertical
from textual.reactive import var
from textual.widget import Widget
from textual.widgets import Static

from ..model import defaults
from ..model.errors import ModelError
from ..present.format import number
from ..present.formulas import (
    Row,
    label,
    lr_warning,
    narration,
    param_sym,
    zero_gradient_note,
)
from .app import PLOT_REDRAW, is_wide
from .keys import screen_bindings
from .later import BATCH, DECISION, GRAPH, LOSS, ORDER, QUIZ, Later
from .pace import training_text
from .teaching import Teaching
from .view import View
from .widgets.field import NumberField, Target
from .widgets.status import KeyLine, StatusLine
from .widgets.teach_keys import TeachKeyLine

if TYPE_CHECKING:
    from ..model import BackwardPass
    from ..model.lesson import Lesson, LessonState
    from .widgets.batch_table import BatchTable
    from .widgets.derivation import Derivation
    from .widgets.grid import NetworkGrid
    from .widgets.loss_plot import LossPlot
    from .widgets.weight_derivation import Selection, WideDerivation

HUGE_WIDTH, HUGE_HEIGHT = 160, 45
"""From this size on, a chain's derivation and batch show every layer at once."""

LIVE_TABLE_REDRAW = 1.0
"""While training, seconds between redraws of the batch table's live numbers."""

W = TypeVar("W", bound=Widget)

CHAIN_ABSENT = {
    "{ }": "a chain has one neuron a layer, none other to select",
    "M": "the matrix form is for a layer wider than one",
    "S": "the symmetry demo needs a layer wider than one",
}
"""The keys a chain has no use for, and why."""
DECISION_ABSENT = "the decision view needs 2 inputs (x1, x2)"


def one_wide(shape: tuple[int, ...]) -> bool:
    """Whether a network of ``shape`` is a chain: every layer, and the input, one wide."""
    return all(width == 1 for width in shape)


def absent_keys(shape: tuple[int, ...]) -> dict[str, str]:
    """The keys (as the registry writes them) whose feature a network of ``shape`` lacks,
    and why: each says so in one line, never something else."""
    absent = dict(CHAIN_ABSENT) if one_wide(shape) else {}
    if shape[0] != 2:
        absent["D"] = DECISION_ABSENT
    return absent


def unlisted_keys(shape: tuple[int, ...]) -> frozenset[str]:
    """Keys that work but that the key lines leave to the help: the other key for the
    layer (a chain's line shows [ ], a wider network's ← →, beside { } for the neuron)."""
    return frozenset({"← →"} if one_wide(shape) else {"[ ]"})


class NetworkScreen(Teaching):
    """Forward, backward, step and training of a network of any shape: see the module."""

    BINDINGS = [
        *screen_bindings(),
        # tab goes through the values shown (and the quiz's answer): see _tab_to
        Binding("tab", "focus_next", "next field", show=False),
        Binding("shift+tab", "focus_previous", "previous field", show=False),
    ]
    DIVERGED_HINT = "change η or r to reset"
    FOLLOWED = ("quizzing", "shown_layer", "neuron", "weight", "sample", "parameter",
                "nudging", "epsilon", "revealing", "view", "behind", "training", "revealed",
                "matrix")

    # The screen's state: each change reaches the widgets through the watchers below.
    state: var[LessonState | None] = var(None, always_update=True, init=False)
    """The lesson's state on screen: a frozen value, a new one with every change."""
    view: var[View] = var(View.DERIVATION, init=False)
    """The view in front: at small sizes, the only view the lower half shows."""
    behind: var[View] = var(View.LOSS, init=False)
    """The other half's view: beside ``view`` from 110×32, in front after v."""
    training: var[bool] = var(False, init=False)
    """Whether the lesson is training on batches (t starts and stops it)."""
    matrix: var[bool] = var(False, init=False)
    """Whether the derivation shows the matrix form (M; a layer wider than one)."""

    def __init__(self, quiz: bool = False, id: str | None = None) -> None:
        super().__init__(quiz, id=id)
        self._shown_by: list[Derivation | LossPlot | BatchTable] = []
        """The widgets made with the opening: they show the lesson once it is made."""
        self._live: tuple[LessonState, BackwardPass] | None = None
        self._screen_ready = False
        """Set once mounted: from then on a change of the state updates the screen."""
        self._pending = False
        self._table_live: tuple[float, BackwardPass, int] | None = None
        self._trained_from = 0
        """The step training last started from (t)."""
        self._decided: tuple | None = None
        self._grid_shape: tuple[int, ...] | None = None

    @property
    def chain(self) -> bool:
        """Whether the network is one neuron wide (the opening always is): its panels, x,
        y and η to edit; else the grid of neurons and the selected one's panel. Whether a
        network is a chain never changes while the app runs (l, undo and a class keep
        it)."""
        return self.shown.network.is_chain

    # -- the keys this shape has ------------------------------------------------------

    @property
    def absent(self) -> dict[str, str]:
        return absent_keys(self.shown.network.shape)

    @property
    def unlisted(self) -> frozenset[str]:
        return unlisted_keys(self.shown.network.shape)

    def opened(self, lesson: Lesson) -> None:
        for widget in self._shown_by:
            widget.lesson = lesson
        self._shown_by.clear()
        self.sync()

    # -- layout ------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # The size classes before the widgets mount: the first frame is styled once, not
        # styled and then restyled by on_mount (a quicker start).
        width, height = self.app.size
        wide = is_wide(width, height)
        self.set_class(wide, "-wide").set_class(not wide, "-compact")
        self.set_class(self.chain, "-chain").set_class(not self.chain, "-grid")
        lesson = self.shown
        self.set_reactive(NetworkScreen.state, lesson.state)
        self.set_reactive(NetworkScreen.shown_layer, lesson.layers if self.chain else 1)
        yield StatusLine(id="status")
        with Vertical(id="main"):
            if self.chain:
                from .widgets.neuron import ChainView

                yield ChainView(lesson.layers, id="chain")
                yield Static("", id="narration")
            else:
                from .widgets.grid import NetworkGrid, NeuronEditor

                self._grid_shape = lesson.shape
                with Horizontal(id="top"):
                    yield NetworkGrid(lesson.shape, id="grid")
                    yield NeuronEditor(id="editor")
                yield Static("", id="sample-line")
            yield Static("", id="message")
            with Container(id="lower"):
                if self.chain:
                    from .widgets.derivation import Derivation

                    self._shown_by = [Derivation(lesson, id="derivation")]
                    yield self._shown_by[0]
                else:
                    from .widgets.weight_derivation import WideDerivation

                    yield WideDerivation(id="derivation")
                if wide:  # the curve and the batch are shown from the start at this size
                    with Container(id="bottom"):
                        self._shown_by += [LOSS.make(lesson), BATCH.make(lesson)]
                        yield from self._shown_by[-2:]
        keys = self.listed_keys()
        yield TeachKeyLine(keys, id="teach-keys")
        yield KeyLine(keys, id="keys")

    def mounted(self, later: Later[W]) -> W | None:
        """The widget ``later`` when it has been mounted; None before it is needed."""
        found = self.query(f"#{later.id}")
        return cast(W, found.first()) if found else None

    def needed(self, later: Later[W]) -> W:
        """The widget ``later``, made and mounted in its place (:data:`ORDER`) if not yet."""
        found = self.mounted(later)
        if found is not None:
            return found
        widget = later.make(self.lesson)
        self._mount_in_place(widget, later.container)
        if later is BATCH:
            cast("BatchTable", widget).all_layers = self.has_class("-huge")
        return widget

    def _mount_in_place(self, widget: Widget, container: str) -> None:
        """Mount ``widget`` in ``container`` before those after it in :data:`ORDER`; the
        container too, in its own, if it is not there yet (``bottom`` at small sizes)."""
        found = self.query(f"#{container}")
        if found:
            parent = found.first()
        else:
            parent = Container(id=container)
            self._mount_in_place(parent, next(name for name, ids in ORDER.items()
                                              if container in ids))
        order = ORDER[container]
        after = order[order.index(widget.id or "") + 1:]
        before = next((child for child in parent.children if child.id in after), None)
        if before is None:
            parent.mount(widget)
        else:
            parent.mount(widget, before=before)

    def on_mount(self) -> None:
        width, height = self.app.size
        self._fit(width, height)
        self.query_one(TeachKeyLine).show(width)
        self._update_screen()
        self._screen_ready = True
        # The first frame is drawn from the opening, if the app has one; the lesson is made
        # after the app's next refresh.
        self.app.call_after_refresh(lambda: self.lesson)

    def resized(self, width: int, height: int) -> None:
        was_wide = self.has_class("-wide")
        self._fit(width, height)
        if self.chain:
            from .widgets.neuron import ChainView

            self.query_one(ChainView).place_panels(width)
        self.query_one(TeachKeyLine).show(width)
        if self.has_class("-wide") != was_wide or not self.chain:
            self._changed()  # the curve and the batch table beside the derivation, or not

    def _fit(self, width: int, height: int) -> None:
        self._fit_size(width, height)
        huge = width >= HUGE_WIDTH and height >= HUGE_HEIGHT
        self.set_class(huge, "-huge")
        if self.chain:
            for widget in (self._derivation, self.mounted(BATCH)):
                if widget is not None and widget.all_layers != huge:
                    widget.all_layers = huge
                    widget.refresh()
        else:
            from .widgets.grid import dense_grid

            self._grid.dense = dense_grid(self.shown.shape, height)
            self._grid.place(width, self.shown_layer)

    @property
    def _derivation(self) -> Derivation:
        from .widgets.derivation import Derivation

        return self.query_one("#derivation", Derivation)

    @property
    def _wide_derivation(self) -> WideDerivation:
        from .widgets.weight_derivation import WideDerivation

        return self.query_one("#derivation", WideDerivation)

    @property
    def _grid(self) -> NetworkGrid:
        from .widgets.grid import NetworkGrid

        return self.query_one("#grid", NetworkGrid)

    # -- the state and the screen ---------------------------------------------------

    def validate_shown_layer(self, layer: int) -> int:
        return min(max(layer, 1), self.shown.layers)

    def validate_neuron(self, neuron: int) -> int:
        return min(max(neuron, 1), self.shown.network.shape[self.shown_layer])

    def validate_weight(self, weight: int) -> int:
        return min(max(weight, 1), self.shown.network.shape[self.shown_layer - 1])

    def validate_sample(self, sample: int) -> int:
        return min(max(sample, 0), len(self.shown.samples) - 1)

    def _clamp(self) -> None:
        """The selection within the lesson (fewer layers, neurons or samples than before)."""
        for name in ("shown_layer", "neuron", "weight", "sample"):
            value = getattr(self, name)
            valid = getattr(self, f"validate_{name}")(value)
            if valid != value:
                self.set_reactive(getattr(NetworkScreen, name), valid)

    def watch_state(self) -> None:
        self._clamp()
        self._changed()

    def watch_shown_layer(self) -> None:
        self._clamp()
        if not self.chain and self._screen_ready:
            self._grid.place(self.app.size.width, self.shown_layer)
        self._changed()

    def watch_sample(self) -> None:
        self._changed()

    def watch_view(self) -> None:
        self._changed()

    def watch_behind(self) -> None:
        self._changed()

    def watch_training(self) -> None:
        self._changed()

    def watch_matrix(self) -> None:
        self._changed()

    @property
    def upper_view(self) -> View:
        """The upper half's view: the derivation or the vanishing gradient."""
        return self.view if self.view.upper else self.behind

    @property
    def plot_view(self) -> View:
        """The plot's view: the loss curve, the slope, the fit or the decision view."""
        return self.behind if self.view.upper else self.view

    @property
    def graph_shown(self) -> bool:
        """Whether the computation graph is on screen (T; at small sizes unless a plot is
        in front)."""
        return self.upper_view is View.GRAPH and (self.view.upper or self.has_class("-wide"))

    def show_view(self, view: View) -> None:
        """Bring ``view`` to the front; the other half keeps its view."""
        if view.upper == self.view.upper:
            self.view = view
        else:
            self.behind, self.view = self.view, view

    def _changed(self) -> None:
        """The state changed: the screen is updated once, after the change is complete."""
        if self._screen_ready and not self._pending:
            self._pending = True
            self.call_next(self._update_pending)

    def _update_pending(self) -> None:
        if self._pending:
            self._update_screen()

    def sync(self) -> None:
        """Take the lesson's state (a new value when it changed) into the screen's."""
        if self.lesson.state is not self.state:
            self.state = self.lesson.state

    def show(self) -> None:
        """Show the lesson as it is now, at once (for a lesson changed from outside the
        app; the app's own changes reach the screen through its state)."""
        self.sync()
        self._update_screen()

    @property
    def selection(self) -> Selection:
        """The neuron, the weight and the sample the derivation of a wider network shows."""
        from .widgets.weight_derivation import Selection

        return Selection(self.shown_layer, self.neuron, self.weight, self.sample)

    def _update_screen(self) -> None:
        """Bring every widget up to date with the state (each redraws only on change)."""
        self._pending = False
        self._clamp()
        lesson = self.shown
        training = ""
        if self.training:
            training = training_text(self._pace.measured())
        live = self._live_pass()
        fwd = live.forward if live is not None else lesson.forward_pass
        self.query_one(StatusLine).show(lesson, training, fwd)
        catch_up = self._show_network(lesson, live)
        self.show_graph(live)
        if (not self.view.upper or self.has_class("-wide")
                or self.mounted(LOSS) is not None):
            every = PLOT_REDRAW * self._pace.slowdown if self.training and not catch_up else 0.0
            self.needed(LOSS).show(every)
        self.set_class(not self.view.upper, "-page-loss")
        self.set_class(self.plot_view is View.DECISION, "-decision")
        if self.plot_view is View.DECISION:
            self._show_decision()
        self.show_teaching()

    def _show_network(self, lesson: Lesson, live: BackwardPass | None) -> bool:
        """The panels, the derivation, the batch table (and a chain's narration) for the
        lesson, while training ``live``; whether this frame catches up with training (the
        first after t: the table and the curve drawn at once)."""
        fwd = live.forward if live is not None else lesson.forward_pass
        bp = live if live is not None else lesson.backward_pass
        table_fwd, table_bp, table_step = fwd, bp, None
        catch_up = False
        if live is not None:
            # The batch table is the largest block of numbers: redrawn once a second, its
            # title naming the step its numbers belong to. The first frame with steps
            # trained draws it and the loss curve at once, as the header's step (not what
            # they showed when t was pressed).
            now = self.lesson_app.clock()
            drawn = self._table_live
            catch_up = drawn is None or drawn[2] == self._trained_from
            if drawn is None or catch_up \
                    or now - drawn[0] >= LIVE_TABLE_REDRAW * self._pace.slowdown:
                drawn = self._table_live = (now, live, lesson.steps_done)
            _, table_bp, table_step = drawn
            table_fwd = table_bp.forward
        else:
            self._table_live = None
        if (not self.view.upper or self.has_class("-wide")
                or self.mounted(BATCH) is not None):
            self.needed(BATCH).show(self.shown_layer, self.sample, table_fwd, table_bp,
                                    table_step, self.neuron, self.weight)
        if not self.chain:
            from .widgets.grid import NeuronEditor, sample_text

            if lesson.shape != self._grid_shape:  # l chose XOR: a grid of that shape
                self._grid_shape = lesson.shape
                self.call_next(self._new_grid)
                return catch_up
            self._grid.show(lesson, self.sample, (self.shown_layer, self.neuron), fwd,
                            self.weight)
            self.query_one(NeuronEditor).show(lesson, self.shown_layer, self.neuron,
                                              self.weight, self.sample, fwd)
            line = self.query_one("#sample-line", Static)
            text = sample_text(lesson, self.sample, fwd)
            if str(line.content) != text:
                line.update(text)  # one line, or two when it does not fit: a new layout
            self._wide_derivation.show(lesson, self.selection, self.matrix, live,
                                       self._hidden_row())
            return catch_up
        from .widgets.neuron import ChainView

        current = self.shown_layer if lesson.phase != "none" else None
        self.query_one(ChainView).show(lesson, self.sample, current, self.shown_layer, fwd)
        self._derivation.show(self.shown_layer, self.sample, live)
        text = narration(lesson.phase, self.shown_layer, lesson.layers,
                         lesson.network.activation.symbol, self.training,
                         self.revealing or self.quizzing)
        told = self.query_one("#narration", Static)
        if str(told.content) != text:
            told.update(text, layout=False)
        return catch_up

    async def _new_grid(self) -> None:
        """A grid of panels for the lesson's new shape, in place of the old one."""
        from .widgets.grid import NetworkGrid, NeuronEditor

        await self._grid.remove()
        await self.query_one("#top").mount(NetworkGrid(self.lesson.shape, id="grid"),
                                           before=self.query_one(NeuronEditor))
        self._fit(*self.app.size)
        self._changed()

    def _hidden_row(self) -> int | None:
        """The row the quiz hides, or reveal mode shows next without its value."""
        state = self.quiz_state()
        if state is not None:
            return state[2]
        if self.revealing and self.shown.phase == "backward" and not self.matrix:
            return self.revealed
        return None

    def derivation_rows(self) -> list[Row] | None:
        lesson = self.shown
        if lesson.backward_pass is None:
            return None
        if self.chain:
            from .widgets.derivation import rows_for

            return rows_for(lesson, self.shown_layer, self.sample)[1]
        if self.matrix:
            return None
        from .widgets.weight_derivation import weight_rows

        return weight_rows(lesson.backward_pass, self.selection).rows

    def _mark_rows(self, quiz: int | None, reveal: int | None) -> None:
        if self.chain:  # (a wider network's derivation takes them in _show_network)
            self._derivation.set_quiz(quiz)
            self._derivation.set_reveal(reveal)

    def _show_decision(self) -> None:
        """The decision view: the current network's output over the (x1, x2) square (the
        selected output neuron's), drawn again whenever the network or the samples
        changed (while training, at each redraw)."""
        lesson = self.lesson
        output = self.neuron - 1 if self.shown_layer == lesson.layers else 0
        view = self.needed(DECISION)
        key = (lesson.version, output)
        if key == self._decided and view.network is not None:
            return
        self._decided = key
        view.update(lesson.network, lesson.samples, output)
        view.border_title = f"a{'' if lesson.network.outputs == 1 else output + 1}(L) over " \
            "(x1, x2)"

    def _live_pass(self) -> BackwardPass | None:
        """While training: the forward and backward pass of the current parameters, computed
        at most once per redraw (a few times a second), so that the panels, the batch and
        the derivation show live numbers; None when not training."""
        if not self.training:
            self._live = None
            return None
        state = self.lesson.state
        if self._live is None or self._live[0] is not state:
            try:
                self._live = (state, self.lesson.current_trace())
            except ModelError:
                return None
        return self._live[1]

    def say(self, text: str, error: bool = False) -> None:
        message = self.query_one("#message", Static)
        # Plain text, never markup: a message may quote a file name or what was typed.
        # Wrapped between words, up to three lines; a new layout unless this message and
        # the one before fit one line each (most do: the quickest redraw).
        lines = 1 if len(text) <= max(message.content_size.width, 20) else 2
        message.update(Text(text), layout=lines > 1 or self._message_lines > 1)
        self._message_lines = lines
        message.set_class(error, "-error")

    _message_lines = 1

    _adding: int | None = None
    """The sample just added (a): tab from its x goes on to its y, once."""

    # -- the loop ----------------------------------------------------------------

    def _derivation_in_front(self) -> None:
        self.show_view(self.upper_view)

    def action_forward(self) -> None:
        if self._phase(self.lesson.forward):
            if self.chain:
                self.shown_layer = self.lesson.layers
            self.say("forward pass: z and a of every neuron, then the cost C")

    def action_backward(self) -> None:
        """The backward pass, output layer first: the first b (after f, or running f first
        when it is missing or stale) shows the output layer (L); each b after it the layer
        below (in a wider network the selected neuron the one whose ∂C/∂a the layer above
        just summed); after the first layer, b starts at the output layer again."""
        lesson = self.lesson
        if lesson.phase == "backward" and not self.training and self.reveal_next():
            return
        self.revealed = 0
        first = missing = False
        if lesson.phase == "backward":
            self.stop_training()
            if self.shown_layer > 1:
                self.shown_layer, self.neuron = self.shown_layer - 1, self.weight
            else:
                self.shown_layer = lesson.layers
                first = True
        else:
            missing = lesson.forward_pass is None
            if not self._phase(lesson.backward):
                return
            self.shown_layer, first = lesson.layers, True
        self.say(self._backward_text(first, missing))
        self._warn()
        self._symmetry_note()

    def _backward_text(self, first: bool, ran_forward: bool) -> str:
        """What the message says at the layer the backward pass has reached."""
        L = self.lesson.layers
        lab = label(self.shown_layer, L)
        head = "forward, then backward pass" if ran_forward else "backward pass"
        # the weight the derivation explains (a chain's one: its layer says it)
        w = "" if self.chain else \
            f"∂C/∂{param_sym('w', self.shown_layer, self.neuron, self.weight, L)}"
        if self.shown_layer == 1:
            where = "the only layer" if L == 1 else "the first layer"
            again = "" if L == 1 else "; b: (L) again"
            return f"{head} at ({lab}), {where}{': ' * bool(w)}{w}; s: step{again}"
        below = f"b: the layer below ({label(self.shown_layer - 1, L)})"
        if first:
            return f"{head}: output layer ({lab}) first{', ' * bool(w)}{w}; {below}"
        return f"{head} at ({lab}){': ' * bool(w)}{w}; {below}"

    def _symmetry_note(self) -> None:
        """After a backward pass: when the neurons of a hidden layer are alike, say that
        their gradients are identical (the numbers are the model's)."""
        lesson = self.lesson
        bp = lesson.backward_pass
        layers = lesson.symmetric_layers()
        if bp is None or not layers:
            return
        import numpy as np  # loaded with the lesson

        L = lesson.layers
        l = layers[0]
        grads = bp.mean_dC_dw[l - 1]
        if not all(np.array_equal(grads[0], row) for row in grads):
            return
        ws = " = ".join(f"∂C/∂{param_sym('w', l, j, 1, L)}" for j in range(1, len(grads) + 1))
        self.say(f"symmetry: the neurons of ({label(l, L)}) are alike: identical gradients "
                 f"({ws} = {number(float(grads[0, 0]), True)}), so every step keeps them equal")

    def _warn(self, lr: bool = False) -> None:
        """Say why the cost will not fall, when it will not: η ≤ 0 (``lr``), or every
        gradient 0 (after a backward pass)."""
        lesson = self.lesson
        warning = lr_warning(lesson.lr) if lr else None
        if warning is None and lesson.backward_pass is not None:
            warning = zero_gradient_note(lesson.backward_pass)
        if warning is not None:
            self.say(warning, error=True)

    def action_step(self) -> None:
        if self._phase(self.lesson.step):
            lesson = self.lesson
            n = len(lesson.samples)
            mean = f"the mean gradient over {n} samples" if n > 1 else "the gradient"
            params = "w and b" if self.chain else "w_jk and b_j"
            self.say(f"step {lesson.steps_done}: every {params} moved by −η·{mean}")
            if lesson.symmetric_layers() and lr_warning(lesson.lr) is None:
                l = lesson.symmetric_layers()[0]
                self.say(f"step {lesson.steps_done}: the neurons of ({label(l, lesson.layers)})"
                         " are still alike: identical gradients moved them alike")
            self._warn(lr=True)

    def action_next_phase(self) -> None:
        """forward → backward, a layer at a time from the output down → step → forward …"""
        if self.lesson.phase == "backward" and self.shown_layer > 1:
            self.action_backward()
        elif self.lesson.phase == "backward":
            rows = self.reveal_rows()
            if rows is not None and self.revealed < len(rows):
                self.action_backward()
            else:
                self.action_step()
        elif self.lesson.phase == "forward":
            self.action_backward()
        else:
            self.action_forward()

    # -- training ----------------------------------------------------------------

    def _redraw(self) -> None:
        self.sync()
        self._changed()  # the speed measured, the live numbers

    def _training_started(self) -> None:
        self._trained_from = self.lesson.steps_done
        self.training = True
        if self.view is not View.GRAPH:  # the graph stays, following the training
            self.show_view(self.plot_view)

    def _training_note(self) -> str | None:
        warning = lr_warning(self.lesson.lr)
        if warning is None:
            try:
                warning = zero_gradient_note(self.lesson.current_trace())
            except ModelError:
                warning = None
        return warning

    def stop_training(self) -> None:
        super().stop_training()
        self.training = False

    def _after_training(self) -> None:
        """The screen keeps the forward pass of the parameters training ended with."""
        if self.lesson.phase == "none":
            with contextlib.suppress(ModelError):  # diverged: the message says why
                self.lesson.forward()
            if self.chain:
                self.shown_layer = self.lesson.layers

    # -- data and view -----------------------------------------------------------

    def action_reset(self) -> None:
        self.stop_training()
        self.lesson.reset()
        self.shown_layer, self.sample = (self.lesson.layers if self.chain else 1), 0
        self.show_view(self.upper_view)
        self._clear_refusals()
        self.say("reset to the start values; the loss history is cleared")

    def action_dataset(self) -> None:
        """l: the lesson's dataset: a chain's 8 samples (y = 1 when x > 0.5), XOR for a
        wider network (a 2,2,1 network when its shape has not 2 inputs and 1 output)."""
        self.stop_training()
        if self.chain:
            self.lesson.set_samples(defaults.DATASET_X, defaults.DATASET_Y)
            self.sample = 0
            self.say(f"built-in dataset: {len(defaults.DATASET_X)} samples, y = 1 when "
                     "x > 0.5; t trains, r returns to the start")
            return
        replaced = self.lesson.use_xor()
        self.shown_layer, self.neuron, self.weight, self.sample = 1, 1, 1, 0
        self.say("XOR: inputs 00 01 10 11, targets 0 1 1 0"
                 + (" (a 2,2,1 network)" if replaced else "")
                 + "; t trains, the header counts the samples right")

    def action_add_sample(self) -> None:
        """a: a new sample, a copy of the one shown: a chain's x and y are typed in its
        panels; a wider network's inputs and targets in a dialog."""
        lesson = self.lesson
        if not self.chain:
            from .screens.path import PathScreen  # a screen: imported when first shown

            net, samples = lesson.network, lesson.samples
            shown = " ".join(f"{v:g}" for v in samples.x[self.sample]) + " ; " \
                + " ".join(f"{v:g}" for v in samples.y[self.sample])
            title = (f"add a sample: its {net.inputs} input{'s' * (net.inputs != 1)}, a "
                     f"semicolon, its {net.outputs} target{'s' * (net.outputs != 1)}")
            self.app.push_screen(PathScreen(title, shown, self.add_sample,
                                            empty="type the inputs ; the targets"))
            return
        try:
            k = lesson.add_sample(lesson.samples.x[self.sample], lesson.samples.y[self.sample])
        except ModelError as exc:
            self.say(str(exc), error=True)
            return
        self.sample = k
        self.say(f"sample {k + 1} added (a copy): type its x, tab, then its y; enter applies")
        self.edit(("x", None))
        self._adding = k

    def add_sample(self, text: str) -> str | None:
        """Add the sample ``text`` gives (``0.5 1 ; 0``: inputs, a semicolon, targets; commas
        or colons also part the numbers); the error, or None when added."""
        parts = text.split(";")
        if len(parts) != 2:
            return "inputs, then a semicolon, then the targets: for example 0 1 ; 1"
        x, y = (part.replace(",", " ").replace(":", " ").split() for part in parts)
        self.stop_training()
        try:
            self.lesson.add_sample(x, y)
        except ModelError as exc:
            return str(exc)
        self.sync()
        n = len(self.lesson.samples)
        self.sample = n - 1
        self.say(f"sample {n} added; {n} samples (f: the forward pass with it; d deletes it)")
        return None

    def action_remove_sample(self) -> None:
        if not self._attempt(lambda: self.lesson.remove_sample(self.sample)):
            return
        self.say(f"sample {self.sample + 1} deleted; {len(self.lesson.samples)} left")

    def action_sample(self, delta: int) -> None:
        self.sample = (self.sample + delta) % len(self.lesson.samples)

    def action_layer(self, delta: int) -> None:
        self.shown_layer = min(max(self.shown_layer + delta, 1), self.lesson.layers)
        lab = label(self.shown_layer, self.lesson.layers)
        if self.chain:
            self.say(f"layer ({lab}): the derivation and the batch show it; "
                     f"the nudge (e) and the slope (g) use {self._selected()}")
        else:
            self._clamp()
            self.say(f"neuron {self.neuron} of ({lab}); the derivation explains "
                     f"{self._selected()}")

    def action_neuron(self, delta: int) -> None:
        if self._absent_here("{ }"):
            return
        self.neuron = min(max(self.neuron + delta, 1), self.lesson.shape[self.shown_layer])
        self.say(f"neuron {self.neuron} of ({label(self.shown_layer, self.lesson.layers)}); "
                 f"the derivation explains {self._selected()}")

    def _absent_here(self, key: str) -> bool:
        """Whether ``key``'s feature is one this shape lacks (then said in one line)."""
        if key in self.absent:
            self.action_absent(key)
            return True
        return False

    def action_matrix(self) -> None:
        if self._absent_here("M"):
            return
        self.matrix = not self.matrix
        if self.lesson.phase != "backward":
            self.say("M: " + ("matrix form" if self.matrix else "term by term")
                     + " once the backward pass has run (b)")
        else:
            self.say("matrix form: the same sums, a layer at a time; M: term by term"
                     if self.matrix else "term by term: the sum over j, every term written "
                     "out; M: matrix form")
        self.show_view(View.DERIVATION)

    def action_decision(self) -> None:
        if self._absent_here("D"):
            return
        shown = self.plot_view is not View.DECISION
        self.show_view(View.DECISION if shown else View.LOSS)
        self.say("decision view: the output over the (x1, x2) square, ○ target 0, ● target 1; "
                 "redrawn while training; D hides it" if shown else "decision view hidden")

    def action_symmetry(self) -> None:
        if self._absent_here("S"):
            return
        from ..model.lesson import SYMMETRIC_B, SYMMETRIC_W

        if not self._attempt(self.lesson.make_symmetric):
            return
        self.say(f"symmetry: every weight {number(SYMMETRIC_W)}, every bias "
                 f"{number(SYMMETRIC_B)}: the neurons of a layer compute the same; b shows "
                 "their identical gradients, s and t keep them equal")

    def action_scroll_rows(self, delta: int) -> None:
        graph = self.mounted(GRAPH)
        if graph is not None and self.graph_shown:
            graph.scroll_rows(delta)
        else:
            derivation = self._derivation if self.chain else self._wide_derivation
            derivation.scroll_rows(delta)

    def action_switch_view(self) -> None:
        self.view, self.behind = self.behind, self.view
        if self.has_class("-wide"):
            self.say("v: at this size the derivation and the plots are shown together")

    def action_log_axis(self) -> None:
        from .widgets.loss_plot import log_axis_text  # loaded with the plot, made when needed

        plot = self.needed(LOSS)
        plot.log_scale = not plot.log_scale
        if self.plot_view is not View.LOSS:
            self.show_view(View.LOSS)
        else:
            self.show_view(self.plot_view)
        self.say(log_axis_text(plot.log_scale))

    def action_more_keys(self) -> None:
        self.query_one(TeachKeyLine).show(self.app.size.width, turn=1)

    # -- edits -------------------------------------------------------------------

    def _clear_refusals(self) -> None:
        if self.chain:
            from .widgets.neuron import ChainView

            self.query_one(ChainView).clear_refusals()
        else:
            super()._clear_refusals()

    def edit(self, target: Target) -> NumberField | None:
        """Edit ``target``'s value (``("w", 1)``, ``("x", None)`` …): its field is mounted
        over the panel's line and focused; None when its panel is not shown (a chain's)."""
        from .widgets.neuron import ChainView

        return self.query_one(ChainView).edit(target)

    def action_focus_next(self) -> None:
        self._tab_to(1)

    def action_focus_previous(self) -> None:
        self._tab_to(-1)

    def _tab_to(self, delta: int) -> None:
        """tab and shift+tab: through the values of the panels shown, then the quiz's
        answer field when it is shown (a chain's fields are mounted as they are reached)."""
        if not self.chain:
            if self.graph_shown:
                self.show_view(View.DERIVATION)
            if delta > 0:
                self.focus_next()
            else:
                self.focus_previous()
            return
        from .widgets.neuron import ChainView

        adding, self._adding = self._adding, None
        if self.graph_shown:  # the graph has the panels' place: they come back to be edited
            self.show_view(View.DERIVATION)
            self.say("the panels again, to edit their values (T: the computation graph)")
        focused = self.focused
        if (delta > 0 and adding == self.sample and isinstance(focused, NumberField)
                and focused.target == ("x", None)):
            self.edit(("y", None))  # as the message after a says: its x, tab, its y
            return
        stops: list[Target | None] = list(self.query_one(ChainView).targets())
        bar = self.mounted(QUIZ)
        answer = None if bar is None else bar.answer
        if answer is not None and answer.display and answer.parent is not None \
                and answer.parent.display:
            stops.append(None)
        if isinstance(focused, NumberField) and focused.target in stops:
            at = stops.index(focused.target)
        elif focused is not None and focused is answer and None in stops:
            at = stops.index(None)
        else:
            at = -1 if delta > 0 else 0
        stop = stops[(at + delta) % len(stops)]
        if stop is None:
            assert answer is not None
            answer.focus()
        else:
            self.edit(stop)

    def field_name(self, field: NumberField) -> str:
        kind, index = field.target
        L = self.lesson.layers
        if kind == "lr":
            return "η"
        if not self.chain:  # the selected neuron's w_jk (index k) or b_j
            return param_sym(kind, self.shown_layer, self.neuron,
                             index if kind == "w" else None, L)
        if kind in ("w", "b") and index is not None:
            return f"{kind}({label(index, L)})"
        return kind

    def on_number_field_key_refused(self, event: NumberField.KeyRefused) -> None:
        self.say(f"{self.field_name(event.field)}: only a number goes in (digits, −, ., e); "
                 "enter applies, escape cancels", error=True)

    def on_number_field_edited(self, event: NumberField.Edited) -> None:
        self._edited(event)
        self.sync()

    def _set_value(self, target: Target, text: str) -> None:
        """Ask the lesson to set ``target``'s number to ``text`` (a refusal raises)."""
        lesson = self.lesson
        kind, index = target
        if kind == "lr":
            lesson.set_lr(text)
        elif not self.chain:
            if kind == "w" and index is not None:
                lesson.set_w(self.shown_layer, text, self.neuron, index)
            else:
                lesson.set_b(self.shown_layer, text, self.neuron)
        elif kind == "w" and index is not None:
            lesson.set_w(index, text)
        elif kind == "b" and index is not None:
            lesson.set_b(index, text)
        elif kind == "x":
            lesson.set_x(self.sample, text)
        else:
            lesson.set_y(self.sample, text)

    def _shown_value(self, field: NumberField) -> str:
        """The lesson's number that ``field`` edits, as the field shows it."""
        from .widgets.neuron import field_text

        kind, index = field.target
        lesson, net = self.lesson, self.lesson.network
        if kind == "lr":
            value = lesson.lr
        elif kind in ("x", "y"):
            value = float((lesson.samples.x if kind == "x" else lesson.samples.y)
                          [self.sample][0])
        elif not self.chain:  # the selected neuron's w_jk (index k) or b_j
            j = self.neuron - 1
            value = float(net.w[self.shown_layer - 1][j, (index or 1) - 1] if kind == "w"
                          else net.b[self.shown_layer - 1][j])
        else:
            value = float((net.flat_w if kind == "w" else net.flat_b)[(index or 1) - 1])
        return field_text(value, field.room)

    def _edited(self, event: NumberField.Edited) -> None:
        field, lesson = event.field, self.lesson
        kind, _ = field.target
        name = self.field_name(field)
        phase = lesson.phase
        before = lesson.forward_pass.mean_cost if lesson.forward_pass is not None else None
        try:
            self._set_value(field.target, event.text)
        except ModelError as exc:
            if self.chain:
                from .widgets.neuron import ChainView

                field.value = field.shown
                self.query_one(ChainView).refuse(field.target)
            else:
                field.refuse()
            self.say(f"{name}: {exc.reason}; kept {field.shown}", error=True)
            return
        self._clear_refusals()
        shown = self._shown_value(field)
        if kind == "lr":
            self.say(f"η = {shown}: the next step uses it (z, a, C and the gradients "
                     "do not depend on η)")
            self._warn(lr=True)
            return
        if phase not in ("forward", "backward") or self.training:
            self.say(f"{name} = {shown}: f computes z, a and C with it")
            return
        # Live: the passes shown before the edit run again with the new number (after a
        # step, whose old and new numbers the edit made stale, nothing runs).
        try:
            lesson.backward() if phase == "backward" else lesson.forward()
        except ModelError as exc:
            self.say(f"{name} = {shown}: {exc}", error=True)
            return
        after = lesson.forward_pass.mean_cost if lesson.forward_pass is not None else None
        moved = (f"; C̄ {number(before)} → {number(after)}"
                 if before is not None and after is not None else "")
        again = "forward and backward pass" if phase == "backward" else "forward pass"
        self.say(f"{name} = {shown}: the {again} again{moved}")

