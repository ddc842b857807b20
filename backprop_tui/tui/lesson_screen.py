"""What both screens' apps (the chain's and the wide network's) share, for the one
:class:`~backprop_tui.model.lesson.Lesson`: the themes, the screen, output through the
mirror, the signals that end the app, the file ctrl+s saves to, a step of the loop,
training on a timer at a chosen speed, the one clock that times it
(:attr:`LessonApp.clock`), undo and redo, another activation or cost, and quitting.
Every action's change reaches the screen after it (:meth:`LessonApp._sync`).

Each app says what is its own through a few methods: how the derivation comes in front
after f, b or s (:meth:`LessonApp._derivation_in_front`), what the screen does when
training starts (:meth:`LessonApp._training_started`), what a note to training says
(:meth:`LessonApp._training_note`), what follows the end of training
(:meth:`LessonApp._after_training`) and how the screen is brought up to date
(:meth:`LessonApp._redraw`).
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from abc import abstractmethod
from collections.abc import Callable
from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING, Any, cast

from textual.reactive import var
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static

from ..lifeline import SIGNAL_GRACE, end_at_once_after
from ..model.errors import ModelError
from ..model.files import ANYWHERE, Folder
from ..model.functions import ACTIVATIONS, COSTS
from ..present.format import number
from ..present.formulas import Row, off_by, quiz_hint
from .mirror import FrugalApp
from .pace import Pace, paused_text, started_text, stopped_text
from .screens.main import MainScreen
from .themes import THEMES

if TYPE_CHECKING:
    from collections.abc import Mapping

    from textual.actions import ActionParseResult
    from textual.dom import DOMNode

    from ..model.lesson import Lesson
    from .widgets.quiz import AnswerField

MIN_WIDTH, MIN_HEIGHT = 80, 24
"""The smallest terminal an app draws itself in."""
WIDE_WIDTH, WIDE_HEIGHT = 110, 32
"""From this size on, the lower half shows its views side by side."""
SESSION_NAME = "backprop-session.json"
"""Where ctrl+s saves when the app did not start from a session file: in the
current folder, with -2, -3, … added when a file of that name is already there."""


def is_wide(width: int, height: int) -> bool:
    """Whether a terminal of ``width`` × ``height`` shows the lower half's views side by side."""
    return width >= WIDE_WIDTH and height >= WIDE_HEIGHT


def too_small_text(width: int, height: int) -> str:
    """What an app shows instead of itself in a terminal smaller than the smallest."""
    return (f"backprop-tui needs a terminal of at least {MIN_WIDTH}×{MIN_HEIGHT}; "
            f"this one is {width}×{height}.\nMake it larger to go on (q quits).")


SPEEDS: tuple[int, ...] = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000,
                           20000, 50000)
"""Training speeds, steps per second, chosen with + and −."""
DEFAULT_SPEED = SPEEDS.index(1000)
FRAME = 1 / 15
"""Seconds between training ticks: the screen is redrawn at most this often."""
BUDGET = 0.030
"""Seconds of training per tick at most, so that keys are always answered."""
CHUNK = 250
"""Steps per call of the trainer within a tick."""
TRAINING_REDRAW = 0.25
"""While training, seconds between redraws of the numbers: a calm screen, few bytes."""
PLOT_REDRAW = 1.0
"""While training, seconds between redraws of the loss curve (the costliest to send)."""
DEFAULT_CLOCK: Callable[[], float] = monotonic
"""The clock an app reads unless it is given another (:attr:`LessonApp.clock`): the only
clock under ``backprop_tui.tui``."""


HANDOUT_NAME = "backprop-handout"
"""Handouts go to backprop-handout-1.md, -2.md, … in the current folder."""
SCREENSHOT_NAME = "backprop-screenshot"
"""Screenshots go to backprop-screenshot-1.svg, -2.svg, … in the current folder."""


class LessonApp(FrugalApp[int]):
    """An app that teaches with ``lesson``; see the module's docstring."""

    quizzing: var[bool] = var(False, init=False)
    """Quiz mode: during the backward pass the next factor is hidden (z)."""

    DIVERGED_HINT = "r resets"
    """What the message says to do when t is pressed after training diverged."""

    def __init__(self, lesson: Lesson, theme: str | None,
                 session_path: str | os.PathLike | None, folder: Folder = ANYWHERE,
                 clock: Callable[[], float] = DEFAULT_CLOCK) -> None:
        super().__init__()
        self.clock: Callable[[], float] = clock
        """The app's one clock, in seconds: everything the app times by itself (the
        training pace, the redraw rates while training, the loss curve's) reads it, and
        nothing in the app reads another. A test sets it to step time by hand."""
        for own in THEMES.values():
            self.register_theme(own)
        self.default_theme = self.theme
        if theme is not None:
            self.theme = theme
        self.lesson = lesson
        self.folder = folder
        """Where the files named in the app are (anywhere, or a visitor folder)."""
        if folder.visitor is not None:
            session_path = None  # the server's own file: a visitor saves in their folder
        self.session_path: Path | None = None if session_path is None else Path(session_path)
        """Where ctrl+s saves: the session file the app started from or last saved to."""
        self.speed = DEFAULT_SPEED
        """The training speed: an index into :data:`SPEEDS`."""
        self._timer: Timer | None = None
        self._pace = Pace(FRAME, BUDGET, CHUNK, TRAINING_REDRAW)

    def get_default_screen(self) -> Screen:
        return MainScreen(id="_default")

    def on_mount(self) -> None:
        if not self.is_headless:
            self._catch_signals()

    def _fit_size(self, width: int, height: int) -> None:
        """The screen's size classes: ``-too-small`` (and the text saying so, in the
        ``#too-small`` line, mounted the first time it is needed), ``-wide`` or
        ``-compact``."""
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        self.screen.set_class(small, "-too-small")
        wide = is_wide(width, height)
        self.screen.set_class(wide, "-wide").set_class(not wide, "-compact")
        if small:
            text = too_small_text(width, height)
            found = self.screen.query("#too-small")
            if found:
                found.first(Static).update(text)
            else:  # the only line shown at this size (app.tcss hides the rest)
                self.screen.mount(Static(text, id="too-small"))

    def _catch_signals(self) -> None:
        """SIGTERM and SIGHUP end the app as q does: the terminal is restored (mouse
        off, main screen back, no raw mode) instead of being left as the app set it."""
        if not hasattr(signal, "SIGHUP") or threading.current_thread() is not threading.main_thread():
            return  # no SIGHUP (Windows), or a thread that takes no signals: the default stays
        loop = asyncio.get_running_loop()
        for which in (signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(which, self._signalled, which)

    def _signalled(self, number: int) -> None:
        self._stop_training()
        self.exit(return_code=128 + number)  # the shell's convention: "ended by signal N"
        end_at_once_after(SIGNAL_GRACE, 128 + number)  # if the way out hangs

    # -- the loop and training ------------------------------------------------------

    @abstractmethod
    def _derivation_in_front(self) -> None:
        """Show the derivation (after f, b or s)."""

    def _phase(self, run: Callable[[], object]) -> bool:
        """Run a step of the loop (f, b, s): training stops first; a refusal is said.
        Whether it ran."""
        self._stop_training()
        try:
            run()
        except ModelError as exc:
            self.say(str(exc), error=True)
            self._redraw()
            return False
        self._derivation_in_front()
        return True

    @abstractmethod
    def say(self, text: str, error: bool = False) -> None:
        """Show ``text`` on the message line."""

    def _file_error(self, text: str) -> None:
        """A refused file: on the message line, and whole in a notice (long paths)."""
        self.say(text, error=True)
        self.notify(text, severity="error", markup=False)

    def action_handout(self) -> None:
        from ..present.report import handout_markdown

        try:
            bp = self.lesson.current_trace()
            text = handout_markdown(bp, self.lesson.lr)
            path = self.folder.write_new(HANDOUT_NAME, ".md", text.encode("utf-8"), "handout")
        except ModelError as exc:
            self._file_error(str(exc))
            return
        self.say(f"step {self.lesson.steps_done}: handout written to {self.folder.shown(path)}")

    def action_screenshot(self) -> None:  # type: ignore[override]
        """Save the screen as SVG (backprop-screenshot-N.svg), in the app's folder."""
        try:
            path = self.folder.write_new(SCREENSHOT_NAME, ".svg",
                                         self.export_screenshot().encode("utf-8"), "screenshot")
        except ModelError as exc:
            self._file_error(str(exc))
            return
        self.say(f"screenshot written to {self.folder.shown(path)}")

    @abstractmethod
    def _redraw(self) -> None:
        """Bring the screen up to date with the lesson."""

    @abstractmethod
    def _training_started(self) -> None:
        """What the screen does when training starts (the loss curve in front)."""

    def _training_note(self) -> str | None:
        """A warning to show when training starts (η too large …), if any."""
        return None

    @abstractmethod
    def _after_training(self) -> None:
        """What follows the end of training (the forward pass of the parameters reached)."""

    def action_train(self) -> None:
        if self._timer is not None:
            self._stop_training()
            self._after_training()
            self.say(stopped_text(self.lesson.steps_done))
        elif self.lesson.divergence is not None:
            self.say(f"{self.lesson.divergence}: {self.DIVERGED_HINT}", error=True)
            return
        else:
            self._pace.start(self.clock())
            self._timer = self.set_interval(FRAME, self._tick)
            self._training_started()
            self.say(started_text(SPEEDS[self.speed]))
            note = self._training_note()
            if note is not None:
                self.say(f"training: {note}", error=True)
        self._redraw()

    def _stop_training(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _tick(self) -> None:
        diverged, due = self._pace.tick(self.clock, SPEEDS[self.speed], self.lesson.train)
        if diverged is not None:
            self._stop_training()
            self._after_training()
            self.say(paused_text(str(diverged.divergence)), error=True)
        if due:
            self._redraw()

    def action_speed(self, delta: int) -> None:
        self.speed = min(max(self.speed + delta, 0), len(SPEEDS) - 1)
        self.say(f"training speed: {SPEEDS[self.speed]:,} steps/s at most")
        self._redraw()

    # -- after every key ----------------------------------------------------------

    async def run_action(self, action: str | ActionParseResult,
                         default_namespace: DOMNode | None = None,
                         namespaces: Mapping[str, DOMNode] | None = None) -> bool:
        """Every key's action; the lesson's state reaches the screen after it."""
        try:
            return await super().run_action(action, default_namespace, namespaces)
        finally:
            self._sync()

    @abstractmethod
    def _sync(self) -> None:
        """Bring the screen up to date with the lesson if it changed (after every key)."""

    def _clear_refusals(self) -> None:
        """No field shows a refused value any more (the values it refused are gone)."""
        from .widgets.field import NumberField

        for field in self.query(NumberField):
            field.remove_class("-refused")

    # -- undo and redo ---------------------------------------------------------------

    def _went(self, what: str) -> None:
        lesson = self.lesson
        phase = lesson.phase if lesson.phase != "none" else "—"
        self.say(f"{what}: step {lesson.steps_done}, phase {phase}; "
                 f"{lesson.can_undo} to undo (u), {lesson.can_redo} to redo (U)")
        self._clear_refusals()

    def _attempt(self, change: Callable[[], object]) -> bool:
        """Ask the lesson for ``change`` (training stops first); a refusal is said on the
        message line and nothing changed. Whether it was made."""
        self._stop_training()
        try:
            change()
        except ModelError as exc:
            self.say(str(exc), error=True)
            return False
        return True

    def action_undo(self) -> None:
        if self._attempt(self.lesson.undo):
            self._went("undone")

    def action_redo(self) -> None:
        if self._attempt(self.lesson.redo):
            self._went("redone")

    # -- activation and cost ---------------------------------------------------------

    def _switch(self, kind: str, choices: Any, current: str,
                change: Callable[[str], None]) -> None:
        names = list(choices)
        name = names[(names.index(current) + 1) % len(names)]
        self._stop_training()
        try:
            change(name)
        except ModelError as exc:
            other = "k: another cost" if kind == "activation" else "o: another activation"
            self.say(f"{kind} {name} refused, nothing changed: {exc} ({other})", error=True)
            return
        self.say(f"{kind}: {name}; results of the old {kind} cleared (f computes them again)")

    def action_cycle_activation(self) -> None:
        network = self.lesson.network
        self._switch("activation", ACTIVATIONS, network.activation.name,
                     self.lesson.set_activation)

    def action_cycle_cost(self) -> None:
        network = self.lesson.network
        self._switch("cost", COSTS, network.cost.name, self.lesson.set_cost)

    # -- reveal mode and the quiz -------------------------------------------------------

    def _say_revealed(self, rows: list[Row], index: int, done: str) -> None:
        """Reveal mode: row ``index`` shown by b, and what the next b shows (``done`` after
        the last row)."""
        row = rows[index]
        following = (f"; b: {rows[index + 1].symbol} = ?" if index + 1 < len(rows)
                     else f"; {done}")
        self.say(f"{row.symbol} {row.relation} {row.formula} {row.equals} {row.value_text}"
                 f"{following}")

    @abstractmethod
    def quiz_state(self) -> tuple[object, list[Row], int | None] | None:
        """In the quiz during the backward pass: (the key of the rows asked, the rows, the
        index of the hidden one or None when all are done); else None."""

    def _quiz_prompt(self, state: tuple[object, list[Row], int | None] | None,
                     done: str) -> tuple[str | None, bool]:
        """The quiz line for ``state`` (:meth:`quiz_state`) and whether it asks; ``done``:
        what it says when every row is answered. No line outside the quiz."""
        if not self.quizzing:
            return None, False
        score = self.lesson.quiz.score
        if state is None:
            return f"quiz · {score} · b: the backward pass hides the next factor", False
        _, rows, index = state
        if index is None:
            return f"quiz · {score} · {done}", False
        return f"quiz · {score} · {rows[index].symbol} =", True

    def action_quiz(self) -> None:
        self.quizzing = not self.quizzing
        if self.quizzing:
            self.say("quiz: b hides the next factor; type its value, enter checks (1%), "
                     "empty enter reveals")
        else:
            self.say(f"quiz off · {self.lesson.quiz.score}")
            found = self.query("#quiz-answer")
            if found and self.focused is found.first():
                self.screen.set_focus(None)

    def on_answer_field_answered(self, event: AnswerField.Answered) -> None:
        field = cast("AnswerField", self.query_one("#quiz-answer"))
        state = self.quiz_state()
        if state is None or state[2] is None:
            field.value = ""
            return
        key, rows, index = state
        assert index is not None
        row = rows[index]
        quiz = self.lesson.quiz
        text = event.text.strip()
        if not text:
            quiz.reveal(key)
            self.say(f"revealed {row.symbol} = {row.value_text} ({quiz_hint(row)})")
        else:
            try:
                verdict = quiz.answer(key, text, row.value)
            except ModelError as exc:
                self.say(f"{exc}: type a number, or enter on an empty field to reveal",
                         error=True)
                return
            if verdict.accepted:
                self.say(f"right: {row.symbol} = {row.value_text}")
            else:
                self.say(f"{number(verdict.guess)} is off by {off_by(verdict.guess, row.value)}: "
                         f"{quiz_hint(row)}; empty enter reveals", error=True)
        field.value = ""
        self._redraw()  # the quiz's score and its next factor

    def action_quit(self) -> None:  # type: ignore[override]
        self._stop_training()
        self.exit(0)
