"""The projector's theme draws panel titles readable from the back of a room, the
colour-blind theme keeps to the Okabe–Ito colours, no theme tells anything by colour alone,
the terminal's cursor sits on the factor explained, and the help screen lists every theme."""

from __future__ import annotations

import pytest
from textual.color import Color

from backprop_tui.tui.app import BackpropApp
from backprop_tui.tui.screens.help import HelpScreen
from backprop_tui.tui.themes import (
    ABOUT,
    COLOUR_BLIND,
    HIGH_CONTRAST,
    OKABE_ITO,
    THEMES,
    theme_names,
)

from .helpers import app_for, lecture, screen_text, text_of, xor_lesson

SIZE = (80, 24)
TITLED = ("#input-panel", "#neuron-1", "#neuron-3", "#target-panel", "#derivation")


def contrast(one: Color, other: Color) -> float:
    """The ratio of two colours' brightness, as WCAG's contrast ratio (1 to 21)."""
    light, dark = sorted((one.brightness, other.brightness), reverse=True)
    return (light + 0.05) / (dark + 0.05)


async def test_the_projector_theme_s_panel_titles_are_bright():
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        for theme, bright in ((HIGH_CONTRAST.name, True), ("textual-dark", False),
                              (HIGH_CONTRAST.name, True)):
            app.theme = theme
            await pilot.pause()
            background = Color.parse(app.theme_variables["background"])
            for selector in TITLED:
                widget = app.query_one(selector)
                title, _, style = widget._get_title_style_information(background)
                if bright:
                    assert title == Color.parse(app.theme_variables["foreground"]), selector
                    assert title.a == 1 and contrast(title, background) > 15, selector
                    assert style.bold, selector
                else:  # other themes keep their titles in the border's colour
                    assert title.a == 0, selector


async def test_the_help_screen_lists_every_theme():
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        shown = " ".join(text_of(app.screen.query_one("#help-text")).split())
        assert "Themes" in shown and "--theme NAME" in shown
        for name in theme_names():
            assert name in shown, name
        for name in THEMES:  # the app's own, with what each is for
            assert f"{name} {ABOUT[name]}" in shown


def test_the_colour_blind_theme_takes_its_colours_from_okabe_ito():
    palette = set(OKABE_ITO.values())
    for colour in (COLOUR_BLIND.primary, COLOUR_BLIND.secondary, COLOUR_BLIND.accent,
                   COLOUR_BLIND.warning, COLOUR_BLIND.error, COLOUR_BLIND.success):
        assert colour in palette, colour
    # the three that carry a meaning are three different colours
    assert len({COLOUR_BLIND.accent, COLOUR_BLIND.error, COLOUR_BLIND.success}) == 3


async def _screens(lesson, keys: tuple[str, ...], theme: str) -> list[str]:
    app = BackpropApp(lesson, theme=theme)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*keys)
        await pilot.pause()
        return screen_text(app)


@pytest.mark.parametrize("make, keys, marks", [
    (lecture, ("f", "b"), ("▸", "┏", "−", "(L)")),
    (lambda: xor_lesson(), ("f", "b", "b"), ("▸", "┏", "−", "w₁₁(L−1)")),
    (lecture, ("z", "f", "b", *"5", "enter"), ("5.0000 is off by", "▸")),
], ids=["chain", "xor", "quiz"])
async def test_no_theme_tells_anything_by_colour_alone(make, keys, marks):
    """The screen's characters are the same in every theme, the projector's and the
    colour-blind one included: what a colour shows (the factor explained, the layer shown,
    a sign, a wrong answer) is also written, as ▸, a heavy border, −, words."""
    texts = {theme: await _screens(make(), keys, theme)
             for theme in ("textual-dark", HIGH_CONTRAST.name, COLOUR_BLIND.name)}
    first = texts["textual-dark"]
    for theme, text in texts.items():
        assert text == first, theme
    joined = "\n".join(first)
    for mark in marks:
        assert mark in joined, mark


async def test_the_terminal_cursor_sits_on_the_factor_being_explained():
    """A screen reader or a braille display that follows the cursor lands on the row the
    derivation marks with ▸ (the first one), after each b, on either screen."""
    for lesson, keys in ((lecture(), ("f", "b", "b")), (xor_lesson(), ("f", "b"))):
        app = BackpropApp(lesson)
        async with app.run_test(size=SIZE) as pilot:
            for key in keys:
                await pilot.press(key)
                await pilot.pause()
                rows = screen_text(app)
                marked = [y for y, row in enumerate(rows) if "│▸" in row or row.startswith("▸")]
                assert marked, rows
                x, y = app.cursor_position
                assert y == marked[0] and rows[y][x] == "▸", (key, x, y, rows[y])


async def test_in_the_graph_view_the_cursor_sits_on_the_step_shown():
    """T: the cursor on the first line marked ◀━━ (the edges b multiplied in last)."""
    app = BackpropApp(lecture())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "b", "b", "T")
        await pilot.pause()
        rows = screen_text(app)
        marked = [y for y, row in enumerate(rows) if "◀━━" in row and "─" in row.split("◀━━")[0]]
        assert marked, rows
        x, y = app.cursor_position
        assert y == marked[0] and "z(L−1)" in rows[y], (x, y, rows[y])
