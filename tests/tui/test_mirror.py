"""Output through the mirror leaves the terminal with the same cells as Textual's own.

Frames are fed, one after another, to two terminal emulators (pyte): one gets
what Textual wrote, the other what the mirror let through. After every frame
both show the same characters in the same colours and attributes.
"""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st
from textual.driver import Driver

from backprop_tui.tui.compact import compact
from backprop_tui.tui.mirror import Mirror, mirrored

from .helpers import app_for, screen_of

COLS, ROWS = 30, 6
NO_WRAP = "\x1b[?7l"
"""As Textual sets the terminal: text at the last column does not go on to the next row."""

TEXTS = ["ab", "ab", "w 0.5", "│ x │", "─" * 6, "   ", "σ(z)", "界", "e\u0301", "▶"]
"""Runs of text, among them a wide character and a combining accent."""
STYLES = ["", "1", "38;5;243", "38;5;243;48;5;233", "7", "4;31"]

run = st.builds(lambda style, text: f"\x1b[{style}m{text}\x1b[0m",
                st.sampled_from(STYLES), st.sampled_from(TEXTS))


@st.composite
def rows_update(draw) -> str:
    """An update as Textual writes one: rows of runs, each row from a cursor move, the
    rows of a region one after another with a line feed between them."""
    top = draw(st.integers(1, ROWS))
    rows = draw(st.integers(1, ROWS - top + 1))
    column = draw(st.integers(1, COLS))
    lines = [f"\x1b[{top + i};{column}H" + "".join(draw(st.lists(run, min_size=1,
                                                                  max_size=4)))
             for i in range(rows)]
    return "\n".join(lines)


@st.composite
def frames(draw) -> str:
    kind = draw(st.sampled_from(["update", "update", "update", "update", "again", "other"]))
    if kind == "other":  # what the mirror does not read: it must pass it on and forget
        return draw(st.sampled_from([
            "\x1b[2J", "\x1b[H\x1b[1mtop\x1b[0m", "plain text", "\x1b[?25h", "\x1b[?2026h",
            "\x1b[3;4Hend\r\n", "\x1b[5;1H\x1b[1m", "\x1b[2K", "\x1b[1;1Hx\x1b[1B\x1b[1my",
        ]))
    return draw(rows_update())


@settings(max_examples=300, deadline=None)
@given(st.lists(frames(), min_size=1, max_size=12), st.data())
@example(["\x1b[1;1H\x1b[1mab\x1b[0m", "\x1b[1;1H\x1b[1mab\x1b[0m", "plain"], None)
@example(["\x1b[6;1Hx", "\x1b[1;1Hab\n\x1b[2;1Hcd", "\x1b[1;1Hab\n\x1b[2;1Hcd"], None)
def test_the_terminal_shows_the_same_cells_after_every_frame(sequence, data):
    if data is not None and data.draw(st.booleans()):
        sequence = sequence + sequence  # the same frames again: most of it left out
    mirror = Mirror()
    original = through = NO_WRAP
    for frame in sequence:
        original += frame
        through += mirror.filter(frame)
        assert screen_of(through, COLS, ROWS) == screen_of(original, COLS, ROWS)


def test_a_frame_written_again_is_left_out_and_a_changed_piece_is_not():
    mirror = Mirror()
    frame = "\x1b[1;1H\x1b[1mw 0.5\x1b[0m\n\x1b[2;1H\x1b[7mb 0.1\x1b[0m"
    assert mirror.filter(frame) == frame.replace("\n", "")  # the cursor moves anyway
    assert mirror.filter(frame) == "\x1b[2;6H"  # nothing but the cursor, where it was
    changed = frame.replace("0.1", "0.2")
    assert mirror.filter(changed) == "\x1b[2;1H\x1b[7mb 0.2\x1b[0m"


def test_a_piece_overwritten_in_part_is_written_again():
    mirror = Mirror()
    mirror.filter("\x1b[1;1Habcdef")
    mirror.filter("\x1b[1;3HXY")  # over c and d
    assert "abcdef" in mirror.filter("\x1b[1;1Habcdef")


def test_a_new_size_forgets_everything_and_the_same_size_nothing():
    mirror = Mirror()
    mirror.resized(80, 24)
    frame = "\x1b[1;1Hhello"
    mirror.filter(frame)
    mirror.resized(80, 24)
    assert "hello" not in mirror.filter(frame)
    mirror.resized(100, 30)
    assert "hello" in mirror.filter(frame)


def test_what_it_does_not_read_is_passed_on_and_forgets():
    mirror = Mirror()
    frame = "\x1b[1;1Hhello"
    mirror.filter(frame)
    assert mirror.filter("\x1b[?1049h") == "\x1b[?1049h"  # another screen
    assert mirror.filter(frame) == frame


async def test_the_driver_writes_the_mirrored_and_compacted_output():
    written: list[str] = []

    class Recording(Driver):
        def write(self, data: str) -> None:
            written.append(data)

        def start_application_mode(self) -> None: ...
        def stop_application_mode(self) -> None: ...
        def disable_input(self) -> None: ...

    mirror = Mirror()
    driver = mirrored(Recording, mirror)(app_for())
    frame = "\x1b[1;1H\x1b[1;31mab\x1b[0m\x1b[1;31mcd\x1b[0m"
    driver.write(frame)
    driver.write(frame)
    assert written == [compact(frame), "\x1b[1;5H"]  # the cursor after "abcd"


async def test_the_apps_frames_at_start_up_are_sent_once():
    """Textual draws the whole screen again right after the first frame (every widget
    is marked dirty when it is first sized): through the mirror, nothing of it is sent
    again, and the terminal shows the same screen."""
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f", "b")
        await pilot.pause()
        frame = app.screen._compositor.render_full_update().render_segments(app.console)
        mirror = Mirror()
        first = mirror.filter(frame)
        again = mirror.filter(frame)
        await pilot.press("s")
        await pilot.pause()
        after_step = app.screen._compositor.render_full_update().render_segments(app.console)
        step = mirror.filter(after_step)
    assert screen_of(first, 80, 24) == screen_of(frame, 80, 24)
    assert len(again) < 16
    assert screen_of(first + again + step, 80, 24) == screen_of(after_step, 80, 24)
    assert len(step) < len(after_step)  # rows the step did not change are left out
