"""The chain's screen: a network one neuron wide. Keys ask the lesson to change, widgets
show what it holds.

Nothing here computes a gradient; every number on screen comes from the
:class:`~backprop_tui.model.lesson.Lesson`.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, TypeVar, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical
from textual.reactive import var
from textual.widget import Widget
from textual.widgets import Static

from ..model import defaults
from ..model.errors import ModelError
from ..present.format import number
from ..present.formulas import label, lr_warning, narration, zero_gradient_note
from .app import PLOT_REDRAW, is_wide
from .keys import screen_bindings
from .later import BATCH, GRAPH, LOSS, ORDER, QUIZ, Later
from .pace import training_text
from .teaching import Teaching
from .view import View
from .widgets.derivation import Derivation
from .widgets.field import NumberField, Target
from .widgets.neuron import ChainView, field_text
from .widgets.status import KeyLine, StatusLine
from .widgets.teach_keys import TeachKeyLine

if TYPE_CHECKING:
    from ..model import BackwardPass
    from ..model.lesson import Lesson, LessonState
    from .widgets.batch_table import BatchTable
    from .widgets.loss_plot import LossPlot

HUGE_WIDTH, HUGE_HEIGHT = 160, 45
"""From this size on, the derivation and the batch show every layer at once."""

LIVE_TABLE_REDRAW = 1.0
"""While training, seconds between redraws of the batch table's live numbers."""

W = TypeVar("W", bound=Widget)

class ChainScreen(Teaching):
    """Forward, backward, step and training of a chain of neurons: a panel per layer."""

    ABSENT = {
        "{ }": "a chain has one neuron a layer, none other to select",
        "M": "the matrix form is for a layer wider than one",
        "D": "the decision view needs 2 inputs (x1, x2)",
        "S": "the symmetry demo needs a layer wider than one",
    }
    UNLISTED = frozenset({"← →"})  # as [ ], which the key line shows
    BINDINGS = [
        *screen_bindings(ABSENT),
        # tab goes through the panels' values (and the quiz's answer): see _move_focus
        Binding("tab", "focus_next", "next field", show=False),
        Binding("shift+tab", "focus_previous", "previous field", show=False),
    ]
    DIVERGED_HINT = "change η or r to reset"
    FOLLOWED = ("quizzing", "shown_layer", "sample", "parameter", "nudging", "epsilon",
                "revealing", "view", "behind", "training", "revealed")

    # The screen's state: each change reaches the widgets through the watchers below.
    state: var[LessonState | None] = var(None, always_update=True, init=False)
    """The lesson's state on screen: a frozen value, a new one with every change."""
    view: var[View] = var(View.DERIVATION, init=False)
    """The view in front: at small sizes, the only view the lower half shows."""
    behind: var[View] = var(View.LOSS, init=False)
    """The other half's view: beside ``view`` from 110×32, in front after v."""
    training: var[bool] = var(False, init=False)
    """Whether the lesson is training on batches (t starts and stops it)."""

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
        self.set_reactive(ChainScreen.state, self.shown.state)
        self.set_reactive(ChainScreen.shown_layer, self.shown.layers)
        yield StatusLine(id="status")
        with Vertical(id="main"):
            yield ChainView(self.shown.layers, id="chain")
            yield Static("", id="narration")
            yield Static("", id="message")
            with Container(id="lower"):
                self._shown_by = [Derivation(self.shown, id="derivation")]
                yield self._shown_by[0]
                if wide:  # the curve and the batch are shown from the start at this size
                    with Container(id="bottom"):
                        self._shown_by += [LOSS.make(self.shown), BATCH.make(self.shown)]
                        yield from self._shown_by[1:]
        yield TeachKeyLine(self.listed_keys(), id="teach-keys")
        yield KeyLine(id="keys")

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
        self.query_one(ChainView).place_panels(width)
        self.query_one(TeachKeyLine).show(width)
        if self.has_class("-wide") != was_wide:
            self._changed()  # the curve and the batch table beside the derivation, or not

    def _fit(self, width: int, height: int) -> None:
        self._fit_size(width, height)
        huge = width >= HUGE_WIDTH and height >= HUGE_HEIGHT
        self.set_class(huge, "-huge")
        for widget in (self.query_one(Derivation), self.mounted(BATCH)):
            if widget is not None and widget.all_layers != huge:
                widget.all_layers = huge
                widget.refresh()

    # -- the state and the screen ---------------------------------------------------

    def validate_shown_layer(self, layer: int) -> int:
        return min(max(layer, 1), self.shown.layers)

    def validate_sample(self, sample: int) -> int:
        return min(max(sample, 0), len(self.shown.samples) - 1)

    def watch_state(self) -> None:
        # Fewer layers or samples than before: the ones shown stay within the lesson.
        self.set_reactive(ChainScreen.shown_layer, self.validate_shown_layer(self.shown_layer))
        self.set_reactive(ChainScreen.sample, self.validate_sample(self.sample))
        self._changed()

    def watch_shown_layer(self) -> None:
        self._changed()

    def watch_sample(self) -> None:
        self._changed()

    def watch_view(self) -> None:
        self._changed()

    def watch_behind(self) -> None:
        self._changed()

    def watch_training(self) -> None:
        self._changed()

    @property
    def upper_view(self) -> View:
        """The upper half's view: the derivation or the vanishing gradient."""
        return self.view if self.view.upper else self.behind

    @property
    def plot_view(self) -> View:
        """The plot's view: the loss curve, the slope or the fit."""
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

    def _update_screen(self) -> None:
        """Bring every widget up to date with the state (each redraws only on change)."""
        self._pending = False
        lesson = self.shown
        training = ""
        if self.training:
            training = training_text(self._pace.measured())
        self.query_one(StatusLine).show(lesson, training)
        current = self.shown_layer if lesson.phase != "none" else None
        live = self._live_pass()
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
        self.query_one(ChainView).show(lesson, self.sample, current, self.shown_layer, fwd)
        self.query_one(Derivation).show(self.shown_layer, self.sample, live)
        self.show_graph(live)
        if (not self.view.upper or self.has_class("-wide")
                or self.mounted(LOSS) is not None):
            every = PLOT_REDRAW * self._pace.slowdown if self.training and not catch_up else 0.0
            self.needed(LOSS).show(every)
            self.needed(BATCH).show(self.shown_layer, self.sample, table_fwd, table_bp,
                                         table_step)
        text = narration(lesson.phase, self.shown_layer, lesson.layers,
                         lesson.network.activation.symbol, self.training,
                         self.revealing or self.quizzing)
        told = self.query_one("#narration", Static)
        if str(told.content) != text:
            told.update(text, layout=False)
        self.set_class(not self.view.upper, "-page-loss")
        self.show_teaching()

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
            self.shown_layer = self.lesson.layers
            self.say("forward pass: z and a of every neuron, then the cost C")

    def action_backward(self) -> None:
        lesson = self.lesson
        if lesson.phase == "backward" and not self.training and self.reveal_next():
            return
        self.revealed = 0
        if lesson.phase == "backward":
            self.shown_layer = self.shown_layer - 1 if self.shown_layer > 1 else lesson.layers
            self.stop_training()
        else:
            missing = lesson.forward_pass is None
            if not self._phase(lesson.backward):
                return
            self.shown_layer = lesson.layers
            if missing:
                self.say("backward pass (the forward pass ran first): output layer first")
                self._warn()
                return
        self.say(f"backward pass: the chain rule at layer ({label(self.shown_layer, lesson.layers)})"
                 + ("; b: the next layer down" if self.shown_layer > 1 else ""))
        self._warn()

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
            n = len(self.lesson.samples)
            mean = f"the mean gradient over {n} samples" if n > 1 else "the gradient"
            self.say(f"step {self.lesson.steps_done}: every w and b moved by −η·{mean}")
            self._warn(lr=True)

    def action_next_phase(self) -> None:
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
            with contextlib.suppress(ModelError):  # a diverged chain: the message says why
                self.lesson.forward()
            self.shown_layer = self.lesson.layers

    # -- data and view -----------------------------------------------------------

    def action_reset(self) -> None:
        self.stop_training()
        self.lesson.reset()
        self.shown_layer, self.sample = self.lesson.layers, 0
        self.show_view(self.upper_view)
        self._clear_refusals()
        self.say("reset to the start values; the loss history is cleared")

    def action_dataset(self) -> None:
        self.stop_training()
        self.lesson.set_samples(defaults.DATASET_X, defaults.DATASET_Y)
        self.sample = 0
        self.say(f"built-in dataset: {len(defaults.DATASET_X)} samples, y = 1 when x > 0.5; "
                 "t trains, r returns to the start")

    def action_add_sample(self) -> None:
        lesson = self.lesson
        try:
            k = lesson.add_sample(lesson.samples.x[self.sample], lesson.samples.y[self.sample])
        except ModelError as exc:
            self.say(str(exc), error=True)
            return
        self.sample = k
        self.say(f"sample {k + 1} added (a copy): type its x, tab, then its y; enter applies")
        self.query_one(ChainView).edit(("x", None))
        self._adding = k

    def action_remove_sample(self) -> None:
        try:
            self.lesson.remove_sample(self.sample)
        except ModelError as exc:
            self.say(str(exc), error=True)
            return
        self.say(f"sample {self.sample + 1} deleted; {len(self.lesson.samples)} left")

    def action_sample(self, delta: int) -> None:
        self.sample = (self.sample + delta) % len(self.lesson.samples)

    def action_layer(self, delta: int) -> None:
        self.shown_layer = min(max(self.shown_layer + delta, 1), self.lesson.layers)
        lab = label(self.shown_layer, self.lesson.layers)
        self.say(f"layer ({lab}): the derivation and the batch show it; "
                 f"the nudge (e) and the slope (g) use {self._selected()}")

    def action_scroll_rows(self, delta: int) -> None:
        graph = self.mounted(GRAPH)
        if graph is not None and self.graph_shown:
            graph.scroll_rows(delta)
        else:
            self.query_one(Derivation).scroll_rows(delta)

    def action_switch_view(self) -> None:
        self.view, self.behind = self.behind, self.view

    def action_log_axis(self) -> None:
        from .widgets.loss_plot import log_axis_text  # loaded with the plot, made when needed

        plot = self.needed(LOSS)
        plot.log_scale = not plot.log_scale
        self.show_view(self.plot_view)
        self.say(log_axis_text(plot.log_scale))

    def action_more_keys(self) -> None:
        self.query_one(TeachKeyLine).show(self.app.size.width, turn=1)

    # -- edits -------------------------------------------------------------------

    def _clear_refusals(self) -> None:
        self.query_one(ChainView).clear_refusals()

    def edit(self, target: Target) -> NumberField | None:
        """Edit ``target``'s value (``("w", 1)``, ``("x", None)`` …): its field is mounted
        over the panel's line and focused; None when its panel is not shown."""
        return self.query_one(ChainView).edit(target)

    def action_focus_next(self) -> None:
        self._tab_to(1)

    def action_focus_previous(self) -> None:
        self._tab_to(-1)

    def _tab_to(self, delta: int) -> None:
        """tab and shift+tab: through the values of the panels shown, then the quiz's
        answer field when it is shown (fields are mounted as they are reached)."""
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
        kind, layer = field.target
        if kind in ("w", "b") and layer is not None:
            return f"{kind}({label(layer, self.lesson.layers)})"
        return "η" if kind == "lr" else kind

    def on_number_field_key_refused(self, event: NumberField.KeyRefused) -> None:
        self.say(f"{self.field_name(event.field)}: only a number goes in (digits, −, ., e); "
                 "enter applies, escape cancels", error=True)

    def on_number_field_edited(self, event: NumberField.Edited) -> None:
        self._edited(event)
        self.sync()

    def _value_of(self, target: Target) -> float:
        """The lesson's number that the field of ``target`` edits."""
        kind, layer = target
        lesson = self.lesson
        if kind in ("w", "b") and layer is not None:
            return float((lesson.network.flat_w if kind == "w" else lesson.network.flat_b)[layer - 1])
        if kind in ("x", "y"):
            return float((lesson.samples.x if kind == "x" else lesson.samples.y)[self.sample][0])
        return lesson.lr

    def _edited(self, event: NumberField.Edited) -> None:
        field, lesson = event.field, self.lesson
        kind, layer = field.target
        name = self.field_name(field)
        phase = lesson.phase
        before = lesson.forward_pass.mean_cost if lesson.forward_pass is not None else None
        try:
            if kind == "w" and layer is not None:
                lesson.set_w(layer, event.text)
            elif kind == "b" and layer is not None:
                lesson.set_b(layer, event.text)
            elif kind == "x":
                lesson.set_x(self.sample, event.text)
            elif kind == "y":
                lesson.set_y(self.sample, event.text)
            else:
                lesson.set_lr(event.text)
        except ModelError as exc:
            field.value = field.shown
            self.query_one(ChainView).refuse(field.target)
            self.say(f"{name}: {exc.reason}; kept {field.shown}", error=True)
            return
        self._clear_refusals()
        shown = field_text(self._value_of(field.target), field.room)
        if kind == "lr":
            self.say(f"η = {shown}: the next step uses it (z, a, C and the gradients "
                     "do not depend on η)")
            self._warn(lr=True)
            return
        if phase == "none" or self.training:
            self.say(f"{name} = {shown}: f computes z, a and C with it")
            return
        # Live: the phases shown before the edit run again with the new number.
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


