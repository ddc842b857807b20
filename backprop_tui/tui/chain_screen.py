"""The app: keys ask the lesson to change, widgets show what it holds.

Nothing here computes a gradient; every number on screen comes from the
:class:`~backprop_tui.model.lesson.Lesson`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, cast

from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.containers import Container, Vertical
from textual.reactive import var
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from ..model import defaults
from ..model.errors import FileError, ModelError
from ..model.files import ANYWHERE, Folder
from ..model.limits import MAX_SAMPLES
from ..model.opening import Opening
from ..present.format import number
from ..present.formulas import label, lr_warning, narration, zero_gradient_note
from .keys import bindings
from .later import BATCH, LOSS, ORDER, QUIZ, Later
from .lesson_app import DEFAULT_CLOCK, PLOT_REDRAW, SESSION_NAME, is_wide
from .pace import training_text
from .teaching import Teaching
from .themes import BRIGHT_TITLES
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

class BackpropApp(Teaching):
    """backprop-tui: forward, backward, step and training of a chain of neurons."""

    CSS_PATH = "app.tcss"
    TITLE = "backprop-tui"
    AUTO_FOCUS = None  # start with no field focused: no blinking cursor over SSH
    ENABLE_COMMAND_PALETTE = True  # ctrl+p: the file commands (see get_system_commands)

    BINDINGS = bindings()  # type: ignore[assignment]  # every key, from keys.py
    DIVERGED_HINT = "change η or r to reset"

    # The screen's state: each change reaches the widgets through the watchers below.
    state: var[LessonState | None] = var(None, always_update=True, init=False)
    """The lesson's state on screen: a frozen value, a new one with every change."""
    view: var[View] = var(View.DERIVATION, init=False)
    """The view in front: at small sizes, the only view the lower half shows."""
    behind: var[View] = var(View.LOSS, init=False)
    """The other half's view: beside ``view`` from 110×32, in front after v."""
    training: var[bool] = var(False, init=False)
    """Whether the lesson is training on batches (t starts and stops it)."""

    def __init__(
        self, lesson: Lesson | Opening, session_path: str | os.PathLike | None = None,
        quiz: bool = False, theme: str | None = None,
        folder: Folder = ANYWHERE, clock: Callable[[], float] = DEFAULT_CLOCK,
    ) -> None:
        self._opening: Opening | None = lesson if isinstance(lesson, Opening) else None
        """The start values the first frame shows while the lesson loads (None: loaded)."""
        self._shown_by: list[Derivation | LossPlot | BatchTable] = []
        """The widgets made with the opening: they show the lesson once it is made."""
        self.shown: Lesson = cast("Lesson", lesson)
        """What the screen shows: the lesson, or until it is loaded the opening, which reads
        the same for everything the first frame shows (held equal by a test)."""
        super().__init__(cast("Lesson", lesson), theme, session_path, folder, clock)
        self.init_teaching(quiz)
        self._replace: Path | None = None
        """The existing file *Save session as…* was asked to replace (enter again: yes)."""
        self.set_reactive(BackpropApp.state, self.shown.state)
        self.set_reactive(BackpropApp.layer, self.shown.layers)
        self._live: tuple[LessonState, BackwardPass] | None = None
        self._screen_ready = False
        """Set once mounted: from then on a change of the state updates the screen."""
        self._pending = False
        self._table_live: tuple[float, BackwardPass, int] | None = None
        self._trained_from = 0
        """The step training last started from (t)."""

    @property
    def lesson(self) -> Lesson:
        """The lesson; loaded first (numpy and the model) if the app opened without it."""
        if self._opening is not None:
            self._open()
        return self._lesson

    @lesson.setter
    def lesson(self, lesson: Lesson) -> None:
        self._lesson = lesson

    def _open(self) -> None:
        """Make the lesson the opening showed: once, after the first frame or at the first
        key that needs it. The screen it shows is the same."""
        opening = self._opening
        if opening is None:
            return
        self._opening = None
        lesson = opening.lesson()  # refuses nothing: the opening checked what it would
        self._lesson = self.shown = lesson
        for widget in self._shown_by:
            widget.lesson = lesson
        self._shown_by.clear()
        self._sync()

    # -- layout ------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # The size classes before the widgets mount: the first frame is styled once, not
        # styled and then restyled by on_mount (a quicker start).
        width, height = self.size
        wide = is_wide(width, height)
        self.screen.set_class(wide, "-wide").set_class(not wide, "-compact")
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
        yield TeachKeyLine(id="teach-keys")
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
            cast("BatchTable", widget).all_layers = self.screen.has_class("-huge")
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
        self._title_colours()
        self.theme_changed_signal.subscribe(self, lambda theme: self._title_colours())
        self._fit(self.size.width, self.size.height)
        self.query_one(TeachKeyLine).show(self.size.width)
        self._update_screen()
        self._screen_ready = True
        if self._opening is not None:
            self.call_after_refresh(self._open)  # the first frame is drawn from the opening

    def _title_colours(self) -> None:
        """Bright panel titles in the themes that want them (a projector's)."""
        self.set_class(self.theme in BRIGHT_TITLES, "-bright-titles")

    def on_resize(self, event) -> None:
        was_wide = self.screen.has_class("-wide")
        self._fit(event.size.width, event.size.height)
        self.query_one(ChainView).place_panels(event.size.width)
        self.query_one(TeachKeyLine).show(event.size.width)
        if self.screen.has_class("-wide") != was_wide:
            self._changed()  # the curve and the batch table beside the derivation, or not

    def _fit(self, width: int, height: int) -> None:
        self._fit_size(width, height)
        huge = width >= HUGE_WIDTH and height >= HUGE_HEIGHT
        self.screen.set_class(huge, "-huge")
        for widget in (self.query_one(Derivation), self.mounted(BATCH)):
            if widget is not None and widget.all_layers != huge:
                widget.all_layers = huge
                widget.refresh()

    # -- the state and the screen ---------------------------------------------------

    def validate_layer(self, layer: int) -> int:
        return min(max(layer, 1), self.shown.layers)

    def validate_sample(self, sample: int) -> int:
        return min(max(sample, 0), len(self.shown.samples) - 1)

    def watch_state(self) -> None:
        # Fewer layers or samples than before: the ones shown stay within the lesson.
        self.set_reactive(BackpropApp.layer, self.validate_layer(self.layer))
        self.set_reactive(BackpropApp.sample, self.validate_sample(self.sample))
        self._changed()

    def watch_layer(self) -> None:
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

    def _sync(self) -> None:
        """Take the lesson's state (a new value when it changed) into the screen's."""
        if self.lesson.state is not self.state:
            self.state = self.lesson.state

    def show(self) -> None:
        """Show the lesson as it is now, at once (for a lesson changed from outside the
        app; the app's own changes reach the screen through its state)."""
        self._sync()
        self._update_screen()

    def _update_screen(self) -> None:
        """Bring every widget up to date with the state (each redraws only on change)."""
        self._pending = False
        lesson = self.shown
        training = ""
        if self.training:
            training = training_text(self._pace.measured())
        self.query_one(StatusLine).show(lesson, training)
        current = self.layer if lesson.phase != "none" else None
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
            now = self.clock()
            drawn = self._table_live
            catch_up = drawn is None or drawn[2] == self._trained_from
            if drawn is None or catch_up \
                    or now - drawn[0] >= LIVE_TABLE_REDRAW * self._pace.slowdown:
                drawn = self._table_live = (now, live, lesson.steps_done)
            _, table_bp, table_step = drawn
            table_fwd = table_bp.forward
        else:
            self._table_live = None
        self.query_one(ChainView).show(lesson, self.sample, current, self.layer, fwd)
        self.query_one(Derivation).show(self.layer, self.sample, live)
        if (not self.view.upper or self.screen.has_class("-wide")
                or self.mounted(LOSS) is not None):
            every = PLOT_REDRAW * self._pace.slowdown if self.training and not catch_up else 0.0
            self.needed(LOSS).show(every)
            self.needed(BATCH).show(self.layer, self.sample, table_fwd, table_bp,
                                         table_step)
        text = narration(lesson.phase, self.layer, lesson.layers,
                         lesson.network.activation.symbol, self.training,
                         self.revealing or self.quizzing)
        told = self.query_one("#narration", Static)
        if str(told.content) != text:
            told.update(text, layout=False)
        self.screen.set_class(not self.view.upper, "-page-loss")
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
            self.layer = self.lesson.layers
            self.say("forward pass: z and a of every neuron, then the cost C")

    def action_backward(self) -> None:
        lesson = self.lesson
        if lesson.phase == "backward" and not self.training and self.reveal_next():
            return
        self.revealed = 0
        if lesson.phase == "backward":
            self.layer = self.layer - 1 if self.layer > 1 else lesson.layers
            self._stop_training()
        else:
            missing = lesson.forward_pass is None
            if not self._phase(lesson.backward):
                return
            self.layer = lesson.layers
            if missing:
                self.say("backward pass (the forward pass ran first): output layer first")
                self._warn()
                return
        self.say(f"backward pass: the chain rule at layer ({label(self.layer, lesson.layers)})"
                 + ("; b: the next layer down" if self.layer > 1 else ""))
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
        if self.lesson.phase == "backward" and self.layer > 1:
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
        self._sync()
        self._changed()  # the speed measured, the live numbers

    def _training_started(self) -> None:
        self._trained_from = self.lesson.steps_done
        self.training = True
        self.show_view(self.plot_view)

    def _training_note(self) -> str | None:
        warning = lr_warning(self.lesson.lr)
        if warning is None:
            try:
                warning = zero_gradient_note(self.lesson.current_trace())
            except ModelError:
                warning = None
        return warning

    def _stop_training(self) -> None:
        super()._stop_training()
        self.training = False

    def _after_training(self) -> None:
        """The screen keeps the forward pass of the parameters training ended with."""
        if self.lesson.phase == "none":
            with contextlib.suppress(ModelError):  # a diverged chain: the message says why
                self.lesson.forward()
            self.layer = self.lesson.layers

    # -- data and view -----------------------------------------------------------

    def action_reset(self) -> None:
        self._stop_training()
        self.lesson.reset()
        self.layer, self.sample = self.lesson.layers, 0
        self.show_view(self.upper_view)
        self._clear_refusals()
        self.say("reset to the start values; the loss history is cleared")

    def action_dataset(self) -> None:
        self._stop_training()
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
        self.layer = min(max(self.layer + delta, 1), self.lesson.layers)
        lab = label(self.layer, self.lesson.layers)
        self.say(f"layer ({lab}): the derivation and the batch show it; "
                 f"the nudge (e) and the slope (g) use {self._selected()}")

    def action_scroll_rows(self, delta: int) -> None:
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
        self.query_one(TeachKeyLine).show(self.size.width, turn=1)

    def action_help(self) -> None:
        from .screens.help import HelpScreen  # a screen: imported when first shown

        self.push_screen(HelpScreen(self.lesson))

    # -- files: sessions, data, handouts, screenshots ----------------------------

    def action_save_session(self) -> None:
        """Save to the session file, else to a new file (a free name, claimed atomically)."""
        if self.session_path is not None:
            self.save_session_to(self.session_path)
            return
        try:
            written = self.folder.write_new(*os.path.splitext(SESSION_NAME),
                                            self._session_to_save().dumps().encode("utf-8"),
                                            "session", plain_first=True)
        except ModelError as exc:
            self._file_error(str(exc))
            return
        self._saved(written)

    def _session_to_save(self):
        """The lesson as a session, with the theme chosen (None: the default)."""
        chosen = self.theme if self.theme != self.default_theme else None
        return dataclasses.replace(self.lesson.to_session(), theme=chosen)

    def save_session_to(self, path: Path) -> str | None:
        """Save the lesson to ``path`` atomically; the error message, or None when saved."""
        from ..model.session import save_session

        try:
            written = save_session(self._session_to_save(), path, self.folder)
        except ModelError as exc:
            self._file_error(str(exc))
            return str(exc)
        self._saved(written)
        return None

    def _saved(self, path: Path) -> None:
        self.session_path = path
        self.say(f"step {self.lesson.steps_done}: session saved to {self.folder.shown(path)}")

    def action_save_session_as(self) -> None:
        from .screens.path import PathScreen  # a screen: imported when first shown

        current = self.folder.shown(self.session_path) if self.session_path else SESSION_NAME
        self._replace = None
        self.push_screen(PathScreen("save the session to the file", current,
                                    self.save_session_as))

    def save_session_as(self, name: str) -> str | None:
        """*Save session as…*: a new name saves, an existing file only when asked twice."""
        try:
            path = self.folder.path(name)
        except FileError as exc:
            return str(exc)
        if os.path.lexists(path) and self._replace != path:
            self._replace = path
            return (f"{self.folder.shown(path)} exists: enter again replaces it, "
                    "escape keeps it")
        self._replace = None
        return self.save_session_to(path)

    def action_load_csv(self) -> None:
        from .screens.path import PathScreen  # a screen: imported when first shown

        self.push_screen(PathScreen("load samples from a CSV file (columns x and y)", "",
                                    self.load_csv))

    def load_csv(self, name: str) -> str | None:
        """Replace the samples by those of the CSV file ``name``; the error, or None."""
        from ..model.csv_data import load_samples_csv

        try:
            path = self.folder.path(name)
            samples = load_samples_csv(path, self.folder, most=MAX_SAMPLES)
            self.lesson.set_samples(samples.x, samples.y)
        except FileError as exc:
            return str(exc)
        except ModelError as exc:
            return f"{self.folder.shown(path)}: {exc}"
        self._stop_training()
        self.sample = 0
        self.show_view(self.upper_view)
        n = len(samples)
        self.say(f"{n} sample{'s' * (n != 1)} loaded from {self.folder.shown(path)}; "
                 "f: forward pass with them")
        self._sync()
        return None

    def action_command_palette(self) -> None:
        """ctrl+p: the command palette, guarded against bursts of keys (screens/palette.py)."""
        from .screens.palette import CommandPalette  # a screen: imported when first shown

        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]
            self.push_screen(CommandPalette(id="--command-palette"))

    def search_themes(self) -> None:
        """The palette's *Change theme*: Textual's theme search, in the guarded palette."""
        from textual.theme import ThemeProvider

        from .screens.palette import CommandPalette  # a screen: imported when first shown

        self.push_screen(CommandPalette(providers=[ThemeProvider],
                                        placeholder="Search for themes…"))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette (ctrl+p): the file commands first, then Textual's own."""
        yield SystemCommand("Save session", "write the lesson to its session file (ctrl+s)",
                            self.action_save_session)
        yield SystemCommand("Save session as…", "write the lesson to a file you name",
                            self.action_save_session_as)
        yield SystemCommand("Load CSV data", "samples from a CSV file with columns x and y",
                            self.action_load_csv)
        yield SystemCommand("Write handout", "the current trace as Markdown tables (m)",
                            self.action_handout)
        # After the palette has closed, so that it is not in the picture.
        yield SystemCommand("Screenshot", "an SVG picture of the screen (i)",
                            lambda: self.set_timer(0.1, self.action_screenshot))
        for command in super().get_system_commands(screen):
            if command.title != "Screenshot":
                yield command

    # -- edits -------------------------------------------------------------------

    def _clear_refusals(self) -> None:
        self.query_one(ChainView).clear_refusals()

    def edit(self, target: Target) -> NumberField | None:
        """Edit ``target``'s value (``("w", 1)``, ``("x", None)`` …): its field is mounted
        over the panel's line and focused; None when its panel is not shown."""
        return self.query_one(ChainView).edit(target)

    def action_focus_next(self) -> None:
        self._move_focus(1)

    def action_focus_previous(self) -> None:
        self._move_focus(-1)

    def _move_focus(self, delta: int) -> None:
        """tab and shift+tab: through the values of the panels shown, then the quiz's
        answer field when it is shown (fields are mounted as they are reached)."""
        if len(self.screen_stack) > 1:  # help, a dialog, the palette: their own fields
            if delta > 0:
                super().action_focus_next()
            else:
                super().action_focus_previous()
            return
        adding, self._adding = self._adding, None
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
        self._sync()

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


def run_app(
    lesson: Lesson | Opening, session_path: str | os.PathLike | None = None, quiz: bool = False,
    theme: str | None = None,
    folder: Folder = ANYWHERE,
) -> int:
    """Run the app until q; returns the exit status.

    ``lesson`` may be an :class:`~backprop_tui.model.opening.Opening`: the first frame is
    drawn from it and the lesson made after it. ctrl+s saves to ``session_path``; ``quiz``
    starts in quiz mode; ``theme`` names the
    colours (:func:`~backprop_tui.tui.themes.theme_names`); the files named in the app
    are where ``folder`` allows.
    """
    app = BackpropApp(lesson, session_path, quiz=quiz, theme=theme, folder=folder)
    app.run()
    return app.return_code or 0
