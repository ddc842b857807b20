"""Reading what the app shows, as plain text."""

from __future__ import annotations

import os
import time

import pyte
from rich.console import Console
from textual.widgets import Static

from backprop_tui.model import Network, Samples, defaults
from backprop_tui.model.lesson import Lesson
from backprop_tui.tui.app import BackpropApp
from backprop_tui.tui.widgets.field import NumberField
from backprop_tui.tui.widgets.neuron import ChainView, Panel


def lecture(**changes) -> Lesson:
    values = dict(w=defaults.W, b=defaults.B, x=defaults.X, y=defaults.Y, lr=defaults.LR)
    values.update(changes)
    return Lesson(Network.chain(values["w"], values["b"]), Samples(values["x"], values["y"]),
                  values["lr"])


TEN_W = (1.11, 0.81, 0.93, -0.74, 0.35, -1.02, -0.2, -1.06, -0.23, 0.93)
TEN_B = (-0.32, 0.36, 0.04, -0.2, 0.28, -0.47, -0.38, 0.17, 0.15, 0.12)
"""A chain of ten neurons with many negative numbers (signs must all show)."""


def ten_layers() -> Lesson:
    return lecture(w=TEN_W, b=TEN_B)


def app_for(lesson: Lesson | None = None, clock=None) -> BackpropApp:
    """An app for ``lesson`` (the lecture's by default) that reads ``clock`` (a test's
    stepped clock) for all its timing, or the real one."""
    app = BackpropApp(lesson or lecture())
    if clock is not None:
        app.clock = clock
    return app


async def wait_until(pilot, condition, seconds: float = 10.0) -> None:
    """Let the app run until ``condition()`` holds; fail if it does not within ``seconds``
    (for what the app does on its own timers, such as training)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not reached in {seconds} s: {condition}"
        await pilot.pause(0.02)
    await pilot.pause()


def text_of(widget) -> str:
    """The plain text a widget shows (a Static's content, or any widget's render())."""
    renderable = widget.content if isinstance(widget, Static) else widget.render()
    if isinstance(renderable, str):
        return renderable
    if hasattr(renderable, "plain"):
        return renderable.plain
    with open(os.devnull, "w") as sink:
        console = Console(width=max(widget.content_size.width, 20), record=True,
                          color_system=None, file=sink)
        console.print(renderable)
    return console.export_text()


def derivation_text(app: BackpropApp) -> str:
    """Every row the derivation shows, scrolling (↓) through it from its first row when not
    all fit at once."""
    derivation = app.query_one("#derivation")
    seen = derivation.first_row
    text = text_of(derivation)
    if derivation.rows_hidden:
        derivation.first_row = 0
        text = text_of(derivation)
    for _ in range(50):
        if not derivation.rows_hidden or derivation._start >= derivation._last_start:
            break
        derivation.scroll_rows(1)
        text += text_of(derivation)
    derivation.first_row = seen
    return text


def target_of(name: str) -> tuple[str, int | None]:
    """A field's name in the tests (``w-1``, ``b-2``, ``x``, ``y``, ``lr``) as its target."""
    kind, _, layer = name.partition("-")
    return kind, int(layer) if layer else None


def editing(app: BackpropApp) -> str | None:
    """The name of the field being edited (focused), or None."""
    focused = app.focused
    if not isinstance(focused, NumberField):
        return None
    kind, layer = focused.target
    return kind if layer is None else f"{kind}-{layer}"


def field_value(app: BackpropApp, name: str) -> str:
    """The text of a value: what its field holds while it is edited, else what the panel
    shows on its line."""
    if editing(app) == name:
        assert isinstance(app.focused, NumberField)
        return app.focused.value
    return app.query_one(ChainView).shown(target_of(name))


def refused(app: BackpropApp, name: str) -> bool:
    """Whether the panel marks the value ``name`` as refused."""
    target = target_of(name)
    return target in app.query_one(ChainView).panel_of(target).refused


async def edit_field(pilot, name: str) -> None:
    """Start editing the value ``name`` (as tab would reach it), its field ready for keys."""
    assert pilot.app.main.edit(target_of(name)) is not None, name
    await pilot.pause()
    assert editing(pilot.app) == name


def panel_line(app: BackpropApp, panel: str, key: str) -> str:
    """The line ``key`` (``z``, ``a``, ``cost``, ``mean-cost``, ``sample-of``) of a panel."""
    return app.query_one(panel, Panel).text_of(key)


async def play_storm(pilot, steps, help_screen: type, check) -> None:
    """Play a key storm in ``pilot``'s app and end it, as both apps' storms do.

    ``steps`` are ``(kind, arg)``: ``key`` presses a key, ``type`` types text into the
    focused field (if one is), ``resize`` resizes the terminal, anything else waits a
    training frame. After each step, when nothing is edited, trained or helped,
    ``check(app)``. At the end escape twice (out of a field, then the help), stop
    training, and ``check`` the app with no field, help screen or training left.
    """
    from backprop_tui.tui.app import FRAME

    app = pilot.app
    for kind, arg in steps:
        if kind == "key":
            await pilot.press(arg)
        elif kind == "type":
            if isinstance(app.focused, NumberField):
                await pilot.press(*arg)
        elif kind == "resize":
            await pilot.resize_terminal(*arg)
        else:
            await pilot.pause(FRAME)
        await pilot.pause()
        if not app.main.training and not isinstance(app.screen, help_screen) and app.focused is None:
            check(app)
    await pilot.press("escape")  # leaves a field or closes the help
    await pilot.press("escape")  # and the field under the help, if one was focused
    if app.main.training:
        await pilot.press("t")
    await pilot.pause()
    assert not app.main.training and app.focused is None
    assert not isinstance(app.screen, help_screen)
    check(app)


GARBAGE = "0123456789.-+eE naifx,_"
"""What a key storm types into a focused field: digits, signs, exponents, letters of nan/inf."""


def storm_actions(keys: tuple[str, ...]):
    """A hypothesis strategy of one key storm step (see :func:`play_storm`): a key of
    ``keys``, garbage typed, a resize between 40×12 and 200×60, or a wait."""
    from hypothesis import strategies as st

    return st.one_of(
        st.sampled_from(keys).map(lambda key: ("key", key)),
        st.text(GARBAGE, min_size=1, max_size=8).map(lambda text: ("type", text)),
        st.tuples(st.integers(40, 200), st.integers(12, 60)).map(lambda size: ("resize", size)),
        st.just(("wait", None)),
    )


def screen_of(data: str, cols: int = 40, rows: int = 8) -> list[list[tuple]]:
    """The cells a terminal (pyte) of ``cols`` × ``rows`` shows after ``data``: each
    character with its colours and attributes (a blank with only what shows on it:
    its background, reverse, underline and strike-through)."""
    screen = pyte.Screen(cols, rows)
    pyte.Stream(screen).feed(data)
    cells = []
    for y in range(rows):
        line = []
        for x in range(cols):
            c = screen.buffer[y][x]
            if c.data == " ":
                line.append((" ", c.bg, c.reverse, c.underscore, c.strikethrough))
            else:
                line.append((c.data, c.fg, c.bg, c.bold, c.italics, c.underscore,
                             c.strikethrough, c.reverse, c.blink))
        cells.append(line)
    return cells


def screen_text(app) -> list[str]:
    """The characters on the app's screen, a string a row, without their colours (read from
    the SVG screenshot: each piece of text at its column, 0.61 font sizes a cell)."""
    import html
    import re

    svg = app.export_screenshot()
    width = app.size.width
    cells = float(re.search(r'font-size: ?(\d+(?:\.\d+)?)px', svg)[1]) * 0.61
    rows: dict[float, list[tuple[int, str]]] = {}
    for found in re.finditer(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>',
                             svg):
        x, y, piece = float(found[1]), float(found[2]), html.unescape(found[3])
        rows.setdefault(y, []).append((round(x / cells), piece.replace("\xa0", " ")))
    out = []
    for y in sorted(rows):
        line = [" "] * width
        for column, piece in rows[y]:
            for i, char in enumerate(piece):
                if column + i < width:
                    line[column + i] = char
        out.append("".join(line).rstrip())
    return out
