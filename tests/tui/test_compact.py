"""The compacted output draws the same screen as Textual's, in fewer bytes.

Both are fed to a terminal emulator (pyte) and every cell is compared: its
character, colours and attributes (a blank's foreground colour is not seen, so
only its background and the attributes a blank shows are compared).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_tui.tui.compact import compact

from .helpers import app_for, screen_of

COLS, ROWS = 40, 8

colour = st.sampled_from(["", "38;5;243", "38;5;253", "31", "39", "38;2;10;20;30"])
background = st.sampled_from(["", "48;5;233", "48;5;234", "44", "49"])
attributes = st.sets(st.sampled_from(["1", "3", "4", "5", "7", "9"]), max_size=3)


@st.composite
def styles(draw) -> str:
    codes = sorted(draw(attributes), key=int) + [draw(colour), draw(background)]
    return ";".join(c for c in codes if c)


@st.composite
def pieces(draw) -> str:
    kind = draw(st.sampled_from(["run", "run", "run", "blank", "move", "newline", "raw"]))
    if kind == "move":
        return f"\x1b[{draw(st.integers(1, ROWS))};{draw(st.integers(1, COLS))}H"
    if kind == "newline":
        return "\r\n"
    if kind == "raw":  # a style set without a reset after it, or a lone reset
        return draw(st.sampled_from(["\x1b[0m", "\x1b[m", "\x1b[1m", "\x1b[22m", "\x1b[7m"]))
    text = " " * draw(st.integers(1, 5)) if kind == "blank" else draw(
        st.text(alphabet="ab│─▶ x", min_size=1, max_size=6))
    return f"\x1b[{draw(styles())}m{text}\x1b[0m"  # as Textual writes a run


@settings(max_examples=300, deadline=None)
@given(st.lists(pieces(), max_size=40))
def test_compacted_output_draws_the_same_cells(parts):
    data = "".join(parts)
    smaller = compact(data)
    assert len(smaller) <= len(data)
    assert screen_of(smaller) == screen_of(data)


async def test_the_apps_own_frame_is_the_same_screen_in_far_fewer_bytes():
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f", "b")
        await pilot.pause()
        frame = app.screen._compositor.render_full_update().render_segments(app.console)
    smaller = compact(frame)
    assert screen_of(smaller, 80, 24) == screen_of(frame, 80, 24)
    assert len(smaller.encode()) < 0.7 * len(frame.encode())
