"""The first frame is drawn before numpy loads: from the start values (an Opening).

The app opened by the command line shows the start values, step 0 and nothing
computed; it draws that from a :class:`~backprop_tui.model.opening.Opening` and
makes the lesson (numpy, the model) after the frame, or at once when a key needs
it. These tests hold the frame drawn from the opening equal to the one drawn from
the lesson, refuse the same start values both ways, and check that no key typed
while the lesson loads is lost.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_tui import model
from backprop_tui.model import ModelError, StartValues, resolve_start
from backprop_tui.model.lesson import Lesson
from backprop_tui.model.opening import Opening
from backprop_tui.tui import later as later_module
from backprop_tui.tui.app import BackpropApp
from backprop_tui.tui.later import Later

from .test_signals import app_in_a_terminal, read_until

STARTS = {
    "the note's chain": {},
    "five random layers, tanh": {"layers": 5, "seed": 4, "activation": "tanh"},
    "eight samples in batches of 3": {"x": (0.0, 0.1, 0.2, 0.3, 0.6, 0.7, 0.8, 0.9),
                                      "y": (0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0),
                                      "batch_size": 3, "lr": -0.25},
    "cross-entropy": {"cost": "cross-entropy", "w": (1.5, -2.0), "b": (0.0, 0.5)},
}
SIZES = [(80, 24), (120, 36), (160, 45)]
"""The small screen, the wide one (curve and batch table beside) and the largest."""


def lesson_of(values: StartValues) -> Lesson:
    return Lesson(values.network(), values.samples(), values.lr, values.batch_size)


async def frames(app: BackpropApp, size: tuple[int, int], monkeypatch,
                 keys: tuple[str, ...] = ()) -> list[str]:
    """The screen before the lesson is made (if the app opened without it), then after
    ``keys``."""
    seen: list[str] = []
    make = BackpropApp._open

    def look_then_make(self: BackpropApp) -> None:
        if self._opening is not None:
            seen.append(self.export_screenshot())
        make(self)

    monkeypatch.setattr(BackpropApp, "_open", look_then_make)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()
        seen.append(app.export_screenshot())
    return seen


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("start", list(STARTS))
async def test_the_frame_drawn_from_the_start_values_is_the_lessons(start, size, monkeypatch):
    values = resolve_start(**STARTS[start])
    opened = await frames(BackpropApp(Opening(values)), size, monkeypatch)
    reference = await frames(BackpropApp(lesson_of(values)), size, monkeypatch)
    assert len(opened) == 2 and len(reference) == 1  # drawn from the opening, then the lesson
    assert opened[0] == reference[0]
    assert opened[1] == reference[0]  # making the lesson changed nothing on screen


async def test_a_key_before_the_lesson_is_made_makes_it_and_is_answered(monkeypatch):
    values = resolve_start()
    later: list[BackpropApp] = []
    # The lesson is not made after the first frame: only the key can make it.
    monkeypatch.setattr(BackpropApp, "call_after_refresh",
                        lambda self, callback, *a, **k: later.append(self) or True)
    app = BackpropApp(Opening(values))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app._opening is not None and later  # still the opening
        await pilot.press("f", "b")
        await pilot.pause()
        assert app._opening is None
        assert app.lesson.phase == "backward"
        shown = app.export_screenshot()
    monkeypatch.undo()
    reference = BackpropApp(lesson_of(values))
    async with reference.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f", "b")
        await pilot.pause()
        assert shown == reference.export_screenshot()


numbers = st.floats(-1e6, 1e6, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(w=st.lists(numbers, min_size=1, max_size=3), x=st.lists(numbers, min_size=1, max_size=70),
       lr=st.floats(allow_nan=True, allow_infinity=True),
       batch_size=st.none() | st.integers(-2, 72))
def test_start_values_the_lesson_refuses_are_refused_by_the_opening(w, x, lr, batch_size):
    values = StartValues(tuple(w), tuple(0.0 for _ in w), tuple(x), tuple(1.0 for _ in x),
                         lr, batch_size)
    try:
        lesson_of(values)
    except ModelError as exc:
        with pytest.raises(ModelError) as refused:
            Opening(values)
        assert str(refused.value) == str(exc)
    else:
        opening = Opening(values)
        assert (opening.layers, len(opening.samples), opening.effective_batch_size) == (
            len(w), len(x), lesson_of(values).effective_batch_size)


FIRST_FRAME_IMPORTS = """
import sys
import backprop_tui.cli, backprop_tui.tui.app
import backprop_tui.tui.network_screen  # the screen the first frame (the opening) is drawn on
heavy = [m for m in ("numpy._core", "backprop_tui.model.network", "backprop_tui.model.lesson",
                     "backprop_tui.model.session", "backprop_tui.present.graph",
                     "backprop_tui.tui.widgets.graph_view", "backprop_tui.tui.widgets.grid",
                     "backprop_tui.present.report", "plotext", "backprop_tui.present.tables",
                     "backprop_tui.tui.widgets.quiz", "backprop_tui.tui.widgets.nudge",
                     "backprop_tui.tui.widgets.vanishing", "backprop_tui.tui.widgets.slope_plot",
                     "backprop_tui.tui.widgets.loss_plot", "backprop_tui.tui.widgets.batch_table")
         if m in sys.modules]
print(heavy)
"""


def test_the_command_line_and_the_app_load_no_numpy_before_the_first_frame():
    # Nor the widgets mounted when first shown (tui/later.py), nor the tables.
    done = subprocess.run([sys.executable, "-c", FIRST_FRAME_IMPORTS], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


SPECS = [each for each in vars(later_module).values() if isinstance(each, Later)]

IMPORT_ALL = """
import sys
from backprop_tui.tui import later
later.import_all()
print(" ".join(sorted(sys.modules)))
"""


@pytest.fixture(scope="module")
def imported_by_import_all() -> set[str]:
    done = subprocess.run([sys.executable, "-c", IMPORT_ALL], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.id)
def test_a_widget_mounted_when_first_shown_is_made_with_its_id_and_warm_for_ssh(
        spec, imported_by_import_all):
    assert len(SPECS) == 8 and set(SPECS) == set(later_module.LATER)
    widget = spec.make(lesson_of(resolve_start()))
    assert widget.id == spec.id and spec.id in later_module.ORDER[spec.container]
    # The ssh server's warm process (import_all) has its module imported, for every visitor.
    assert type(widget).__module__ in imported_by_import_all


def test_keys_typed_as_the_app_starts_are_answered(tmp_path):
    # f and b typed at once, before the first frame: none is lost while the lesson loads.
    process, main = app_in_a_terminal(tmp_path, 80, 24)
    out = bytearray()
    try:
        os.write(main, b"fb")
        # C = (a(L) − y)² = (0.5753 − 1)² for the note's chain; then the backward pass.
        assert read_until(main, out, lambda o: b"0.1804" in o and b"backward pass" in o, 60), \
            out[-400:]
        os.write(main, b"q")
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        os.close(main)
    assert b"Traceback" not in out


def test_the_model_package_names_each_export_once_for_both_readers():
    # The lazy exports (_EXPORTS) and the imports type checkers read say the same.
    tree = ast.parse(Path(model.__file__).read_text())
    checked = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom) and imp.module is not None
                checked[imp.module] = tuple(sorted(checked.get(imp.module, ())
                                                   + tuple(alias.name for alias in imp.names)))
    assert checked == {module: tuple(sorted(names)) for module, names in model._EXPORTS.items()}
    for name in model.__all__:
        module = __import__(f"backprop_tui.model.{model._MODULE_OF[name]}", fromlist=[name])
        assert getattr(model, name) is getattr(module, name)
    with pytest.raises(AttributeError):
        model.no_such_name  # noqa: B018


FIRST_KEYS = ["f", "b", "s", "space", "r", "l", "v", "question_mark", "x", "e", "E", "c",
              "left_square_bracket", "right_square_bracket", "g", "G", "z", "h", "o", "k", "u",
              "n", "a", "plus", "minus", "down", "j", "tab", "t"]
"""A first key of every kind (writing files and quitting left out): pressed before the
lesson is made, each must do what it does in an app that started with it."""


@pytest.mark.parametrize(("key", "quiz"), [(key, False) for key in FIRST_KEYS]
                         + [("b", True), ("space", True), ("z", True)])
async def test_any_first_key_before_the_lesson_is_made_does_what_it_always_does(key, quiz,
                                                                                monkeypatch):
    values = resolve_start(x=(0.2, 0.8), y=(0.0, 1.0))
    shown = []
    for lesson in (Opening(values), lesson_of(values)):
        app = BackpropApp(lesson, quiz=quiz, clock=lambda: 100.0)  # time stands: t, no tick
        with monkeypatch.context() as later:
            # The lesson is not made after the first frame: the key comes first.
            later.setattr(BackpropApp, "call_after_refresh",
                          lambda self, callback, *a, **k: True)
            async with app.run_test(size=(100, 30)) as pilot:
                await pilot.pause()
                await pilot.press(key)
                await pilot.pause()
                shown.append(app.export_screenshot())
                app.main.stop_training()
    assert shown[0] == shown[1]
