"""The projector's theme draws panel titles readable from the back of a room, and the
help screen lists every theme."""

from __future__ import annotations

from textual.color import Color

from backprop_tui.tui.screens.help import HelpScreen
from backprop_tui.tui.themes import ABOUT, HIGH_CONTRAST, THEMES, theme_names

from .helpers import app_for, text_of

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
