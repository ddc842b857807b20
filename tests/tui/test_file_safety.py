"""The app with hostile text and files: markup typed anywhere, special files, a visitor
folder that every file stays in, and bursts of keys in the command palette."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual import events
from textual.command import CommandList
from textual.widgets.option_list import Option

from backprop_tui.model import Folder, load_session, save_session
from backprop_tui.model.files import VISITOR_FILES
from backprop_tui.tui.app import BackpropApp
from backprop_tui.tui.screens.path import PathScreen
from backprop_tui.tui.widgets.field import NumberField

from .helpers import edit_field, lecture, text_of, wait_until
from .test_files import DATA, message, palette

SIZE = (80, 24)
MARKUP = ("[/]", "[a=", "[@click=app.quit]", "[@click=app.quit]x[/]", "[b]", "[b]x[/b]",
          "[/b]", "[red on blue]", "[link=https://example.com]x")
"""Text that Textual or Rich would read as markup: a crash, a style or a live link."""
FIELDS = ("x", "y", "lr", "w-1", "w-2", "w-3", "b-1", "b-2", "b-3")


@pytest.fixture
def here(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def live_links(app: BackpropApp) -> list:
    """Every action link in the text the message line and an open dialog show."""
    found = []
    widgets = [app.query_one("#message")]
    if isinstance(app.screen, PathScreen):
        widgets.append(app.screen.query_one("#path-error"))
    for widget in widgets:
        content = widget.content
        spans = getattr(content, "spans", [])
        found += [s for s in spans if "@click" in str(s.style)]
    return found


async def type_into_field(pilot, name: str, text: str, typed: bool = True) -> None:
    """Type ``text`` into a field and press enter; or, with ``typed`` false, put it there as
    a program could (past the field's filter of typed characters)."""
    await edit_field(pilot, name)
    field = pilot.app.focused
    assert isinstance(field, NumberField)
    field.value = "" if typed else text
    await pilot.press(*(text if typed else ""), "enter")
    await pilot.pause()



# -- markup is shown as typed -----------------------------------------------------------------

@pytest.mark.parametrize("text", MARKUP)
async def test_markup_typed_in_a_field_is_shown_as_typed(text):
    app = BackpropApp(lecture())
    async with app.run_test(size=SIZE) as pilot:
        await type_into_field(pilot, "w-1", text)
        assert app.is_running and live_links(app) == []  # typed: the filter keeps most out
        await type_into_field(pilot, "w-1", text, typed=False)
        assert app.is_running
        assert text in message(app) and "kept" in message(app)
        assert live_links(app) == []
    assert app.return_code is None or app.return_code == 0


async def test_markup_in_a_csv_file_and_in_its_name_is_shown_as_written(here):
    (here / "[b]odd[a=.csv").write_text("x,y\n0,0\n[/],1\n")
    app = BackpropApp(lecture())
    async with app.run_test(size=SIZE) as pilot:
        await palette(pilot, "load csv")
        await pilot.press(*"[b]odd[a=.csv", "enter")
        await pilot.pause()
        shown = text_of(app.screen.query_one("#path-error"))
        assert "[b]odd[a=.csv: line 3" in shown and "'[/]'" in shown
        app.screen.query_one("#path-input").value = ""
        await pilot.press(*"[@click=app.quit]", "enter")
        await pilot.pause()
        assert "[@click=app.quit]" in text_of(app.screen.query_one("#path-error"))
        assert live_links(app) == []
        await pilot.press("escape")
        await pilot.pause()
        (here / "[").mkdir()
        (here / "[" / "].csv").write_text(DATA)  # an ordinary file with an odd name loads
        await palette(pilot, "load csv")
        await pilot.press(*"[/].csv", "enter")
        await pilot.pause()
        assert "4 samples loaded from [/].csv" in message(app)
        assert app.is_running


async def test_a_session_path_with_markup_is_shown_as_written(here):
    (here / "[").mkdir()
    path = here / "[" / "]"
    path.mkdir()
    save_session(lecture().to_session(), path / "[a=.json")
    app = BackpropApp(lecture(), session_path=Path("[/]/[a=.json"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "session saved to [/]/[a=.json" in message(app)


actions = st.lists(st.tuples(st.sampled_from(FIELDS + ("save as", "load csv")),
                             st.tuples(st.sampled_from(MARKUP),
                                       st.text("ab1.[]/=@", max_size=4)).map("".join)),
                   min_size=1, max_size=4)


async def markup_storm(steps, folder: Path) -> None:
    app = BackpropApp(lecture())
    async with app.run_test(size=SIZE) as pilot:
        for target, text in steps:
            if target in FIELDS:
                await type_into_field(pilot, target, text)
                assert app.is_running and live_links(app) == []
                await type_into_field(pilot, target, text, typed=False)
                shown = message(app)
            else:
                await palette(pilot, "save session as" if target == "save as" else "load csv")
                assert isinstance(app.screen, PathScreen)
                app.screen.query_one("#path-input").value = ""
                await pilot.press(*text, "enter")
                await pilot.pause()
                if isinstance(app.screen, PathScreen):
                    shown = text_of(app.screen.query_one("#path-error"))
                    assert live_links(app) == []
                    await pilot.press("escape")
                    await pilot.pause()
                else:
                    shown = message(app)
            assert app.is_running and not isinstance(app.screen, PathScreen)
            # Whatever was typed is quoted as typed (a refused number, a file name), or it
            # was a number the field took.
            typed = text.strip()
            assert typed in shown or os.path.normpath(typed) in shown or "= " in shown, \
                (text, shown)
            assert live_links(app) == []
        await pilot.press("q")
    assert app.return_code == 0


@settings(max_examples=6, deadline=None)
@given(actions)
def test_markup_storms_in_every_field_and_dialog_leave_the_app_alive(tmp_path_factory, steps):
    folder = tmp_path_factory.mktemp("storm")
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        asyncio.run(markup_storm(steps, folder))
    finally:
        os.chdir(cwd)


# -- saving from the app ----------------------------------------------------------------------

async def test_save_as_onto_an_existing_file_asks_first(here):
    (here / "mine.json").write_text("theirs")
    app = BackpropApp(lecture())
    async with app.run_test(size=SIZE) as pilot:
        await palette(pilot, "save session as")
        app.screen.query_one("#path-input").value = ""
        await pilot.press(*"mine.json", "enter")
        await pilot.pause()
        assert isinstance(app.screen, PathScreen)
        assert "exists" in text_of(app.screen.query_one("#path-error"))
        assert (here / "mine.json").read_text() == "theirs"
        await pilot.press("escape")  # no: kept
        await pilot.pause()
        assert (here / "mine.json").read_text() == "theirs"
        await palette(pilot, "save session as")
        app.screen.query_one("#path-input").value = ""
        await pilot.press(*"mine.json", "enter", "enter")  # yes
        await pilot.pause()
        assert not isinstance(app.screen, PathScreen)
        assert load_session(here / "mine.json").steps == 0
        assert "mine.json" in message(app)


async def test_save_as_onto_a_fifo_or_a_folder_is_refused(here):
    os.mkfifo(here / "pipe")
    (here / "folder").mkdir()
    app = BackpropApp(lecture())
    async with app.run_test(size=SIZE) as pilot:
        for name, kind in (("pipe", "FIFO"), ("folder", "folder")):
            await palette(pilot, "save session as")
            app.screen.query_one("#path-input").value = ""
            await pilot.press(*name, "enter", "enter")  # asked, and said yes
            await pilot.pause()
            assert isinstance(app.screen, PathScreen)
            assert kind in text_of(app.screen.query_one("#path-error"))
            await pilot.press("escape")
            await pilot.pause()
    assert stat.S_ISFIFO(os.lstat(here / "pipe").st_mode)
    assert (here / "folder").is_dir()


async def test_a_fifo_given_as_csv_is_refused_without_blocking(here):
    os.mkfifo(here / "pipe.csv")
    app = BackpropApp(lecture())
    async with app.run_test(size=SIZE) as pilot:
        await palette(pilot, "load csv")
        await pilot.press(*"pipe.csv", "enter")
        await pilot.pause()
        assert "FIFO" in text_of(app.screen.query_one("#path-error"))


async def test_a_csv_file_with_more_samples_than_the_app_takes_is_refused(here):
    (here / "many.csv").write_text("x,y\n" + "0,1\n" * 1000)
    app = BackpropApp(lecture())
    async with app.run_test(size=SIZE) as pilot:
        samples = app.lesson.samples
        await palette(pilot, "load csv")
        await pilot.press(*"many.csv", "enter")
        await pilot.pause()
        shown = text_of(app.screen.query_one("#path-error"))
        assert "more than 64 samples" in shown and "line 66" in shown
        assert app.lesson.samples is samples


# -- the visitor folder -----------------------------------------------------------------------

@pytest.fixture
def visitor(tmp_path, monkeypatch) -> Path:
    """A visitor's folder, and a current folder that must stay empty."""
    folder = tmp_path / "visitor"
    folder.mkdir()
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    return folder


async def test_a_visitor_cannot_read_files_outside_their_folder(visitor):
    (visitor / "passwd.csv").symlink_to("/etc/passwd")
    (visitor.parent / "x").write_text(DATA)
    app = BackpropApp(lecture(), folder=Folder(visitor))
    async with app.run_test(size=SIZE) as pilot:
        samples = app.lesson.samples
        for name in ("/etc/passwd", "../x", "passwd.csv", "~/x", "..", "/etc"):
            await palette(pilot, "load csv")
            await pilot.press(*name, "enter")
            await pilot.pause()
            assert isinstance(app.screen, PathScreen), name
            shown = text_of(app.screen.query_one("#path-error"))
            # Refused by name: no line of the file, no folder of the server's.
            assert "root:" not in shown and "line" not in shown, shown
            assert str(visitor) not in shown and "/tmp" not in shown, shown
            await pilot.press("escape")
            await pilot.pause()
        assert app.lesson.samples is samples
        (visitor / "class.csv").write_text(DATA)
        await palette(pilot, "load csv")
        await pilot.press(*"class.csv", "enter")
        await pilot.pause()
        assert "4 samples loaded from class.csv" in message(app)


async def test_a_visitor_saves_inside_their_folder_only(visitor, tmp_path):
    operators = tmp_path / "lesson.json"
    save_session(lecture().to_session(), operators)
    before = operators.read_bytes()
    app = BackpropApp(lecture(), session_path=operators, folder=Folder(visitor))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "ctrl+s", "m", "i")
        await pilot.pause()
        for name in ("../evil", "/tmp/evil.json", "~/evil", ".evil", "sub/evil"):
            await palette(pilot, "save session as")
            app.screen.query_one("#path-input").value = ""
            await pilot.press(*name, "enter", "enter")
            await pilot.pause()
            assert isinstance(app.screen, PathScreen), name
            assert "refused" in text_of(app.screen.query_one("#path-error"))
            await pilot.press("escape")
            await pilot.pause()
        await palette(pilot, "save session as")
        assert app.screen.query_one("#path-input").value == "backprop-session.json"
        app.screen.query_one("#path-input").value = ""
        await pilot.press(*"mine.json", "enter")
        await pilot.pause()
        assert "session saved to mine.json" in message(app)
    assert operators.read_bytes() == before  # the server's own file is never written
    assert sorted(p.name for p in visitor.iterdir()) == [
        "backprop-handout-1.md", "backprop-screenshot-1.svg", "backprop-session.json",
        "mine.json"]
    assert load_session(visitor / "mine.json").steps == 1
    assert list(Path.cwd().iterdir()) == []
    assert not (tmp_path / "evil").exists() and not (visitor.parent / "evil").exists()


async def test_a_full_visitor_folder_says_so(visitor):
    for k in range(VISITOR_FILES):
        (visitor / f"f{k}").write_text("x")
    app = BackpropApp(lecture(), folder=Folder(visitor))
    async with app.run_test(size=SIZE) as pilot:
        for key in ("m", "i", "ctrl+s"):
            await pilot.press(key)
            await pilot.pause()
            assert f"holds {VISITOR_FILES} files" in message(app), key
            assert app.query_one("#message").has_class("-error")
    assert len(list(visitor.iterdir())) == VISITOR_FILES


# -- bursts of keys in the command palette -----------------------------------------------------

def burst(app: BackpropApp, keys) -> None:
    """Keys as a terminal delivers a paste or a held key: all at once, no waiting between."""
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)


PALETTE_KEYS = list("savelodcshnt ") + ["backspace", "down", "up", "pagedown", "pageup",
                                        "home", "end", "ctrl+a", "ctrl+k", "delete"]


@settings(max_examples=12, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PALETTE_KEYS), min_size=1, max_size=25),
                min_size=1, max_size=6))
def test_bursts_of_keys_in_the_palette_never_crash_it(bursts):
    async def run() -> None:
        app = BackpropApp(lecture())
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+p")
            for keys in bursts:
                burst(app, keys)
                await pilot.pause(0.01)
            await pilot.pause()
            assert app.is_running
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, PathScreen)
            await pilot.press("q")
        assert app.return_code == 0

    asyncio.run(run())


async def test_enters_queued_behind_a_selection_run_the_command_once(here):
    app = BackpropApp(lecture())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"write handout")
        for _ in range(200):  # the palette searches in the background
            if app.screen.query("CommandList") and app.screen.query_one(
                    "CommandList").option_count:
                break
            await pilot.pause(0.02)
        burst(app, ["enter", "enter", "enter", "enter"])
        await wait_until(pilot, lambda: len(app.screen_stack) == 1
                         and (here / "backprop-handout-1.md").exists())
        assert app.is_running and len(app.screen_stack) == 1  # the main screen again
        assert [p.name for p in here.iterdir()] == ["backprop-handout-1.md"]
        await pilot.press("f")
        assert app.lesson.phase == "forward"


@pytest.mark.parametrize("key", ["pagedown", "pageup"])
async def test_page_keys_before_the_new_options_are_laid_out_do_not_crash(key):
    # Options replaced and highlighted while the list has no size on screen (hidden, as the
    # palette's list is between searches), then the page key before the list is laid out again:
    # the move is skipped and the palette stays usable.
    app = BackpropApp(lecture())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        palette = app.screen
        commands = palette.query_one(CommandList)
        commands.styles.display = "none"
        await pilot.pause()
        commands.clear_options()
        commands.add_options([Option(f"option {n}") for n in range(40)])
        commands.highlighted = 5
        commands.styles.display = "block"
        palette.action_page("down" if key == "pagedown" else "up")  # before any layout: skipped
        assert app.is_running and commands.highlighted == 5
        await pilot.pause()
        await pilot.press(key)
        await pilot.pause()
        assert commands.highlighted > 5 if key == "pagedown" else commands.highlighted < 5
        await pilot.press("escape", "q")
    assert app.return_code == 0
