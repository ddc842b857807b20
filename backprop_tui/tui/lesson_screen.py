"""The base of the lesson's screen, for the one :class:`~backprop_tui.model.lesson.Lesson`
the app holds: the size classes, a step of the loop, training on a timer at a chosen speed
(read on the app's one clock), undo and redo, another activation or cost, the handout, the
quiz's answers, reveal mode's line, the keys a shape has no use for, and the class (a
teacher's screen sent to the students'). Every action's change reaches the screen after it
(:meth:`LessonScreen.sync`, called by the app).

The screen (:class:`~backprop_tui.tui.network_screen.NetworkScreen`) says what is its own
through a few methods: how the derivation comes in front after f, b or s
(:meth:`LessonScreen._derivation_in_front`), what the screen does when training starts
(:meth:`LessonScreen._training_started`), what a note to training says
(:meth:`LessonScreen._training_note`), what follows the end of training
(:meth:`LessonScreen._after_training`) and how the screen is brought up to date
(:meth:`LessonScreen._redraw`).
"""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual.reactive import var
from textual.timer import Timer
from textual.widgets import Static

from ..model.errors import ModelError
from ..model.functions import ACTIVATIONS, COSTS
from ..present.format import number
from ..present.formulas import Row, off_by, quiz_hint, revealed_text
from ..present.keys import Key, shown_keys
from .app import (
    BUDGET,
    CHUNK,
    DEFAULT_SPEED,
    FRAME,
    HANDOUT_NAME,
    MIN_HEIGHT,
    MIN_WIDTH,
    SPEEDS,
    TRAINING_REDRAW,
    is_wide,
    too_small_text,
)
from .pace import Pace, paused_text, started_text, stopped_text
from .screens.main import MainScreen

if TYPE_CHECKING:
    from ..model.lesson import Lesson
    from .app import BackpropApp
    from .widgets.quiz import AnswerField


class LessonScreen(MainScreen):
    """The screen that teaches the app's lesson; see the module's docstring."""

    quizzing: var[bool] = var(False, init=False)
    """Quiz mode: during the backward pass the next factor is hidden (z)."""

    DIVERGED_HINT = "r resets"
    """What the message says to do when t is pressed after training diverged."""

    FOLLOWED: ClassVar[tuple[str, ...]] = ("quizzing",)
    """What a class sees of the teacher's screen besides the lesson: the names of the
    attributes (the layer shown, the sample, the view …) each student's screen takes."""

    def __init__(self, quiz: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.set_reactive(LessonScreen.quizzing, quiz)
        self.speed = DEFAULT_SPEED
        """The training speed: an index into :data:`SPEEDS`."""
        self._timer: Timer | None = None
        self._pace = Pace(FRAME, BUDGET, CHUNK, TRAINING_REDRAW)
        self._published: tuple[int, str] | None = None
        """The teacher's: the lesson's version and the view last sent to the class."""
        self._asked: tuple[object, int] | None = None
        """The teacher's: the factor the class is asked (the quiz's key and index)."""
        self._question_count = 0
        self._watching: Timer | None = None
        self._teacher_view: dict[str, Any] | None = None
        """A student's: the view of the teacher's last state."""
        self._question: str | None = None
        """The id of the question the class is asked (the teacher's, and a student's as
        the teacher's state says)."""

    # -- the app's lesson --------------------------------------------------------------

    @property
    def lesson_app(self) -> BackpropApp:
        """The app this screen is on."""
        return cast("BackpropApp", self.app)

    @property
    def lesson(self) -> Lesson:
        """The app's lesson (made first, if the app opened without it)."""
        return self.lesson_app.lesson

    @property
    def shown(self) -> Lesson:
        """What the screen shows: the lesson, or until it is made the app's opening."""
        return self.lesson_app.shown

    @property
    def absent(self) -> dict[str, str]:
        """The keys (as the registry writes them) whose feature the lesson's shape lacks,
        and why: each says so in one line (:meth:`action_absent`), never something else."""
        return {}

    @property
    def unlisted(self) -> frozenset[str]:
        """Keys that work here but that the key lines leave to the help (another key does
        the same and is shown)."""
        return frozenset()

    def screen_keys(self) -> tuple[Key, ...]:
        """The keys of this screen, as its help lists them."""
        return shown_keys(self.absent)

    def listed_keys(self) -> tuple[Key, ...]:
        """The keys its key lines show."""
        return shown_keys([*self.absent, *self.unlisted])

    @abstractmethod
    def resized(self, width: int, height: int) -> None:
        """The terminal is now ``width`` × ``height`` (the app's size, whichever screen is
        in front)."""

    def opened(self, lesson: Lesson) -> None:
        """The lesson has been made from the opening the first frame showed."""

    def samples_replaced(self, text: str) -> None:
        """The lesson's samples were replaced (a CSV file): ``text`` says so."""
        self.stop_training()
        self.say(text)
        self.sync()

    def _fit_size(self, width: int, height: int) -> None:
        """The screen's size classes: ``-too-small`` (and the text saying so, in the
        ``#too-small`` line, mounted the first time it is needed), ``-wide`` or
        ``-compact``."""
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        self.set_class(small, "-too-small")
        wide = is_wide(width, height)
        self.set_class(wide, "-wide").set_class(not wide, "-compact")
        if small:
            text = too_small_text(width, height)
            found = self.query("#too-small")
            if found:
                found.first(Static).update(text)
            else:  # the only line shown at this size (app.tcss hides the rest)
                self.mount(Static(text, id="too-small"))

    def action_absent(self, key: str) -> None:
        """A key whose feature this shape lacks: one line says so, nothing else happens."""
        from ..model.network import shape_text

        head = f"{key}: {self.absent[key]}"
        lines = [f"{head} (shape {shape_text(self.lesson.shape)})", head]
        width = self.size.width - 2
        self.say(next((line for line in lines if len(line) <= width), lines[-1]), error=True)

    def action_help(self) -> None:
        from .screens.help import HelpScreen  # a screen: imported when first shown

        self.app.push_screen(HelpScreen(self.lesson, self.screen_keys()))

    # -- the loop and training ------------------------------------------------------

    @abstractmethod
    def _derivation_in_front(self) -> None:
        """Show the derivation (after f, b or s)."""

    def _phase(self, run: Callable[[], object]) -> bool:
        """Run a step of the loop (f, b, s): training stops first; a refusal is said.
        Whether it ran."""
        self.stop_training()
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

    def action_handout(self) -> None:
        from ..present.report import handout_markdown

        folder = self.lesson_app.folder
        try:
            bp = self.lesson.current_trace()
            text = handout_markdown(bp, self.lesson.lr)
            path = folder.write_new(HANDOUT_NAME, ".md", text.encode("utf-8"), "handout")
        except ModelError as exc:
            self.lesson_app.file_error(str(exc))
            return
        self.say(f"step {self.lesson.steps_done}: handout written to {folder.shown(path)}")

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
            self.stop_training()
            self._after_training()
            self.say(stopped_text(self.lesson.steps_done))
        elif self.lesson.divergence is not None:
            self.say(f"{self.lesson.divergence}: {self.DIVERGED_HINT}", error=True)
            return
        elif self.lesson.locked is not None:
            self.say(self.lesson.locked, error=True)
            return
        else:
            self._pace.start(self.lesson_app.clock())
            self._timer = self.set_interval(FRAME, self._tick)
            self._training_started()
            self.say(started_text(SPEEDS[self.speed]))
            note = self._training_note()
            if note is not None:
                self.say(f"training: {note}", error=True)
        self._redraw()

    def stop_training(self) -> None:
        """Training stops (nothing happens when it is not running)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _tick(self) -> None:
        diverged, due = self._pace.tick(self.lesson_app.clock, SPEEDS[self.speed],
                                        self.lesson.train)
        if diverged is not None:
            self.stop_training()
            self._after_training()
            self.say(paused_text(str(diverged.divergence)), error=True)
        if due:
            self._redraw()
            self.class_changed()

    def action_speed(self, delta: int) -> None:
        self.speed = min(max(self.speed + delta, 0), len(SPEEDS) - 1)
        self.say(f"training speed: {SPEEDS[self.speed]:,} steps/s at most")
        self._redraw()

    # -- after every key ----------------------------------------------------------

    @abstractmethod
    def sync(self) -> None:
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
        self.stop_training()
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
        self.stop_training()
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
        link = self.lesson_app.link
        score = ("class question" if link is not None and not link.leads
                 else self.lesson.quiz.score)
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
                self.set_focus(None)

    def on_answer_field_answered(self, event: AnswerField.Answered) -> None:
        field = cast("AnswerField", self.query_one("#quiz-answer"))
        state = self.quiz_state()
        if state is None or state[2] is None:
            field.value = ""
            return
        key, rows, index = state
        assert index is not None
        row = rows[index]
        link = self.lesson_app.link
        if link is not None and not link.leads:
            self._answer_class(field, event.text.strip(), row)
            return
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

    # -- a class (backprop-tui ssh --class) -----------------------------------------------

    def class_view(self) -> dict[str, Any]:
        """What the class sees of this screen: :attr:`FOLLOWED`, by name."""
        view: dict[str, Any] = {}
        for name in self.FOLLOWED:
            value = getattr(self, name)
            view[name] = value.name if isinstance(value, Enum) else value
        return view

    def take_view(self, view: dict[str, Any]) -> None:
        """Show the teacher's screen's ``view`` (a value of the wrong kind is passed over)."""
        for name in self.FOLLOWED:
            if name not in view:
                continue
            current, value = getattr(self, name), view[name]
            try:
                if isinstance(current, Enum):
                    value = type(current)[value]
                elif type(value) is not type(current) and not (
                        isinstance(current, float) and isinstance(value, int)):
                    continue
                setattr(self, name, value)
            except (KeyError, TypeError, ValueError):
                continue

    def _shared(self) -> dict[str, Any]:
        """The teacher's lesson and screen, as the class is sent them."""
        from ..model.follow import Shared

        lesson = self.lesson
        step = lesson.last_step
        view = self.class_view()
        view["question"] = self._question
        state = self.quiz_state() if self.quizzing else None
        view["quiz"] = None if state is None else state[2]
        asked = None if state is None or state[2] is None else state[1][state[2]]
        view["asked"] = None if asked is None else asked.symbol  # the name, not the value
        return Shared(lesson.to_session(), lesson.phase,
                      step.old if step is not None and lesson.phase == "step" else None,
                      view).to_dict()

    def class_changed(self) -> None:
        """After every key and every redraw while training: the teacher's app sends the
        question asked and the state when they changed."""
        link = self.lesson_app.link
        if link is None or not link.teacher or not link.connected:
            return
        state = self.quiz_state() if self.quizzing else None
        asked: tuple[object, int] | None = None
        if state is not None and state[2] is not None:
            key, rows, index = state[0], state[1], state[2]
            asked = (key, index)
            if asked != self._asked:
                if self._question is not None:
                    link.send("close", id=self._question)
                self._question_count += 1
                self._question = str(self._question_count)
                row = rows[index]
                link.send("ask", id=self._question, symbol=row.symbol, value=float(row.value))
        elif self._question is not None:
            link.send("close", id=self._question)
            self._question = None
        self._asked = asked
        view = json.dumps(self.class_view(), sort_keys=True) + str(self._question)
        mark = (self.lesson.version, view)
        if mark != self._published:
            self._published = mark
            link.publish(self._shared, self.lesson_app.clock())

    def class_message(self, kind: str, data: dict[str, Any]) -> None:
        """A message from the class's hub (:mod:`backprop_tui.hub`)."""
        link = self.lesson_app.link
        if link is None:
            return
        said = link.took(kind, data)
        if said is not None:
            self.say(said, error=kind == "lost")
        if kind == "welcome" and link.teacher:
            self._published = None
            self.class_changed()
            if self._watching is None:  # edits, answers, dialogs: changes made outside
                # a key's action reach the class too, within a tenth of a second
                self._watching = self.set_interval(0.1, self.class_changed)
        elif kind == "state":
            if link.leads:  # sent before this app went its own way: not shown
                link.send("shown")
            else:
                self._follow(data.get("shared"))
        elif kind == "result":
            text = revealed_text(data)
            if text is not None:
                self.say(text, error=not data.get("right"))
        elif kind in ("tally", "roster"):
            if kind == "tally":
                link.tally = data
            else:
                link.roster = [m for m in data.get("members", []) if isinstance(m, dict)]
            from .screens.help import RosterScreen

            if isinstance(self.app.screen, RosterScreen):
                self.app.screen.refresh_page()
        self._class_shown()
        if kind in ("welcome", "teacher", "follow", "lost"):
            self._redraw()  # the quiz's line says whose question it is

    def _class_shown(self) -> None:
        """The lesson locked or not (following), and the class line up to date."""
        from .class_link import class_text

        link = self.lesson_app.link
        if link is None:
            return
        self.lesson.locked = link.locked_text()
        text = class_text(link, max(self.size.width - 2, 20))
        found = self.query("#class-line")
        if found:
            line = found.first(Static)
            if str(line.content) != text:
                line.update(text)
        else:  # plain text: a name is never read as markup
            self.mount(Static(text, id="class-line", markup=False), before=0)

    def _follow(self, data: object) -> None:
        """The teacher's lesson and screen, shown here."""
        from ..model.follow import Shared

        try:
            shared = Shared.from_dict(data)
        except ModelError:
            link = self.lesson_app.link
            if link is not None:
                link.send("shown")  # not shown, but the next state may come
            return
        self.stop_training()
        self._after_follow(shared)

    def _after_follow(self, shared: Any) -> None:
        self.lesson.follow(shared.session, shared.phase, shared.before)
        self._teacher_view = shared.view
        question = shared.view.get("question")
        self._question = question if isinstance(question, str) else None
        self._take_teachers_view(shared.view)
        self._redraw()
        link = self.lesson_app.link
        if link is not None:  # drawn: the hub may send the next state
            self.call_after_refresh(link.send, "shown")

    def _take_teachers_view(self, view: dict[str, Any]) -> None:
        """The teacher's view on this screen, the quiz hiding the teacher's factor."""
        self.take_view(view)
        index = view.get("quiz")
        state = self.quiz_state()
        if state is not None:  # the teacher's factor hidden, or none when all are shown
            self.lesson.quiz.place(state[0], index if isinstance(index, int) else len(state[1]))

    def class_pinned(self) -> None:
        """After every key: a student who follows stays on the teacher's view (a key that
        moved it, the layer or the sample, is undone with the one line that says why),
        so that the question they answer is the one the class is asked."""
        link = self.lesson_app.link
        view = self._teacher_view
        if link is None or link.leads or view is None:
            return
        mine = self.class_view()
        if all(mine[name] == view[name] for name in self.FOLLOWED if name in view):
            return
        self._take_teachers_view(view)
        self.say(link.locked_text() or "", error=True)
        self._redraw()

    def _answer_class(self, field: Any, text: str, row: Row) -> None:
        """A student's answer to the class's question: sent to the hub, judged at the
        reveal."""
        from ..model.quiz import parse_guess

        link = self.lesson_app.link
        if link is None:
            return
        if self._question is None:
            self.say("no question is asked now: the teacher's next one comes here",
                     error=True)
            field.value = ""
            return
        if not text:
            self.say("type your answer, then enter: the teacher reveals it", error=True)
            return
        try:
            parse_guess(text)
        except ModelError as exc:
            self.say(f"{exc}: type a number", error=True)
            return
        link.send("answer", id=self._question, text=text)
        field.value = ""

    def action_follow(self) -> None:
        link = self.lesson_app.link
        if link is None:
            self.say("F: no class here (a class is served with backprop-tui ssh --class)",
                     error=True)
            return
        if link.teacher:
            link.send("gather")
            self.say("every student follows you again")
            return
        if link.teaching is None:
            self.say("the teacher is away: you are on your own until they are back")
            return
        self.stop_training()
        said = link.turned()
        link.send("follow", following=link.following)
        self.say(said)
        self._class_shown()

    def action_roster(self) -> None:
        link = self.lesson_app.link
        if link is None or not link.teacher:
            self.say("W: the teacher's list of who is in the class", error=True)
            return
        from .screens.help import RosterScreen

        self.app.push_screen(RosterScreen(lambda: link.roster))
