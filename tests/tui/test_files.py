"""The app with files: sessions, CSV data, Markdown handouts and screenshots."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from backprop_tui import cli
from backprop_tui.model import (
    FACTOR_NAMES,
    Network,
    Samples,
    Session,
    load_session,
    save_session,
)
from backprop_tui.model.lesson import Lesson
from backprop_tui.present.format import number
from backprop_tui.present.formulas import label
from backprop_tui.present.report import trace_json
from backprop_tui.tui import app as app_module
from backprop_tui.tui.app import BackpropApp
from backprop_tui.tui.screens.path import PathScreen

from ..test_cli_files import shows, tables
from .helpers import XOR_W, lecture, panel_line, shown, text_of, xor_lesson

SIZE = (80, 24)
DATA = "x,y\n0,0\n0.3,0\n0.6,1\n0.9,1\n"


@pytest.fixture
def here(tmp_path, monkeypatch) -> Path:
    """Run in an empty folder: where the app writes its files."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def trained_lesson(steps: int = 300, batch_size: int | None = 3) -> Lesson:
    lesson = Lesson(Network.chain([0.9, -0.6, 1.3], [0.0, 0.1, -0.2]),
                    Samples([0.0, 0.3, 0.6, 0.9], [0.0, 0.0, 1.0, 1.0]), 1.5, batch_size)
    lesson.train(steps)
    lesson.step()  # a single step on top: the history has both kinds
    return lesson


def assert_same_session(a: Session, b: Session) -> None:
    """Equal to full precision: every number, bit for bit."""
    assert a.to_dict() == b.to_dict()
    for name in ("flat_w", "flat_b"):
        assert np.array_equal(getattr(a.network, name), getattr(b.network, name))
        assert np.array_equal(getattr(a.start, name), getattr(b.start, name))
    assert np.array_equal(a.samples.x, b.samples.x)
    assert np.array_equal(a.samples.y, b.samples.y)
    assert (a.lr, a.batch_size, a.steps) == (b.lr, b.batch_size, b.steps)
    ta, tb = a.history.thinned(64), b.history.thinned(64)
    for field in ("step", "first", "low", "high"):
        assert np.array_equal(getattr(ta, field), getattr(tb, field))


def message(app: BackpropApp) -> str:
    return text_of(app.query_one("#message"))


async def palette(pilot, command: str) -> None:
    """Run a command from the command palette, typed as a person would."""
    from textual.command import CommandList

    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*command)
    for _ in range(200):  # the palette searches in the background: wait for the match
        found = pilot.app.screen.query(CommandList)
        option = found.first().highlighted_option if found else None
        if option is not None and str(option.prompt).lower().startswith(command):
            break
        await pilot.pause(0.02)
    else:
        raise AssertionError(f"the palette did not offer {command!r}")
    await pilot.press("enter")
    await pilot.pause()


async def wait_for(pilot, path: Path) -> None:
    """Wait until the app has written ``path`` (after a timer)."""
    for _ in range(200):
        if path.exists():
            return
        await pilot.pause(0.02)


# -- Lesson ↔ Session ------------------------------------------------------------------------

@pytest.mark.parametrize("batch_size", [None, 1, 3])
def test_lesson_session_file_lesson_round_trip(tmp_path, batch_size):
    lesson = trained_lesson(batch_size=batch_size)
    path = save_session(lesson.to_session(), tmp_path / "lesson.json")
    again = Lesson.from_session(load_session(path))
    assert_same_session(again.to_session(), lesson.to_session())
    assert again.effective_batch_size == lesson.effective_batch_size
    assert again.steps_done == lesson.steps_done == 301
    assert again.history.last == lesson.history.last
    # Both go on identically: the same batches from the same step.
    lesson.train(50)
    again.train(50)
    assert_same_session(again.to_session(), lesson.to_session())


def test_a_reset_after_loading_returns_to_the_sessions_start(tmp_path):
    lesson = trained_lesson()
    again = Lesson.from_session(lesson.to_session())
    again.reset()
    assert np.array_equal(again.network.flat_w, [0.9, -0.6, 1.3])
    assert np.array_equal(again.network.flat_b, [0.0, 0.1, -0.2])
    assert again.steps_done == 0 and len(again.history) == 0
    assert np.array_equal(again.samples.x, lesson.samples.x)


async def test_the_handout_ends_with_the_update_step_every_number_in_one_format(here):
    """m: after the trace, the update step of every w and b, old − η·gradient = new, the
    numbers the step takes; a table whose numbers need scientific notation writes them all
    so (never −2875.9508 beside 3.518e4)."""
    import re

    from backprop_tui.present.markdown import one_format

    lesson = trained_lesson(steps=20)
    app = BackpropApp(lesson)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        await pilot.pause()
    text = (here / "backprop-handout-1.md").read_text()
    bp = lesson.current_trace()
    new = lesson.network.step(bp, lesson.lr)
    heading, rows = tables(text)[-1]
    assert heading.startswith("Update step") and f"η = {number(lesson.lr)}" in heading
    assert rows[0] == ["quantity", "formula", "numbers", "value"] and len(rows) == 1 + 6
    for row, (name, layer) in zip(rows[1:], [(n, l) for l in (1, 2, 3) for n in "wb"]):
        old = float(getattr(lesson.network, f"flat_{name}")[layer - 1])
        grad = float(getattr(bp, f"mean_flat_dC_d{name}")[layer - 1])
        assert row[0] == f"{name}({label(layer, 3)})"
        plugged = [number(v) if v >= 0 else f"({number(v)})" for v in (old, lesson.lr, grad)]
        assert row[2].removesuffix(" ≈") == f"{plugged[0]} − {plugged[1]}·{plugged[2]}"
        shows(row[3], float(getattr(new, f"flat_{name}")[layer - 1]))
    # One format per table: all fixed, or all scientific when one number needs it.
    write = one_format([-2875.9508, 0.5, 35180.0, -20466.0])
    assert [write(v) for v in (-2875.9508, 0.5, 35180.0)] == ["−2.876e3", "5.000e−1", "3.518e4"]
    assert one_format([-2875.9508, 0.5, 0.01935])(-2875.9508) == "−2875.9508"
    big = Lesson(Network.chain([-2875.9508, 0.5, 0.8], [0.0, 0.1, -0.2]), Samples([0.3], [1.0]), 5e4)
    app = BackpropApp(big)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        await pilot.pause()
    _, rows = tables((here / "backprop-handout-2.md").read_text())[-1]
    cells = " ".join(" ".join(row[2:]) for row in rows[1:])
    assert re.search(r"\d\.\d{3}e", cells) and not re.search(r"\d\.\d{4}(?!\d*e)", cells), cells


def test_the_handout_trace_changes_nothing():
    lesson = trained_lesson()
    version = lesson.version
    bp = lesson.current_trace()
    assert lesson.phase == "step" and lesson.version == version
    assert np.array_equal(bp.forward.cost, lesson.network.forward(lesson.samples).cost)
    lesson.backward()
    assert lesson.current_trace() is lesson.backward_pass


# -- saving ----------------------------------------------------------------------------------

async def test_ctrl_s_saves_the_lesson_and_says_where(here):
    app = BackpropApp(trained_lesson())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
        saved = here / "backprop-session.json"
        assert_same_session(load_session(saved), app.lesson.to_session())
        assert "backprop-session.json" in message(app)
        # Another save goes to the same file, with the new state.
        await pilot.press("s")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert load_session(saved).steps == 302
        assert sorted(p.name for p in here.iterdir()) == ["backprop-session.json"]


async def test_the_default_name_never_overwrites_another_file(here):
    (here / "backprop-session.json").write_text("someone else's lesson")
    app = BackpropApp(lecture())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert (here / "backprop-session.json").read_text() == "someone else's lesson"
        assert_same_session(load_session(here / "backprop-session-2.json"),
                            app.lesson.to_session())
        assert "backprop-session-2.json" in message(app)


async def test_ctrl_s_saves_to_the_session_the_app_started_from(here):
    path = here / "class" / "lesson.json"
    path.parent.mkdir()
    save_session(trained_lesson().to_session(), path)
    app = BackpropApp(Lesson.from_session(load_session(path)), session_path=path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "ctrl+s")
        await pilot.pause()
        assert load_session(path).steps == 302
        assert str(Path("class") / "lesson.json") in message(app)
        assert not (here / "backprop-session.json").exists()


async def test_a_wider_networks_session_is_saved_by_ctrl_s_and_opens_again(tmp_path, monkeypatch):
    from backprop_tui.model import load_session

    monkeypatch.chdir(tmp_path)
    app = BackpropApp(xor_lesson())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "b", "s", "s", "ctrl+s")
        path = tmp_path / "backprop-session.json"
        assert "step 2: session saved to backprop-session.json" in shown(app, "#message")
        saved = load_session(path)
        assert saved.steps == 2 and len(saved.history) == 2
        assert np.array_equal(saved.network.flat_w, app.lesson.network.flat_w)
        assert np.array_equal(saved.start.flat_w, XOR_W)
        assert np.array_equal(saved.samples.y, app.lesson.samples.y)
        await pilot.press("s", "ctrl+s")  # the same file again
        assert load_session(path).steps == 3
        assert sorted(p.name for p in tmp_path.iterdir()) == ["backprop-session.json"]
    # --session opens it again, going on from step 3; a reset returns to the start.
    opened = []
    monkeypatch.setattr(app_module, "run_app",
                        lambda lesson, **kw: opened.append((lesson, kw)) or 0)
    assert cli.main(["--session", str(path)]) == 0
    lesson, kw = opened[0]
    assert lesson.steps_done == 3 and len(lesson.history) == 3
    assert str(kw["session_path"]) == str(path)
    app = BackpropApp(lesson, session_path=kw["session_path"])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "ctrl+s")
        assert load_session(path).steps == 4
        await pilot.press("r")
        assert np.array_equal(app.lesson.network.flat_w, XOR_W) and app.lesson.steps_done == 0


async def test_a_session_that_cannot_be_written_is_reported_and_nothing_is_lost(tmp_path):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    app = BackpropApp(xor_lesson(), session_path=folder)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "ctrl+s")
        assert app.query_one("#message").has_class("-error")
        assert "a-folder" in shown(app, "#message")
        assert folder.is_dir() and not any(folder.iterdir())
        assert app.lesson.steps_done == 1


async def test_a_failed_save_keeps_the_old_file_and_the_app(here, monkeypatch):
    path = here / "lesson.json"
    save_session(trained_lesson().to_session(), path)
    old = path.read_bytes()

    def full_disk(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    app = BackpropApp(Lesson.from_session(load_session(path)), session_path=path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        with monkeypatch.context() as m:
            m.setattr(os, "replace", full_disk)
            await pilot.press("ctrl+s")
            await pilot.pause()
        assert path.read_bytes() == old
        assert [p.name for p in here.iterdir()] == ["lesson.json"]  # no temporary file left
        shown = message(app)
        assert "lesson.json" in shown and "No space left on device" in shown
        assert app.query_one("#message").has_class("-error")
        # The app goes on, and the next save works.
        await pilot.press("f")
        assert app.lesson.phase == "forward"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert load_session(path).steps == 302


async def test_save_as_from_the_palette(here):
    app = BackpropApp(trained_lesson())
    async with app.run_test(size=SIZE) as pilot:
        await palette(pilot, "save session as")
        assert isinstance(app.screen, PathScreen)
        field = app.screen.query_one("#path-input")
        field.value = ""
        await pilot.press(*"missing/x.json", "enter")
        await pilot.pause()
        assert isinstance(app.screen, PathScreen)  # refused: the name stays to correct
        assert "x.json" in text_of(app.screen.query_one("#path-error"))
        field.value = ""
        await pilot.press(*"mine.json", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, PathScreen)
        assert_same_session(load_session(here / "mine.json"), app.lesson.to_session())
        await pilot.press("ctrl+s")  # later saves go to the chosen file
        await pilot.pause()
        assert not (here / "backprop-session.json").exists()
        assert "mine.json" in message(app)


# -- round trips through the command line ----------------------------------------------------

@pytest.fixture
def started(monkeypatch):
    """Start the app from the command line, capturing the lesson instead of running it."""
    seen = {}

    def run(lesson, session_path=None, quiz=False, theme=None, folder=None, link=None):
        seen["lesson"], seen["path"], seen["quiz"] = lesson, session_path, quiz
        seen["theme"] = theme
        return 0

    monkeypatch.setattr(app_module, "run_app", run)

    def start(*argv: str):
        assert cli.main(list(argv)) == 0
        return seen["lesson"], seen["path"]

    start.seen = seen  # type: ignore[attr-defined]
    return start


def test_app_file_app_round_trip(here, started):
    lesson = trained_lesson()
    save_session(lesson.to_session(), here / "lesson.json")
    again, path = started("--session", "lesson.json")
    assert path == "lesson.json"
    assert_same_session(again.to_session(), lesson.to_session())


async def test_train_file_app_round_trip(here, started, capsys):
    train = ["--w", "0.9,-0.6,1.3", "--b", "0,0.1,-0.2", "--x", "0,0.3,0.6,0.9",
             "--y", "0,0,1,1", "--lr", "1.5", "--batch-size", "3"]
    assert cli.main(["train", *train, "--steps", "300", "--save", "lesson.json"]) == 0
    assert cli.main(["train", *train, "--steps", "500", "--save", "longer.json"]) == 0
    lesson, path = started("--session", "lesson.json")
    assert_same_session(lesson.to_session(), load_session("lesson.json"))
    app = BackpropApp(lesson, session_path=path)
    async with app.run_test(size=SIZE) as pilot:
        assert "step 300" in text_of(app.query_one("#status"))
        lesson.train(200)  # the app's training goes on exactly as train would
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert_same_session(load_session("lesson.json"), load_session("longer.json"))


def test_the_app_takes_a_batch_size(here, started):
    lesson, _ = started("--x", "0,0.3,0.6,0.9", "--y", "0,0,1,1", "--batch-size", "2")
    assert lesson.effective_batch_size == 2
    save_session(trained_lesson(batch_size=3).to_session(), here / "lesson.json")
    lesson, _ = started("--session", "lesson.json", "--batch-size", "1")
    assert lesson.effective_batch_size == 1


@pytest.mark.parametrize("argv, words", [
    (["--x", "0,1", "--y", "0,1", "--batch-size", "3"], ["--batch-size", "3", "2 samples"]),
    (["--batch-size", "0"], ["--batch-size"]),
    (["--batch-size", "2", "trace"], ["--batch-size", "trace"]),
])
def test_a_bad_app_batch_size_is_one_line(argv, words, started, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and all(w in err[0] for w in words), err


def test_a_batch_size_before_train_counts_for_train(here, capsys):
    assert cli.main(["--batch-size", "2", "train", "--x", "0,1,2", "--y", "0,1,1",
                     "--steps", "4", "--save", "s.json"]) == 0
    assert load_session("s.json").batch_size == 2


def test_the_app_takes_data_from_a_csv_file(here, started):
    (here / "class.csv").write_text(DATA)
    lesson, _ = started("--data", "class.csv")
    assert np.array_equal(lesson.samples.x, [[0], [0.3], [0.6], [0.9]])
    assert np.array_equal(lesson.samples.y, [[0], [0], [1], [1]])


# -- loading a CSV file from the palette -----------------------------------------------------

async def test_load_csv_from_the_palette(here):
    (here / "class.csv").write_text(DATA)
    app = BackpropApp(lecture())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        await palette(pilot, "load csv")
        assert isinstance(app.screen, PathScreen)
        await pilot.press(*"class.csv", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, PathScreen)
        lesson = app.lesson
        assert np.array_equal(lesson.samples.x, [[0], [0.3], [0.6], [0.9]])
        assert np.array_equal(lesson.samples.y, [[0], [0], [1], [1]])
        assert lesson.phase == "none" and lesson.forward_pass is None  # results cleared
        assert "4 samples" in message(app) and "class.csv" in message(app)
        assert "sample 1/4" in panel_line(app, "#input-panel", "sample-of")


@pytest.mark.parametrize("content, words", [
    ("x,y\n0,0\n0.3,zz\n", ["bad.csv", "line 3", "'zz'"]),
    ("x,y\n0,0\n0.3\n", ["bad.csv", "line 3", "one column"]),
    ("x,y\n0,nan\n", ["bad.csv", "line 2", "finite"]),
    ("", ["bad.csv", "empty"]),
    (None, ["bad.csv", "cannot read"]),
])
async def test_a_bad_csv_file_changes_nothing(here, content, words):
    if content is not None:
        (here / "bad.csv").write_text(content)
    app = BackpropApp(lecture())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        version, samples = app.lesson.version, app.lesson.samples
        await palette(pilot, "load csv")
        await pilot.press(*"bad.csv", "enter")
        await pilot.pause()
        assert isinstance(app.screen, PathScreen)  # still open, the name kept
        shown = text_of(app.screen.query_one("#path-error"))
        assert all(w in shown for w in words), shown
        assert app.screen.query_one("#path-input").value == "bad.csv"
        assert app.lesson.version == version and app.lesson.samples is samples
        assert app.lesson.phase == "forward"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, PathScreen)
        assert app.lesson.version == version


async def test_targets_the_cost_refuses_name_the_file(here):
    from backprop_tui.model import CROSS_ENTROPY, SIGMOID

    (here / "wide.csv").write_text("x,y\n0,0\n1,2\n")
    lesson = Lesson(Network.chain([0.5], [0.0], SIGMOID, CROSS_ENTROPY), Samples([0.0], [1.0]), 0.5)
    app = BackpropApp(lesson)
    async with app.run_test(size=SIZE) as pilot:
        await palette(pilot, "load csv")
        await pilot.press(*"wide.csv", "enter")
        await pilot.pause()
        shown = text_of(app.screen.query_one("#path-error"))
        assert "wide.csv" in shown and np.array_equal(app.lesson.samples.y, [[1.0]])


# -- the handout -----------------------------------------------------------------------------

async def test_m_writes_the_trace_as_markdown_tables(here):
    lesson = trained_lesson(steps=20)
    app = BackpropApp(lesson)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        await pilot.pause()
        path = here / "backprop-handout-1.md"
        assert "backprop-handout-1.md" in message(app) and "step 21:" in message(app)
        await pilot.press("m")
        await pilot.pause()
        assert (here / "backprop-handout-2.md").read_text() == path.read_text()
    data = trace_json(lesson.current_trace())
    found = tables(path.read_text())
    for heading, rows in found:
        assert len(rows) >= 2 and all(len(r) == len(rows[0]) for r in rows), heading
    heading, params = found[0]
    assert heading.startswith("Parameters")
    for layer in range(3):
        shows(params[layer + 1][1], data["w"][layer])
        shows(params[layer + 1][2], data["b"][layer])
    formula = [(h, rows) for h, rows in found if rows[0] == ["quantity", "formula", "numbers",
                                                             "value"]]
    forward = [rows for h, rows in formula if h.startswith("Forward pass")]
    backward = [rows for h, rows in formula if h.startswith("Backward pass")]
    assert len(forward) == 4 and len(backward) == 4 * 3
    for k, sample in enumerate(data["samples"]):
        for layer in range(3):
            shows(forward[k][1 + 2 * layer][3], sample["z"][layer])
            shows(forward[k][2 + 2 * layer][3], sample["a"][layer])
        shows(forward[k][-1][3], sample["cost"])
        for i, layer in enumerate(range(2, -1, -1)):
            rows = backward[k * 3 + i][1:]
            for row, name in zip(rows, FACTOR_NAMES):
                shows(row[3], sample["layers"][layer][name])
    heading, means = next((h, r) for h, r in formula if h.startswith("Mean"))
    for i, layer in enumerate(range(2, -1, -1)):
        shows(means[2 + 2 * i][3], data["mean"]["dC_dw"][layer])
        shows(means[3 + 2 * i][3], data["mean"]["dC_db"][layer])


async def test_a_handout_or_screenshot_that_cannot_be_written_says_why(here, monkeypatch):
    def full_disk(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    app = BackpropApp(lecture())
    async with app.run_test(size=SIZE) as pilot:
        with monkeypatch.context() as m:
            m.setattr(os, "replace", full_disk)
            for key, what in (("m", "handout"), ("i", "screenshot")):
                await pilot.press(key)
                await pilot.pause()
                assert app.query_one("#message").has_class("-error")
                assert what in message(app) and "No space left on device" in message(app)
        assert list(here.iterdir()) == []
        await pilot.press("m")  # the app goes on
        await pilot.pause()
        assert (here / "backprop-handout-1.md").exists()


async def test_a_current_folder_that_is_gone_is_an_error_not_a_crash(here, monkeypatch):
    gone = here / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    app = BackpropApp(lecture())
    async with app.run_test(size=SIZE) as pilot:
        for key in ("m", "i", "ctrl+s"):
            await pilot.press(key)
            await pilot.pause()
            assert app.query_one("#message").has_class("-error"), key
            assert "current folder" in message(app)
        await pilot.press("f")
        assert app.lesson.phase == "forward"


# -- screenshots -----------------------------------------------------------------------------

async def test_i_writes_an_svg_screenshot(here):
    app = BackpropApp(lecture())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "i")
        await pilot.pause()
        svg = (here / "backprop-screenshot-1.svg").read_text()
        assert svg.lstrip().startswith("<svg") and svg.rstrip().endswith("</svg>")
        assert "forward" in svg and "backprop" in svg
        assert "backprop-screenshot-1.svg" in message(app)


async def test_the_palette_screenshot_leaves_the_palette_out(here):
    app = BackpropApp(lecture())
    async with app.run_test(size=SIZE) as pilot:
        await palette(pilot, "screenshot")
        await wait_for(pilot, here / "backprop-screenshot-1.svg")
        await pilot.pause()
        svg = (here / "backprop-screenshot-1.svg").read_text()
        assert svg.lstrip().startswith("<svg")
        assert "Search" not in svg and "Screenshot" not in svg
        assert "backprop-screenshot-1.svg" in message(app)


async def test_the_palette_lists_the_file_commands():
    app = BackpropApp(lecture())
    async with app.run_test(size=SIZE):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Save session", "Save session as…", "Load CSV data", "Write handout",
                      "Screenshot"):
            assert titles.count(title) == 1


async def test_write_handout_from_the_palette(here):
    app = BackpropApp(lecture())
    async with app.run_test(size=SIZE) as pilot:
        await palette(pilot, "write handout")
        assert (here / "backprop-handout-1.md").read_text().startswith("# ")
        assert "backprop-handout-1.md" in message(app)


async def test_the_theme_is_chosen_and_remembered_in_the_session_file(tmp_path):
    from backprop_tui.model import load_session
    from backprop_tui.tui.themes import HIGH_CONTRAST

    path = tmp_path / "lesson.json"
    app = BackpropApp(lecture(), session_path=path, theme=HIGH_CONTRAST.name)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == "backprop-contrast"
        await pilot.press("ctrl+s")
        await pilot.pause()
    session = load_session(path)
    assert session.theme == "backprop-contrast"
    assert '"theme": "backprop-contrast"' in path.read_text()


def test_an_unknown_theme_is_refused_in_one_line():
    done = subprocess.run([sys.executable, "-m", "backprop_tui", "--theme", "nope"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--theme: 'nope' is not a theme" in lines[0]
    assert "backprop-contrast" in lines[0]



def test_a_session_s_theme_is_used_unless_theme_is_given(tmp_path, started):
    path = tmp_path / "lesson.json"
    save_session(Session.new(Network.chain([0.5], [0.1]), Samples([1.0], [0.0]), 0.5), path)
    text = path.read_text().rstrip().removesuffix("}").rstrip()
    path.write_text(text + ',\n  "theme": "textual-light"\n}\n')
    started("--session", str(path))
    assert started.seen["theme"] == "textual-light"
    started("--session", str(path), "--theme", "backprop-contrast")
    assert started.seen["theme"] == "backprop-contrast"
    started()
    assert started.seen["theme"] is None
