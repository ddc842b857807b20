"""Lessons of every shape for the tests, reading what the app shows as plain text, and the
expected numbers worked out from the model (or by hand with numpy)."""

from __future__ import annotations

import os
import time

import numpy as np
import pyte
import pytest
from rich.console import Console
from textual.widgets import Static

from backprop_tui.model import Network, Samples, defaults
from backprop_tui.model.lesson import Lesson
from backprop_tui.model.network import xor_samples
from backprop_tui.present import formulas as W
from backprop_tui.present.format import fitted, number
from backprop_tui.present.formulas import a_sym, label, param_sym, sub
from backprop_tui.tui.app import BackpropApp
from backprop_tui.tui.widgets.field import NumberField
from backprop_tui.tui.widgets.grid import NetworkGrid
from backprop_tui.tui.widgets.neuron import ChainView, Panel
from backprop_tui.tui.widgets.weight_derivation import WideDerivation

SIZE = (80, 24)
"""The smallest terminal the app works in."""


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


XOR_W = (0.22, 1.01, 1.11, -0.81, -0.93, -0.74)
XOR_B = (0.44, 0.32, -0.5)
"""A 2,2,1 network that has not learnt XOR yet."""


def xor_lesson(lr: float = 0.5) -> Lesson:
    net = Network((2, 2, 1), XOR_W, XOR_B)
    return Lesson(net, xor_samples(), lr)


def lesson_of(shape, x, y, lr=0.5) -> Lesson:
    """A random network of ``shape`` with the samples ``x``, ``y``."""
    from backprop_tui.model.network import random_network

    net = random_network(shape)
    return Lesson(net, net.samples(x, y), lr)


TEACHER_W = (0.5, -0.4, 0.3, 0.8, 1.2, -0.7)
TEACHER_B = (0.1, -0.2, 0.05)
"""``--shape 2,2,1 --w 0.5,-0.4,0.3,0.8,1.2,-0.7 --b 0.1,-0.2,0.05 --x 1:0 --y 1``"""

DEEP_SHAPE = (2, 3, 2, 2)
DEEP_W = (0.7, -0.3, 0.2, 0.9, -1.1, 0.4,  # (L−2): 3 × 2
          0.6, -0.8, 0.35, -0.45, 1.05, 0.15,  # (L−1): 2 × 3
          0.9, -0.6, -0.25, 1.3)  # (L): 2 × 2
DEEP_B = (0.1, -0.2, 0.3, 0.05, -0.15, 0.2, -0.1)
DEEP_X = [[1.0, 0.0], [0.3, -0.7]]
DEEP_Y = [[1.0, 0.0], [0.0, 1.0]]


def teacher_lesson() -> Lesson:
    net = Network((2, 2, 1), TEACHER_W, TEACHER_B)
    return Lesson(net, net.samples([[1.0, 0.0]], [[1.0]]), 0.5)


def deep_lesson() -> Lesson:
    net = Network(DEEP_SHAPE, DEEP_W, DEEP_B)
    return Lesson(net, net.samples(DEEP_X, DEEP_Y), 0.5)


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


def shown(app, selector: str) -> str:
    """The plain text of the widget ``selector``."""
    return text_of(app.query_one(selector))


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


def derivation_rows(app):
    """The rows the grid's derivation (of the selected weight) shows."""
    shown_ = app.query_one(WideDerivation).shown
    assert shown_ is not None
    return shown_.rows


def derivation_row(app: BackpropApp, symbol: str):
    """The grid derivation's first row of ``symbol``."""
    found = [r for r in derivation_rows(app) if r.symbol == symbol]
    assert found, f"no row {symbol} in {[r.symbol for r in derivation_rows(app)]}"
    return found[0]


def assert_grid_matches_lesson(app: BackpropApp) -> None:
    """Every number of the grid and the selected neuron's panel is the lesson's."""
    lesson, s = app.lesson, app.main.sample
    fwd = lesson.forward_pass
    shape = lesson.shape
    grid = app.query_one(NetworkGrid)
    for k in range(1, shape[0] + 1):
        value = fitted(float(lesson.samples.x[s, k - 1]), 7 if grid.dense else 8)
        assert shown(app, f"#input-{k}") == (f"x{W.sub(k)} {value}" if grid.dense else value)
    for l in range(1, len(shape)):
        for j in range(1, shape[l] + 1):
            room = 8 if grid.dense else 11
            expected = "—" if fwd is None else fitted(float(fwd.a[l - 1][s, j - 1]), room, True)
            cell = app.query_one(f"#neuron-{l}-{j}")
            if grid.dense:
                mark = "▸" if (l, j) == (app.main.shown_layer, app.main.neuron) else " "
                expected = f"{mark}a{W.sub(j)} {expected}"
            assert text_of(cell) == expected
            assert cell.has_class("-selected") == ((l, j) == (app.main.shown_layer, app.main.neuron))
    net = lesson.network
    for k in range(1, shape[app.main.shown_layer - 1] + 1):
        field = app.query_one(f"#field-w-{k}", NumberField)
        assert field.shown == fitted(float(net.w[app.main.shown_layer - 1][app.main.neuron - 1, k - 1]), 9)
    b = app.query_one("#field-b", NumberField)
    assert b.shown == fitted(float(net.b[app.main.shown_layer - 1][app.main.neuron - 1]), 9)
    assert f"step {lesson.steps_done}" in shown(app, "#status")


def by_hand(shape, flat_w, flat_b, x, y):
    """Sigmoid, squared error: a(l) of every layer, and per layer l (1..L) ∂C/∂a(l),
    σ'(z(l)), ∂C/∂w(l) and ∂C/∂a(l−1), each per sample (computed here with numpy, not by
    the model)."""
    ws, bs, i, m = [], [], 0, 0
    for below, here in zip(shape, shape[1:]):
        ws.append(np.array(flat_w[i:i + here * below], dtype=float).reshape(here, below))
        bs.append(np.array(flat_b[m:m + here], dtype=float))
        i, m = i + here * below, m + here
    a = [np.array(x, dtype=float)]
    for w, b in zip(ws, bs):
        a.append(1.0 / (1.0 + np.exp(-(a[-1] @ w.T + b))))
    L = len(ws)
    upstream = 2.0 * (a[L] - np.array(y, dtype=float))
    factors = {}
    for l in range(L, 0, -1):
        prime = a[l] * (1.0 - a[l])
        delta = upstream * prime
        dC_dw = delta[:, :, None] * a[l - 1][:, None, :]
        passed = delta @ ws[l - 1]
        factors[l] = {"dC_da": upstream, "prime": prime, "dC_dw": dC_dw, "passed": passed}
        upstream = passed
    return a, factors


def lesson_by_hand(lesson: Lesson):
    """:func:`by_hand` of the lesson's network and samples."""
    net = lesson.network
    return by_hand(net.shape, net.flat_w, net.flat_b, lesson.samples.x, lesson.samples.y)


def check_layer(app: BackpropApp, factors, layer: int, L: int, samples: int) -> None:
    """The grid's selection, the derivation's title and rows are those of ``layer``, its
    values the hand-computed ``factors`` (:func:`by_hand`), and those values are on screen."""
    j, k, s = app.main.neuron, app.main.weight, app.main.sample
    lab = label(layer, L)
    assert app.main.shown_layer == layer
    assert app.query_one(f"#neuron-{layer}-{j}").has_class("-selected")
    assert str(app.query_one("#editor").border_title) == f"neuron {j} of ({lab})"
    w = param_sym("w", layer, j, k, L)
    derivation = app.query_one(WideDerivation)
    assert str(derivation.border_title).startswith(f"∂C/∂{w}")
    assert f"({lab})" in text_of(app.query_one("#message"))
    f = factors[layer]
    a_here = a_sym(layer, j, L)
    below = f"x{sub(k)}" if layer == 1 else a_sym(layer - 1, k, L)
    expected = {
        f"∂C/∂{a_here}": f["dC_da"][s, j - 1],
        f"∂{a_here}/∂z{sub(j)}({lab})": f["prime"][s, j - 1],
        f"∂C/∂{w}": f["dC_dw"][s, j - 1, k - 1],
        f"∂C/∂{below}": f["passed"][s, k - 1],
    }
    text = text_of(derivation)
    for symbol, value in expected.items():
        assert derivation_row(app, symbol).value == pytest.approx(float(value), rel=1e-12, abs=1e-15)
        assert number(float(value), True) in text  # on screen, as the model formats it
    if samples > 1:  # the last row: the mean over the samples that the step uses
        mean = derivation.shown.rows[-1]
        assert mean.symbol == f"∂C/∂{w}"
        assert mean.value == pytest.approx(float(f["dC_dw"][:, j - 1, k - 1].mean()), rel=1e-12)


def accuracy_by_hand(outputs, y) -> str:
    """``right/all``: the samples whose every output is on the side of 0.5 of its target."""
    right = ((np.asarray(outputs) >= 0.5) == (np.asarray(y) == 1.0)).all(axis=1)
    return f"{int(right.sum())}/{len(right)}"
