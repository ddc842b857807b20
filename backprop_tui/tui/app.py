"""The app: one :class:`BackpropApp` for every shape of network.

The app is thin. It holds the one :class:`~backprop_tui.model.lesson.Lesson` (made after
the first frame when it opens from an :class:`~backprop_tui.model.opening.Opening`), the
one clock, the themes, the folder files go to and the session file, and it ends on q or a
signal. Everything a key does is on the lesson's one screen
(:class:`~backprop_tui.tui.network_screen.NetworkScreen`), for every shape, its keys from
the one registry (:mod:`backprop_tui.tui.keys`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING, cast

from textual import events
from textual.app import SystemCommand
from textual.screen import Screen

from ..lifeline import SIGNAL_GRACE, end_at_once_after
from ..model.errors import FileError, ModelError
from ..model.files import ANYWHERE, Folder
from ..model.limits import MAX_SAMPLES
from ..model.opening import Opening
from .keys import app_bindings
from .mirror import FrugalApp
from .themes import BRIGHT_TITLES, THEMES

if TYPE_CHECKING:
    from collections.abc import Mapping

    from textual.actions import ActionParseResult
    from textual.dom import DOMNode

    from ..model.lesson import Lesson
    from ..model.session import Session
    from .class_link import ClassLink
    from .lesson_screen import LessonScreen

MIN_WIDTH, MIN_HEIGHT = 80, 24
"""The smallest terminal the app draws itself in."""
WIDE_WIDTH, WIDE_HEIGHT = 110, 32
"""From this size on, the lower half shows its views side by side."""
SESSION_NAME = "backprop-session.json"
"""Where ctrl+s saves when the app did not start from a session file: in the
current folder, with -2, -3, … added when a file of that name is already there."""
HANDOUT_NAME = "backprop-handout"
"""Handouts go to backprop-handout-1.md, -2.md, … in the current folder."""
SCREENSHOT_NAME = "backprop-screenshot"
"""Screenshots go to backprop-screenshot-1.svg, -2.svg, … in the current folder."""

SPEEDS: tuple[int, ...] = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000,
                           20000, 50000)
"""Training speeds, steps per second, chosen with + and −."""
DEFAULT_SPEED = SPEEDS.index(1000)
FRAME = 1 / 4
"""Seconds between training ticks: the screen is redrawn at most this often. Four ticks a
second take the steps owed (a tick takes up to :data:`BUDGET` of them); each tick costs
about a millisecond of Textual's timer and the trainer's call whatever its steps, so more
ticks cost CPU and show nothing more (a class of 60 trains on two cores)."""
BUDGET = 0.030
"""Seconds of training per tick at most, so that keys are always answered."""
CHUNK = 250
"""Steps per call of the trainer within a tick."""
TRAINING_REDRAW = 0.5
"""While training, seconds between redraws of the numbers: twice a second, as often as a
person reads them; a calm screen, few bytes, little CPU."""
PLOT_REDRAW = 1.0
"""While training, seconds between redraws of the loss curve (the costliest to send)."""
DEFAULT_CLOCK: Callable[[], float] = monotonic
"""The clock the app reads unless it is given another (:attr:`BackpropApp.clock`): the
only clock under ``backprop_tui.tui``."""


def is_wide(width: int, height: int) -> bool:
    """Whether a terminal of ``width`` × ``height`` shows the lower half's views side by side."""
    return width >= WIDE_WIDTH and height >= WIDE_HEIGHT


def too_small_text(width: int, height: int) -> str:
    """What the app shows instead of itself in a terminal smaller than the smallest."""
    return (f"backprop-tui needs a terminal of at least {MIN_WIDTH}×{MIN_HEIGHT}; "
            f"this one is {width}×{height}.\nMake it larger to go on (q quits).")


class BackpropApp(FrugalApp[int]):
    """backprop-tui: forward, backward, step and training of a network of any shape, a
    chain of single neurons included; see the module's docstring."""

    CSS_PATH = ["app.tcss", "grid.tcss"]
    TITLE = "backprop-tui"
    AUTO_FOCUS = None  # start with no field focused: no blinking cursor over SSH
    ENABLE_COMMAND_PALETTE = True  # ctrl+p: the file commands (see get_system_commands)

    BINDINGS = app_bindings()  # type: ignore[assignment]
    """The keys that act on every screen (q), from the one registry; the lesson's screen
    binds the rest."""

    def __init__(
        self, lesson: Lesson | Opening, session_path: str | os.PathLike | None = None,
        quiz: bool = False, theme: str | None = None,
        folder: Folder = ANYWHERE, clock: Callable[[], float] = DEFAULT_CLOCK,
        link: ClassLink | None = None,
    ) -> None:
        super().__init__()
        self.link = link
        """The app's class (``backprop-tui ssh --class``), or None."""
        self._opening: Opening | None = lesson if isinstance(lesson, Opening) else None
        """The start values the first frame shows while the lesson loads (None: loaded)."""
        self._lesson = cast("Lesson", lesson)
        self.shown: Lesson = cast("Lesson", lesson)
        """What the screen shows: the lesson, or until it is loaded the opening, which reads
        the same for everything the first frame shows (held equal by a test)."""
        self.clock: Callable[[], float] = clock
        """The app's one clock, in seconds: everything the app times by itself (the
        training pace, the redraw rates while training, the loss curve's) reads it, and
        nothing in the app reads another. A test sets it to step time by hand."""
        for own in THEMES.values():
            self.register_theme(own)
        self.default_theme = self.theme
        if theme is not None:
            self.theme = theme
        self.folder = folder
        """Where the files named in the app are (anywhere, or a visitor folder)."""
        if folder.visitor is not None:
            session_path = None  # the server's own file: a visitor saves in their folder
        self.session_path: Path | None = None if session_path is None else Path(session_path)
        """Where ctrl+s saves: the session file the app started from or last saved to."""
        self._quiz = quiz
        self._main: LessonScreen | None = None
        self._replace: Path | None = None
        """The existing file *Save session as…* was asked to replace (enter again: yes)."""

    # -- the lesson and its screen ----------------------------------------------------

    @property
    def lesson(self) -> Lesson:
        """The lesson; loaded first (numpy and the model) if the app opened without it."""
        if self._opening is not None:
            self._open()
        return self._lesson

    def _open(self) -> None:
        """Make the lesson the opening showed: once, after the first frame or at the first
        key that needs it. The screen it shows is the same."""
        opening = self._opening
        if opening is None:
            return
        self._opening = None
        lesson = opening.lesson()  # refuses nothing: the opening checked what it would
        self._lesson = self.shown = lesson
        self.main.opened(lesson)

    def get_default_screen(self) -> Screen:
        return self.main

    @property
    def main(self) -> LessonScreen:
        """The lesson's screen (under help, a dialog or the palette when one is open); an
        opening is always a chain's. Made once."""
        if self._main is None:
            from .network_screen import NetworkScreen

            self._main = NetworkScreen(self._quiz, id="_default")
        return self._main

    def say(self, text: str, error: bool = False) -> None:
        """Show ``text`` on the lesson screen's message line."""
        self.main.say(text, error)

    def file_error(self, text: str) -> None:
        """A refused file: on the message line, and whole in a notice (long paths)."""
        self.say(text, error=True)
        self.notify(text, severity="error", markup=False)

    # -- start and end ---------------------------------------------------------------

    def on_mount(self) -> None:
        self._title_colours()
        self.theme_changed_signal.subscribe(self, lambda theme: self._title_colours())
        if not self.is_headless:
            self._catch_signals()
        if self.link is not None:
            link = self.link  # joined once the lesson's screen is there to take its messages
            self.call_after_refresh(lambda: self.run_worker(
                link.run(self._class_message), name="class", exit_on_error=False))

    def _class_message(self, kind: str, data: dict) -> None:
        main = self._main
        if main is not None and main.is_mounted:
            main.class_message(kind, data)

    def on_resize(self, event: events.Resize) -> None:
        if self._main is not None and self._main.is_mounted:
            self._main.resized(event.size.width, event.size.height)

    async def run_action(self, action: str | ActionParseResult,
                         default_namespace: DOMNode | None = None,
                         namespaces: Mapping[str, DOMNode] | None = None) -> bool:
        """Every key's action; the lesson's state reaches its screen after it. A change
        the lesson refuses (a student following the teacher, …) is said in one line."""
        try:
            return await super().run_action(action, default_namespace, namespaces)
        except ModelError as exc:
            self.say(str(exc), error=True)
            return True
        finally:
            if self._main is not None and self._main.is_mounted:
                self._main.sync()
                self._main.class_changed()
                self._main.class_pinned()

    def _title_colours(self) -> None:
        """Bright panel titles in the themes that want them (a projector's)."""
        self.set_class(self.theme in BRIGHT_TITLES, "-bright-titles")

    def _catch_signals(self) -> None:
        """SIGTERM and SIGHUP end the app as q does: the terminal is restored (mouse
        off, main screen back, no raw mode) instead of being left as the app set it."""
        if not hasattr(signal, "SIGHUP") or threading.current_thread() is not threading.main_thread():
            return  # no SIGHUP (Windows), or a thread that takes no signals: the default stays
        loop = asyncio.get_running_loop()
        for which in (signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(which, self._signalled, which)

    def _signalled(self, number: int) -> None:
        self.main.stop_training()
        self.exit(return_code=128 + number)  # the shell's convention: "ended by signal N"
        end_at_once_after(SIGNAL_GRACE, 128 + number)  # if the way out hangs

    def action_quit(self) -> None:  # type: ignore[override]
        self.main.stop_training()
        self.exit(0)

    # -- files: sessions, data, screenshots ------------------------------------------

    def action_screenshot(self) -> None:  # type: ignore[override]
        """Save the screen as SVG (backprop-screenshot-N.svg), in the app's folder."""
        try:
            path = self.folder.write_new(SCREENSHOT_NAME, ".svg",
                                         self.export_screenshot().encode("utf-8"), "screenshot")
        except ModelError as exc:
            self.file_error(str(exc))
            return
        self.say(f"screenshot written to {self.folder.shown(path)}")

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
            self.file_error(str(exc))
            return
        self._saved(written)

    def _session_to_save(self) -> Session:
        """The lesson as a session, with the theme chosen (None: the default)."""
        chosen = self.theme if self.theme != self.default_theme else None
        return dataclasses.replace(self.lesson.to_session(), theme=chosen)

    def save_session_to(self, path: Path) -> str | None:
        """Save the lesson to ``path`` atomically; the error message, or None when saved."""
        from ..model.session import save_session

        try:
            written = save_session(self._session_to_save(), path, self.folder)
        except ModelError as exc:  # a FileError too: the file is never half written
            self.file_error(str(exc))
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
        n = len(samples)
        self.main.samples_replaced(
            f"{n} sample{'s' * (n != 1)} loaded from {self.folder.shown(path)}; "
            "f: forward pass with them")
        return None

    # -- the command palette ---------------------------------------------------------

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
                            self.main.action_handout)
        # After the palette has closed, so that it is not in the picture.
        yield SystemCommand("Screenshot", "an SVG picture of the screen (i)",
                            lambda: self.set_timer(0.1, self.action_screenshot))
        for command in super().get_system_commands(screen):
            if command.title != "Screenshot":
                yield command


def run_app(
    lesson: Lesson | Opening, session_path: str | os.PathLike | None = None, quiz: bool = False,
    theme: str | None = None,
    folder: Folder = ANYWHERE, link: ClassLink | None = None,
) -> int:
    """Run the app until q; returns the exit status.

    ``lesson`` may be an :class:`~backprop_tui.model.opening.Opening`: the first frame is
    drawn from it and the lesson made after it. ctrl+s saves to ``session_path``; ``quiz``
    starts in quiz mode; ``theme`` names the
    colours (:func:`~backprop_tui.tui.themes.theme_names`); the files named in the app
    are where ``folder`` allows.
    """
    app = BackpropApp(lesson, session_path, quiz=quiz, theme=theme, folder=folder, link=link)
    app.run()
    return app.return_code or 0
